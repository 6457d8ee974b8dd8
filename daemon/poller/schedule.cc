#include "daemon/poller/schedule.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace swas::poller {

Tick nextTick(Clock::time_point scheduled_base, Clock::time_point now, Duration interval,
              double stretch, double jitter, double u) {
  auto step = std::chrono::duration_cast<Clock::duration>(interval * std::max(1.0, stretch));
  if (step <= Clock::duration::zero()) step = std::chrono::milliseconds(1);
  Tick tick{scheduled_base + step, {}, 0};
  while (tick.base < now) {  // a poll overran: the ticks it covered are skipped, not queued
    tick.base += step;
    ++tick.skipped;
  }
  auto spread = std::chrono::duration_cast<Clock::duration>(
      interval * std::clamp(jitter, 0.0, 1.0) * std::clamp(u, 0.0, 1.0));
  tick.at = tick.base + spread;
  return tick;
}

double nextStretch(double stretch, bool throttled) {
  if (throttled) return std::min(kMaxStretch, std::max(1.0, stretch) * 2.0);
  return std::max(1.0, stretch / 2.0);
}

TokenBucket::TokenBucket(double rate, Clock::time_point now)
    : rate_(rate), capacity_(std::max(1.0, rate)), tokens_(capacity_), last_(now) {}

void TokenBucket::refill(Clock::time_point now) {
  if (now > last_) {
    double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(capacity_, tokens_ + elapsed * rate_);
    last_ = now;
  }
}

Duration TokenBucket::take(Clock::time_point now) {
  refill(now);
  tokens_ -= 1.0;  // a reservation: later callers queue behind it
  if (tokens_ >= 0.0 || rate_ <= 0.0) return Duration::zero();
  return Duration(static_cast<int64_t>(std::ceil(-tokens_ / rate_ * 1000.0)));
}

bool fullWalkDue(const state::RegionCursor& cursor, std::chrono::system_clock::time_point now,
                 std::chrono::seconds full_scan_every, bool order_is_newest_first) {
  return !cursor.known || !order_is_newest_first || now - cursor.last_full_scan >= full_scan_every;
}

bool newestFirst(const std::vector<core::Invocation>& page, const std::string& previous_oldest) {
  // ISO timestamps of one width compare as strings.
  std::string bound = previous_oldest;
  for (const auto& inv : page) {
    if (!bound.empty() && inv.creation_time > bound) return false;
    bound = inv.creation_time;
  }
  return true;
}

bool earlyStopAfter(const std::vector<core::Invocation>& page, const state::RegionSnapshot& known,
                    const std::string& previous_newest, const std::set<std::string>& watched) {
  if (page.empty() || previous_newest.empty()) return false;
  return std::all_of(page.begin(), page.end(), [&](const core::Invocation& inv) {
    if (!inv.finished() || !(inv.creation_time < previous_newest)) return false;
    bool relevant = watched.empty() ||
                    std::any_of(inv.instances.begin(), inv.instances.end(),
                                [&](const auto& i) { return watched.contains(i.instance_id); });
    if (!relevant) return true;
    auto it = known.find(inv.invoke_id);
    return it != known.end() && it->second.finished;
  });
}

std::vector<std::string> unseenUnfinished(const std::set<std::string>& unfinished,
                                          const std::vector<core::Invocation>& seen) {
  std::unordered_set<std::string_view> ids;
  for (const auto& inv : seen) ids.insert(inv.invoke_id);
  std::vector<std::string> out;
  for (const auto& id : unfinished) {
    if (!ids.contains(id)) out.push_back(id);
  }
  return out;
}

bool fetchUnfinishedByStatus(size_t unseen) { return unseen > 2 * std::size(kUnfinishedStatuses); }

}  // namespace swas::poller
