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
#include <sstream>

#include "daemon/alerting/dispatcher.h"
#include "daemon/alerting/rules.h"
#include "daemon/api/swas_client.h"
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

poller::RegionOptions regionOptions(const config::Config& c, const config::RegionSettings& r) {
  poller::RegionOptions o;
  o.region_id = r.region_id;
  o.watched_instances = {r.instance_ids.begin(), r.instance_ids.end()};
  o.command_type = r.command_type;
  o.command_name = r.command_name;
  o.interval = c.intervalOf(r);
  o.jitter = c.poll.jitter;
  o.page_size = c.poll.page_size;
  o.full_scan_every = std::chrono::duration_cast<std::chrono::seconds>(c.poll.full_scan_every);
  o.initial_lookback = std::chrono::duration_cast<std::chrono::seconds>(c.poll.initial_lookback);
  o.retention = std::chrono::duration_cast<std::chrono::seconds>(c.state.retention);
  o.rate_limit = c.api.rate_limit;
  o.max_in_flight = c.api.max_in_flight;
  o.alert_condition = {c.alerts.statuses, c.alerts.error_codes};
  return o;
}

metrics::MetricsOptions metricsOptions(const config::Config& c) {
  metrics::MetricsOptions o{.version = SWAS_VERSION, .revision = SWAS_REVISION};
  for (const auto& r : c.regions) o.regions.push_back(r.region_id);
  for (const auto& r : c.alerts.receivers) o.receivers.push_back(r.name);
  return o;
}

config::Duration shortestInterval(const config::Config& c) {
  config::Duration shortest = c.poll.interval;
  for (const auto& r : c.regions) shortest = std::min(shortest, c.intervalOf(r));
  return shortest;
}

// A URL or secret kept in a file, without surrounding whitespace. The contents never reach a log.
std::expected<std::string, std::string> readSecretFile(const std::string& path,
                                                       const std::string& what) {
  std::ifstream in(path);
  if (!in) return std::unexpected("cannot read " + what + " " + path + ": " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  std::string value = text.str();
  auto first = value.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return std::unexpected(what + " " + path + " is empty");
  value = value.substr(first, value.find_last_not_of(" \t\r\n") - first + 1);
  return value;
}

std::expected<std::vector<std::unique_ptr<alerting::Receiver>>, std::string> makeReceivers(
    const config::Config& c) {
  std::vector<std::unique_ptr<alerting::Receiver>> out;
  std::string external_url = "http://" + c.http.listen;
  for (const auto& r : c.alerts.receivers) {
    alerting::ReceiverConfig rc{
        r.name,    r.type,    r.url,           "",
        r.headers, r.timeout, r.send_resolved, static_cast<size_t>(r.max_alerts_per_message)};
    if (!r.url_file.empty()) {
      auto url = readSecretFile(r.url_file, "receiver " + r.name + " url_file");
      if (!url) return std::unexpected(url.error());
      rc.url = *url;
    }
    if (!r.hmac_secret_file.empty()) {
      auto secret = readSecretFile(r.hmac_secret_file, "receiver " + r.name + " hmac_secret_file");
      if (!secret) return std::unexpected(secret.error());
      rc.hmac_secret = *secret;
    }
    out.push_back(alerting::makeReceiver(std::move(rc), external_url));
  }
  return out;
}

alerting::LifecycleOptions lifecycleOptions(const config::Config& c) {
  alerting::LifecycleOptions o;
  for (const auto& r : c.alerts.receivers) o.receivers.push_back({r.name, r.send_resolved});
  o.resolve_on_success = c.alerts.resolve_on_success;
  o.resolve_timeout = std::chrono::duration_cast<std::chrono::seconds>(c.alerts.resolve_timeout);
  return o;
}

alerting::DeliveryOptions deliveryOptions(const config::Config& c) {
  alerting::DeliveryOptions o;
  o.initial_backoff = c.alerts.retry.initial_backoff;
  o.max_backoff = c.alerts.retry.max_backoff;
  o.give_up_after = c.alerts.retry.give_up_after;
  o.retention = std::chrono::duration_cast<std::chrono::seconds>(c.state.retention);
  return o;
}

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

struct Daemon::Impl {
  Impl(config::Config c, api::EnvLookup e)
      : config(std::move(c)),
        env(std::move(e)),
        random(core::makeRandom()),
        http(io, {.user_agent = userAgent(),
                  .max_connections_per_host = std::max<long>(2, config.api.max_in_flight)}),
        health(clock, 3 * shortestInterval(config)),
        metrics(registry, clock, metricsOptions(config)),
        endpoint(registry, health) {}

  config::Config config;
  api::EnvLookup env;
  asio::io_context io;
  core::SystemClock clock;
  std::unique_ptr<core::Random> random;
  http::CurlHttpClient http;
  prometheus::Registry registry;
  metrics::Health health;
  metrics::Metrics metrics;
  metrics::Endpoint endpoint;
  std::unique_ptr<FanoutSink> sink;
  alerting::Lifecycle lifecycle{lifecycleOptions(config)};
  std::unique_ptr<alerting::Dispatcher> dispatcher;
  bool delivering = false;
  std::unique_ptr<api::CredentialsProvider> credentials;
  std::unique_ptr<api::SwasClientImpl> client;
  std::unique_ptr<state::Store> store;
  std::vector<std::unique_ptr<poller::RegionPoller>> pollers;
};

Daemon::Daemon(config::Config config, api::EnvLookup env)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(env))) {}

Daemon::~Daemon() {
  for (auto& p : impl_->pollers) p->stop();
  if (impl_->dispatcher) impl_->dispatcher->stop();
  impl_->http.cancelAll();
  impl_->io.restart();
  impl_->io.poll();  // let cancelled polls unwind before their owners go
}

std::expected<void, std::string> Daemon::init(core::TransitionSink& sink) {
  Impl& d = *impl_;
  auto credentials = api::makeCredentialsProvider(d.config.credentials, d.env, d.http, d.clock);
  if (!credentials) return std::unexpected(credentials.error());
  d.credentials = std::move(*credentials);
  d.client = std::make_unique<api::SwasClientImpl>(
      d.http, *d.credentials, d.clock, *d.random,
      api::SwasClientOptions{d.config.api.endpoint, d.config.api.signature, d.config.api.timeout,
                             userAgent()});
  auto store = state::Store::open(d.config.state.path);
  if (!store) return std::unexpected(store.error());
  d.store = std::move(*store);
  auto firing = d.store->alerts(std::numeric_limits<int64_t>::max());
  if (!firing) return std::unexpected("reading alerts from the state: " + firing.error().message);
  d.lifecycle.load(*firing);
  auto receivers = makeReceivers(d.config);
  if (!receivers) return std::unexpected(receivers.error());
  d.dispatcher = std::make_unique<alerting::Dispatcher>(
      d.io, d.http, *d.store, d.lifecycle, d.metrics, d.clock, *d.random, std::move(*receivers),
      deliveryOptions(d.config));
  d.lifecycle.onChange([&d] {
    if (d.delivering) d.dispatcher->kick();
  });
  d.sink =
      std::make_unique<FanoutSink>(std::initializer_list<core::TransitionSink*>{&d.metrics, &sink});
  for (const auto& region : d.config.regions) {
    auto p = std::make_unique<poller::RegionPoller>(d.io, *d.client, *d.store, *d.sink, d.lifecycle,
                                                    d.metrics, d.clock, *d.random,
                                                    regionOptions(d.config, region));
    if (auto ok = p->init(); !ok) {
      return std::unexpected("state of region " + region.region_id + ": " + ok.error());
    }
    d.pollers.push_back(std::move(p));
  }
  spdlog::info("credentials from {}; state in {}; {} region(s)", d.credentials->source(),
               d.store->path(), d.pollers.size());
  return {};
}

int Daemon::once(std::ostream& err) {
  Impl& d = *impl_;
  size_t pending = d.pollers.size();
  int failures = 0;
  for (auto& p : d.pollers) {
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
  auto serving = d.endpoint.start(d.config.http.listen);
  if (!serving) {
    spdlog::error("cannot serve /metrics: {}; set http.listen to a free HOST:PORT",
                  serving.error());
    return 1;
  }
  spdlog::info("serving /metrics, /healthz and /readyz on http://{}", *serving);
  d.delivering = true;
  d.dispatcher->start();
  for (auto& p : d.pollers) p->start();
  // The heartbeat proves the loop turns (/healthz) and publishes each region's readiness.
  asio::steady_timer heartbeat(d.io);
  auto beat_every = std::clamp<config::Duration>(
      shortestInterval(d.config) / 4, std::chrono::milliseconds(10), std::chrono::seconds(1));
  std::function<void()> beat = [&] {
    d.health.beat();
    for (const auto& p : d.pollers) {
      std::string reason = p->downReason().empty() ? "first poll in progress"
                                                   : "last poll failed: " + p->downReason();
      d.health.setRegion(p->regionId(), p->completedOnePoll(), reason);
    }
    heartbeat.expires_after(beat_every);
    heartbeat.async_wait([&](boost::system::error_code ec) {
      if (!ec) beat();
    });
  };
  beat();
  asio::signal_set stop_signals(d.io, SIGTERM, SIGINT);
  asio::signal_set hangup(d.io, SIGHUP);
  asio::steady_timer deadline(d.io);
  asio::steady_timer idle_check(d.io);
  // After a stop signal: exit as soon as no poll is in flight.
  std::function<void()> exit_when_idle = [&] {
    bool busy = std::any_of(d.pollers.begin(), d.pollers.end(),
                            [](const auto& p) { return p->polling(); }) ||
                !d.dispatcher->idle();
    if (!busy) {
      d.io.stop();
      return;
    }
    idle_check.expires_after(std::chrono::milliseconds(20));
    idle_check.async_wait([&](boost::system::error_code ec) {
      if (!ec) exit_when_idle();
    });
  };
  std::function<void()> wait_hangup = [&] {
    hangup.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      spdlog::warn(
          "SIGHUP: this build cannot reload its configuration yet; restart the service "
          "to apply changes");
      wait_hangup();
    });
  };
  wait_hangup();
  stop_signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: stopping", signal);
    for (auto& p : d.pollers) p->stop();
    d.dispatcher->stop();
    hangup.cancel();
    heartbeat.cancel();
    // Polls in flight may finish (their results are committed) within the budget.
    deadline.expires_after(kShutdownBudget);
    deadline.async_wait([&](boost::system::error_code) {
      d.http.cancelAll();
      d.io.stop();
    });
    exit_when_idle();
  });
  d.io.run();
  d.endpoint.stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace swas::app
