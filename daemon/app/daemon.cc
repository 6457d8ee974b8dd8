#include "daemon/app/daemon.h"

#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstring>
#include <fstream>
#include <limits>
#include <ostream>
#include <set>
#include <sstream>

#include "daemon/alerting/dispatcher.h"
#include "daemon/alerting/rules.h"
#include "daemon/api/swas_client.h"
#include "daemon/app/logging.h"
#include "daemon/app/notifier.h"
#include "daemon/app/options.h"
#include "daemon/core/clock.h"
#include "daemon/http/curl_http_client.h"
#include "daemon/metrics/endpoint.h"
#include "daemon/metrics/metrics.h"
#include "daemon/poller/region_poller.h"
#include "daemon/state/store.h"

namespace swas::app {
namespace asio = boost::asio;

namespace {

constexpr auto kShutdownBudget = std::chrono::seconds(10);

std::string userAgent() { return std::string("swas-invocation-monitor/") + SWAS_VERSION; }

// Hands each poll's transitions to every consumer in turn.
class FanoutSink final : public core::TransitionSink {
 public:
  FanoutSink(std::initializer_list<core::TransitionSink*> sinks) : sinks_(sinks) {}
  void onTransitions(const std::string& region_id, const std::vector<core::Transition>& transitions,
                     const std::vector<core::OverallChange>& overall_changes) override {
    for (auto* sink : sinks_) sink->onTransitions(region_id, transitions, overall_changes);
  }

 private:
  std::vector<core::TransitionSink*> sinks_;
};

}  // namespace

// Everything built from one configuration, rebuilt on reload. The store, the HTTP client, the
// metrics and the endpoint outlive it.
struct Runtime {
  config::Config config;
  std::unique_ptr<api::CredentialsProvider> credentials;
  std::unique_ptr<api::SwasClientImpl> client;
  std::unique_ptr<alerting::Lifecycle> lifecycle;
  std::unique_ptr<alerting::Dispatcher> dispatcher;
  std::unique_ptr<FanoutSink> sink;
  std::vector<std::unique_ptr<poller::RegionPoller>> pollers;
  bool delivering = false;
  uint64_t credential_failures_seen = 0;  // of `credentials`, already exported

  ~Runtime() { stop(); }
  void start() {
    delivering = true;
    dispatcher->start();
    for (auto& p : pollers) p->start();
  }
  void stop() {
    for (auto& p : pollers) p->stop();
    if (dispatcher) dispatcher->stop();
    delivering = false;
  }
  bool busy() const {
    return std::any_of(pollers.begin(), pollers.end(),
                       [](const auto& p) { return p->polling(); }) ||
           (dispatcher && !dispatcher->idle());
  }
  // One line for systemd's STATUS= and the reload log.
  std::string summary() const {
    size_t up =
        std::count_if(pollers.begin(), pollers.end(), [](const auto& p) { return p->up(); });
    return std::to_string(up) + " of " + std::to_string(pollers.size()) + " region(s) up, " +
           std::to_string(lifecycle->firing()) + " alert(s) firing, " +
           std::to_string(config.alerts.receivers.size()) + " receiver(s)";
  }
};

struct Daemon::Impl {
  Impl(config::Config c, api::EnvLookup e, std::string path)
      : config_path(std::move(path)),
        env(std::move(e)),
        random(core::makeRandom()),
        http(io, {.user_agent = userAgent(),
                  .max_connections_per_host = std::max<long>(2, c.api.max_in_flight)}),
        health(clock, 3 * shortestInterval(c)),
        metrics(registry, clock, metricsOptions(c)),
        endpoint(registry, health),
        notifier(env),
        initial(std::move(c)) {}

  // The object graph of `config` over the open store.
  std::expected<std::unique_ptr<Runtime>, std::string> build(const config::Config& config) {
    auto rt = std::make_unique<Runtime>();
    rt->config = config;
    auto credentials = api::makeCredentialsProvider(config.credentials, env, http, clock);
    if (!credentials) return std::unexpected(credentials.error());
    rt->credentials = std::move(*credentials);
    rt->client = std::make_unique<api::SwasClientImpl>(
        http, *rt->credentials, clock, *random,
        api::SwasClientOptions{config.api.endpoint, config.api.signature, config.api.timeout,
                               userAgent()});
    rt->lifecycle = std::make_unique<alerting::Lifecycle>(lifecycleOptions(config));
    auto firing = store->alerts(std::numeric_limits<int64_t>::max());
    if (!firing) return std::unexpected("reading alerts from the state: " + firing.error().message);
    auto successes = store->latestSuccesses();
    if (!successes) {
      return std::unexpected("reading successes from the state: " + successes.error().message);
    }
    rt->lifecycle->load(*firing, *successes);
    auto receivers = makeReceivers(config);
    if (!receivers) return std::unexpected(receivers.error());
    rt->dispatcher = std::make_unique<alerting::Dispatcher>(
        io, http, *store, *rt->lifecycle, metrics, clock, *random, std::move(*receivers),
        deliveryOptions(config), unrecorded);
    Runtime* raw = rt.get();
    rt->lifecycle->onChange([raw] {
      if (raw->delivering) raw->dispatcher->kick();
    });
    rt->sink = std::make_unique<FanoutSink>(
        std::initializer_list<core::TransitionSink*>{&metrics, external_sink});
    for (const auto& region : config.regions) {
      auto p = std::make_unique<poller::RegionPoller>(io, *rt->client, *store, *rt->sink,
                                                      *rt->lifecycle, metrics, clock, *random,
                                                      regionOptions(config, region));
      if (auto ok = p->init(); !ok) {
        return std::unexpected("state of region " + region.region_id + ": " + ok.error());
      }
      rt->pollers.push_back(std::move(p));
    }
    return rt;
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

  // The parts that outlive runtimes follow the configuration: series, readiness, log level.
  void follow(const config::Config& config) {
    std::vector<std::string> regions, receivers;
    for (const auto& r : config.regions) regions.push_back(r.region_id);
    for (const auto& r : config.alerts.receivers) receivers.push_back(r.name);
    metrics.follow(regions, receivers);
    health.follow(regions, 3 * shortestInterval(config));
  }

  std::string config_path;
  api::EnvLookup env;
  asio::io_context io;
  core::SystemClock clock;
  std::unique_ptr<core::Random> random;
  http::CurlHttpClient http;
  prometheus::Registry registry;
  metrics::Health health;
  metrics::Metrics metrics;
  metrics::Endpoint endpoint;
  Notifier notifier;
  config::Config initial;  // until init() builds the first runtime
  std::string log_level_override;
  core::TransitionSink* external_sink = nullptr;
  std::unique_ptr<state::Store> store;
  alerting::UnrecordedOutcomes unrecorded;  // outlives runtimes, like the store
  http::ServerStats server_seen;            // of the endpoint's listener, already exported
  std::unique_ptr<Runtime> rt;
};

Daemon::Daemon(config::Config config, api::EnvLookup env, std::string config_path)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(env), std::move(config_path))) {}

Daemon::~Daemon() {
  if (impl_->rt) impl_->rt->stop();
  impl_->http.cancelAll();
  impl_->io.restart();
  impl_->io.poll();  // let cancelled polls unwind before their owners go
  impl_->rt.reset();
}

void Daemon::overrideLogLevel(std::string level) { impl_->log_level_override = std::move(level); }

std::expected<void, std::string> Daemon::init(core::TransitionSink& sink) {
  Impl& d = *impl_;
  d.external_sink = &sink;
  auto store = state::Store::open(d.initial.state.path);
  if (!store) return std::unexpected(store.error());
  d.store = std::move(*store);
  auto rt = d.build(d.initial);
  if (!rt) return std::unexpected(rt.error());
  d.rt = std::move(*rt);
  spdlog::info("credentials from {}; state in {}; {} region(s), {} receiver(s)",
               d.rt->credentials->source(), d.store->path(), d.rt->pollers.size(),
               d.rt->config.alerts.receivers.size());
  return {};
}

int Daemon::once(std::ostream& err) {
  Impl& d = *impl_;
  size_t pending = d.rt->pollers.size();
  int failures = 0;
  for (auto& p : d.rt->pollers) {
    p->pollOnce(true, [&, region = p->regionId()](poller::PollOutcome outcome) {
      if (!outcome.ok) {
        ++failures;
        err << "swas-invocation-monitor: region " << region << ": " << core::describe(outcome.error)
            << "\n";
      }
      if (--pending == 0) d.io.stop();
    });
  }
  if (pending > 0) d.io.run();
  return failures == 0 ? 0 : 1;
}

int Daemon::run() {
  Impl& d = *impl_;
  auto serving = d.endpoint.start(d.rt->config.http.listen);
  if (!serving) {
    spdlog::error("cannot serve /metrics: {}; set http.listen to a free HOST:PORT",
                  serving.error());
    return 1;
  }
  spdlog::info("serving /metrics, /healthz and /readyz on http://{}", *serving);
  d.rt->start();
  d.notifier.ready(d.rt->summary());

  // The heartbeat proves the loop turns (/healthz, the systemd watchdog) and publishes each
  // region's readiness and the status line.
  asio::steady_timer heartbeat(d.io);
  auto beat_every = [&] {
    auto every = std::clamp<config::Duration>(
        shortestInterval(d.rt->config) / 4, std::chrono::milliseconds(10), std::chrono::seconds(1));
    if (auto wd = d.notifier.watchdogEvery()) {
      every = std::min(every, std::chrono::duration_cast<config::Duration>(*wd));
    }
    return every;
  };
  std::string last_status;
  std::function<void()> beat = [&] {
    d.health.beat();
    d.notifier.watchdog();
    for (const auto& p : d.rt->pollers) {
      std::string reason = p->downReason().empty() ? "first poll in progress"
                                                   : "last poll failed: " + p->downReason();
      d.health.setRegion(p->regionId(), p->completedOnePoll(), reason);
    }
    d.health.setProblem("state", d.rt->dispatcher->storageProblem());
    if (uint64_t failures = d.rt->credentials->refreshFailures();
        failures > d.rt->credential_failures_seen) {
      d.metrics.onCredentialRefreshFailures(failures - d.rt->credential_failures_seen);
      d.rt->credential_failures_seen = failures;
    }
    d.exportServerStats();
    if (std::string status = d.rt->summary(); status != last_status) {
      d.notifier.status(status);
      last_status = status;
    }
    heartbeat.expires_after(beat_every());
    heartbeat.async_wait([&](boost::system::error_code ec) {
      if (!ec) beat();
    });
  };
  beat();

  asio::signal_set stop_signals(d.io, SIGTERM, SIGINT);
  asio::signal_set hangup(d.io, SIGHUP);
  asio::steady_timer deadline(d.io);
  asio::steady_timer idle_check(d.io);
  bool stopping = false;
  bool reloading = false;
  // Calls `then` once nothing is in flight (polls, deliveries), checking every 20 ms. Never
  // synchronously: handlers that stop() cancelled must run before anything is torn down.
  std::function<void(std::function<void()>)> when_idle = [&](std::function<void()> then) {
    idle_check.expires_after(std::chrono::milliseconds(20));
    idle_check.async_wait([&, then](boost::system::error_code ec) {
      if (ec) return;
      if (d.rt->busy()) {
        when_idle(then);
      } else {
        then();
      }
    });
  };

  std::function<void()> wait_hangup;
  auto reload = [&] {
    auto next = config::loadConfig(d.config_path, d.env);
    if (!next) {
      spdlog::error("SIGHUP: {} has {} problem(s); still running the previous configuration:",
                    d.config_path, next.error().size());
      for (const auto& problem : next.error()) spdlog::error("  {}", problem);
      return;
    }
    for (const auto& warning : next->warnings) spdlog::warn("{}", warning);
    if (next->state.path != d.rt->config.state.path) {
      spdlog::error(
          "SIGHUP: state.path changed ({} -> {}); that takes a restart. Still running "
          "the previous configuration",
          d.rt->config.state.path, next->state.path);
      return;
    }
    reloading = true;
    d.notifier.reloading();
    d.rt->stop();
    // In-flight polls and deliveries finish first: they hold the runtime being replaced.
    when_idle([&, next = std::move(*next)]() mutable {
      reloading = false;
      if (stopping) return;
      config::Config previous = d.rt->config;
      d.rt.reset();
      auto rt = d.build(next);
      if (!rt) {
        spdlog::error("SIGHUP: cannot apply {}: {}; still running the previous configuration",
                      d.config_path, rt.error());
        rt = d.build(previous);
        if (!rt) {
          spdlog::critical("cannot rebuild the previous configuration either: {}", rt.error());
          d.io.stop();
          return;
        }
      } else if (next.http.listen != previous.http.listen || !d.endpoint.serving()) {
        // Moved, or off since an earlier reload's address was busy: bind (again).
        d.endpoint.stop();
        auto bound = d.endpoint.start(next.http.listen);
        if (!bound) {
          spdlog::error("SIGHUP: {}; /metrics stays off until a reload with a free address",
                        bound.error());
        } else {
          spdlog::info("serving /metrics, /healthz and /readyz on http://{}", *bound);
        }
      }
      d.rt = std::move(*rt);
      d.follow(d.rt->config);
      if (d.log_level_override.empty()) {
        spdlog::set_level(spdlog::level::from_str(d.rt->config.log.level));
      }
      setLogFormat(d.rt->config.log.format);
      d.rt->start();
      spdlog::info("reloaded {}: {}", d.config_path, d.rt->summary());
      d.notifier.ready(d.rt->summary());
    });
  };
  wait_hangup = [&] {
    hangup.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      if (reloading) {
        spdlog::warn("SIGHUP: a reload is already in progress");
      } else {
        spdlog::info("SIGHUP: reloading {}", d.config_path);
        reload();
      }
      wait_hangup();
    });
  };
  wait_hangup();

  stop_signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: stopping", signal);
    stopping = true;
    d.notifier.stopping();
    for (auto& p : d.rt->pollers) p->stop();
    hangup.cancel();
    heartbeat.cancel();
    // Polls in flight may finish (their results are committed), and pending notifications get
    // one last attempt, within the budget.
    d.rt->dispatcher->drain();
    deadline.expires_after(kShutdownBudget);
    deadline.async_wait([&](boost::system::error_code) {
      d.http.cancelAll();
      d.io.stop();
    });
    when_idle([&] { d.io.stop(); });
  });
  d.io.run();
  d.rt->stop();
  d.endpoint.stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace swas::app
