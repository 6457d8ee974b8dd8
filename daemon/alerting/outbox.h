#pragma once

// One receiver's part of the store's outbox, as its delivery sees it: the pending notifications,
// a message composed once (assigned an id at its first attempt, so retries and restarts send the
// same message), notifications given up after give_up_after, and delivery outcomes recorded
// (this runtime's, and those an earlier one could not record: UnrecordedOutcomes). A read or
// write that fails is counted (swas_state_errors_total{operation="outbox"}), logged once per
// distinct error, and answered with how long to back off: a full disk must not become a send
// loop.

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/alerting/delivery.h"
#include "daemon/core/alert.h"
#include "daemon/core/clock.h"
#include "daemon/state/store.h"

namespace swas::alerting {

using Pending = std::vector<state::PendingNotification>;

class ReceiverOutbox {
 public:
  ReceiverOutbox(std::string receiver, state::Store& store, core::AlertObserver& observer,
                 core::Random& random, const DeliveryOptions& options,
                 UnrecordedOutcomes& unrecorded);

  // The oldest pending notifications, at most `max`; nullopt when the outbox cannot be read.
  std::optional<Pending> read(size_t max);
  // Removes those of `rows` older than give_up_after (counted and logged with `last_error`, the
  // last delivery error): how many, or nullopt when removing them failed.
  std::optional<size_t> dropExpired(const Pending& rows, int64_t now_ms,
                                    const std::string& last_error);
  // The next message of `rows` (not empty): the one composed at its first attempt, else the
  // oldest notifications not yet in one, at most `max`, assigned a message id now. nullopt when
  // the assignment could not be written.
  std::optional<Pending> compose(const Pending& rows, size_t max);
  // A message's outcome, to be recorded.
  void settle(const Pending& message, state::NotificationUpdate update);
  // Writes every outcome not yet recorded (any receiver's), oldest first; false when one could
  // not be (it and the rest are kept).
  bool record();
  bool unrecorded() const { return !unrecorded_.outcomes.empty(); }

  // After a failure: how long to wait before trying again.
  std::chrono::milliseconds backoff() const { return backoff_; }
  // Why the outbox cannot be read or written now; empty while it can.
  const std::string& problem() const { return problem_; }

 private:
  void failed(std::string_view what, const core::Error& error);
  void ok();

  std::string receiver_;
  state::Store& store_;
  core::AlertObserver& observer_;
  core::Random& random_;
  const DeliveryOptions& options_;
  UnrecordedOutcomes& unrecorded_;
  int failures_ = 0;
  std::chrono::milliseconds backoff_{0};
  std::string problem_;  // the last failure logged; empty while reads and writes succeed
};

// The ids of `rows`.
std::vector<int64_t> idsOf(const Pending& rows);

// Drops the outbox entries of receivers not in `configured` (counted, logged).
void dropUnconfigured(state::Store& store, core::AlertObserver& observer,
                      const std::set<std::string>& configured);

// The gauges: each receiver's queue, and the alerts firing.
void publishQueues(state::Store& store, core::AlertObserver& observer,
                   const std::vector<std::string>& receivers, size_t firing);

}  // namespace swas::alerting
