#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "daemon/api/call_gate.h"
#include "daemon/api/swas_client.h"
#include "daemon/core/alert.h"
#include "daemon/core/clock.h"
#include "daemon/core/invocation.h"
#include "daemon/core/poll_observer.h"
#include "daemon/poller/region_options.h"
#include "daemon/state/store.h"

namespace boost::asio {
class io_context;
}

namespace swas::poller {

struct PollOutcome {
  bool ok = false;
  bool throttled = false;
  bool full_walk = false;
  int api_calls = 0;
  size_t transitions = 0;
  core::Error error;  // when !ok
};

// One region's schedule and paging strategy on the shared io_context:
//  - a full walk of every page on a cold start, every full_scan_every, and whenever the API's
//    order was not seen to be newest-first;
//  - otherwise each list newest-first until a page reaches a known, finished invocation older
//    than the newest that list showed in the previous poll (one call per list in the steady
//    state), then a direct fetch of the known unfinished invocations the walk did not reach.
// The parts: RequestGate (rate, slots, retries), Pager (the paging strategy; its decisions are
// the pure functions of paging.h), Settler (diff, commit, notify); this class is the schedule.
// Pages are walked one after another in ascending order, so invocations arriving mid-walk
// shift items to later pages (seen twice at worst, which the diff absorbs) and none is missed.
// Each poll's changes, transitions and alerts are committed in one transaction before they
// reach the sink; a full walk commits every full_walk_chunk invocations, and moves the cursor
// only with its last chunk.
class RegionPoller {
 public:
  RegionPoller(boost::asio::io_context& io, api::SwasClient& client, state::Store& store,
               core::TransitionSink& sink, core::AlertPlanner& planner,
               core::PollObserver& observer, const core::Clock& clock, core::Random& random,
               RegionOptions options);
  ~RegionPoller();

  // Loads the region's state from the store.
  std::expected<void, std::string> init();
  // Polls now, then on schedule, until stop().
  void start();
  // Stops scheduling and abandons waits; an API call in flight completes or is cancelled by
  // the HTTP client's owner.
  void stop();
  // One poll now (full walk when `force_full`); `done` runs on the loop.
  void pollOnce(bool force_full, std::function<void(PollOutcome)> done);

  // An event (hints/) says an execution in the region ended: poll soon, with the Timed listing
  // when `timed` (a periodic task's run), but never sooner than hint_gap (stretched by
  // throttling) after the last poll began; a poll in flight is followed by one more. The poll
  // is the truth, whatever the event said. False when a hinted poll was pending already.
  bool hint(bool timed);
  // `instance_id` is tracked (every one is without a watched set).
  bool watches(const std::string& instance_id) const;
  // The instances to track from the next poll on (nullopt: every one); see Pager::setWatched.
  void setWatched(std::optional<std::set<std::string>> watched);
  // The region's call gate (token bucket, in-flight cap, retries), for the region's other calls.
  std::shared_ptr<api::CallGate> gate() const;
  const core::Scope& scope() const;
  bool completedOnePoll() const;
  bool up() const;
  // Why the last poll failed; empty before the first failure and after a success.
  const std::string& downReason() const;
  bool polling() const;
  // When the last poll completed (wall clock); nullopt before one did.
  std::optional<std::chrono::system_clock::time_point> lastSuccess() const;
  // When the last successful poll started (wall clock): what it saw is at least that fresh.
  std::optional<std::chrono::system_clock::time_point> lastSuccessStarted() const;
  // RegionOptions::await_watched and no watched set given yet.
  bool waitingForInventory() const;
  // Why the region is not up, as /readyz and `status` say it: "first poll in progress", the
  // wait for the inventory, or "last poll failed: ...".
  std::string notUpReason() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace swas::poller
