#include "daemon/ops/status_recorder.h"

#include <spdlog/spdlog.h>

#include "daemon/core/time.h"

namespace swas::ops {

void DeliveryTracker::onNotifications(const std::string& receiver, std::string_view outcome,
                                      int count) {
  next_.onNotifications(receiver, outcome, count);
  pending_[receiver] = {receiver, std::string(outcome), core::unixSeconds(clock_.now())};
}

void DeliveryTracker::putBack(std::vector<state::StatusSnapshot::Receiver> outcomes) {
  for (auto& r : outcomes) pending_.try_emplace(r.name, std::move(r));  // newer ones win
}

std::vector<state::StatusSnapshot::Receiver> DeliveryTracker::take() {
  std::vector<state::StatusSnapshot::Receiver> out;
  for (auto& [name, r] : pending_) out.push_back(std::move(r));
  pending_.clear();
  return out;
}

void StatusRecorder::maybeRecord(const std::vector<RegionReport>& regions,
                                 const std::vector<std::string>& receivers, bool force) {
  auto steady = clock_.steadyNow();
  if (!force && last_ != std::chrono::steady_clock::time_point{} && steady - last_ < kEvery) return;
  last_ = steady;
  state::StatusSnapshot s;
  s.now = core::unixSeconds(clock_.now());
  std::map<const void*, std::pair<uint64_t, uint64_t>> seen;
  for (const auto& report : regions) {
    state::StatusSnapshot::Region r{.scope = report.scope,
                                    .up = report.up,
                                    .reason = report.up ? "" : report.reason,
                                    .last_success = report.last_success};
    if (!report.gate) {
      s.regions.push_back(std::move(r));
      continue;
    }
    std::pair<uint64_t, uint64_t> now{report.calls, report.throttled};
    // By gate: a reload's new gate starts from zero.
    auto it = seen_.find(report.gate);
    auto before = it == seen_.end() ? std::pair<uint64_t, uint64_t>{} : it->second;
    // A new gate at a freed gate's address counts from zero too.
    if (now.first < before.first || now.second < before.second) before = {};
    r.calls = static_cast<int64_t>(now.first - before.first);
    r.throttled = static_cast<int64_t>(now.second - before.second);
    seen[report.gate] = now;
    s.regions.push_back(std::move(r));
  }
  s.receivers = deliveries_.take();
  s.configured_receivers = receivers;
  if (auto ok = store_.recordStatus(s); !ok) {
    deliveries_.onStateError("status");
    spdlog::debug("recording the status for `status` failed: {}", ok.error().message);
    deliveries_.putBack(std::move(s.receivers));
    return;  // the calls are counted again next time
  }
  seen_ = std::move(seen);
}

}  // namespace swas::ops
