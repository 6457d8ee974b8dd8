#pragma once

// Daemon's parts (private to app): the long-lived objects, the current runtime and the run loop.

#include <prometheus/registry.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "daemon/app/daemon.h"
#include "daemon/app/notifier.h"
#include "daemon/app/options.h"
#include "daemon/app/relay.h"
#include "daemon/app/runtime.h"
#include "daemon/app/status_page.h"
#include "daemon/app/status_recorder.h"
#include "daemon/metrics/endpoint.h"

namespace swas::app {
namespace asio = boost::asio;

struct Daemon::Impl {
  Impl(config::Config c, util::EnvLookup e, std::string path)
      : config_path(std::move(path)),
        env(std::move(e)),
        random(core::makeRandom()),
        http(io, {.user_agent = userAgent(), .max_connections_per_host = connectionsPerHost(c)}),
        health(clock, 3 * shortestInterval(c)),
        metrics(registry, clock, metricsOptions(c)),
        inventory_metrics(registry),
        // Alertmanager's notifications to the relay are larger than any other request.
        endpoint(registry, health,
                 http::ServerLimits{.large_body_prefix = std::string(kRelayPrefix),
                                    .max_large_body_bytes = kMaxRelayBody}),
        deliveries(metrics, clock),
        notifier(env),
        initial(std::move(c)) {}

  RuntimeDeps deps() {
    return {io,         clock,      *random,       http, env, *store, metrics, inventory_metrics,
            deliveries, unrecorded, *external_sink};
  }

  // What the /metrics listener had to close or refuse since the last look, as counters.
  void exportServerStats() {
    http::ServerStats now = endpoint.serverStats();
    auto add = [&](std::string_view reason, uint64_t value, uint64_t& seen) {
      if (value > seen) metrics.onHttpConnectionsClosed(reason, value - seen);
      seen = value;
    };
    add("evicted", now.evicted, server_seen.evicted);
    add("refused", now.refused, server_seen.refused);
    add("timed_out", now.timed_out, server_seen.timed_out);
    add("too_large", now.too_large, server_seen.too_large);
    add("accept_error", now.accept_errors, server_seen.accept_errors);
  }

  // The parts that outlive runtimes follow the runtime's regions (the configuration's, or those
  // ListRegions listed) and receivers: series, readiness.
  void follow() {
    const config::Config& config = rt->config;
    std::vector<std::string> regions = rt->regionIds(), receivers;
    for (const auto& r : config.alerts.receivers) receivers.push_back(r.name);
    metrics.follow(regions, receivers);
    inventory_metrics.follow(regions);
    health.follow(regions, 3 * shortestInterval(config));
  }

  std::string config_path;
  util::EnvLookup env;
  asio::io_context io;
  core::SystemClock clock;
  std::unique_ptr<core::Random> random;
  http::CurlHttpClient http;
  prometheus::Registry registry;
  metrics::Health health;
  metrics::Metrics metrics;
  metrics::InventoryMetrics inventory_metrics;
  std::unique_ptr<StatusPage> page;  // before the endpoint: its thread renders the page
  metrics::Endpoint endpoint;
  DeliveryTracker deliveries;  // between the dispatchers and the metrics
  Notifier notifier;
  config::Config initial;  // until init() builds the first runtime
  std::string log_level_override;
  core::TransitionSink* external_sink = nullptr;
  std::unique_ptr<state::Store> store;
  std::optional<StatusRecorder> status_recorder;  // once the store is open
  alerting::UnrecordedOutcomes unrecorded;        // outlives runtimes, like the store
  http::ServerStats server_seen;                  // of the endpoint's listener, already exported
  std::unique_ptr<Runtime> rt;
  // Makes `built` the runtime; the parts that outlive it follow its regions from then on.
  void adopt(std::unique_ptr<Runtime> built) {
    rt = std::move(built);
    rt->on_regions_changed = [this] { follow(); };
    follow();
  }

  // The run loop: the heartbeat, SIGHUP reloads and a graceful stop (daemon_loop.cc).
  int run();
  void beat();
  config::Duration beatEvery();
  void whenIdle(std::function<void()> then);
  void waitForHangup();
  void reload();
  void apply(config::Config next);
  void waitForStop();
  void stop(int signal);

  std::optional<asio::steady_timer> heartbeat, deadline, idle_check;
  std::optional<asio::signal_set> stop_signals, hangup;
  bool stopping = false;
  bool reloading = false;
  std::string last_status;
};

}  // namespace swas::app
