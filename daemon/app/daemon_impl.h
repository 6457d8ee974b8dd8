#pragma once

// Daemon's parts (private to app): the long-lived objects, the current runtime and the run loop.

#include <prometheus/registry.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "daemon/alerting/receivers/chat_receiver.h"
#include "daemon/alerting/relay/relay.h"
#include "daemon/app/daemon.h"
#include "daemon/app/options.h"
#include "daemon/app/runtime.h"
#include "daemon/hints/event_door.h"
#include "daemon/metrics/endpoint.h"
#include "daemon/metrics/hint_metrics.h"
#include "daemon/metrics/server_stats.h"
#include "daemon/metrics/shard_metrics.h"
#include "daemon/ops/status_page.h"
#include "daemon/ops/status_recorder.h"
#include "daemon/systemd/notifier.h"
#include "daemon/util/throttle.h"

namespace swas::app {
namespace asio = boost::asio;

struct Daemon::Impl {
  Impl(config::Config c, util::EnvLookup e, std::string path)
      : config_path(std::move(path)),
        env(std::move(e)),
        random(core::makeRandom()),
        http(io, {.user_agent = userAgent(), .max_connections_per_host = connectionsPerHost(c)}),
        health(clock, metrics::stuckAfter(shortestInterval(c))),
        metrics(registry, clock, metricsOptions(c)),
        // Alertmanager's notifications to the relay are larger than any other request (and
        // only those whose head bears the relay's token may be: init() says which).
        endpoint(registry, health,
                 http::ServerLimits{.max_large_body_bytes = alerting::kMaxRelayBody}),
        deliveries(metrics, clock),
        notifier(env),
        initial(std::move(c)) {}

  RuntimeDeps deps() {
    return {io,         clock,          *random,           http, env, *store, metrics, deliveries,
            unrecorded, *external_sink, health.startedMs()};
  }

  // The parts that outlive runtimes follow the runtime's regions (the configuration's, or those
  // ListRegions listed) and receivers: series, readiness.
  void follow() {
    const config::Config& config = rt->config();
    std::vector<std::string> regions = rt->regionIds(), receivers;
    for (const auto& r : config.alerts.receivers) receivers.push_back(r.name);
    // An account of region_id: all that knows no region yet is followed as its own scope: down.
    for (const auto& u : rt->undiscovered()) regions.push_back(u.key);
    metrics.follow(regions, receivers);
    health.follow(regions, metrics::stuckAfter(shortestInterval(config)));
    shard_metrics.publish({config.cluster.shards, config.cluster.shard, config.cluster.replicas,
                           rt->regionIds().size(), rt->knownScopes()});
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
  std::unique_ptr<ops::StatusPage> page;   // before the endpoint: its thread renders the page
  std::atomic<bool> status_page_on{true};  // http.status_page, read by the page's thread
  alerting::Relay relay{metrics, clock};   // its token read by the endpoint's thread too
  metrics::HintMetrics hint_metrics{registry};
  metrics::ShardMetrics shard_metrics{registry};
  hints::EventDoor events{hint_metrics};  // ECS's event hints; its token read there too
  metrics::Endpoint endpoint;
  ops::DeliveryTracker deliveries;  // between the dispatchers and the metrics
  systemd::Notifier notifier;
  config::Config initial;  // until init() builds the first runtime
  std::string log_level_override;
  core::TransitionSink* external_sink = nullptr;
  std::unique_ptr<state::Store> store;
  std::optional<ops::StatusRecorder> status_recorder;  // once the store is open
  alerting::UnrecordedOutcomes unrecorded;             // outlives runtimes, like the store
  metrics::ServerStatsExport server_stats{metrics};    // of the endpoint's listener
  std::unique_ptr<Runtime> rt;
  // Makes `built` the runtime; the parts that outlive it follow its regions from then on.
  void adopt(std::unique_ptr<Runtime> built) {
    rt = std::move(built);
    std::vector<alerting::RelayTarget> targets;
    for (const auto& r : rt->config().alerts.receivers) {
      if (alerting::isChatType(r.type)) targets.push_back({r.name, r.send_resolved});
    }
    events.configure(rt->tokens().event);
    relay.configure({.token = rt->tokens().relay,
                     .targets = std::move(targets),
                     .store = store.get(),
                     .queued = [this] {
                       if (rt) rt->deliverStored();
                     }});
    status_page_on = rt->config().http.status_page;
    health.setLayout(rt->config().cluster.peers.empty() ? "" : clusterLayout(rt->config()));
    rt->onRegionsChanged([this] { follow(); });
    follow();
  }

  // The run loop: the heartbeat, SIGHUP reloads and a graceful stop (daemon_loop.cc).
  int run();
  void beat();
  void refresh();
  void recordStatus(const std::vector<Runtime::Undiscovered>& undiscovered);
  config::Duration beatEvery();
  void whenIdle(std::function<void()> then);
  void waitForHangup();
  void reload();
  void apply(PreparedRuntime next);
  void waitForStop();
  void stop(int signal);

  std::optional<asio::steady_timer> heartbeat, deadline, idle_check;
  std::optional<asio::signal_set> stop_signals, hangup;
  bool stopping = false;
  bool reloading = false;
  // After polls, at most every 250 ms (polls ending closer share one); outlives the loop's runs.
  util::Throttle refresh_soon{io, std::chrono::milliseconds(250), [this] { refresh(); }};
  std::string last_status;
};

}  // namespace swas::app
