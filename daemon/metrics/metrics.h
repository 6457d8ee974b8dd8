#pragma once

// Every metric family of the daemon, defined in metrics.cc on an injected registry. Values come
// from the daemon's own polling and alerting; a scrape only reads them.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/alert.h"
#include "daemon/core/clock.h"
#include "daemon/core/instance.h"
#include "daemon/core/invocation.h"
#include "daemon/core/poll_observer.h"

namespace prometheus {
class Registry;
}

namespace swas::metrics {

class InventoryMetrics;

struct MetricsOptions {
  std::vector<std::string> regions;
  std::vector<std::string> receivers;  // alert receiver names
  std::string version;
  std::string revision;
};

// Updated from the event loop, read by scrapes on another thread (prometheus-cpp's metrics are
// thread-safe).
class Metrics final : public core::PollObserver,
                      public core::TransitionSink,
                      public core::AlertObserver,
                      public core::RelayObserver,
                      public core::InventoryObserver {
 public:
  Metrics(prometheus::Registry& registry, const core::Clock& clock, const MetricsOptions& options);
  ~Metrics() override;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Adds the series of regions and receivers newly configured and removes the gauges (and the
  // inventory's series) of those no longer configured (on start and on reload).
  void follow(const std::vector<std::string>& regions, const std::vector<std::string>& receivers);

  void onApiRequest(const std::string& region_id, const std::string& action,
                    const std::string& code, double seconds) override;
  void onPollFinished(const std::string& region_id, bool ok, double seconds, bool full_walk,
                      int api_calls) override;
  void onTrackedCounts(const std::string& region_id, const core::TrackedCounts& counts) override;
  void onSkippedTicks(const std::string& region_id, int count) override;
  void onPagingFallback(const std::string& region_id) override;
  void onTransitions(const std::string& region_id, const std::vector<core::Transition>& transitions,
                     const std::vector<core::OverallChange>& overall_changes) override;

  void onNotifications(const std::string& receiver, std::string_view outcome, int count) override;
  void onQueueLength(const std::string& receiver, int64_t waiting) override;
  void onAlertsFiring(int64_t firing) override;
  void onUnrouted() override;
  void onPeerFailure(const std::string& receiver, const std::string& peer) override;
  // The inventory's series (inventory_metrics.h).
  void onInventory(const std::string& region_id,
                   const std::vector<core::InstanceRecord>& all) override;
  void onInventoryForgotten(const std::string& region_id) override;
  // Every observer's (one counter family).
  void onStateError(std::string_view operation) override;
  void onApiAnomaly(const std::string& region_id, std::string_view kind, int count) override;
  // The chat relay: one request answered with `code`; a stored notification's alerts.
  void onRelayRequest(int code) override;
  void onRelayedAlerts(const std::string& receiver, size_t queued, size_t repeated) override;
  // Credential refreshes (STS or ECS role) that failed, since the last call.
  void onCredentialRefreshFailures(uint64_t count);
  // Connections the /metrics listener closed or refused, since the last call, by reason:
  // evicted, refused, timed_out, too_large, accept_error.
  void onHttpConnectionsClosed(std::string_view reason, uint64_t count);
  // Called after each poll's figures are recorded, on the poller's loop: what follows the polls
  // (health, readiness, the status) is refreshed then instead of by a timer.
  void onEachPoll(std::function<void()> listener) { poll_listener_ = std::move(listener); }

 private:
  std::function<void()> poll_listener_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<InventoryMetrics> inventory_;
};

inline constexpr std::string_view kTextFormat = "text/plain; version=0.0.4; charset=utf-8";
// The registry in the Prometheus text format 0.0.4.
std::string serializeText(prometheus::Registry& registry);

}  // namespace swas::metrics
