#include "daemon/poller/region_poller.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <sstream>

#include "daemon/core/time.h"
#include "daemon/poller/paging.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_swas_client.h"
#include "tests/support/sim_process.h"
#include "tests/support/small_disk.h"
#include "tests/unit/poller/poller_fixture.h"

namespace swas::poller {
namespace {

using namespace testkit;  // NOLINT(google-build-using-namespace)

TEST_F(RegionPollerTest, NonRetryableErrorsMarkTheRegionDownAndLogOncePerDistinctError) {
  std::ostringstream captured;
  auto logger = std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(captured));
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  client_.script = {apiError("SignatureDoesNotMatch", false),
                    apiError("SignatureDoesNotMatch", false), apiError("Forbidden.RAM", false),
                    page({"2026-11-28T12:00:00"})};
  auto first = pollOnce();
  EXPECT_FALSE(first.ok);
  EXPECT_EQ(first.api_calls, 1) << "no retry can fix a signature";
  EXPECT_FALSE(poller_->up());
  EXPECT_NE(poller_->downReason().find("SignatureDoesNotMatch"), std::string::npos);
  pollOnce();
  pollOnce();
  auto ok = pollOnce();
  spdlog::set_default_logger(previous);
  EXPECT_TRUE(ok.ok);
  EXPECT_TRUE(poller_->up());
  EXPECT_TRUE(poller_->completedOnePoll());
  std::string log = captured.str();
  auto occurrences = [&](const std::string& needle) {
    size_t n = 0;
    for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(occurrences("Code=SignatureDoesNotMatch"), 1u) << log;
  EXPECT_EQ(occurrences("Code=Forbidden.RAM"), 1u) << log;
  EXPECT_EQ(occurrences("polling again"), 1u) << log;
}

TEST_F(RegionPollerTest, RetryableErrorsAreRetriedWithinThePoll) {
  client_.script = {apiError("Throttling.User", true), apiError("ServiceUnavailable", true),
                    page({"2026-11-28T12:00:00"})};
  auto outcome = pollOnce();
  EXPECT_TRUE(outcome.ok);
  EXPECT_TRUE(outcome.throttled);
  EXPECT_EQ(outcome.api_calls, 3);
  EXPECT_EQ(sink_.count, 1u);
  client_.script = {apiError("ServiceUnavailable", true), apiError("ServiceUnavailable", true),
                    apiError("ServiceUnavailable", true), page({})};
  auto exhausted = pollOnce();
  EXPECT_FALSE(exhausted.ok) << "max_attempts bounds the retries";
  EXPECT_EQ(exhausted.api_calls, 3);
}

TEST_F(RegionPollerTest, EarlyStopOnlyWhileTheOrderIsNewestFirst) {
  client_.script = {page({"2026-11-28T12:00:00", "2026-11-28T12:00:05"})};  // oldest first
  EXPECT_TRUE(pollOnce().full_walk);
  client_.script = {page({"2026-11-28T12:00:00", "2026-11-28T12:00:05"})};
  EXPECT_TRUE(pollOnce().full_walk) << "an untrusted order keeps every poll a full walk";
  client_.script = {page({"2026-11-28T12:00:05", "2026-11-28T12:00:00"})};
  EXPECT_TRUE(pollOnce().full_walk);
  client_.script = {page({"2026-11-28T12:00:05", "2026-11-28T12:00:00"})};
  EXPECT_FALSE(pollOnce().full_walk) << "newest-first seen: steady state";
  EXPECT_EQ(observer_.fallbacks, 0);
  client_.script = {page({"2026-11-28T12:00:00", "2026-11-28T12:00:05"})};
  EXPECT_FALSE(pollOnce().full_walk);
  EXPECT_EQ(observer_.fallbacks, 1) << "the order broke in the steady state: counted";
  EXPECT_TRUE(pollOnce().full_walk) << "and every poll walks every page again";
}

// A poll that overruns its interval skips the ticks it covered, and says so.
TEST_F(RegionPollerTest, AnOverrunningPollReportsTheTicksItSkipped) {
  options_.interval = std::chrono::seconds(1);
  options_.jitter = 0;
  rebuild();
  client_.latency = std::chrono::milliseconds(3500);  // of the fake clock
  poller_->start();
  // Ticks were due at +1, +2 and +3 s; the next is at +4 s, half a second after the poll ended.
  EXPECT_TRUE(testing::waitFor(io_, [&] { return observer_.skipped_ticks > 0; }));
  poller_->stop();
  EXPECT_EQ(observer_.skipped_ticks, 3);
  EXPECT_EQ(observer_.polls["ok"], 1);
}

TEST_F(RegionPollerTest, ASteadyPollStopsAtThePageThatReachesTheKnownHistory) {
  auto before = history(100, 60);
  client_.script = {pageOf(before, 1, 50), pageOf(before, 2, 50)};
  ASSERT_TRUE(pollOnce().full_walk);
  // Two new invocations: page 1 holds them and 48 known ones; page 2 is all known.
  auto after = history(102, 62);
  client_.script = {pageOf(after, 1, 50), pageOf(after, 2, 50)};
  auto outcome = pollOnce();
  ASSERT_TRUE(outcome.ok) << core::describe(outcome.error);
  EXPECT_FALSE(outcome.full_walk);
  EXPECT_EQ(outcome.api_calls, 1) << "everything after a known, finished, older one is older";
  EXPECT_EQ(sink_.count, 62u);
  // More new ones than a page holds: the walk goes on until it reaches the history (after
  // the small first page, which held only new ones: steady_page_test.cc).
  auto burst = history(160, 120);
  serve(burst);
  EXPECT_EQ(pollOnce().api_calls, 3);
  EXPECT_EQ(sink_.count, 120u);
}

// Issue 15: a region watched by tag whose tag matches nothing yet makes no calls; when the
// inventory adds an instance, the next poll walks in full, and the new instance's failures
// within initial_lookback alert while older ones are baseline.
TEST_F(RegionPollerTest, AWatchedSetFromTheInventoryCanBeEmptyAndGrow) {
  options_.watched_instances = std::set<std::string>{};
  options_.initial_lookback = std::chrono::hours(1);
  rebuild();
  auto outcome = pollOnce();
  EXPECT_TRUE(outcome.ok);
  EXPECT_EQ(outcome.api_calls, 0) << "nothing to watch: nothing to ask";
  EXPECT_TRUE(client_.requests.empty());

  auto failed = [](std::string id, std::string created, std::string instance) {
    api::CommandInvocation inv;
    inv.invoke_id = std::move(id);
    inv.creation_time = std::move(created);
    inv.invocation_status = "Failed";
    inv.instances.push_back({.instance_id = instance, .invocation_status = "Failed"});
    return inv;
  };
  std::string now = core::formatCreationTime(clock_.now());
  std::string long_ago = core::formatCreationTime(clock_.now() - std::chrono::hours(5));
  api::CommandInvocationPage listing;
  listing.invocations = {failed("t-recent", now, "i-web"), failed("t-other", now, "i-db"),
                         failed("t-old", long_ago, "i-web")};
  listing.total_count = 3;
  client_.script = {listing};
  std::vector<core::Transition> seen;
  sink_.on_call = [&](const std::vector<core::Transition>& t) {
    seen.insert(seen.end(), t.begin(), t.end());
  };
  poller_->setWatched(std::set<std::string>{"i-web"});
  outcome = pollOnce();
  EXPECT_TRUE(outcome.ok);
  EXPECT_TRUE(outcome.full_walk) << "a newly watched instance is walked in full once";
  ASSERT_EQ(seen.size(), 2u) << "i-db is not watched";
  EXPECT_EQ(seen[0].invoke_id, "t-recent");
  EXPECT_TRUE(seen[0].occurrence);
  EXPECT_EQ(seen[1].invoke_id, "t-old");
  EXPECT_FALSE(seen[1].alertable) << "five hours before it was watched: baseline";
  client_.script = {listing};
  EXPECT_FALSE(pollOnce().full_walk) << "once walked, the instance is no longer new";
}

// Issue 15: a region watched by tag with no inventory yet waits for it, and is not up meanwhile
// (it would be blind while looking healthy); a watched set given during a walk waits for the next
// pass (the walk keeps the set it began with).
TEST_F(RegionPollerTest, AWatchedSetNotKnownYetIsWaitedForAndChangesOnlyBetweenPasses) {
  options_.watched_instances = std::set<std::string>{};
  options_.await_watched = true;
  rebuild();
  auto outcome = pollOnce();
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.api_calls, 0);
  EXPECT_FALSE(poller_->up());
  EXPECT_FALSE(poller_->completedOnePoll());
  EXPECT_NE(poller_->downReason().find("waiting for the first inventory"), std::string::npos);

  poller_->setWatched(std::set<std::string>{"i1"});
  client_.script = {page({"2026-11-28T12:00:00"})};
  // While the first page is in flight, the inventory changes the set: this pass keeps i1.
  client_.on_request = [&] { poller_->setWatched(std::set<std::string>{}); };
  std::optional<PollOutcome> during;
  poller_->pollOnce(false, [&](PollOutcome o) { during = std::move(o); });
  ASSERT_TRUE(testing::waitFor(io_, [&] { return during.has_value(); }));
  client_.on_request = nullptr;
  EXPECT_TRUE(during->ok);
  EXPECT_EQ(during->api_calls, 1);
  EXPECT_TRUE(poller_->up());
  EXPECT_EQ(pollOnce().api_calls, 0) << "the next pass watches nothing";
}

// Review finding: a region waiting for its first watched set polled an interval after it came.
TEST_F(RegionPollerTest, TheFirstWatchedSetIsPolledAtOnce) {
  options_.watched_instances = std::set<std::string>{};
  options_.await_watched = true;
  options_.interval = std::chrono::hours(1);
  rebuild();
  poller_->start();
  ASSERT_TRUE(testing::waitFor(
      io_, [&] { return poller_->downReason().find("waiting") != std::string::npos; }));
  EXPECT_TRUE(poller_->waitingForInventory());
  client_.script = {page({"2026-11-28T12:00:00"})};
  poller_->setWatched(std::set<std::string>{"i1"});
  EXPECT_TRUE(testing::waitFor(io_, [&] { return poller_->up(); }))
      << "polled without waiting the hour";
  EXPECT_FALSE(poller_->waitingForInventory());
  poller_->stop();
}

// An event's hint (issue 26) polls soon, not an interval later, but never sooner than hint_gap
// after the last poll began, and any number of hints meanwhile make that one poll.
TEST_F(RegionPollerTest, HintedPollsKeepTheGapAndCoalesce) {
  options_.interval = std::chrono::hours(2);
  options_.hint_gap = std::chrono::hours(1);  // of the fake clock
  options_.jitter = 0;
  rebuild();
  poller_->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return observer_.polls["ok"] == 1; }));
  EXPECT_TRUE(poller_->hint(false));
  EXPECT_FALSE(poller_->hint(false)) << "coalesced into the pending one";
  io_.poll();
  EXPECT_EQ(client_.requests.size(), 1u) << "within the gap: no poll yet";
  clock_.advance(std::chrono::hours(1));
  EXPECT_FALSE(poller_->hint(false));  // still pending; it looks at the time again
  ASSERT_TRUE(testing::waitFor(io_, [&] { return observer_.polls["ok"] == 2; }));
  io_.poll();
  EXPECT_EQ(client_.requests.size(), 2u) << "three hints, one poll";
  EXPECT_TRUE(poller_->hint(false)) << "the next hint is a new one";
  poller_->stop();
}

// Review finding: each hinted poll moved the schedule on by an interval, so a stream of events
// pushed the next scheduled poll hours away (and a lost stream left the region unpolled). Hinted
// polls leave the schedule alone: the scheduled poll comes at its tick, counting the ticks it
// finds behind it, as if no hint had come.
TEST_F(RegionPollerTest, HintedPollsLeaveTheScheduleAlone) {
  options_.interval = std::chrono::minutes(10);
  options_.hint_gap = std::chrono::seconds(1);
  options_.jitter = 0;
  rebuild();
  poller_->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return observer_.polls["ok"] == 1; }));
  for (int minute = 1; minute <= 5; ++minute) {
    clock_.advance(std::chrono::minutes(1));
    EXPECT_TRUE(poller_->hint(false));
    ASSERT_TRUE(testing::waitFor(io_, [&] { return observer_.polls["ok"] == minute + 1; }));
  }
  EXPECT_EQ(observer_.skipped_ticks, 0);
  // 35 minutes in: the poll that comes is the scheduled one of minute 10, late, with the ticks
  // of minutes 20 and 30 behind it (the hints had pushed the schedule to minute 60 before).
  clock_.advance(std::chrono::minutes(30));
  EXPECT_TRUE(poller_->hint(false));
  ASSERT_TRUE(testing::waitFor(io_, [&] { return observer_.polls["ok"] == 7; }));
  poller_->stop();
  EXPECT_EQ(observer_.skipped_ticks, 2);
}

// A hint that comes while a poll is under way (its list may already be read) is followed by
// one more poll once the gap has passed.
TEST_F(RegionPollerTest, AHintDuringAPollIsFollowedByOneMore) {
  options_.interval = std::chrono::hours(2);
  options_.jitter = 0;
  rebuild();
  client_.on_request = [&] {
    if (client_.requests.size() == 1) {  // the first poll is under way
      EXPECT_TRUE(poller_->hint(false));
      clock_.advance(options_.hint_gap);
    }
  };
  poller_->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return observer_.polls["ok"] == 2; }));
  poller_->stop();
  EXPECT_EQ(client_.requests.size(), 2u);
}

// Review finding: the region's newest can come from a list walked later in the same poll.
// Each list's early stop is bounded by what that list itself showed, so an invocation created
// on instance a while instance b's list was walked is still found on a's list.
TEST_F(RegionPollerTest, EachListStopsEarlyOnlyAgainstItsOwnPreviousNewest) {
  options_.watched_instances = std::set<std::string>{"i-a", "i-b"};
  options_.page_size = 2;
  rebuild();
  auto on = [](std::string id, std::string second, std::string status,
               std::vector<std::string> instances) {
    api::CommandInvocation inv;
    inv.invoke_id = std::move(id);
    inv.creation_time = "2026-11-28T12:00:" + second;
    inv.invocation_status = status;
    for (auto& i : instances)
      inv.instances.push_back({.instance_id = i, .invocation_status = status});
    return inv;
  };
  auto listing = [](std::vector<api::CommandInvocation> items, int64_t total) {
    api::CommandInvocationPage p;
    p.invocations = std::move(items);
    p.total_count = total;
    return p;
  };
  auto a1 = on("t-a1", "00", "Success", {"i-a"});
  auto b1 = on("t-b1", "01", "Success", {"i-b"});
  // The full walk: a long region list with little on the watched instances makes per-instance
  // lists the cheaper choice.
  client_.script = {listing({b1, a1}, 100), listing({}, 100)};
  ASSERT_TRUE(pollOnce().full_walk);
  // Poll 1: a's list, then b's; meanwhile Q failed on a and X ran on both.
  auto q = on("t-q", "03", "Failed", {"i-a"});
  auto x = on("t-x", "05", "Success", {"i-a", "i-b"});
  auto y = on("t-y", "06", "Success", {"i-b"});
  client_.by_instance["i-a"] = {listing({a1}, 1)};
  client_.by_instance["i-b"] = {listing({y, x}, 3), listing({b1}, 3)};
  ASSERT_TRUE(pollOnce().ok);
  client_.requests.clear();
  std::set<std::string> seen;
  sink_.on_call = [&](const std::vector<core::Transition>& t) {
    for (const auto& one : t) seen.insert(one.invoke_id + "/" + one.instance_id);
  };
  // Poll 2: a's list shows N, X on page 1 and Q on page 2. X is older than the region's newest
  // (06, from b's list) but not than a's own (00): the walk must go on to Q.
  auto n = on("t-n", "10", "Success", {"i-a"});
  client_.by_instance["i-a"] = {listing({n, x}, 4), listing({q, a1}, 4)};
  client_.by_instance["i-b"] = {listing({y, x}, 3)};
  auto outcome = pollOnce();
  ASSERT_TRUE(outcome.ok) << core::describe(outcome.error);
  EXPECT_FALSE(outcome.full_walk);
  EXPECT_TRUE(seen.contains("t-q/i-a")) << "the failure on instance a was not missed";
  ASSERT_GE(client_.requests.size(), 2u);
  EXPECT_EQ(client_.requests[1].instance_id, "i-a");
  EXPECT_EQ(client_.requests[1].page_number, 2);
}

TEST_F(RegionPollerTest, ManyUnseenUnfinishedAreFetchedByStatusThenTheRestByInvokeId) {
  // A full walk learns 10 long-running invocations and a newer finished one.
  api::CommandInvocationPage first;
  first.total_count = 11;
  first.invocations.push_back(invocation("t-new", "2026-11-28T12:00:20", "Success"));
  for (int i = 9; i >= 0; --i) {
    first.invocations.push_back(invocation("t-run" + std::to_string(i),
                                           "2026-11-28T12:00:0" + std::to_string(i), "Running"));
  }
  client_.script = {first};
  ASSERT_TRUE(pollOnce().ok);
  client_.requests.clear();
  // The steady walk sees only a newer invocation; the 10 are unseen. 8 are still running, 2
  // finished meanwhile and leave the Running list.
  api::CommandInvocationPage newest;
  newest.total_count = 1;
  newest.invocations.push_back(invocation("t-newer", "2026-11-28T12:00:30", "Success"));
  api::CommandInvocationPage running;
  running.total_count = 8;
  for (int i = 9; i >= 2; --i) {
    running.invocations.push_back(invocation("t-run" + std::to_string(i),
                                             "2026-11-28T12:00:0" + std::to_string(i), "Running"));
  }
  client_.script = {newest, page({}), running, page({})};
  for (const char* done : {"t-run0", "t-run1"}) {
    api::CommandInvocationPage one;
    one.total_count = 1;
    one.invocations.push_back(invocation(done, "2026-11-28T12:00:00", "Success"));
    client_.by_id[done] = one;
  }
  auto outcome = pollOnce();
  ASSERT_TRUE(outcome.ok) << core::describe(outcome.error);
  EXPECT_FALSE(outcome.full_walk);
  std::vector<std::string> statuses, ids;
  for (const auto& r : client_.requests) {
    if (!r.invocation_status.empty()) statuses.push_back(r.invocation_status);
    if (!r.invoke_id.empty()) ids.push_back(r.invoke_id);
  }
  EXPECT_EQ(statuses, (std::vector<std::string>{"Pending", "Running", "Stopping"}));
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"t-run0", "t-run1"}));
  EXPECT_EQ(outcome.api_calls, 6);
  EXPECT_EQ(sink_.count, 11u + 3u) << "t-newer, and t-run0 and t-run1 reaching Success";
}

TEST_F(RegionPollerTest, FullWalksCommitInChunksAndMoveTheCursorOnlyWithTheLast) {
  options_.page_size = 2;
  options_.full_walk_chunk = 2;
  rebuild();
  auto walk_page = [](int first, int64_t total) {
    api::CommandInvocationPage p;
    p.total_count = total;
    for (int n = first; n > first - 2; --n) {
      p.invocations.push_back(invocation("t-" + std::to_string(n),
                                         "2026-11-28T12:00:0" + std::to_string(n), "Success"));
    }
    return p;
  };
  // Every chunk is durable before the sink hears of it.
  std::vector<std::string> seen_stored;
  sink_.on_call = [&](const std::vector<core::Transition>& t) {
    auto stored = store_->loadRegion("cn-hangzhou");
    ASSERT_TRUE(stored);
    for (const auto& one : t) {
      EXPECT_TRUE(stored->contains(one.invoke_id)) << one.invoke_id << " reported before stored";
      seen_stored.push_back(one.invoke_id);
    }
  };
  // A cold-start walk of 3 pages fails on its third: the first two chunks stay, and were
  // reported once each; the cursor is not written, so the region is still a cold start.
  client_.script = {walk_page(6, 6), walk_page(4, 6), apiError("InternalError", false)};
  auto failed = pollOnce();
  EXPECT_FALSE(failed.ok);
  EXPECT_TRUE(failed.full_walk);
  EXPECT_EQ(sink_.calls, 2u) << "one commit and report per chunk";
  EXPECT_EQ(seen_stored, (std::vector<std::string>{"t-6", "t-5", "t-4", "t-3"}));
  EXPECT_EQ(store_->loadRegion("cn-hangzhou")->size(), 4u);
  EXPECT_FALSE(store_->loadCursor("cn-hangzhou")->known);

  // After a restart, the walk is again a cold start: only what was not stored is new.
  rebuild();
  client_.script = {walk_page(6, 6), walk_page(4, 6), walk_page(2, 6)};
  auto outcome = pollOnce();
  ASSERT_TRUE(outcome.ok) << core::describe(outcome.error);
  EXPECT_TRUE(outcome.full_walk);
  EXPECT_EQ(outcome.transitions, 2u);
  EXPECT_EQ(seen_stored, (std::vector<std::string>{"t-6", "t-5", "t-4", "t-3", "t-2", "t-1"}))
      << "nothing reported twice";
  auto cursor = store_->loadCursor("cn-hangzhou");
  ASSERT_TRUE(cursor);
  EXPECT_TRUE(cursor->known);
  EXPECT_EQ(cursor->newest_creation, "2026-11-28T12:00:06") << "the newest over every chunk";
}

// A full walk commits a page at a time for its memory, but its alerts go out a few pages at a
// time (every full_walk_delivery invocations, and when the poll ends, settled or not): after a
// long stop, a walk full of failures sends a message per 250 invocations, not per page.
api::CommandInvocationPage failedPage(int first, int64_t total) {
  api::CommandInvocationPage p;
  p.total_count = total;
  for (int n = first; n > first - 2; --n) {
    p.invocations.push_back(
        invocation("t-" + std::to_string(n), "2026-11-28T12:00:0" + std::to_string(n), "Failed"));
  }
  return p;
}

TEST_F(RegionPollerTest, AFullWalkHoldsItsChunksAlertsUntilEnoughAreSettled) {
  options_.page_size = 2;
  options_.full_walk_chunk = 2;
  options_.full_walk_delivery = 6;
  rebuild();
  client_.script = {failedPage(8, 8), failedPage(6, 8), failedPage(4, 8), failedPage(2, 8)};
  auto outcome = pollOnce();
  ASSERT_TRUE(outcome.ok) << core::describe(outcome.error);
  using core::Delivery;
  // Chunks of 2: held, held, the sixth delivers; held again; the last settle (the cursor)
  // delivers, and the poll's end finds nothing more held.
  EXPECT_EQ(planner_.deliveries,
            (std::vector<Delivery>{Delivery::kHeld, Delivery::kHeld, Delivery::kNow,
                                   Delivery::kHeld, Delivery::kNow, Delivery::kNow}));
}

// The hold counts what one full walk settled: steady polls before it that committed nothing do
// not make its first chunk deliver early.
TEST_F(RegionPollerTest, AFullWalksHoldCountsOnlyItsOwnChunks) {
  options_.page_size = 2;
  options_.full_walk_chunk = 2;
  options_.full_walk_delivery = 6;
  rebuild();
  auto known = page({"2026-11-28T12:00:20", "2026-11-28T12:00:19"});
  client_.script = {known};
  ASSERT_TRUE(pollOnce().ok);
  for (int i = 0; i < 4; ++i) {
    client_.script = {known};
    auto steady = pollOnce();
    ASSERT_TRUE(steady.ok);
    ASSERT_FALSE(steady.full_walk);
  }
  planner_.deliveries.clear();
  auto failed = [](int first) {
    auto p = failedPage(first, 6);
    for (auto& inv : p.invocations) inv.invoke_id = "f" + inv.invoke_id;
    return p;
  };
  client_.script = {failed(8), failed(6), failed(4)};
  ASSERT_TRUE(pollOnce(true).ok);
  using core::Delivery;
  EXPECT_EQ(planner_.deliveries,
            (std::vector<Delivery>{Delivery::kHeld, Delivery::kHeld, Delivery::kNow, Delivery::kNow,
                                   Delivery::kNow}));
}

TEST_F(RegionPollerTest, AFullWalkThatFailsDeliversWhatItsChunksHeld) {
  options_.page_size = 2;
  options_.full_walk_chunk = 2;
  options_.full_walk_delivery = 6;
  rebuild();
  client_.script = {failedPage(8, 8), failedPage(6, 8), apiError("InternalError", false)};
  EXPECT_FALSE(pollOnce().ok);
  using core::Delivery;
  EXPECT_EQ(planner_.deliveries,
            (std::vector<Delivery>{Delivery::kHeld, Delivery::kHeld, Delivery::kNow}));
}

api::CommandInvocation running(std::string id, std::string created) {
  api::CommandInvocation inv;
  inv.invoke_id = std::move(id);
  inv.creation_time = std::move(created);
  inv.invocation_status = "Running";
  inv.instances.push_back({.instance_id = "i1", .invocation_status = "Running"});
  return inv;
}

// One Retry-After of 28 hours must not put the region to sleep: waits within a poll are capped
// at a minute, and beyond that the poll ends as throttled (the schedule then backs off).
TEST_F(RegionPollerTest, AHugeRetryAfterEndsThePollAsThrottled) {
  auto throttled = apiError("Throttling.User", true);
  throttled.error().retry_after = std::chrono::hours(28);
  client_.script = {throttled, page({"2026-11-28T12:00:00"})};
  auto outcome = pollOnce();
  EXPECT_FALSE(outcome.ok);
  EXPECT_TRUE(outcome.throttled);
  EXPECT_EQ(outcome.api_calls, 1);
  EXPECT_EQ(observer_.anomalies["retry_after"], 1);
  EXPECT_TRUE(pollOnce().ok) << "the next poll goes on";
}

// An API that ignores PageNumber and claims TotalCount 1e12: the walk stops at the repeated
// page instead of walking for ever.
TEST_F(RegionPollerTest, ARepeatedPageEndsTheWalk) {
  auto lying = page({"2026-11-28T12:00:02", "2026-11-28T12:00:01"});
  lying.total_count = 1'000'000'000'000;
  options_.page_size = 2;
  rebuild();
  for (int i = 0; i < 50; ++i) client_.script.push_back(lying);
  auto outcome = pollOnce(true);
  EXPECT_TRUE(outcome.ok);
  EXPECT_EQ(outcome.api_calls, 2);
  EXPECT_EQ(observer_.anomalies["paging"], 1);
}

// A TotalCount that grows during a walk is the list growing, not a lie: the walk goes on to
// the end the last page states, and nothing is cut short.
TEST_F(RegionPollerTest, AGrowingTotalCountIsWalkedToItsEnd) {
  options_.page_size = 1;
  rebuild();
  for (int i = 0; i < 30; ++i) {
    auto p = page({"2026-11-28T12:00:00"});
    p.invocations[0].invoke_id = "t-" + std::to_string(i);
    p.total_count = 3 + i;
    client_.script.push_back(p);
  }
  client_.script.push_back(api::CommandInvocationPage{});
  auto outcome = pollOnce(true);
  EXPECT_TRUE(outcome.ok);
  EXPECT_EQ(outcome.api_calls, 31);
  EXPECT_EQ(observer_.anomalies["paging"], 0);
}

TEST(Paging, AWalkEndsAtTheEndARepeatedPageOrTheHardCap) {
  std::vector<std::string> a = {"t-1", "t-2"}, b = {"t-3", "t-4"};
  EXPECT_FALSE(afterPage(1, 2, a, {}, 10).last);
  EXPECT_TRUE(afterPage(5, 2, b, a, 10).last);
  EXPECT_TRUE(afterPage(5, 2, b, a, 10).anomaly.empty());
  EXPECT_TRUE(afterPage(2, 2, {}, a, 10).last);
  EXPECT_TRUE(afterPage(2, 2, {"t-3"}, a, -1).last) << "a short page without TotalCount";
  EXPECT_FALSE(afterPage(2, 2, b, a, -1).last);
  auto repeated = afterPage(2, 2, a, a, 1'000'000'000'000);
  EXPECT_TRUE(repeated.last);
  EXPECT_NE(repeated.anomaly.find("repeats"), std::string::npos);
  auto capped = afterPage(kMaxWalkPages, 2, b, a, 1'000'000'000'000);
  EXPECT_TRUE(capped.last);
  EXPECT_FALSE(capped.anomaly.empty());
}

// The parser's anomalies are counted per region and kind, and the page goes on.
TEST_F(RegionPollerTest, ParseAnomaliesAreCounted) {
  auto p = page({"2026-11-28T12:00:00"});
  p.anomalies.field("ExitCode: not an integer in range (1e30), read as absent");
  p.anomalies.field("Output: invalid string escape");
  p.anomalies.record("CommandInvocations[]: no InvokeId, skipped");
  client_.script = {p};
  EXPECT_TRUE(pollOnce().ok);
  EXPECT_EQ(observer_.anomalies["field"], 2);
  EXPECT_EQ(observer_.anomalies["record"], 1);
  EXPECT_EQ(sink_.count, 1u);
}

// An unfinished invocation the API stops returning is fetched by InvokeId a bounded number of
// times, then marked Vanished; an error answer about it never fails the region.
TEST_F(RegionPollerTest, AVanishedUnfinishedInvocationIsGivenUpAndNeverFailsTheRegion) {
  api::CommandInvocationPage first;
  first.total_count = 1;
  first.invocations.push_back(running("t-gone", "2026-11-28T12:00:00"));
  client_.script = {first};
  ASSERT_TRUE(pollOnce(true).ok);
  // From now on the region lists nothing, and fetching t-gone by id fails (not retryable).
  client_.by_id["t-gone"] = apiError("InvalidInvokeId.NotFound", false);
  for (int i = 1; i < kVanishAfterMisses; ++i) {
    auto outcome = pollOnce();
    EXPECT_TRUE(outcome.ok) << "poll " << i << ": " << core::describe(outcome.error);
  }
  EXPECT_EQ(observer_.anomalies["vanished"], 0);
  client_.by_id["t-gone"] = PageResult(api::CommandInvocationPage{});  // and then empty
  EXPECT_TRUE(pollOnce().ok);
  EXPECT_EQ(observer_.anomalies["vanished"], 1);
  auto snapshot = store_->loadRegion("cn-hangzhou");
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->at("t-gone").overall_status, "Vanished");
  EXPECT_TRUE(snapshot->at("t-gone").finished);
  EXPECT_EQ(snapshot->at("t-gone").instances.at("i1").status, "Vanished");
  size_t calls = client_.requests.size();
  EXPECT_TRUE(pollOnce().ok);
  for (size_t i = calls; i < client_.requests.size(); ++i) {
    EXPECT_TRUE(client_.requests[i].invoke_id.empty()) << "no longer fetched by id";
  }
}

// A full disk: the poll's commit fails, the region is down with the reason and the failure is
// counted; when space returns the next poll stores and reports everything, once.
TEST_F(RegionPollerTest, AFullDiskFailsThePollAndLosesNothing) {
  std::string why;
  auto disk = testing::SmallDisk::mount(testing::freshTestDir() + "/disk", 4 << 20, why);
  if (!disk) GTEST_SKIP() << why;
  poller_.reset();
  store_.reset();
  store_ = std::move(*state::Store::open(disk->path() + "/state.db"));
  rebuild();
  ASSERT_TRUE(pollOnce(true).ok) << "a first, empty walk";
  disk->fill();
  api::CommandInvocationPage failed;
  failed.total_count = 1;
  failed.invocations.push_back(running("t-1", "2026-11-28T12:00:00"));
  failed.invocations[0].invocation_status = "Failed";
  failed.invocations[0].instances[0].invocation_status = "Failed";
  client_.script = {failed};
  auto outcome = pollOnce();
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.error.kind, core::ErrorKind::kStorage) << "a storage error, not a parse one";
  EXPECT_FALSE(poller_->up());
  EXPECT_NE(poller_->downReason().find("full"), std::string::npos) << poller_->downReason();
  EXPECT_TRUE(poller_->downReason().starts_with("storage")) << poller_->downReason();
  EXPECT_EQ(observer_.state_errors["poll_commit"], 1);
  EXPECT_EQ(sink_.count, 0u) << "nothing reported that is not stored";
  disk->release();
  client_.script = {failed};
  EXPECT_TRUE(pollOnce().ok);
  EXPECT_TRUE(poller_->up());
  EXPECT_EQ(sink_.count, 1u) << "reported once, after it was stored";
  EXPECT_EQ(store_->loadRegion("cn-hangzhou")->at("t-1").overall_status, "Failed");
  poller_.reset();
  store_.reset();
}

// Misses count only in a row: an invocation a full walk still lists is not given up, however
// many by-id answers missed it in between.
TEST_F(RegionPollerTest, MissesThatAreNotInARowNeverVanishAnInvocation) {
  api::CommandInvocationPage listed;
  listed.total_count = 1;
  listed.invocations.push_back(running("t-slow", "2026-11-28T12:00:00"));
  client_.script = {listed};
  ASSERT_TRUE(pollOnce(true).ok);
  client_.by_id["t-slow"] = PageResult(api::CommandInvocationPage{});
  for (int round = 0; round < 2 * kVanishAfterMisses; ++round) {
    ASSERT_TRUE(pollOnce().ok);  // the walk lists nothing; by id: empty (a miss)
    client_.script = {listed};
    ASSERT_TRUE(pollOnce(true).ok);  // a full walk lists it again
  }
  EXPECT_EQ(observer_.anomalies["vanished"], 0);
  EXPECT_EQ(store_->loadRegion("cn-hangzhou")->at("t-slow").overall_status, "Running");
}

// With instance_ids, the watched instance may be finished while others run: the invocation
// is still given up, with its command, and once.
TEST_F(RegionPollerTest, AVanishedInvocationWhoseWatchedInstancesFinishedIsGivenUpOnce) {
  options_.watched_instances = std::set<std::string>{"i1"};
  rebuild();
  api::CommandInvocationPage listed;
  listed.total_count = 1;
  auto inv = running("t-mixed", "2026-11-28T12:00:00");
  inv.command_id = "c-9";
  inv.command_name = "deploy";
  inv.instances[0].invocation_status = "Success";
  inv.instances.push_back({.instance_id = "i2", .invocation_status = "Running"});
  listed.invocations.push_back(inv);
  client_.script = {listed};
  ASSERT_TRUE(pollOnce(true).ok);
  ASSERT_FALSE(store_->loadRegion("cn-hangzhou")->at("t-mixed").finished);
  client_.by_id["t-mixed"] = PageResult(api::CommandInvocationPage{});
  std::vector<core::Transition> seen;
  sink_.on_call = [&](const std::vector<core::Transition>& t) {
    seen.insert(seen.end(), t.begin(), t.end());
  };
  for (int i = 0; i < 2 * kVanishAfterMisses; ++i) ASSERT_TRUE(pollOnce().ok);
  EXPECT_EQ(observer_.anomalies["vanished"], 1);
  auto stored = store_->loadRegion("cn-hangzhou")->at("t-mixed");
  EXPECT_TRUE(stored.finished);
  EXPECT_EQ(stored.overall_status, "Vanished");
  EXPECT_EQ(stored.instances.at("i1").status, "Success");
  auto command = store_->invocationCommand("cn-hangzhou", "t-mixed");
  EXPECT_EQ(command->id, "c-9") << "the marker keeps the command";
  for (const auto& t : seen) EXPECT_EQ(t.command_name, "deploy");
}

}  // namespace
}  // namespace swas::poller
