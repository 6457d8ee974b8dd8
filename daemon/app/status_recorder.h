#pragma once

// What the operator's `status` command reads, recorded in the state file every few
// seconds: each region's health and API calls, each receiver's last delivery outcome. The
// DeliveryTracker stands between the dispatcher and the metrics to see the outcomes.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "daemon/app/runtime.h"
#include "daemon/config/config.h"
#include "daemon/core/alert.h"
#include "daemon/core/clock.h"
#include "daemon/metrics/metrics.h"
#include "daemon/poller/region_poller.h"
#include "daemon/state/store.h"

namespace swas::app {

// Forwards every delivery report to the metrics and keeps the outcomes not yet recorded.
class DeliveryTracker final : public core::AlertObserver {
 public:
  DeliveryTracker(core::AlertObserver& next, const core::Clock& clock)
      : next_(next), clock_(clock) {}
  void onNotifications(const std::string& receiver, std::string_view outcome, int count) override;
  void onQueueLength(const std::string& receiver, int64_t waiting) override {
    next_.onQueueLength(receiver, waiting);
  }
  void onAlertsFiring(int64_t firing) override { next_.onAlertsFiring(firing); }
  void onUnrouted() override { next_.onUnrouted(); }
  void onPeerFailure(const std::string& receiver, const std::string& peer) override {
    next_.onPeerFailure(receiver, peer);
  }
  void onStateError(std::string_view operation) override { next_.onStateError(operation); }
  // The outcomes since the last call, the newest per receiver.
  std::vector<state::StatusSnapshot::Receiver> take();
  // Outcomes `take` gave that could not be recorded.
  void putBack(std::vector<state::StatusSnapshot::Receiver> outcomes);

 private:
  core::AlertObserver& next_;
  const core::Clock& clock_;
  std::map<std::string, state::StatusSnapshot::Receiver> pending_;
};

class StatusRecorder {
 public:
  StatusRecorder(state::Store& store, metrics::Metrics& metrics, const core::Clock& clock,
                 DeliveryTracker& deliveries)
      : store_(store), metrics_(metrics), clock_(clock), deliveries_(deliveries) {}

  // Records when `every` has passed since the last record (or `force`).
  void maybeRecord(const std::vector<std::unique_ptr<poller::RegionPoller>>& pollers,
                   const std::vector<Runtime::Undiscovered>& undiscovered,
                   const std::vector<config::ReceiverSettings>& receivers, bool force = false);

 private:
  state::Store& store_;
  metrics::Metrics& metrics_;
  const core::Clock& clock_;
  DeliveryTracker& deliveries_;
  std::chrono::steady_clock::time_point last_{};
  // The gates' counters already recorded, by gate (a new gate after a reload starts at 0).
  std::map<const void*, std::pair<uint64_t, uint64_t>> seen_;
  static constexpr std::chrono::seconds kEvery{5};
};

}  // namespace swas::app
