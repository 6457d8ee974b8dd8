#include "daemon/poller/schedule.h"

#include <algorithm>
#include <cmath>

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

}  // namespace swas::poller
