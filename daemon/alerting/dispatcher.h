#pragma once

// Durable delivery: each receiver drains its part of the store's outbox on the event loop, one
// message at a time, so a slow or dead receiver delays neither polling nor other receivers.
// A notification leaves the outbox only when its receiver confirmed it, or when it is dropped
// (rejected, or older than give_up_after). Message composition is stored with the first
// attempt, so retries and restarts send the same message (and Idempotency-Key). The outbox's
// side is outbox.h's, the alerts' upkeep housekeeping.h's; this is the workers': gather, pace,
// send, judge.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/alerting/delivery.h"
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
  // New notifications were stored (the relay's; the lifecycle's commits wake it by themselves:
  // the dispatcher subscribes to its changes and logs and counts its unrouted alerts). Ignored
  // before start() and after stop().
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
