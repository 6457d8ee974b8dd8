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

}  // namespace swas::poller
