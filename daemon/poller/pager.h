#pragma once

// The paging strategy of one region, run: which lists a poll walks (the region, or each watched
// instance), how far (every page, or newest-first until the previous poll's history), and how
// the known unfinished invocations the walk did not reach are fetched. Its decisions are the
// pure functions of paging.h; its calls go through the region's RequestGate, and what it
// fetches is settled by the Settler.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/error.h"
#include "daemon/core/poll_observer.h"
#include "daemon/poller/paging.h"
#include "daemon/poller/region_options.h"
#include "daemon/poller/request_gate.h"
#include "daemon/poller/runs.h"
#include "daemon/poller/settle.h"

namespace swas::poller {

class Pager {
 public:
  Pager(boost::asio::io_context& io, RequestGate& gate, Settler& settler, AnomalyLog& anomalies,
        core::PollObserver& observer, const RegionOptions& options);

  // A new poll's pass at wall-clock `wall`: a full walk when forced or due. ECS's Timed listing
  // when due (every kTimedListingEvery polls not `hinted` at by an event), or when `timed` (an
  // event hinted at a periodic task's run).
  Pass begin(bool force_full, std::chrono::system_clock::time_point wall, bool hinted = false,
             bool timed = false);
  // Walks the region's list, or each watched instance's. nullopt on success.
  boost::asio::awaitable<core::Done> walkLists(Pass& pass);
  // ECS (pager_runs.cc): every kTimedListingEvery polls and on full walks, lists the repeating
  // tasks not stopped yet (Timed=true) and reads the runs of each (task, instance) whose latest
  // run moved since it last looked (DescribeInvocationResults with IncludeHistory).
  boost::asio::awaitable<core::Done> followRuns(Pass& pass);
  // Fetches the known unfinished invocations the walk did not reach (not after a full walk).
  boost::asio::awaitable<core::Done> fetchUnfinished(Pass& pass);
  // What a complete walk showed of the API's order: early stops rely on newest-first.
  void noteOrder(const Pass& pass);
  // After a successful settle: each list's newest becomes its early-stop bound, and misses of
  // invocations no longer tracked unfinished are forgotten.
  void settled(const Pass& pass);
  // The instances to track from the next pass on (nullopt: every one). Instances added are
  // walked in full once, with initial_lookback as on a cold start.
  void setWatched(std::optional<std::set<std::string>> watched);
  // `instance_id` is in the watched set (the latest given), or every instance is watched.
  bool watches(const std::string& instance_id) const;
  // RegionOptions::await_watched, until the first setWatched().
  bool awaitingWatched() const { return awaiting_watched_; }

 private:
  struct Walk {
    // The list's newest CreationTime in the previous poll: the walk may stop at a page that
    // reaches a known, finished invocation older than this. Empty: it walks to the end.
    std::string bound;
    bool ordered = true;
    int64_t total = -1;  // TotalCount of the first page
    std::string newest;  // the newest CreationTime it showed
    // A bounded walk's first page size (steadyPageSize); 0: the configured page_size.
    int first_page = 0;
    // How far its first page (the one kept: of either size) had to be read (neededDepth);
    // nullopt when the walk went on past it.
    std::optional<int> needed;
  };
  boost::asio::awaitable<core::Done> walk(api::DescribeCommandInvocationsRequest request,
                                          Walk& walk_state, Pass& pass);
  // The walk of list `key` in this pass: bounded by what the list showed last time, unless the
  // pass is a full walk or the order is not trusted.
  Walk listWalk(const std::string& key, const Pass& pass) const;
  void take(std::vector<core::Invocation>&& items, Pass& pass);
  // Repeating tasks among `items` noted in the pass (their latest runs only from the Timed
  // listing), then replaced by their runs.
  void takeRuns(std::vector<core::Invocation>& items, bool timed, Pass& pass);
  // The runs of one (task, instance) from `known` on; false when they could not be read.
  boost::asio::awaitable<bool> readRuns(const std::pair<std::string, std::string>& pair,
                                        int64_t known, const core::Invocation& task, Pass& pass);
  // The task (without instances) of `invoke_id`, from this pass or an earlier one.
  const core::Invocation* taskOf(const std::string& invoke_id, const Pass& pass) const;
  // Unfinished runs of tasks this Timed pass did not list: their task is fetched by InvokeId
  // (stopped, it is listed again with Timed=false); runs still not found are missed.
  boost::asio::awaitable<void> fetchOrphanRuns(std::vector<std::string> run_keys, Pass& pass);
  // One more empty answer for `key`; after kVanishAfterMisses in a row it is given up.
  void miss(const std::string& key, const std::string& why, Pass& pass);
  void choose(int64_t region_total, const Pass& pass);
  // Remembers how far list `key`'s bounded walk had to read (Walk::needed), or forgets it.
  void noteNeeded(const std::string& key, const Walk& walked);
  // Tracked unfinished invocations of list `instance_id` ("" the region's) that `page` does not
  // hold; runs of repeating tasks aside (they are followed otherwise).
  size_t missedUnfinished(const std::vector<core::Invocation>& page,
                          const std::string& instance_id) const;
  void settleFetchById(const std::string& invoke_id, PageResult& result, Pass& pass);
  api::DescribeCommandInvocationsRequest baseRequest() const;

  boost::asio::io_context& io_;
  RequestGate& gate_;
  Settler& settler_;
  AnomalyLog& anomalies_;
  core::PollObserver& observer_;
  const RegionOptions options_;
  bool order_newest_first_ = false;  // trusted only once a walk has shown it
  bool per_instance_ = false;
  void applyPendingWatched();

  bool awaiting_watched_ = false;
  std::optional<std::optional<std::set<std::string>>> pending_watched_;
  std::optional<std::set<std::string>> watched_;
  std::set<std::string> cold_;         // added to watched_, not yet through a full walk
  std::map<std::string, int> misses_;  // unfinished invoke id -> empty by-id answers in a row
  // Per list ("" the region's, else an instance's): the newest CreationTime it showed in the
  // last successful poll. Per list, because the region's newest may come from another list,
  // walked later, that this one has not shown yet.
  std::map<std::string, std::string> list_newest_;
  // Per list: how far its recent bounded walks had to read (Walk::needed), for the size of the
  // next one's first page. None known (a full walk, a walk past its first page, an unfinished
  // invocation beyond it): the configured page_size.
  std::map<std::string, RecentNeeds> list_needed_;
  // ECS: polls since the last Timed listing, and each (task, instance)'s latest run read.
  int polls_since_timed_ = kTimedListingEvery;
  std::map<std::pair<std::string, std::string>, int64_t> last_run_;
  // The newest stored run of each (task, instance), read from the state at the first Timed
  // pass: after a restart a listed pair reads only the runs since, not its whole history.
  std::optional<std::map<std::pair<std::string, std::string>, int64_t>> stored_runs_;
  std::map<std::string, core::Invocation> tasks_;  // of last_run_'s pairs
};

}  // namespace swas::poller
