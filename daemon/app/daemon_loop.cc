// The run loop of the daemon: the heartbeat, SIGHUP reloads and a graceful stop, each a method
// of Daemon::Impl. Everything runs on the one event loop.
#include <spdlog/spdlog.h>

#include "daemon/app/daemon_impl.h"
#include "daemon/app/logging.h"
#include "daemon/core/time.h"

namespace swas::app {
namespace {

constexpr auto kShutdownBudget = std::chrono::seconds(10);

}  // namespace

int Daemon::Impl::run() {
  // The signals are caught before anything says the daemon is up: a SIGHUP or SIGTERM sent as
  // soon as "serving" is logged (or READY=1 sent) waits for the loop instead of killing it.
  stop_signals.emplace(io, SIGTERM, SIGINT);
  hangup.emplace(io, SIGHUP);
  auto serving = endpoint.start(rt->config().http.listen);
  if (!serving) {
    spdlog::error("cannot serve /metrics: {}; set http.listen to a free HOST:PORT",
                  serving.error());
    stop_signals.reset();
    hangup.reset();
    return 1;
  }
  spdlog::info("serving /metrics, /healthz and /readyz on http://{}", *serving);
  rt->start();
  notifier.ready(rt->summary());
  heartbeat.emplace(io);
  deadline.emplace(io);
  idle_check.emplace(io);
  // After the poll's own handler has updated the poller (posted, not called from within it).
  metrics.onEachPoll([this] { refresh_soon(); });
  refresh();
  waitForHangup();
  waitForStop();
  io.run();
  metrics.onEachPoll(nullptr);
  // The loop's own waits end with it: nothing of run() fires during ~Daemon's unwinding, and
  // the signals get their default action back.
  heartbeat.reset();
  deadline.reset();
  idle_check.reset();
  stop_signals.reset();
  hangup.reset();
  if (rt) rt->stop();
  endpoint.stop();
  if (!rt) {
    spdlog::critical("stopped: no configuration could be applied");
    return 1;
  }
  spdlog::info("stopped");
  return 0;
}

// Each poll refreshes what follows it and puts the beat off; the beat does the rest when no poll
// ended for 3 intervals, at most 10 s (the watchdog, liveness, inventory waits, ListRegions,
// retired pollers). Polls on time under 3.3 s never wake the loop for it.
config::Duration Daemon::Impl::beatEvery() {
  auto every = metrics::beatEvery(shortestInterval(rt->config()));
  if (auto wd = notifier.watchdogEvery()) {
    every = std::min(every, std::chrono::duration_cast<config::Duration>(*wd));
  }
  return every;
}

// Proves the loop turns (the systemd watchdog; /healthz through refresh()), and refreshes in
// beatEvery() unless a poll's refresh puts it off (moving the timer ends the wait before).
void Daemon::Impl::beat() {
  notifier.watchdog();
  heartbeat->expires_after(beatEvery());
  heartbeat->async_wait([this](boost::system::error_code ec) {
    if (!ec && rt && !stopping) refresh();  // stopping, or no runtime: apply() arms it again
  });
}

// Publishes each region's readiness, the state's health, the counters read from other parts
// and the status line: after every poll (once for polls that end together) and every beat.
void Daemon::Impl::refresh() {
  if (!rt || stopping) return;  // posted before the runtime failed, or the stop
  beat();
  health.beat();
  for (const auto& p : rt->pollers()) {
    health.setRegion(p->scope().key(), p->completedOnePoll(), p->notUpReason());
  }
  health.setProblem("state", rt->storageProblem());
  auto undiscovered = rt->undiscovered();
  for (const auto& u : undiscovered) health.setRegion(u.key, false, u.reason);
  rt->tend();
  recordStatus(undiscovered);
  server_stats.update(endpoint.serverStats());
  if (std::string status = rt->summary(); status != last_status) {
    notifier.status(status);
    last_status = status;
  }
}

// What `status` and the status page show of the regions (every 5 s).
void Daemon::Impl::recordStatus(const std::vector<Runtime::Undiscovered>& undiscovered) {
  std::vector<ops::RegionReport> regions;
  for (const auto& p : rt->pollers()) {
    auto gate = p->gate();
    auto last = p->lastSuccess();
    regions.push_back(
        {.scope = p->scope().key(),
         .up = p->up(),
         .reason = p->notUpReason(),
         .last_success = last ? std::optional(core::unixSeconds(*last)) : std::nullopt,
         .gate = gate.get(),
         .calls = gate->calls(),
         .throttled = gate->throttledCalls()});
  }
  for (const auto& u : undiscovered) regions.push_back({.scope = u.key, .reason = u.reason});
  std::vector<std::string> receivers;
  for (const auto& r : rt->config().alerts.receivers) receivers.push_back(r.name);
  status_recorder->maybeRecord(regions, receivers);
}

// Calls `then` once nothing is in flight (polls, deliveries), checking every 20 ms. Never
// synchronously: handlers that stop() cancelled must run before anything is torn down.
void Daemon::Impl::whenIdle(std::function<void()> then) {
  idle_check->expires_after(std::chrono::milliseconds(20));
  idle_check->async_wait([this, then = std::move(then)](boost::system::error_code ec) mutable {
    if (ec) return;
    if (rt->busy()) return whenIdle(std::move(then));
    then();
  });
}

void Daemon::Impl::waitForHangup() {
  hangup->async_wait([this](boost::system::error_code ec, int) {
    if (ec) return;
    if (reloading) {
      spdlog::warn("SIGHUP: a reload is already in progress");
    } else {
      spdlog::info("SIGHUP: reloading {}", config_path);
      reload();
    }
    waitForHangup();
  });
}

// Re-reads the configuration; a bad one is logged and the running one stays.
void Daemon::Impl::reload() {
  auto next = config::loadConfig(config_path, env);
  if (!next) {
    spdlog::error("SIGHUP: {} has {} problem(s); still running the previous configuration:",
                  config_path, next.error().size());
    for (const auto& problem : next.error()) spdlog::error("  {}", problem);
    return;
  }
  for (const auto& warning : next->warnings) spdlog::warn("{}", warning);
  if (auto why = config::needsRestart(rt->config(), *next); !why.empty()) {
    spdlog::error("SIGHUP: {}; that takes a restart. Still running the previous configuration",
                  why);
    return;
  }
  // Everything read from outside the state file (secret files, credentials, templates, the
  // relay's token) first, while the running runtime goes on: if any of it cannot be had, that
  // runtime stays in force untouched, with the secrets it read.
  auto prepared = prepareRuntime(*next, deps());
  if (!prepared) {
    spdlog::error("SIGHUP: cannot apply {}: {}; still running the previous configuration",
                  config_path, prepared.error());
    return;
  }
  reloading = true;
  notifier.reloading();
  rt->stop();
  // In-flight polls and deliveries finish first: they hold the runtime being replaced.
  whenIdle([this, p = std::make_shared<PreparedRuntime>(std::move(*prepared))]() mutable {
    apply(std::move(*p));
  });
}

// Replaces the runtime with one built from `next` (the state read back), or rebuilds the
// previous one when the state cannot be read; moves the /metrics listener when its address
// changed.
void Daemon::Impl::apply(PreparedRuntime next) {
  reloading = false;
  if (stopping) return;
  config::Config previous = rt->config();
  std::string listen = next.config.http.listen;
  rt.reset();
  auto built = Runtime::build(std::move(next), deps());
  if (!built) {
    spdlog::error("SIGHUP: cannot apply {}: {}; still running the previous configuration",
                  config_path, built.error());
    built = buildRuntime(previous, deps());
    if (!built) {
      spdlog::critical("cannot rebuild the previous configuration either: {}; exiting",
                       built.error());
      io.stop();
      return;
    }
  } else if (listen != previous.http.listen || !endpoint.serving()) {
    // Moved, or off since an earlier reload's address was busy: bind (again).
    endpoint.stop();
    auto bound = endpoint.start(listen);
    if (!bound) {
      spdlog::error("SIGHUP: {}; /metrics stays off until a reload with a free address",
                    bound.error());
    } else {
      spdlog::info("serving /metrics, /healthz and /readyz on http://{}", *bound);
    }
  }
  adopt(std::move(*built));
  // Accounts added, or their max_in_flight raised, must not queue behind each other.
  http.setMaxConnectionsPerHost(connectionsPerHost(rt->config()));
  if (log_level_override.empty())
    spdlog::set_level(spdlog::level::from_str(rt->config().log.level));
  setLogFormat(rt->config().log.format);
  rt->start();
  refresh();  // at the new interval: liveness follows it at once
  spdlog::info("reloaded {}: {}", config_path, rt->summary());
  notifier.ready(rt->summary());
}

void Daemon::Impl::waitForStop() {
  stop_signals->async_wait([this](boost::system::error_code ec, int signal) {
    if (!ec) stop(signal);
  });
}

// Polls in flight may finish (their results are committed), and pending notifications get one
// last attempt, within the budget.
void Daemon::Impl::stop(int signal) {
  spdlog::info("signal {}: stopping", signal);
  stopping = true;
  notifier.stopping();
  rt->stopPolling();
  hangup->cancel();
  heartbeat->cancel();
  rt->drain();
  deadline->expires_after(kShutdownBudget);
  deadline->async_wait([this](boost::system::error_code) {
    http.cancelAll();
    io.stop();
  });
  whenIdle([this] { io.stop(); });
}

}  // namespace swas::app
