#include "daemon/app/daemon.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <ostream>

#include "daemon/api/swas_client.h"
#include "daemon/core/clock.h"
#include "daemon/http/curl_http_client.h"
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
  return o;
}

}  // namespace

struct Daemon::Impl {
  Impl(config::Config c, api::EnvLookup e)
      : config(std::move(c)),
        env(std::move(e)),
        random(core::makeRandom()),
        http(io, {.user_agent = userAgent(),
                  .max_connections_per_host = std::max<long>(2, config.api.max_in_flight)}) {}

  config::Config config;
  api::EnvLookup env;
  asio::io_context io;
  core::SystemClock clock;
  std::unique_ptr<core::Random> random;
  http::CurlHttpClient http;
  core::PollObserver observer;  // metrics arrive with their own issue
  std::unique_ptr<api::CredentialsProvider> credentials;
  std::unique_ptr<api::SwasClientImpl> client;
  std::unique_ptr<state::Store> store;
  std::vector<std::unique_ptr<poller::RegionPoller>> pollers;
};

Daemon::Daemon(config::Config config, api::EnvLookup env)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(env))) {}

Daemon::~Daemon() {
  for (auto& p : impl_->pollers) p->stop();
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
  for (const auto& region : d.config.regions) {
    auto p =
        std::make_unique<poller::RegionPoller>(d.io, *d.client, *d.store, sink, d.observer, d.clock,
                                               *d.random, regionOptions(d.config, region));
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
  for (auto& p : d.pollers) p->start();
  asio::signal_set stop_signals(d.io, SIGTERM, SIGINT);
  asio::signal_set hangup(d.io, SIGHUP);
  asio::steady_timer deadline(d.io);
  asio::steady_timer idle_check(d.io);
  // After a stop signal: exit as soon as no poll is in flight.
  std::function<void()> exit_when_idle = [&] {
    bool busy =
        std::any_of(d.pollers.begin(), d.pollers.end(), [](const auto& p) { return p->polling(); });
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
    hangup.cancel();
    // Polls in flight may finish (their results are committed) within the budget.
    deadline.expires_after(kShutdownBudget);
    deadline.async_wait([&](boost::system::error_code) {
      d.http.cancelAll();
      d.io.stop();
    });
    exit_when_idle();
  });
  d.io.run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace swas::app
