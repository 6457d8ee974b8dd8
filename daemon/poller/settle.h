#pragma once

// The settle step of a poll: what the walk fetched is diffed against the region's tracked
// state, and the changes, transitions and alerts are committed in one transaction before
// anything reaches the sink.

#include <chrono>
#include <expected>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/api/call_gate.h"
#include "daemon/core/alert.h"
#include "daemon/core/invocation.h"
#include "daemon/core/poll_observer.h"
#include "daemon/poller/request_gate.h"
#include "daemon/state/differ.h"
#include "daemon/state/store.h"

namespace swas::poller {

// What one poll gathers as it walks.
struct Pass {
  bool full = false;
  bool ordered = true;  // every list walked was newest-first
  std::chrono::system_clock::time_point wall{};
  state::DiffOptions diff_options;
  std::vector<core::Invocation> fetched;  // not yet settled
  std::string newest_creation;            // over everything fetched, settled or not
  // The newest CreationTime each list walked showed ("" the region's, else an instance's).
  std::map<std::string, std::string> list_newest;
  // Full walks with instance_ids: the invocations seen per watched instance.
  std::map<std::string, std::set<std::string>> watched_pairs;
  api::CallTally calls;
  size_t transitions = 0;
  size_t held = 0;  // a full walk's invocations settled since its last chunk that delivered
  // ECS's repeating tasks (runs.h): whether this pass listed those not stopped (Timed=true),
  // the tasks it saw (InvokeId -> the task without its instances), and each (task, instance)'s
  // latest run.
  bool timed_listed = false;
  bool hinted = false;        // an event's hint, between scheduled polls: not in the cadence
  bool timed_wanted = false;  // an event hinted at a run: list Timed=true whatever the cadence
  std::map<std::string, core::Invocation> tasks;
  std::map<std::pair<std::string, std::string>, int64_t> latest_runs;
  // (task, instance) pairs whose runs could not be read this pass: read again at the next.
  std::set<std::pair<std::string, std::string>> unread_runs;
};

// One region's tracked state and cursor, and the only way they change.
class Settler {
 public:
  // A full walk delivers its chunks' alerts every `deliver_every` invocations settled.
  Settler(state::Store& store, core::TransitionSink& sink, core::AlertPlanner& planner,
          core::PollObserver& observer, std::string region_id, size_t deliver_every);

  // Loads the region's state from the store.
  std::expected<void, std::string> load();
  const state::TrackedRegion& region() const { return region_; }
  const state::RegionCursor& cursor() const { return cursor_; }

  // Diffs pass.fetched against the tracked state and commits the changes, transitions and
  // alerts in one transaction (with the new cursor when `last`), then applies them and hands
  // the transitions to the sink: nothing reaches the sink before it is committed (synced when it
  // promises an alert, a baseline or a cold start's cursor; see Store::commit). A full walk
  // settles in chunks, so it never holds more than one chunk; only its last moves the cursor.
  // On failure nothing is applied: the next poll fetches and diffs it all again (a full disk
  // loses nothing, it only delays).
  std::expected<void, core::Error> settle(Pass& pass, bool last);

  // The record that gives up a tracked unfinished invocation the API no longer lists (see
  // vanishedMarker); nullopt when it is not tracked.
  std::optional<core::Invocation> vanished(const std::string& invoke_id);

  // Delivers what a full walk's chunks held back (the poll ended, settled or not).
  void deliverHeld();

  // Forgets finished invocations created before `cutoff`, in the store and in memory.
  void evictFinishedBefore(std::chrono::system_clock::time_point cutoff);

 private:
  state::Store& store_;
  core::TransitionSink& sink_;
  core::AlertPlanner& planner_;
  core::PollObserver& observer_;
  std::string region_id_;
  size_t deliver_every_;
  state::TrackedRegion region_;
  state::RegionCursor cursor_;
};

}  // namespace swas::poller
