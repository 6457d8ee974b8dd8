#include "daemon/alerting/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <set>

#include "daemon/alerting/resender.h"
#include "daemon/core/backoff.h"
#include "daemon/core/time.h"

namespace swas::alerting {
namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

constexpr size_t kBatchRead = 1000;
constexpr const char* kReadOutbox = "read the outbox";

std::vector<int64_t> idsOf(const std::vector<state::PendingNotification>& rows) {
  std::vector<int64_t> ids;
  for (const auto& r : rows) ids.push_back(r.id);
  return ids;
}

}  // namespace

struct Dispatcher::Impl : std::enable_shared_from_this<Dispatcher::Impl> {
  using Outcome = UnrecordedOutcomes::Outcome;
  struct Worker {
    Worker(asio::io_context& io, std::unique_ptr<Receiver> r, Pacer& p)
        : receiver(std::move(r)), timer(io), pacer(p) {}
    std::shared_ptr<Receiver> receiver;
    asio::steady_timer timer;  // gather window, backoff or pacing
    Pacer& pacer;              // the robot's (chat receivers), shared, kept across reloads
    bool busy = false;
    std::string last_error;
    int storage_failures = 0;
    std::string storage_error;  // the last storage failure logged; empty while writes succeed
    std::shared_ptr<FiringSetResender> resender;  // Alertmanager receivers
    const std::string& name() const { return receiver->config().name; }
  };

  Impl(asio::io_context& i, http::HttpClient& h, state::Store& s, Lifecycle& l,
       core::AlertObserver& o, const core::Clock& c, core::Random& r, DeliveryOptions opts,
       UnrecordedOutcomes& u)
      : io(i),
        http(h),
        store(s),
        lifecycle(l),
        observer(o),
        clock(c),
        random(r),
        options(opts),
        unrecorded(u),
        housekeeping(i) {}

  void publishQueue() {
    auto counts = store.outboxCounts();
    if (!counts) return;
    for (const auto& w : workers) {
      auto it = counts->find(w->name());
      observer.onQueueLength(w->name(), it == counts->end() ? 0 : it->second);
    }
    observer.onAlertsFiring(static_cast<int64_t>(lifecycle.firing()));
  }

  void dropUnconfigured() {
    auto counts = store.outboxCounts();
    if (!counts) return;
    std::set<std::string> known;
    for (const auto& w : workers) known.insert(w->name());
    for (const auto& [receiver, n] : *counts) {
      if (known.contains(receiver)) continue;
      while (true) {
        auto rows = store.pendingNotifications(receiver, kBatchRead);
        if (!rows || rows->empty()) break;
        if (!store.updateNotifications(idsOf(*rows), {state::NotificationUpdate::kRemove})) break;
        observer.onNotifications(receiver, core::kDropped, static_cast<int>(rows->size()));
      }
      spdlog::warn(
          "alerts: dropped {} notification(s) for receiver {}, which is no longer "
          "configured",
          n, receiver);
    }
  }

  // pump() re-checks everything, so an early or extra wake-up is harmless.
  void wait(Worker& w, milliseconds delay) {
    w.timer.expires_after(std::max(delay, milliseconds(0)));
    w.timer.async_wait([self = shared_from_this(), &w](boost::system::error_code ec) {
      if (!ec) self->pump(w);
    });
  }

  // Sends the next due message of the receiver, if any.
  void pump(Worker& w) {
    if (stopping || w.busy) return;
    if (!unrecorded.outcomes.empty() && !record(w)) return;
    // Held back by the pacer, nothing is composed: what comes meanwhile joins the next message.
    if (auto hold = w.pacer.wait(clock.steadyNow()); hold.count() > 0) {
      if (!draining) wait(w, hold);
      return;
    }
    auto rows =
        store.pendingNotifications(w.name(), std::max(kBatchRead, w.receiver->maxPerMessage()));
    if (!rows) {
      storageFailed(w, kReadOutbox, rows.error());
      return;
    }
    if (w.storage_error.starts_with(std::string("cannot ") + kReadOutbox)) storageOk(w);
    if (draining) {  // one attempt per message
      std::erase_if(*rows, [&](const state::PendingNotification& r) {
        return r.message_id && attempted.contains(*r.message_id);
      });
    }
    if (rows->empty()) return;
    int64_t now_ms = core::unixMillis(clock.now());
    if (dropExpired(w, *rows, now_ms)) return;
    auto message = compose(w, *rows, now_ms);
    if (!message) return;
    if (!draining && rows->front().next_attempt_at > now_ms) {
      wait(w, milliseconds(rows->front().next_attempt_at - now_ms));
      return;
    }
    send(w, std::move(*message));
  }

  // Gives up on the notifications older than give_up_after; true when there were any (the
  // pump goes on from the loop) or removing them failed.
  bool dropExpired(Worker& w, const std::vector<state::PendingNotification>& rows, int64_t now_ms) {
    std::vector<state::PendingNotification> expired;
    for (const auto& r : rows) {
      if (r.notification.created_ms + options.give_up_after.count() <= now_ms) {
        expired.push_back(r);
      }
    }
    if (expired.empty()) return false;
    auto removed = store.updateNotifications(idsOf(expired), {state::NotificationUpdate::kRemove});
    if (!removed) {
      storageFailed(w, "drop expired notifications from the outbox", removed.error());
      return true;
    }
    storageOk(w);
    observer.onNotifications(w.name(), core::kDropped, static_cast<int>(expired.size()));
    spdlog::error(
        "alerts: receiver={} gave up on {} notification(s) after {}s of failed delivery; last "
        "error: {}",
        w.name(), expired.size(), options.give_up_after.count() / 1000,
        w.last_error.empty() ? "none" : w.last_error);
    publishQueue();
    asio::post(io, [self = shared_from_this(), &w] { self->pump(w); });
    return true;
  }

  // The next message: the one already composed at its first attempt, else the oldest
  // notifications gathered within one window, at most maxPerMessage (assigned a message id in
  // the outbox). nullopt while the window is open (a wake-up is set) or when the outbox failed.
  std::optional<std::vector<state::PendingNotification>> compose(
      Worker& w, const std::vector<state::PendingNotification>& rows, int64_t now_ms) {
    std::vector<state::PendingNotification> message;
    const auto& first = rows.front();
    if (first.message_id) {
      for (const auto& r : rows) {
        if (r.message_id != first.message_id) break;
        message.push_back(r);
      }
      return message;
    }
    int64_t ready_at = first.notification.created_ms + options.gather.count();
    if (!draining && ready_at > now_ms && rows.size() < w.receiver->maxPerMessage()) {
      wait(w, milliseconds(ready_at - now_ms));
      return std::nullopt;
    }
    for (const auto& r : rows) {
      if (r.message_id || message.size() >= w.receiver->maxPerMessage()) break;
      message.push_back(r);
    }
    auto assigned = store.updateNotifications(
        idsOf(message), {state::NotificationUpdate::kAssign, message.front().id});
    if (!assigned) {
      storageFailed(w, "compose a message in the outbox", assigned.error());
      return std::nullopt;
    }
    storageOk(w);
    return message;
  }

  void send(Worker& w, std::vector<state::PendingNotification> message) {
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
                       if (!self->stopping && self->unrecorded.outcomes.empty()) self->pump(w);
                     });
  }

  void settle(Worker& w, const std::vector<state::PendingNotification>& message,
              const Verdict& verdict) {
    int n = static_cast<int>(message.size());
    switch (verdict.kind) {
      case Verdict::kDelivered:
        unrecorded.outcomes.push_back({idsOf(message), {state::NotificationUpdate::kRemove}});
        observer.onNotifications(w.name(), core::kDelivered, n);
        if (!w.last_error.empty()) {
          spdlog::info("alerts: receiver={} delivering again after: {}", w.name(), w.last_error);
          w.last_error.clear();
        }
        spdlog::debug("alerts: receiver={} delivered {} notification(s)", w.name(), n);
        break;
      case Verdict::kDrop:
        unrecorded.outcomes.push_back({idsOf(message), {state::NotificationUpdate::kRemove}});
        observer.onNotifications(w.name(), core::kDropped, n);
        spdlog::error("alerts: receiver={} rejected {} notification(s), dropped: {}", w.name(), n,
                      verdict.reason);
        break;
      case Verdict::kRetry: {
        auto delay = core::backoffDelay(message.front().attempts, options.initial_backoff,
                                        options.max_backoff, random.uniform(), verdict.retry_after);
        int64_t next = core::unixMillis(clock.now()) + delay.count();
        unrecorded.outcomes.push_back(
            {idsOf(message), {state::NotificationUpdate::kDefer, 0, next}});
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

  // Writes every delivery outcome not yet recorded (this runtime's or an earlier one's) to the
  // outbox, oldest first; on failure backs off and keeps the rest. True once all are recorded.
  bool record(Worker& w) {
    auto& pending = unrecorded.outcomes;
    while (!pending.empty()) {
      auto written = store.updateNotifications(pending.front().ids, pending.front().update);
      if (!written) {
        storageFailed(w, "record a delivery's outcome in the outbox", written.error());
        return false;
      }
      pending.erase(pending.begin());
    }
    storageOk(w);
    publishQueue();
    return true;
  }

  // A failed outbox read or write: counted, logged once per distinct error, and retried after
  // a backoff (never at once: a full disk must not become a send loop).
  void storageFailed(Worker& w, std::string_view what, const core::Error& error) {
    observer.onStateError("outbox");
    std::string problem = "cannot " + std::string(what) + ": " + error.message;
    auto delay = std::max(options.initial_backoff,
                          core::backoffDelay(w.storage_failures, options.initial_backoff,
                                             options.max_backoff, random.uniform(), std::nullopt));
    ++w.storage_failures;
    if (problem != w.storage_error) {
      spdlog::error(
          "alerts: receiver={} {}; retrying with backoff, nothing is sent meanwhile (is the "
          "state file's disk full or read-only?)",
          w.name(), problem);
      w.storage_error = problem;
    }
    if (!stopping) wait(w, delay);
  }

  void storageOk(Worker& w) {
    w.storage_failures = 0;
    if (w.storage_error.empty()) return;
    spdlog::info("alerts: receiver={} the outbox is writable again after: {}", w.name(),
                 w.storage_error);
    w.storage_error.clear();
  }

  // Abandons every wait: housekeeping, retries and re-sends.
  void cancelTimers() {
    housekeeping.cancel();
    for (auto& w : workers) {
      w->timer.cancel();
      if (w->resender) w->resender->stop();
    }
  }

  void housekeep() {
    auto now = clock.now();
    auto writes = lifecycle.expire(now);
    if (!writes.empty()) {
      if (auto ok = store.commitAlerts(writes); ok) {
        spdlog::info("alerts: {} alert(s) resolved by alerts.resolve_timeout",
                     writes.resolved.size());
        lifecycle.committed(writes);
      } else {
        observer.onStateError("alerts");
        spdlog::error("alerts: resolving timed-out alerts failed: {}", ok.error().message);
      }
    }
    if (auto evicted = store.evictResolvedAlerts(core::unixSeconds(now - options.retention));
        !evicted) {
      observer.onStateError("alerts");
      spdlog::warn("alerts: evicting old alerts failed: {}", evicted.error().message);
    }
    publishQueue();
    housekeeping.expires_after(options.housekeeping_every);
    housekeeping.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec && !self->stopping) self->housekeep();
    });
  }

  asio::io_context& io;
  http::HttpClient& http;
  state::Store& store;
  Lifecycle& lifecycle;
  core::AlertObserver& observer;
  const core::Clock& clock;
  core::Random& random;
  DeliveryOptions options;
  UnrecordedOutcomes& unrecorded;
  asio::steady_timer housekeeping;
  std::vector<std::unique_ptr<Worker>> workers;
  bool stopping = false;
  bool draining = false;
  std::set<int64_t> attempted;  // message ids tried while draining
};

Dispatcher::Dispatcher(asio::io_context& io, http::HttpClient& http, state::Store& store,
                       Lifecycle& lifecycle, core::AlertObserver& observer,
                       const core::Clock& clock, core::Random& random,
                       std::vector<std::unique_ptr<Receiver>> receivers, DeliveryOptions options,
                       UnrecordedOutcomes& unrecorded)
    : impl_(std::make_shared<Impl>(io, http, store, lifecycle, observer, clock, random, options,
                                   unrecorded)) {
  unrecorded.pacers.configure(receivers);
  for (auto& r : receivers) {
    Pacer& pacer = unrecorded.pacers.of(r->config().url);
    auto w = std::make_unique<Impl::Worker>(io, std::move(r), pacer);
    if (w->receiver->resendsFiringSet()) {
      w->resender = std::make_shared<FiringSetResender>(
          io, http, store, observer, clock, w->receiver, options.resend_every,
          options.resolved_resend, options.resend_fresh_wait);
    }
    impl_->workers.push_back(std::move(w));
  }
}

Dispatcher::~Dispatcher() { stop(); }

void Dispatcher::start() {
  impl_->dropUnconfigured();
  impl_->publishQueue();
  impl_->housekeep();
  for (auto& w : impl_->workers) {
    impl_->pump(*w);
    if (w->resender) w->resender->start();
  }
}

void Dispatcher::kick() {
  impl_->publishQueue();
  for (auto& w : impl_->workers) impl_->pump(*w);
}

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
  impl_->draining = true;
  impl_->cancelTimers();
  for (auto& w : impl_->workers) impl_->pump(*w);
}

std::string Dispatcher::storageProblem() const {
  for (const auto& w : impl_->workers) {
    if (!w->storage_error.empty()) return "receiver " + w->name() + ": " + w->storage_error;
  }
  return {};
}

bool Dispatcher::idle() const {
  for (const auto& w : impl_->workers) {
    if (w->busy || (w->resender && !w->resender->idle())) return false;
  }
  return true;
}

}  // namespace swas::alerting
