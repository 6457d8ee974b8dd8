#pragma once

// Everything built from one configuration, rebuilt on reload: credentials, the API client, the
// inventory, the alert lifecycle and dispatcher, one poller and one inventory refresher per
// region. The event loop, the store, the HTTP
// client, the metrics and the endpoint outlive it.

#include <boost/asio/io_context.hpp>
#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "daemon/alerting/dispatcher.h"
#include "daemon/alerting/rules.h"
#include "daemon/api/credentials.h"
#include "daemon/api/swas_client.h"
#include "daemon/app/inventory.h"
#include "daemon/config/config.h"
#include "daemon/core/clock.h"
#include "daemon/http/curl_http_client.h"
#include "daemon/inventory/refresher.h"
#include "daemon/metrics/inventory_metrics.h"
#include "daemon/metrics/metrics.h"
#include "daemon/poller/region_poller.h"
#include "daemon/state/store.h"

namespace swas::app {

// Hands each poll's transitions to every consumer in turn.
class FanoutSink final : public core::TransitionSink {
 public:
  explicit FanoutSink(std::vector<core::TransitionSink*> sinks) : sinks_(std::move(sinks)) {}
  void onTransitions(const std::string& region_id, const std::vector<core::Transition>& transitions,
                     const std::vector<core::OverallChange>& overall_changes) override {
    for (auto* sink : sinks_) sink->onTransitions(region_id, transitions, overall_changes);
  }

 private:
  std::vector<core::TransitionSink*> sinks_;
};

// The long-lived parts a runtime is built over.
struct RuntimeDeps {
  boost::asio::io_context& io;
  const core::Clock& clock;
  core::Random& random;
  http::CurlHttpClient& http;
  const util::EnvLookup& env;
  state::Store& store;
  metrics::Metrics& metrics;
  metrics::InventoryMetrics& inventory_metrics;
  alerting::UnrecordedOutcomes& unrecorded;
  core::TransitionSink& external_sink;
};

struct Runtime {
  config::Config config;
  std::unique_ptr<api::CredentialsProvider> credentials;
  std::unique_ptr<api::SwasClientImpl> client;
  std::unique_ptr<InstanceInventory> inventory;  // the lifecycle's directory: outlives it
  std::unique_ptr<alerting::Lifecycle> lifecycle;
  std::unique_ptr<alerting::Dispatcher> dispatcher;
  std::unique_ptr<FanoutSink> sink;
  std::vector<std::unique_ptr<poller::RegionPoller>> pollers;
  std::vector<std::unique_ptr<inventory::Refresher>> refreshers;  // one per poller, its gate
  bool delivering = false;
  uint64_t credential_failures_seen = 0;  // of `credentials`, already exported

  ~Runtime() { stop(); }
  void start();
  void stop();
  // A poll or a delivery is in flight.
  bool busy() const;
  // One line for systemd's STATUS= and the reload log.
  std::string summary() const;
};

// The object graph of `config` over `deps`; the message says what failed.
std::expected<std::unique_ptr<Runtime>, std::string> buildRuntime(const config::Config& config,
                                                                  const RuntimeDeps& deps);

}  // namespace swas::app
