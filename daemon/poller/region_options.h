#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>

#include "daemon/core/defaults.h"
#include "daemon/core/invocation.h"
#include "daemon/core/scope.h"
#include "daemon/poller/schedule.h"

namespace swas::poller {

constexpr std::chrono::seconds wholeSeconds(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d);
}

// Defaults from core/defaults.h where the contract sets one; the rest are the poller's own.
struct RegionOptions {
  core::Scope scope;  // its key is the state's and the series'; its region the calls go to
  // Instances to track; nullopt: every instance. An empty set tracks none (a tag rule that
  // matches no instance yet): the region then makes no calls.
  std::optional<std::set<std::string>> watched_instances;
  // The watched set is not known yet (chosen by tags or names, before the first inventory): no
  // poll until setWatched(), and the region is not up meanwhile.
  bool await_watched = false;
  std::string command_type;
  std::string command_name;
  Duration interval = core::defaults::kPollInterval;
  double jitter = core::defaults::kJitter;
  // The shortest time between two polls an event hinted at (RegionPoller::hint), stretched by
  // throttling as the interval is.
  Duration hint_gap = core::defaults::kHintGap;
  int page_size = core::defaults::kPageSize;
  // A full walk is diffed and committed every this many invocations, so its memory does not
  // grow with the region (one chunk at a time, not every page of it). 250, not 1,000: 2.6 MiB
  // less peak RSS at 3,000 invocations and 100,000 pairs, the walk no slower; 50 (one page of
  // the default size), not 250: about 0.5 MiB less again at 3,000, the cold walk's peak. A
  // chunk that alerts nothing and baselines nothing commits without an fdatasync.
  size_t full_walk_chunk = 50;
  // A full walk's chunks hold their alerts' delivery until this many invocations were settled
  // (or the poll ends): the cadence of 250-invocation chunks, so an alert-heavy walk (a restart
  // after a long stop) does not send a message for every page.
  size_t full_walk_delivery = 250;
  std::chrono::seconds full_scan_every = wholeSeconds(core::defaults::kFullScanEvery);
  std::chrono::seconds initial_lookback = wholeSeconds(core::defaults::kInitialLookback);
  std::chrono::seconds retention = wholeSeconds(core::defaults::kRetention);
  core::AlertCondition alert_condition;
  double rate_limit = core::defaults::kRateLimit;
  int max_in_flight = core::defaults::kMaxInFlight;
  // Retries inside one poll.
  int max_attempts = 6;
  Duration backoff_initial = std::chrono::milliseconds(500);
  Duration backoff_cap = std::chrono::seconds(10);
};

}  // namespace swas::poller
