#pragma once

#include <chrono>
#include <set>
#include <string>

#include "daemon/core/invocation.h"
#include "daemon/poller/schedule.h"

namespace swas::poller {

struct RegionOptions {
  std::string region_id;
  std::set<std::string> watched_instances;  // empty: all
  std::string command_type;
  std::string command_name;
  Duration interval = std::chrono::seconds(30);
  double jitter = 0.1;
  int page_size = 50;
  // A full walk is diffed and committed every this many invocations, so its memory does not
  // grow with the region (one chunk at a time, not every page of it).
  size_t full_walk_chunk = 1000;
  std::chrono::seconds full_scan_every{3600};
  std::chrono::seconds initial_lookback{3600};
  std::chrono::seconds retention{14 * 86400};
  core::AlertCondition alert_condition;
  double rate_limit = 10;
  int max_in_flight = 4;
  // Retries inside one poll.
  int max_attempts = 6;
  Duration backoff_initial = std::chrono::milliseconds(500);
  Duration backoff_cap = std::chrono::seconds(10);
};

}  // namespace swas::poller
