#pragma once

// The poller's decisions as pure functions of time, outcome and randomness (Envoy's
// SimulatedTimeSystem style): unit-tested without timers.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/backoff.h"
#include "daemon/core/invocation.h"
#include "daemon/state/differ.h"
#include "daemon/state/store.h"

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

using core::backoffDelay;

// Throttling stretches the region's interval multiplicatively up to 8x; each clean poll halves
// the stretch back towards 1.
inline constexpr double kMaxStretch = 8.0;
double nextStretch(double stretch, bool throttled);

// A token bucket: `rate` tokens per second, burst `rate` (at least 1). take() answers how long to
// wait before the request may go; the caller passes the time in.
class TokenBucket {
 public:
  TokenBucket(double rate, Clock::time_point now);
  // Reserves one token; returns the wait until it is available (zero when at once).
  Duration take(Clock::time_point now);

 private:
  void refill(Clock::time_point now);
  double rate_;
  double capacity_;
  double tokens_;
  Clock::time_point last_;
};

// Paging strategy.
// A complete walk of every page is due on a cold start, every `full_scan_every`, and whenever the
// API's order has not been observed to be newest-first.
bool fullWalkDue(const state::RegionCursor& cursor, std::chrono::system_clock::time_point now,
                 std::chrono::seconds full_scan_every, bool order_is_newest_first);

// True when `page` is in newest-first order and continues `previous_oldest` (the CreationTime of
// the last invocation of the previous page, "" for the first page).
bool newestFirst(const std::vector<core::Invocation>& page, const std::string& previous_oldest);

// The walk may stop after `page` when every invocation on it is finished, created before
// `previous_newest` (the newest CreationTime of the previous poll), and already known finished
// (invocations without a watched instance need not be known: they are never stored).
bool earlyStopAfter(const std::vector<core::Invocation>& page, const state::RegionSnapshot& known,
                    const std::string& previous_newest, const std::set<std::string>& watched);

// Unfinished invocations the store knows (`unfinished`, invoke ids) that a walk did not see:
// they must be fetched directly. Sorted.
std::vector<std::string> unseenUnfinished(const std::set<std::string>& unfinished,
                                          const std::vector<core::Invocation>& seen);

// Fetching `unseen` unfinished invocations costs one call each by InvokeId, or at least three
// walks by InvocationStatus filter (Pending, Running, Stopping) plus one call for each that
// finished meanwhile. The filters win when more than twice their three calls are needed.
inline constexpr std::string_view kUnfinishedStatuses[] = {"Pending", "Running", "Stopping"};
bool fetchUnfinishedByStatus(size_t unseen);

}  // namespace swas::poller
