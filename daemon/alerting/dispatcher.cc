#include "daemon/alerting/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <optional>
#include <set>

#include "daemon/alerting/housekeeping.h"
#include "daemon/alerting/outbox.h"
#include "daemon/alerting/resender.h"
#include "daemon/core/backoff.h"
#include "daemon/core/time.h"

namespace swas::alerting {
namespace asio = boost::asio;
namespace {

// Counts each new alert no receiver's match took, and logs the first of each command.
std::function<void(const core::Alert&)> unroutedLogger(core::AlertObserver& observer) {
  return [&observer, logged = std::set<std::string>()](const core::Alert& a) mutable {
    observer.onUnrouted();
    if (logged.insert(a.command_key).second) {
      spdlog::warn(
          "alerts: an alert of command {} ({}, instance {}) matched no receiver's match and was "
          "sent nowhere (counted in swas_alerts_unrouted_total; logged once per command)",
          a.command_key.substr(a.command_key.find(':') + 1), a.scope, a.instance_id);
    }
  };
}

// One receiver's delivery: its outbox, the pacer of its robot, its timer.
struct Worker {
  Worker(asio::io_context& io, std::unique_ptr<Receiver> r, Pacer& p, ReceiverOutbox o)
      : receiver(std::move(r)), timer(io), pacer(p), outbox(std::move(o)) {}
  std::shared_ptr<Receiver> receiver;
  asio::steady_timer timer;  // gather window, backoff or pacing
  Pacer& pacer;              // the robot's (chat receivers), shared, kept across reloads
  ReceiverOutbox outbox;
  bool busy = false;
  std::string last_error;
  std::shared_ptr<FiringSetResender> resender;  // Alertmanager receivers
  const std::string& name() const { return receiver->config().name; }
};

// Replicas sharing keys: of the daemon's own notifications not yet in a message, takes out of
// `rows` those an earlier owner of their key sent (removed from the outbox, counted as "peer")
// and those not decided yet (asked again later). How many went to peers, and whether any waits.
struct Turns {
  size_t to_peers = 0;
  bool waiting = false;
};
Turns takeTurns(const core::SendTurn& turn, Worker& w, core::AlertObserver& observer,
                Pending& rows) {
  Pending peers;
  Turns out;
  std::erase_if(rows, [&](const state::PendingNotification& r) {
    if (r.message_id || r.relayed) return false;
    int64_t happened =
        r.notification.resolved ? r.alert.ends_at.value_or(r.alert.starts_at) : r.alert.starts_at;
    switch (turn.turn(r.alert.scope, happened * 1000, r.notification.created_ms)) {
      case core::Turn::kMine:
        return false;
      case core::Turn::kPeers:
        peers.push_back(r);
        return true;
      case core::Turn::kWait:
        out.waiting = true;
        return true;
    }
    return false;
  });
  out.to_peers = peers.size();
  if (peers.empty()) return out;
  w.outbox.settle(peers, {state::NotificationUpdate::kRemove});
  observer.onNotifications(w.name(), core::kPeer, static_cast<int>(peers.size()));
  spdlog::debug("alerts: receiver={} left {} notification(s) to an earlier owner", w.name(),
                peers.size());
  return out;
}

std::vector<std::string> namesOf(const std::vector<std::unique_ptr<Worker>>& workers) {
  std::vector<std::string> out;
  for (const auto& w : workers) out.push_back(w->name());
  return out;
}

}  // namespace
using std::chrono::milliseconds;

struct Dispatcher::Impl : std::enable_shared_from_this<Dispatcher::Impl> {
  Impl(asio::io_context& i, http::HttpClient& h, state::Store& s, Lifecycle& l,
       core::AlertObserver& o, const core::Clock& c, core::Random& r, DeliveryOptions opts)
      : io(i), http(h), store(s), lifecycle(l), observer(o), clock(c), random(r), options(opts) {}

  void publishQueue() { publishQueues(store, observer, namesOf(workers), lifecycle.firing()); }
  // New notifications: ignored before start() and after stop(). Delivered from the loop, not
  // from inside the commit that queued them: a poll's commit is not held up by delivery, nor
  // failed by an exception in it. Kicks before that turn of the loop share it.
  void kick() {
    if (!started || stopping || kicked) return;
    kicked = true;
    asio::post(io, [self = shared_from_this()] {
      self->kicked = false;
      if (!self->started || self->stopping) return;
      self->publishQueue();
      for (auto& w : self->workers) self->pump(*w);
    });
  }

  // pump() re-checks everything, so an early or extra wake-up is harmless.
  void wait(Worker& w, milliseconds delay) {
    w.timer.expires_after(std::max(delay, milliseconds(0)));
    w.timer.async_wait([self = shared_from_this(), &w](boost::system::error_code ec) {
      if (!ec) self->pump(w);
    });
  }
  // The outbox failed: nothing is sent until its backoff has passed.
  void backOff(Worker& w) {
    if (!stopping) wait(w, w.outbox.backoff());
  }

  // Sends the next due message of the receiver, if any.
  void pump(Worker& w) {
    if (stopping || w.busy) return;
    if (w.outbox.unrecorded() && !record(w)) return;
    // Held back by the pacer, nothing is composed: what comes meanwhile joins the next message.
    if (auto hold = w.pacer.wait(clock.steadyNow()); hold.count() > 0) {
      if (!draining) wait(w, hold);
      return;
    }
    // Sharing keys, rows another owner may send are read past (up to 10 messages' worth).
    bool turns = options.send_turn && !w.receiver->resendsFiringSet();
    auto rows = w.outbox.read(w.receiver->maxPerMessage() * (turns ? 10 : 1));
    if (!rows) return backOff(w);
    if (draining) {  // one attempt per message
      std::erase_if(*rows, [&](const state::PendingNotification& r) {
        return r.message_id && attempted.contains(*r.message_id);
      });
    }
    if (rows->empty()) return;
    int64_t now_ms = core::unixMillis(clock.now());
    if (dropExpired(w, *rows, now_ms)) return;
    if (turns) {
      Turns taken = takeTurns(*options.send_turn, w, observer, *rows);
      if (taken.to_peers > 0) {
        if (record(w)) asio::post(io, [self = shared_from_this(), &w] { self->pump(w); });
        return;
      }
      if (rows->empty()) {
        if (taken.waiting && !draining) wait(w, options.send_turn->recheckEvery());
        return;
      }
    }
    auto message = compose(w, *rows, now_ms);
    if (!message) return;
    if (!draining && rows->front().next_attempt_at > now_ms) {
      wait(w, milliseconds(rows->front().next_attempt_at - now_ms));
      return;
    }
    send(w, std::move(*message));
  }

  // True when notifications were given up (the pump goes on from the loop) or removing them
  // failed.
  bool dropExpired(Worker& w, const Pending& rows, int64_t now_ms) {
    auto dropped = w.outbox.dropExpired(rows, now_ms, w.last_error);
    if (!dropped) {
      backOff(w);
      return true;
    }
    if (*dropped == 0) return false;
    publishQueue();
    asio::post(io, [self = shared_from_this(), &w] { self->pump(w); });
    return true;
  }

  // The next message, once the gather window of a new one has closed (a wake-up is set until
  // then); nullopt meanwhile or when the outbox failed.
  std::optional<Pending> compose(Worker& w, const Pending& rows, int64_t now_ms) {
    const auto& first = rows.front();
    int64_t ready_at = first.notification.created_ms + options.gather.count();
    if (!first.message_id && !draining && ready_at > now_ms &&
        rows.size() < w.receiver->maxPerMessage()) {
      wait(w, milliseconds(ready_at - now_ms));
      return std::nullopt;
    }
    auto message = w.outbox.compose(rows, w.receiver->maxPerMessage());
    if (!message) backOff(w);
    return message;
  }

  void send(Worker& w, Pending message) {
    std::vector<MessageItem> items;
    for (const auto& m : message) items.push_back({&m.alert, m.notification.resolved});
    auto request = w.receiver->request(items, clock.now());
    if (draining) attempted.insert(message.front().message_id.value_or(message.front().id));
    w.busy = true;
    auto sent_at = w.pacer.sent(clock.steadyNow());
    w.receiver->send(http, std::move(request), &observer,
                     [self = shared_from_this(), &w, sent_at,
                      message = std::move(message)](http::HttpResult result) {
                       w.busy = false;
                       // Counted from the answer: later than the vendor saw it arrive, so the
                       // window is kept even when the request took long to get there.
                       w.pacer.answered(sent_at, self->clock.steadyNow());
                       auto verdict = w.receiver->judge(result, self->clock.now());
                       // The vendor throttles the robot: no receiver on it sends until the end.
                       if (verdict.throttled && verdict.retry_after) {
                         w.pacer.penalise(self->clock.steadyNow() + *verdict.retry_after);
                       }
                       // Recorded even on reload or stop: a delivered message must not go out
                       // again.
                       self->settle(w, message, verdict);
                       if (!self->stopping && !w.outbox.unrecorded()) self->pump(w);
                     });
  }

  void settle(Worker& w, const Pending& message, const Verdict& verdict) {
    int n = static_cast<int>(message.size());
    switch (verdict.kind) {
      case Verdict::kDelivered:
        w.outbox.settle(message, {state::NotificationUpdate::kRemove});
        observer.onNotifications(w.name(), core::kDelivered, n);
        if (!w.last_error.empty()) {
          spdlog::info("alerts: receiver={} delivering again after: {}", w.name(), w.last_error);
          w.last_error.clear();
        }
        spdlog::debug("alerts: receiver={} delivered {} notification(s)", w.name(), n);
        break;
      case Verdict::kDrop:
        w.outbox.settle(message, {state::NotificationUpdate::kRemove});
        observer.onNotifications(w.name(), core::kDropped, n);
        spdlog::error("alerts: receiver={} rejected {} notification(s), dropped: {}", w.name(), n,
                      verdict.reason);
        break;
      case Verdict::kRetry: {
        auto delay = core::backoffDelay(message.front().attempts, options.initial_backoff,
                                        options.max_backoff, random.uniform(), verdict.retry_after);
        int64_t next = core::unixMillis(clock.now()) + delay.count();
        w.outbox.settle(message, {state::NotificationUpdate::kDefer, 0, next});
        observer.onNotifications(w.name(), core::kFailed, n);
        if (verdict.reason != w.last_error) {
          spdlog::warn("alerts: receiver={} delivery failed, will retry: {}", w.name(),
                       verdict.reason);
          w.last_error = verdict.reason;
        }
        break;
      }
    }
    record(w);
  }

  // Every delivery outcome not yet recorded (this runtime's or an earlier one's), oldest first;
  // on failure backs off and keeps the rest. True once all are recorded.
  bool record(Worker& w) {
    if (!w.outbox.record()) {
      backOff(w);
      return false;
    }
    publishQueue();
    return true;
  }

  // Abandons every wait: housekeeping, retries and re-sends.
  void cancelTimers() {
    if (housekeeping) housekeeping->stop();
    for (auto& w : workers) {
      w->timer.cancel();
      if (w->resender) w->resender->stop();
    }
  }

  asio::io_context& io;
  http::HttpClient& http;
  state::Store& store;
  Lifecycle& lifecycle;
  core::AlertObserver& observer;
  const core::Clock& clock;
  core::Random& random;
  DeliveryOptions options;
  std::unique_ptr<Housekeeping> housekeeping;
  std::vector<std::unique_ptr<Worker>> workers;
  bool started = false;
  bool stopping = false;
  bool draining = false;
  bool kicked = false;          // a kick waits for its turn of the loop
  std::set<int64_t> attempted;  // message ids tried while draining
};

Dispatcher::Dispatcher(asio::io_context& io, http::HttpClient& http, state::Store& store,
                       Lifecycle& lifecycle, core::AlertObserver& observer,
                       const core::Clock& clock, core::Random& random,
                       std::vector<std::unique_ptr<Receiver>> receivers, DeliveryOptions options,
                       UnrecordedOutcomes& unrecorded)
    : impl_(std::make_shared<Impl>(io, http, store, lifecycle, observer, clock, random, options)) {
  unrecorded.pacers.configure(receivers);
  for (auto& r : receivers) {
    Pacer& pacer = unrecorded.pacers.of(r->config().url);
    ReceiverOutbox outbox(r->config().name, store, observer, random, impl_->options, unrecorded);
    auto w = std::make_unique<Worker>(io, std::move(r), pacer, std::move(outbox));
    if (w->receiver->resendsFiringSet()) {
      w->resender = std::make_shared<FiringSetResender>(
          io, http, store, observer, clock, w->receiver, options.resend_every,
          options.resolved_resend, options.resend_fresh_wait);
      if (options.owned) w->resender->onlyScopes(options.owned);
    }
    impl_->workers.push_back(std::move(w));
  }
  impl_->housekeeping = std::make_unique<Housekeeping>(
      io, store, lifecycle, observer, clock, impl_->options, [weak = std::weak_ptr<Impl>(impl_)] {
        if (auto self = weak.lock()) self->publishQueue();
      });
  // What the lifecycle commits is delivered from then on (by the dispatcher that is started: a
  // reload's next one takes the callbacks over with its lifecycle).
  lifecycle.onChange([weak = std::weak_ptr<Impl>(impl_)] {
    if (auto self = weak.lock()) self->kick();
  });
  lifecycle.onUnrouted(unroutedLogger(observer));
}

Dispatcher::~Dispatcher() { stop(); }

void Dispatcher::start() {
  impl_->started = true;
  auto names = namesOf(impl_->workers);
  dropUnconfigured(impl_->store, impl_->observer, {names.begin(), names.end()});
  impl_->publishQueue();
  impl_->housekeeping->start();
  for (auto& w : impl_->workers) {
    impl_->pump(*w);
    if (w->resender) w->resender->start();
  }
}

void Dispatcher::kick() { impl_->kick(); }

void Dispatcher::stateFresh(std::chrono::system_clock::time_point as_of) {
  for (auto& w : impl_->workers) {
    if (w->resender) w->resender->stateFresh(as_of);
  }
}

void Dispatcher::stop() {
  impl_->stopping = true;
  impl_->cancelTimers();
}

void Dispatcher::drain() {
  // Also after stop() (a reload was waiting for idle when the stop came): the last attempt is
  // owed whatever stopped the dispatcher before.
  impl_->stopping = false;
  impl_->draining = true;
  impl_->cancelTimers();
  for (auto& w : impl_->workers) impl_->pump(*w);
}

std::string Dispatcher::storageProblem() const {
  for (const auto& w : impl_->workers) {
    if (!w->outbox.problem().empty()) return "receiver " + w->name() + ": " + w->outbox.problem();
  }
  return {};
}

bool Dispatcher::idle() const {
  // A kick waiting for its turn of the loop is delivery owed (a shutdown's last attempt).
  if (impl_->kicked) return false;
  for (const auto& w : impl_->workers) {
    if (w->busy || (w->resender && !w->resender->idle())) return false;
  }
  return true;
}

}  // namespace swas::alerting
