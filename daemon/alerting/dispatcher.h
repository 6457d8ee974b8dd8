#pragma once

// Durable delivery: each receiver drains its part of the store's outbox on the event loop, one
// message at a time, so a slow or dead receiver delays neither polling nor other receivers.
// A notification leaves the outbox only when its receiver confirmed it, or when it is dropped
// (rejected, or older than give_up_after). Message composition is stored with the first
// attempt, so retries and restarts send the same message (and Idempotency-Key).

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/alerting/pacer.h"
#include "daemon/alerting/receivers.h"
#include "daemon/alerting/robot_pacers.h"
#include "daemon/alerting/rules.h"
#include "daemon/core/alert.h"
#include "daemon/core/clock.h"
#include "daemon/core/defaults.h"
#include "daemon/http/http_client.h"
#include "daemon/state/store.h"

namespace boost::asio {
class io_context;
}

namespace swas::alerting {

struct DeliveryOptions {
  std::chrono::milliseconds initial_backoff = core::defaults::kInitialBackoff;
  std::chrono::milliseconds max_backoff = core::defaults::kMaxBackoff;
  std::chrono::milliseconds give_up_after = core::defaults::kGiveUpAfter;
  // Notifications queued within this window of the first go out together: all of one poll's
  // (committed at once), and those of other regions' polls close behind. Short, because it
  // adds to the detection latency.
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

class Dispatcher {
 public:
  Dispatcher(boost::asio::io_context& io, http::HttpClient& http, state::Store& store,
             Lifecycle& lifecycle, core::AlertObserver& observer, const core::Clock& clock,
             core::Random& random, std::vector<std::unique_ptr<Receiver>> receivers,
             DeliveryOptions options, UnrecordedOutcomes& unrecorded);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Drops outbox entries of receivers no longer configured (counted, logged), publishes the
  // gauges, starts delivering and the periodic work.
  void start();
  // New notifications were committed.
  void kick();
  // Every region completed a poll since `as_of`: the alert state is that fresh.
  void stateFresh(std::chrono::system_clock::time_point as_of);
  void stop();
  // Shutdown: one last attempt for every pending message now, backoff and gather window
  // ignored, no retries; idle() once all were tried.
  void drain();
  // No message in flight (tests, shutdown, reload).
  bool idle() const;
  // Why the outbox cannot be read or written now (for /readyz); empty while it can.
  std::string storageProblem() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace swas::alerting
