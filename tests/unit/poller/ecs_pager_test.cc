// ECS in the pager (issue 26): NextToken paging and its protections, and the runs of periodic
// tasks read from their history.
#include <gtest/gtest.h>

#include <algorithm>

#include "daemon/poller/runs.h"
#include "tests/unit/poller/poller_fixture.h"

namespace swas::poller {
namespace {

using namespace testkit;  // NOLINT(google-build-using-namespace)

// ECS pages by NextToken (issue 26): each page asks with the token the previous one answered,
// and the list ends where none comes back, whatever TotalCount says.
TEST_F(RegionPollerTest, AnEcsWalkFollowsNextTokenUntilNoneComesBack) {
  options_.scope = core::Scope("", "cn-hangzhou", core::Product::kEcs);
  rebuild();
  for (int i = 0; i < 3; ++i) {
    auto p = page({"2026-11-28T12:00:0" + std::to_string(5 - i)});
    p.invocations[0].invoke_id = "t-" + std::to_string(i);
    p.next_token = i < 2 ? "token-" + std::to_string(i) : "";
    p.total_count = 1;
    client_.script.push_back(p);
  }
  auto outcome = pollOnce(true);
  EXPECT_TRUE(outcome.ok);
  EXPECT_EQ(outcome.api_calls, 4) << "three pages, then the Timed listing of a full walk";
  ASSERT_EQ(client_.requests.size(), 4u);
  EXPECT_EQ(client_.requests[0].next_token, "");
  EXPECT_EQ(client_.requests[1].next_token, "token-0");
  EXPECT_EQ(client_.requests[2].next_token, "token-1");
  EXPECT_FALSE(client_.requests[2].timed.value_or(false));
  EXPECT_TRUE(client_.requests[3].timed.value_or(false));
  EXPECT_EQ(observer_.anomalies["paging"], 0);
}

// An event about a periodic task's run (issue 26) makes the next poll list Timed=true at
// once, not at the 12th poll; a hint about a Once task does not.
TEST_F(RegionPollerTest, AHintAboutARunListsTimedAtOnce) {
  options_.scope = core::Scope("", "cn-hangzhou", core::Product::kEcs);
  options_.interval = std::chrono::hours(2);
  options_.jitter = 0;
  rebuild();
  auto timedCalls = [&] {
    return std::ranges::count_if(client_.requests,
                                 [](const auto& r) { return r.timed.value_or(false); });
  };
  poller_->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return observer_.polls["ok"] == 1; }));
  EXPECT_EQ(timedCalls(), 1) << "the cold start's full walk lists Timed=true";
  for (bool timed : {false, true}) {
    clock_.advance(options_.hint_gap);
    EXPECT_TRUE(poller_->hint(timed));
    int polls = observer_.polls["ok"];
    ASSERT_TRUE(testing::waitFor(io_, [&] { return observer_.polls["ok"] == polls + 1; }));
  }
  poller_->stop();
  EXPECT_EQ(timedCalls(), 2) << "the Once hint's poll did not list Timed; the run's did";
  EXPECT_EQ(client_.requests.size(), 5u) << "2 (cold start) + 1 + 2";
}

// Review finding: hinted polls counted toward the Timed cadence, so a stream of events made a
// Timed listing every few seconds. Only scheduled polls count.
TEST_F(RegionPollerTest, HintedPollsLeaveTheTimedCadenceAlone) {
  options_.scope = core::Scope("", "cn-hangzhou", core::Product::kEcs);
  options_.interval = std::chrono::hours(2);
  options_.jitter = 0;
  rebuild();
  poller_->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return observer_.polls["ok"] == 1; }));
  for (int i = 1; i <= kTimedListingEvery + 2; ++i) {
    clock_.advance(options_.hint_gap);
    EXPECT_TRUE(poller_->hint(false));
    ASSERT_TRUE(testing::waitFor(io_, [&] { return observer_.polls["ok"] == i + 1; }));
  }
  poller_->stop();
  EXPECT_EQ(std::ranges::count_if(client_.requests,
                                  [](const auto& r) { return r.timed.value_or(false); }),
            1)
      << "the cold start's only: 14 hinted polls are not 12 polls of the cadence";
}

// A token answered back unchanged would walk for ever: the walk stops, counted.
TEST_F(RegionPollerTest, AnEcsTokenAnsweredBackUnchangedEndsTheWalk) {
  options_.scope = core::Scope("", "cn-hangzhou", core::Product::kEcs);
  rebuild();
  for (int i = 0; i < 5; ++i) {
    auto p = page({"2026-11-28T12:00:0" + std::to_string(5 - i)});
    p.invocations[0].invoke_id = "t-" + std::to_string(i);
    p.next_token = "same";
    client_.script.push_back(p);
  }
  auto outcome = pollOnce(true);
  EXPECT_TRUE(outcome.ok);
  EXPECT_EQ(outcome.api_calls, 4) << "two pages of each listing (the Timed one too)";
  EXPECT_EQ(observer_.anomalies["paging"], 2);
}

// A periodic task's runs are read from its history (issue 26); a read that fails costs only
// that task's runs (read again at the next Timed pass), never the poll; a NextRebootOnly task
// has no history to read.
TEST_F(RegionPollerTest, APeriodicTasksHistoryIsReadAndAFailedReadNeverFailsThePoll) {
  options_.scope = core::Scope("", "cn-hangzhou", core::Product::kEcs);
  rebuild();
  auto timed = [](std::string id, std::string mode) {
    auto p = page({"2026-11-28T12:00:00Z"});
    p.invocations[0].invoke_id = std::move(id);
    p.invocations[0].repeat_mode = std::move(mode);
    p.invocations[0].invocation_status = "Running";
    p.invocations[0].instances[0] = {.instance_id = "i1", .invocation_status = "Running"};
    p.invocations[0].instances[0].repeats = 3;
    return p;
  };
  client_.script = {api::CommandInvocationPage{}, timed("t-p", "Period")};
  client_.results["t-p/i1"] = std::unexpected(
      core::Error{.kind = core::ErrorKind::kApi, .code = "Forbidden.RAM", .retryable = false});
  auto outcome = pollOnce(true);
  EXPECT_TRUE(outcome.ok) << "a failed history read fails no poll";
  ASSERT_EQ(client_.results_requests.size(), 1u);
  EXPECT_TRUE(client_.results_requests[0].include_history);
  EXPECT_EQ(observer_.anomalies["runs"], 1);

  client_.results.clear();
  client_.results_requests.clear();
  client_.script = {api::CommandInvocationPage{}, timed("t-r", "NextRebootOnly")};
  EXPECT_TRUE(pollOnce(true).ok);
  EXPECT_TRUE(std::none_of(client_.results_requests.begin(), client_.results_requests.end(),
                           [](const auto& r) { return r.invoke_id == "t-r"; }))
      << "NextRebootOnly: no IncludeHistory";
}

// After a restart, a listed periodic task reads only the runs since its last stored one: the
// state holds them (issue 26), so no restart reads every history again.
TEST_F(RegionPollerTest, ARestartReadsOnlyTheRunsSinceTheLastStoredOne) {
  options_.scope = core::Scope("", "cn-hangzhou", core::Product::kEcs);
  rebuild();
  auto listing = [](int64_t run) {
    auto p = page({"2026-11-28T12:00:00Z"});
    p.invocations[0].invoke_id = "t-p";
    p.invocations[0].repeat_mode = "Period";
    p.invocations[0].invocation_status = "Running";
    p.invocations[0].instances[0] = {.instance_id = "i1", .invocation_status = "Success"};
    p.invocations[0].instances[0].repeats = run;
    return p;
  };
  api::InvocationResultsPage history;
  for (int64_t run = 3; run >= 1; --run) {
    api::InvocationResult r{.invoke_id = "t-p"};
    r.instance = {.instance_id = "i1", .invocation_status = "Success"};
    r.instance.repeats = run;
    history.results.push_back(r);
  }
  client_.results["t-p/i1"] = history;
  client_.script = {api::CommandInvocationPage{}, listing(3)};
  ASSERT_TRUE(pollOnce(true).ok);
  ASSERT_EQ(client_.results_requests.size(), 1u) << "a task first seen: its history is read";

  rebuild();  // a restart: nothing in memory, runs 1 to 3 in the state
  client_.results_requests.clear();
  client_.script = {api::CommandInvocationPage{}, listing(3)};
  ASSERT_TRUE(pollOnce(true).ok);
  EXPECT_TRUE(client_.results_requests.empty()) << "run 3 is the last stored: nothing to read";
  client_.script = {api::CommandInvocationPage{}, listing(4)};
  ASSERT_TRUE(pollOnce(true).ok);
  EXPECT_EQ(client_.results_requests.size(), 1u) << "run 4 is new";
}

}  // namespace
}  // namespace swas::poller
