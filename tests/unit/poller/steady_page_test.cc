// The size of a steady poll's first page: twice as deep as the list's previous bounded walk had
// to read, between the API's default (10) and page_size; back to page_size whenever that was
// not enough (paging.h: steadyPageSize).

#include <gtest/gtest.h>

#include "daemon/poller/paging.h"
#include "tests/unit/poller/poller_fixture.h"

namespace swas::poller {
namespace {

using namespace testkit;  // NOLINT(google-build-using-namespace)

TEST(SteadyPageSize, TwiceWhatWasNeededWithinTheDefaultAndPageSize) {
  EXPECT_EQ(steadyPageSize(std::nullopt, 50), 50) << "not known: as configured";
  EXPECT_EQ(steadyPageSize(0, 50), 10);
  EXPECT_EQ(steadyPageSize(4, 50), 10);
  EXPECT_EQ(steadyPageSize(12, 50), 24);
  EXPECT_EQ(steadyPageSize(30, 50), 50);
  EXPECT_EQ(steadyPageSize(3, 5), 5) << "never above page_size";
}

TEST(RecentNeeds, TheMostOfTheLastTwenty) {
  RecentNeeds needs;
  EXPECT_EQ(needs.max(), 0);
  needs.push(30);
  for (int i = 0; i < 19; ++i) needs.push(2);
  EXPECT_EQ(needs.max(), 30) << "20 values: the 30 is still among them";
  needs.push(3);
  EXPECT_EQ(needs.max(), 3) << "the 21st pushes it out";
}

class SteadyPageTest : public RegionPollerTest {
 protected:
  // A full walk learns 60 finished invocations, then a steady poll finds `fresh` new ones.
  void warmUp(int fresh) {
    serve(history(100, 60));
    ASSERT_TRUE(pollOnce().full_walk);
    serve(history(100 + fresh, 60 + fresh));
    auto steady = pollOnce();
    ASSERT_TRUE(steady.ok) << core::describe(steady.error);
    ASSERT_FALSE(steady.full_walk);
    client_.requests.clear();
    sink_.count = 0;
  }

  // The PageSize of each list request since the last clear (not those by InvokeId).
  std::vector<int> listSizes() const {
    std::vector<int> out;
    for (const auto& r : client_.requests) {
      if (r.invoke_id.empty()) out.push_back(r.page_size);
    }
    return out;
  }
};

TEST_F(SteadyPageTest, TheNextSteadyPollAsksForTwiceWhatTheLastOneHadToRead) {
  // The poll after the full walk read 50 and needed 3 (two new, and the previous newest).
  warmUp(2);
  serve(history(103, 63));
  auto outcome = pollOnce();
  ASSERT_TRUE(outcome.ok) << core::describe(outcome.error);
  EXPECT_EQ(outcome.api_calls, 1);
  EXPECT_EQ(listSizes(), std::vector<int>{10}) << "3 needed: the default's 10";
  EXPECT_EQ(sink_.count, 1u);
  // Eight new ones: the page of 10 still reaches the known history.
  client_.requests.clear();
  serve(history(111, 71));
  ASSERT_TRUE(pollOnce().ok);
  EXPECT_EQ(listSizes(), std::vector<int>{10});
  EXPECT_EQ(sink_.count, 9u);
  client_.requests.clear();
  serve(history(112, 72));
  ASSERT_TRUE(pollOnce().ok);
  EXPECT_EQ(listSizes(), std::vector<int>{18}) << "9 needed last time";
  client_.requests.clear();
  ASSERT_TRUE(pollOnce().ok);
  EXPECT_EQ(listSizes(), std::vector<int>{18}) << "a quiet poll does not shrink it: the most of 20";
}

// A cron job's burst every other poll: the first burst pays the restart, the next ones fit.
TEST_F(SteadyPageTest, BurstsBetweenQuietPollsPayTheirRestartOnce) {
  warmUp(2);
  int newest = 102;
  int calls = 0;
  for (int cycle = 0; cycle < 4; ++cycle) {
    newest += 12;
    serve(history(newest, newest - 40));
    auto burst = pollOnce();
    ASSERT_TRUE(burst.ok) << core::describe(burst.error);
    auto quiet = pollOnce();
    ASSERT_TRUE(quiet.ok) << core::describe(quiet.error);
    calls += burst.api_calls + quiet.api_calls;
  }
  EXPECT_EQ(calls, 9) << "8 polls, and the first burst's restart";
  EXPECT_EQ(sink_.count, 48u);
}

TEST_F(SteadyPageTest, AFirstPageOfNewOnesOnlyStartsTheWalkOverAtPageSize) {
  warmUp(2);
  // 30 new: the first page of 10 holds no known history; that page is dropped and the list
  // walked again from its first page of 50, which reaches it.
  serve(history(132, 92));
  auto outcome = pollOnce();
  ASSERT_TRUE(outcome.ok) << core::describe(outcome.error);
  EXPECT_EQ(outcome.api_calls, 2);
  EXPECT_EQ(listSizes(), (std::vector<int>{10, 50}));
  EXPECT_EQ(sink_.count, 30u) << "each new one reported";
  client_.requests.clear();
  serve(history(133, 93));
  ASSERT_TRUE(pollOnce().ok);
  EXPECT_EQ(listSizes(), std::vector<int>{50}) << "31 needed last time: 62, at most 50";
}

// `listing` (history(newest, count)) with the invocations at `indexes` still running.
std::vector<api::CommandInvocation> withRunning(int newest, int count,
                                                std::initializer_list<size_t> indexes) {
  auto listing = history(newest, count);
  for (size_t i : indexes)
    listing[i] = invocation(listing[i].invoke_id, listing[i].creation_time, "Running");
  return listing;
}

TEST_F(SteadyPageTest, AnUnfinishedOneTheSmallPageMissedBringsBackPageSize) {
  serve(withRunning(100, 60, {14}));
  ASSERT_TRUE(pollOnce().full_walk);
  serve(withRunning(101, 61, {15}));
  ASSERT_TRUE(pollOnce().ok);  // needed 16: the running one is read, the next page is 32
  // 17 new push it to 33rd: the page of 32 stops early at the known history without it, and
  // it is fetched by its InvokeId.
  auto pushed = withRunning(118, 78, {32});
  client_.by_id[pushed[32].invoke_id] = pageOf({pushed[32]}, 1, 50);
  client_.requests.clear();
  serve(pushed);
  auto outcome = pollOnce();
  ASSERT_TRUE(outcome.ok) << core::describe(outcome.error);
  EXPECT_EQ(listSizes(), std::vector<int>{32});
  EXPECT_EQ(outcome.api_calls, 2) << "the list's page, and the running one by its InvokeId";
  // The next poll reads 50 again, which holds it: no call by InvokeId.
  client_.requests.clear();
  serve(pushed);
  outcome = pollOnce();
  ASSERT_TRUE(outcome.ok) << core::describe(outcome.error);
  EXPECT_EQ(listSizes(), std::vector<int>{50});
  EXPECT_EQ(outcome.api_calls, 1);
}

// Two known running ones pushed past a small first page that still reaches the known history:
// one call more for the page of 50, not one per running one by its InvokeId.
TEST_F(SteadyPageTest, UnfinishedOnesTheSmallPageMissedAreReadAgainAtPageSize) {
  serve(withRunning(100, 60, {3, 4}));
  ASSERT_TRUE(pollOnce().full_walk);
  serve(withRunning(101, 61, {4, 5}));
  ASSERT_TRUE(pollOnce().ok);  // needed 6: the next first page is 12
  client_.requests.clear();
  serve(withRunning(109, 69, {12, 13}));
  auto outcome = pollOnce();
  ASSERT_TRUE(outcome.ok) << core::describe(outcome.error);
  EXPECT_EQ(listSizes(), (std::vector<int>{12, 50}));
  EXPECT_EQ(outcome.api_calls, 2) << "none by InvokeId";
}

// ECS pages by NextToken: the walk that starts over asks without the small page's token.
TEST_F(SteadyPageTest, AnEcsWalkStartsOverWithoutTheSmallPagesToken) {
  options_.scope = core::Scope("", "cn-hangzhou", core::Product::kEcs);
  rebuild();
  warmUp(2);
  serve(history(132, 92));
  auto outcome = pollOnce();
  ASSERT_TRUE(outcome.ok) << core::describe(outcome.error);
  std::vector<std::pair<int, std::string>> asked;
  for (const auto& r : client_.requests) {
    if (!r.timed.value_or(false)) asked.emplace_back(r.page_size, r.next_token);
  }
  EXPECT_EQ(asked, (std::vector<std::pair<int, std::string>>{{10, ""}, {50, ""}}));
  EXPECT_EQ(sink_.count, 30u);
}

}  // namespace
}  // namespace swas::poller
