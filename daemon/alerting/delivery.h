#pragma once

// What delivery is told (DeliveryOptions) and what it keeps across reloads (UnrecordedOutcomes),
// shared by the dispatcher's workers, the outbox and the housekeeping.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "daemon/alerting/robot_pacers.h"
#include "daemon/core/defaults.h"
#include "daemon/core/send_turn.h"
#include "daemon/state/store.h"

namespace swas::alerting {

struct DeliveryOptions {
  std::chrono::milliseconds initial_backoff = core::defaults::kInitialBackoff;
  std::chrono::milliseconds max_backoff = core::defaults::kMaxBackoff;
  std::chrono::milliseconds give_up_after = core::defaults::kGiveUpAfter;
  // Notifications queued within this window of the first go out together: all of one poll's
  // (committed at once), and those of other regions' polls close behind. Short, because it
  // adds to the detection latency. 0 where nothing can join (one region polled, no relay).
  std::chrono::milliseconds gather{250};
  std::chrono::milliseconds resend_every{60'000};      // Alertmanager receivers
  std::chrono::milliseconds resolved_resend{300'000};  // resolved alerts re-sent this long
  // A re-send that is due waits this long at most for every region to have polled since
  // (stateFresh); 0: it does not wait.
  std::chrono::milliseconds resend_fresh_wait{0};
  std::chrono::milliseconds housekeeping_every{60'000};  // resolve timeout, eviction
  // Resolved alerts are kept this long.
  std::chrono::seconds retention =
      std::chrono::duration_cast<std::chrono::seconds>(core::defaults::kRetention);
  // Set when replicas share keys: whose turn it is to send the daemon's own notifications to
  // receivers that do not deduplicate (all but Alertmanager's). Outlives the dispatcher.
  const core::SendTurn* send_turn = nullptr;
  // Sharded (cluster.shards > 1): the keys this replica owns; Alertmanager receivers' firing
  // set re-sends only theirs. Empty: every key.
  std::function<bool(const std::string& scope)> owned;
};

// Delivery outcomes the outbox could not record yet (its disk full, say). The daemon keeps them
// across reloads, and every dispatcher records them before any receiver sends again, so a
// confirmed message is never sent again by the next runtime. (A restart loses them: delivery is
// at least once across crashes, as the contract says.)
//
// It also keeps each chat robot's pacer (robot_pacers.h: two receivers on one robot share it),
// so a reload neither resets a vendor's window nor lifts a throttled robot's penalty; a restart
// does, and a throttled answer then holds the robot back again.
struct UnrecordedOutcomes {
  struct Outcome {
    std::vector<int64_t> ids;
    state::NotificationUpdate update;
  };
  std::vector<Outcome> outcomes;
  RobotPacers pacers;
};

}  // namespace swas::alerting
