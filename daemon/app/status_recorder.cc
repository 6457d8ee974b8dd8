#include "daemon/app/status_recorder.h"

#include <spdlog/spdlog.h>

#include "daemon/core/time.h"

namespace swas::app {

void DeliveryTracker::onNotifications(const std::string& receiver, std::string_view outcome,
                                      int count) {
  next_.onNotifications(receiver, outcome, count);
  pending_[receiver] = {receiver, std::string(outcome), core::unixSeconds(clock_.now())};
}

std::vector<state::StatusSnapshot::Receiver> DeliveryTracker::take() {
  std::vector<state::StatusSnapshot::Receiver> out;
  for (auto& [name, r] : pending_) out.push_back(std::move(r));
  pending_.clear();
  return out;
}

void StatusRecorder::maybeRecord(const std::vector<std::unique_ptr<poller::RegionPoller>>& pollers,
                                 const std::vector<std::string>& receivers, bool force) {
  auto steady = clock_.steadyNow();
  if (!force && last_ != std::chrono::steady_clock::time_point{} && steady - last_ < kEvery) return;
  last_ = steady;
  state::StatusSnapshot s;
  s.now = core::unixSeconds(clock_.now());
  std::map<std::string, std::pair<uint64_t, uint64_t>> seen;
  for (const auto& p : pollers) {
    state::StatusSnapshot::Region r;
    r.region_id = p->regionId();
    r.up = p->up();
    r.reason = p->up() ? "" : p->downReason().empty() ? "first poll in progress" : p->downReason();
    if (auto at = p->lastSuccess()) r.last_success = core::unixSeconds(*at);
    auto gate = p->gate();
    std::pair<uint64_t, uint64_t> now{gate->calls(), gate->throttledCalls()};
    auto before = seen_.count(r.region_id) ? seen_[r.region_id] : std::pair<uint64_t, uint64_t>{};
    if (now.first < before.first) before = {};  // a new gate (reload)
    r.calls = static_cast<int64_t>(now.first - before.first);
    r.throttled = static_cast<int64_t>(now.second - std::min(now.second, before.second));
    seen[r.region_id] = now;
    s.regions.push_back(std::move(r));
  }
  s.receivers = deliveries_.take();
  s.configured_receivers = receivers;
  if (auto ok = store_.recordStatus(s); !ok) {
    metrics_.onStateError("status");
    spdlog::debug("recording the status for `status` failed: {}", ok.error().message);
    return;  // the calls are counted again next time
  }
  seen_ = std::move(seen);
}

}  // namespace swas::app
