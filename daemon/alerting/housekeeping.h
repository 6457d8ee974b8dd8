#pragma once

// The alerts' upkeep, apart from delivery: every housekeeping_every, firing alerts past
// alerts.resolve_timeout are resolved (their resolutions queued in the same commit), and
// resolved alerts older than the retention leave the state file.

#include <functional>
#include <memory>

#include "daemon/alerting/delivery.h"
#include "daemon/alerting/rules.h"
#include "daemon/core/alert.h"
#include "daemon/core/clock.h"
#include "daemon/state/store.h"

namespace boost::asio {
class io_context;
}

namespace swas::alerting {

class Housekeeping {
 public:
  // `done` runs after each round (the gauges are published again).
  Housekeeping(boost::asio::io_context& io, state::Store& store, Lifecycle& lifecycle,
               core::AlertObserver& observer, const core::Clock& clock,
               const DeliveryOptions& options, std::function<void()> done);
  ~Housekeeping();
  Housekeeping(const Housekeeping&) = delete;
  Housekeeping& operator=(const Housekeeping&) = delete;

  // A round now, then one every housekeeping_every until stop().
  void start();
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace swas::alerting
