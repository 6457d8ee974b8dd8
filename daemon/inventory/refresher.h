#pragma once

// One region's inventory, read at start and every `refresh`: ListInstances page by page, then
// DescribeCloudAssistantStatus for the Running instances (50 IDs a call), every call through the
// region's api::CallGate, so the inventory shares the polls' token bucket and in-flight cap.
// A refresh that fails changes nothing (the last inventory stays) and is tried again sooner;
// polling never waits for it. A listing short of its TotalCount, or one that repeats a page,
// fails (a shrunken inventory would unwatch instances); when only the agents' call fails, the
// names and tags go through with every agent unknown.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/api/call_gate.h"
#include "daemon/api/swas_client.h"
#include "daemon/core/clock.h"
#include "daemon/core/error.h"
#include "daemon/core/scope.h"
#include "daemon/inventory/instances.h"

namespace swas::inventory {

struct RefreshOptions {
  core::Scope scope;  // its key is the directory's; its region the calls go to
  std::chrono::milliseconds refresh{std::chrono::minutes(5)};
  // After a failed refresh, the next try comes after min(refresh, retry_after_failure).
  std::chrono::milliseconds retry_after_failure{std::chrono::minutes(1)};
  // A hostile TotalCount cannot make a refresh walk forever.
  int max_pages = 1000;
};

struct RefreshOutcome {
  std::expected<std::vector<Instance>, core::Error> instances;
  // DescribeCloudAssistantStatus failed: `instances` has the agents' last known states (those of
  // the last refresh whose agents' call worked; unknown before one did).
  std::optional<core::Error> agents_error;
  int api_calls = 0;
};

class Refresher {
 public:
  // `on_inventory` gets each successful refresh's instances, on the loop.
  using Listener = std::function<void(const std::string& region_id, std::vector<Instance>)>;
  Refresher(boost::asio::io_context& io, api::SwasClient& client,
            std::shared_ptr<api::CallGate> gate, const core::Clock& clock, RefreshOptions options,
            Listener on_inventory);
  ~Refresher();
  Refresher(const Refresher&) = delete;
  Refresher& operator=(const Refresher&) = delete;

  // Refreshes now, then on schedule, until stop().
  void start();
  void stop();
  // One refresh now, without the schedule; `done` runs on the loop (the listener runs first).
  void refreshOnce(std::function<void(RefreshOutcome)> done);
  bool refreshing() const;
  const core::Scope& scope() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace swas::inventory
