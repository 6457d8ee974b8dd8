#pragma once

// What the operator's `status` command and the status page read, recorded in the state file
// every few seconds: each region's health and API calls, each receiver's last delivery outcome.
// The DeliveryTracker stands between the dispatcher and the metrics to see the outcomes.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/core/alert.h"
#include "daemon/core/clock.h"
#include "daemon/state/store.h"

namespace swas::ops {

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

// One region as it stands at a heartbeat.
struct RegionReport {
  std::string scope;  // core::Scope::key()
  bool up = false;
  std::string reason;                   // why not up; "" when up
  std::optional<int64_t> last_success;  // Unix seconds
  // The region's call counters since `gate` was made (a reload makes new gates, which start from
  // zero); nullptr: the region makes no calls (an account of region_id: all with no region yet).
  const void* gate = nullptr;
  uint64_t calls = 0;
  uint64_t throttled = 0;
};

class StatusRecorder {
 public:
  // A failed record is counted through `deliveries` (swas_state_errors_total{op="status"}).
  StatusRecorder(state::Store& store, const core::Clock& clock, DeliveryTracker& deliveries)
      : store_(store), clock_(clock), deliveries_(deliveries) {}

  // Records when 5 s have passed since the last record (or `force`): the regions, the calls each
  // made since the last record, and the receivers configured with their outcomes since then. A
  // record that fails is tried again at the next call, its calls and outcomes kept.
  void maybeRecord(const std::vector<RegionReport>& regions,
                   const std::vector<std::string>& receivers, bool force = false);

 private:
  state::Store& store_;
  const core::Clock& clock_;
  DeliveryTracker& deliveries_;
  std::chrono::steady_clock::time_point last_{};
  // The gates' counters already recorded, by gate (a new gate after a reload starts at 0).
  std::map<const void*, std::pair<uint64_t, uint64_t>> seen_;
  static constexpr std::chrono::seconds kEvery{5};
};

}  // namespace swas::ops
