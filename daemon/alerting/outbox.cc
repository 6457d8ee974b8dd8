#include "daemon/alerting/outbox.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "daemon/core/backoff.h"

namespace swas::alerting {
namespace {

constexpr size_t kBatchRead = 1000;
constexpr std::string_view kReadOutbox = "read the outbox";

}  // namespace

std::vector<int64_t> idsOf(const Pending& rows) {
  std::vector<int64_t> ids;
  for (const auto& r : rows) ids.push_back(r.id);
  return ids;
}

ReceiverOutbox::ReceiverOutbox(std::string receiver, state::Store& store,
                               core::AlertObserver& observer, core::Random& random,
                               const DeliveryOptions& options, UnrecordedOutcomes& unrecorded)
    : receiver_(std::move(receiver)),
      store_(store),
      observer_(observer),
      random_(random),
      options_(options),
      unrecorded_(unrecorded) {}

std::optional<Pending> ReceiverOutbox::read(size_t max) {
  auto rows = store_.pendingNotifications(receiver_, std::max(kBatchRead, max));
  if (!rows) {
    failed(kReadOutbox, rows.error());
    return std::nullopt;
  }
  // A read says nothing of writes: only a read's failure is over.
  if (problem_.starts_with("cannot " + std::string(kReadOutbox))) ok();
  return std::move(*rows);
}

std::optional<size_t> ReceiverOutbox::dropExpired(const Pending& rows, int64_t now_ms,
                                                  const std::string& last_error) {
  Pending expired;
  for (const auto& r : rows) {
    if (r.notification.created_ms + options_.give_up_after.count() <= now_ms) expired.push_back(r);
  }
  if (expired.empty()) return 0;
  auto removed = store_.updateNotifications(idsOf(expired), {state::NotificationUpdate::kRemove});
  if (!removed) {
    failed("drop expired notifications from the outbox", removed.error());
    return std::nullopt;
  }
  ok();
  observer_.onNotifications(receiver_, core::kDropped, static_cast<int>(expired.size()));
  spdlog::error(
      "alerts: receiver={} gave up on {} notification(s) after {}s of failed delivery; last "
      "error: {}",
      receiver_, expired.size(), options_.give_up_after.count() / 1000,
      last_error.empty() ? "none" : last_error);
  return expired.size();
}

std::optional<Pending> ReceiverOutbox::compose(const Pending& rows, size_t max) {
  Pending message;
  const auto& first = rows.front();
  if (first.message_id) {
    for (const auto& r : rows) {
      if (r.message_id != first.message_id) break;
      message.push_back(r);
    }
    return message;
  }
  for (const auto& r : rows) {
    if (r.message_id || message.size() >= max) break;
    message.push_back(r);
  }
  auto assigned = store_.updateNotifications(
      idsOf(message), {state::NotificationUpdate::kAssign, message.front().id});
  if (!assigned) {
    failed("compose a message in the outbox", assigned.error());
    return std::nullopt;
  }
  ok();
  return message;
}

void ReceiverOutbox::settle(const Pending& message, state::NotificationUpdate update) {
  unrecorded_.outcomes.push_back({idsOf(message), update});
}

bool ReceiverOutbox::record() {
  auto& pending = unrecorded_.outcomes;
  while (!pending.empty()) {
    auto written = store_.updateNotifications(pending.front().ids, pending.front().update);
    if (!written) {
      failed("record a delivery's outcome in the outbox", written.error());
      return false;
    }
    pending.erase(pending.begin());
  }
  ok();
  return true;
}

void ReceiverOutbox::failed(std::string_view what, const core::Error& error) {
  observer_.onStateError("outbox");
  std::string problem = "cannot " + std::string(what) + ": " + error.message;
  backoff_ = std::max(options_.initial_backoff,
                      core::backoffDelay(failures_, options_.initial_backoff, options_.max_backoff,
                                         random_.uniform(), std::nullopt));
  ++failures_;
  if (problem != problem_) {
    spdlog::error(
        "alerts: receiver={} {}; retrying with backoff, nothing is sent meanwhile (is the "
        "state file's disk full or read-only?)",
        receiver_, problem);
    problem_ = problem;
  }
}

void ReceiverOutbox::ok() {
  failures_ = 0;
  if (problem_.empty()) return;
  spdlog::info("alerts: receiver={} the outbox is writable again after: {}", receiver_, problem_);
  problem_.clear();
}

void dropUnconfigured(state::Store& store, core::AlertObserver& observer,
                      const std::set<std::string>& configured) {
  auto counts = store.outboxCounts();
  if (!counts) return;
  for (const auto& [receiver, n] : *counts) {
    if (configured.contains(receiver)) continue;
    while (true) {
      auto rows = store.pendingNotifications(receiver, kBatchRead);
      if (!rows || rows->empty()) break;
      if (!store.updateNotifications(idsOf(*rows), {state::NotificationUpdate::kRemove})) break;
      observer.onNotifications(receiver, core::kDropped, static_cast<int>(rows->size()));
    }
    spdlog::warn(
        "alerts: dropped {} notification(s) for receiver {}, which is no longer configured", n,
        receiver);
  }
}

void publishQueues(state::Store& store, core::AlertObserver& observer,
                   const std::vector<std::string>& receivers, size_t firing) {
  auto counts = store.outboxCounts();
  if (!counts) return;
  for (const auto& name : receivers) {
    auto it = counts->find(name);
    observer.onQueueLength(name, it == counts->end() ? 0 : it->second);
  }
  observer.onAlertsFiring(static_cast<int64_t>(firing));
}

}  // namespace swas::alerting
