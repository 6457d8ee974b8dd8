#include "daemon/poller/schedule.h"

#include <gtest/gtest.h>

#include "daemon/core/backoff.h"
#include "daemon/core/rate_limit.h"
#include "daemon/poller/paging.h"

namespace swas::poller {
namespace {

using namespace std::chrono;
using ms = milliseconds;

const Clock::time_point kT0{seconds(1000)};

TEST(NextTick, CountsFromTheScheduledTimeNotTheFinish) {
  // A poll scheduled at t0 that finished 4 s later: the next is t0 + 30 s, not finish + 30 s.
  auto tick = nextTick(kT0, kT0 + seconds(4), seconds(30), 1.0, 0.0, 0.5);
  EXPECT_EQ(tick.base, kT0 + seconds(30));
  EXPECT_EQ(tick.at, kT0 + seconds(30));
  EXPECT_EQ(tick.skipped, 0);
}

TEST(NextTick, JitterStaysWithinItsFractionAndDoesNotAccumulate) {
  auto low = nextTick(kT0, kT0, seconds(30), 1.0, 0.1, 0.0);
  auto high = nextTick(kT0, kT0, seconds(30), 1.0, 0.1, 0.999);
  EXPECT_EQ(low.at, kT0 + seconds(30));
  EXPECT_GT(high.at, kT0 + seconds(32));
  EXPECT_LT(high.at, kT0 + seconds(33));
  EXPECT_EQ(high.base, kT0 + seconds(30)) << "the next tick counts from the unjittered base";
}

TEST(NextTick, OverrunSkipsTicks) {
  auto tick = nextTick(kT0, kT0 + seconds(95), seconds(30), 1.0, 0.0, 0.0);
  EXPECT_EQ(tick.skipped, 3);
  EXPECT_EQ(tick.base, kT0 + seconds(120));
}

TEST(NextTick, ThrottleStretch) {
  EXPECT_EQ(nextTick(kT0, kT0, seconds(10), 4.0, 0.0, 0.0).at, kT0 + seconds(40));
}

TEST(Backoff, FullJitterCappedAndRetryAfterHonoured) {
  EXPECT_EQ(core::backoffDelay(0, ms(500), seconds(10), 0.999, std::nullopt), ms(499));
  EXPECT_EQ(core::backoffDelay(3, ms(500), seconds(10), 0.5, std::nullopt), ms(2000));
  EXPECT_EQ(core::backoffDelay(20, ms(500), seconds(10), 0.999, std::nullopt), ms(9990));
  EXPECT_EQ(core::backoffDelay(2, ms(500), seconds(10), 0.0, std::nullopt), ms(0));
  EXPECT_EQ(core::backoffDelay(0, ms(500), seconds(10), 0.1, ms(1500)), ms(1500));
  EXPECT_EQ(core::backoffDelay(5, ms(500), seconds(10), 0.9, ms(100)), ms(9000));
}

TEST(Stretch, DoublesUpToEightAndHalvesBack) {
  double s = 1.0;
  for (double expected : {2.0, 4.0, 8.0, 8.0}) EXPECT_EQ(s = nextStretch(s, true), expected);
  for (double expected : {4.0, 2.0, 1.0, 1.0}) EXPECT_EQ(s = nextStretch(s, false), expected);
}

TEST(TokenBucket, BurstThenRate) {
  core::TokenBucket bucket(10, kT0);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(bucket.take(kT0), ms(0));
  EXPECT_EQ(bucket.take(kT0), ms(100));
  EXPECT_EQ(bucket.take(kT0), ms(200)) << "reservations queue";
  EXPECT_EQ(bucket.take(kT0 + seconds(1)), ms(0));
}

core::Invocation inv(std::string id, std::string created, std::string status = "Success") {
  core::Invocation v{"r", std::move(id), "c", "n", "t", std::move(created), status, {}};
  v.instances.push_back({.instance_id = "i1", .status = status});
  return v;
}

TEST(Paging, FullWalkDue) {
  auto now = system_clock::time_point(hours(1000));
  state::RegionCursor cursor{true, now - minutes(10), "x"};
  EXPECT_FALSE(fullWalkDue(cursor, now, hours(1), true));
  EXPECT_TRUE(fullWalkDue(cursor, now, minutes(5), true));
  EXPECT_TRUE(fullWalkDue(cursor, now, hours(1), false)) << "order not trusted";
  EXPECT_TRUE(fullWalkDue(state::RegionCursor{}, now, hours(1), true)) << "cold start";
}

TEST(Paging, NewestFirst) {
  std::vector<core::Invocation> page = {inv("a", "2026-11-28T12:00:02"),
                                        inv("b", "2026-11-28T12:00:02"),
                                        inv("c", "2026-11-28T12:00:01")};
  EXPECT_TRUE(newestFirst(page, ""));
  EXPECT_TRUE(newestFirst(page, "2026-11-28T12:00:03"));
  EXPECT_FALSE(newestFirst(page, "2026-11-28T12:00:01")) << "must continue the previous page";
  std::swap(page[0], page[2]);
  EXPECT_FALSE(newestFirst(page, ""));
}

TEST(Paging, APagePushedBackByNewInvocationsIsStillInOrder) {
  // Page 1 was [x 12:00:05, y 12:00:04]; two invocations created meanwhile push y and the next
  // one back: page 2 begins with y again, newer than page 1's oldest only because it repeats.
  std::vector<core::Invocation> page2 = {inv("y", "2026-11-28T12:00:04"),
                                         inv("z", "2026-11-28T12:00:03")};
  EXPECT_TRUE(newestFirst(page2, "2026-11-28T12:00:04", {"x", "y"}));
  page2[0] = inv("x", "2026-11-28T12:00:05");
  EXPECT_TRUE(newestFirst(page2, "2026-11-28T12:00:04", {"x", "y"}));
  // One not on the previous page and newer than its end is disorder, repeated or not.
  page2[0] = inv("w", "2026-11-28T12:00:06");
  EXPECT_FALSE(newestFirst(page2, "2026-11-28T12:00:04", {"x", "y"}));
  EXPECT_FALSE(newestFirst({inv("y", "2026-11-28T12:00:04"), inv("q", "2026-11-28T12:00:09")},
                           "2026-11-28T12:00:04", {"x", "y"}))
      << "a repeat does not excuse what follows it";
}

TEST(Paging, EarlyStopOnceAPageReachesAKnownFinishedOlderInvocation) {
  state::RegionSnapshot known;
  state::applyChanges(known, {inv("a", "2026-11-28T12:00:01"), inv("b", "2026-11-28T12:00:00"),
                              inv("r", "2026-11-28T11:59:00", "Running")});
  // Steady state: a page of new invocations that reaches the known history stops the walk.
  std::vector<core::Invocation> page = {inv("new2", "2026-11-28T12:00:07"),
                                        inv("new1", "2026-11-28T12:00:06"),
                                        inv("a", "2026-11-28T12:00:01")};
  EXPECT_TRUE(earlyStopAfter(page, known, "2026-11-28T12:00:05", {}));
  EXPECT_FALSE(earlyStopAfter(page, known, "2026-11-28T12:00:01", {}))
      << "created in the previous poll's newest second: a newer one may share it";
  EXPECT_FALSE(earlyStopAfter(page, known, "", {})) << "no previous poll";
  page.pop_back();
  EXPECT_FALSE(earlyStopAfter(page, known, "2026-11-28T12:00:05", {})) << "all new";
  EXPECT_FALSE(
      earlyStopAfter({inv("old", "2026-11-28T11:00:00")}, known, "2026-11-28T12:00:05", {}))
      << "older but unknown: the previous poll did not see it";
  EXPECT_FALSE(earlyStopAfter({inv("r", "2026-11-28T11:59:00", "Running")}, known,
                              "2026-11-28T12:00:05", {}))
      << "unfinished";
  EXPECT_FALSE(earlyStopAfter({inv("r", "2026-11-28T11:59:00")}, known, "2026-11-28T12:00:05", {}))
      << "known, but not known finished: its end must be seen";
  EXPECT_TRUE(earlyStopAfter({inv("b", "2026-11-28T12:00:00")}, known, "2026-11-28T12:00:01", {}));
  // An invocation on no watched instance need not be known.
  std::vector<core::Invocation> other = {inv("z", "2026-11-28T11:00:00")};
  EXPECT_TRUE(earlyStopAfter(other, known, "2026-11-28T12:00:05", {"i9"}));
  EXPECT_FALSE(earlyStopAfter(other, known, "2026-11-28T12:00:05", {"i1"}));
}

TEST(Paging, ListingCostPicksTheCheaperListing) {
  std::map<std::string, std::set<std::string>> pairs{{"i1", {"a", "b"}}, {"i2", {"c"}}};
  ListingCost few = listingCost(500, {"i1", "i2"}, pairs, 50);
  EXPECT_TRUE(few.per_instance);
  EXPECT_EQ(few.per_instance_calls, 2);
  EXPECT_EQ(few.region_calls, 10);
  ListingCost many = listingCost(60, {"i1", "i2", "i3"}, pairs, 50);
  EXPECT_FALSE(many.per_instance) << "3 lists of one page cost more than 2 region pages";
  EXPECT_EQ(many.per_instance_calls, 3) << "an instance with nothing still costs a call";
}

TEST(Paging, UnseenUnfinished) {
  state::TrackedRegion known;
  known.apply({inv("d", "x", "Running"), inv("a", "x", "Running"), inv("b", "x", "Running"),
               inv("c", "x")});
  EXPECT_EQ(unseenUnfinished(known.unfinished(), {inv("a", "x", "Success")}),
            (std::vector<std::string>{"b", "d"}));
}

TEST(Paging, UnfinishedByStatusOnlyWhenCheaper) {
  EXPECT_FALSE(fetchUnfinishedByStatus(0));
  EXPECT_FALSE(fetchUnfinishedByStatus(6));
  EXPECT_TRUE(fetchUnfinishedByStatus(7));
}

}  // namespace
}  // namespace swas::poller
