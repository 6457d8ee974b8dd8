#pragma once

// The poller's decisions as pure functions of time, outcome and randomness (Envoy's
// SimulatedTimeSystem style): unit-tested without timers.

#include <chrono>

namespace swas::poller {

using Clock = std::chrono::steady_clock;
using Duration = std::chrono::milliseconds;

// The tick after `scheduled`: counted from the scheduled time (not the finish time), with the
// interval stretched by throttling. `jitter` is a fraction of the interval and `u` is uniform in
// [0, 1): the tick lands in [base, base + jitter * interval). Ticks already in the past are
// skipped: `skipped` counts them.
struct Tick {
  Clock::time_point base;  // the unjittered schedule, which the next tick counts from
  Clock::time_point at;    // when to poll
  int skipped = 0;
};
Tick nextTick(Clock::time_point scheduled_base, Clock::time_point now, Duration interval,
              double stretch, double jitter, double u);

// Throttling stretches the region's interval multiplicatively up to 8x; each clean poll halves
// the stretch back towards 1.
inline constexpr double kMaxStretch = 8.0;
double nextStretch(double stretch, bool throttled);

}  // namespace swas::poller
