#pragma once

// diff(stored, fetched): the pure heart of the poller (osquery's DiffResults). No I/O.

#include <boost/container/flat_map.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/core/interned.h"
#include "daemon/core/invocation.h"
#include "daemon/core/poll_observer.h"

namespace swas::state {

// What every poll compares against, kept in memory for each tracked pair: statuses, error
// codes and instance ids interned (a pointer each), an invocation's instances in one sorted
// array. About 200 bytes an invocation, where string copies in maps took 530.
struct StoredInstance {
  core::Interned status;
  core::Interned error_code;
};

using StoredInstances =
    boost::container::flat_map<core::Interned, StoredInstance, core::Interned::Less>;

struct StoredInvocation {
  core::Interned overall_status;
  std::string creation_time;
  bool finished = false;
  StoredInstances instances;  // by instance id
};

// What the store knows of one region, by invoke id.
using RegionSnapshot = std::unordered_map<std::string, StoredInvocation>;

struct DiffOptions {
  // No state existed for this region before this poll.
  bool cold_start = false;
  std::chrono::system_clock::time_point now{};
  std::chrono::seconds initial_lookback{3600};
  // Instances to track; nullopt: every instance.
  std::optional<std::set<std::string>> watched_instances;
  // Instances watched since the last poll: their pairs follow initial_lookback as on a cold
  // start, so an instance tagged today does not alert for last month's failures.
  std::set<std::string> cold_instances;
  // Finished invocations created before this and not stored are ignored: the store forgets
  // them at this age (state.retention), and one the API still lists must not be new again.
  std::optional<std::chrono::system_clock::time_point> forget_before;
  // Which states alert; decides Transition::occurrence.
  core::AlertCondition alert_condition;
};

struct DiffResult {
  std::vector<core::Transition> transitions;
  std::vector<core::OverallChange> overall_changes;
  // New or changed invocations, with only watched instances, to be written to the store.
  std::vector<core::Invocation> changed;
};

// Per-instance transitions (first sightings from "none", status changes, ErrorCode appearing)
// and overall-status changes of `fetched` against `stored`. An invocation fetched twice in one
// poll (pages shifting under the walk) is diffed against its first appearance, so nothing is
// reported twice. Instances absent from `fetched` are left as they are.
// `fetched` is consumed: its invocations move into the result.
DiffResult diff(const RegionSnapshot& stored, std::vector<core::Invocation> fetched,
                const DiffOptions& options);

// How many invocations are in each overall status, and (invocation, instance) pairs in each
// per-instance status.
core::TrackedCounts countTracked(const RegionSnapshot& snapshot);

// Applies a diff's `changed` invocations to a snapshot (what the store does durably).
void applyChanges(RegionSnapshot& snapshot, const std::vector<core::Invocation>& changed);

// A region's snapshot with what every poll asks of it kept up to date as it changes: the
// counts by status (the gauges) and the unfinished invocations (fetched directly when a walk
// does not reach them). No poll then needs a pass over the whole region.
class TrackedRegion {
 public:
  TrackedRegion() = default;
  explicit TrackedRegion(RegionSnapshot snapshot);

  const RegionSnapshot& snapshot() const { return snapshot_; }
  // Equal to countTracked(snapshot()).
  const core::TrackedCounts& counts() const { return counts_; }
  // Invoke ids of the invocations not finished, sorted.
  const std::set<std::string>& unfinished() const { return unfinished_; }

  // applyChanges, keeping the counts and the unfinished set.
  void apply(const std::vector<core::Invocation>& changed);
  // Forgets finished invocations created before `creation_time` (the API's format); how many.
  size_t forgetFinishedBefore(std::string_view creation_time);

 private:
  void count(const StoredInvocation& inv, int64_t sign);

  RegionSnapshot snapshot_;
  core::TrackedCounts counts_;
  std::set<std::string> unfinished_;
};

}  // namespace swas::state
