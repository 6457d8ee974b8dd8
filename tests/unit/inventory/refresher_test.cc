#include "daemon/inventory/refresher.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <map>
#include <stdexcept>

#include "tests/support/fake_clock.h"
#include "tests/support/fake_swas_client.h"
#include "tests/support/sim_process.h"

namespace swas::inventory {
namespace {

core::Error throttled() {
  return core::Error{.kind = core::ErrorKind::kApi,
                     .code = "Throttling.User",
                     .message = "Request was denied due to user flow control.",
                     .retryable = true};
}

class CountingObserver final : public core::PollObserver {
 public:
  void onApiRequest(const std::string& region, const std::string& action, const std::string& code,
                    double) override {
    ++calls[region + " " + action + " " + code];
  }
  void onPollFinished(const std::string&, bool, double, bool, int) override {}
  void onSkippedTicks(const std::string&, int) override {}
  void onTrackedCounts(const std::string&, const core::TrackedCounts&) override {}
  void onPagingFallback(const std::string&) override {}
  void onApiAnomaly(const std::string&, std::string_view, int) override {}
  void onStateError(std::string_view) override {}
  std::map<std::string, int> calls;
};

// `count` instances web-1..web-N from `first`, Running unless `stopped`.
api::InstancesPage instances(int first, int count, int64_t total, bool stopped = false) {
  api::InstancesPage page;
  page.total_count = total;
  for (int n = first; n < first + count; ++n) {
    api::InstanceInfo i;
    i.instance_id = "i-" + std::to_string(n);
    i.instance_name = "web-" + std::to_string(n);
    i.status = stopped ? "Stopped" : "Running";
    i.public_ip = "47.0.0." + std::to_string(n % 250);
    page.instances.push_back(i);
  }
  return page;
}

class RefresherTest : public ::testing::Test {
 protected:
  RefresherTest() : client_(io_) {}

  RefreshOutcome refreshOnce() {
    std::optional<RefreshOutcome> outcome;
    Refresher refresher(io_, client_, gate_, clock_, {.scope = core::Scope("", "cn-hangzhou")},
                        [this](const std::string& region, std::vector<Instance> all) {
                          ++listened_;
                          EXPECT_EQ(region, "cn-hangzhou");
                          last_ = std::move(all);
                        });
    refresher.refreshOnce([&](RefreshOutcome o) { outcome = std::move(o); });
    EXPECT_TRUE(testing::waitFor(io_, [&] { return outcome.has_value(); }));
    return std::move(*outcome);
  }

  boost::asio::io_context io_;
  testing::FakeClock clock_;
  testing::FakeSwasClient client_;
  CountingObserver observer_;
  std::unique_ptr<core::Random> random_ = core::makeSeededRandom(1);
  std::shared_ptr<api::CallGate> gate_ = std::make_shared<api::CallGate>(
      io_, observer_, clock_, *random_,
      api::GateOptions{.scope = "cn-hangzhou",
                       .rate_limit = 1000,
                       .max_attempts = 2,
                       .backoff_initial = std::chrono::milliseconds(1),
                       .backoff_cap = std::chrono::milliseconds(1)});
  int listened_ = 0;
  std::vector<Instance> last_;
};

TEST_F(RefresherTest, PagesInstancesThenAsksAgentsOfRunningOnesFiftyAtATime) {
  api::InstancesPage second = instances(101, 50, 160);
  for (auto& stopped : instances(151, 10, 160, true).instances) second.instances.push_back(stopped);
  client_.instances = {instances(1, 100, 160), second};
  for (int n = 1; n <= 150; ++n) client_.online["i-" + std::to_string(n)] = n != 7;
  RefreshOutcome outcome = refreshOnce();
  ASSERT_TRUE(outcome.instances) << outcome.instances.error().message;
  EXPECT_EQ(outcome.api_calls, 2 + 3) << "two pages of 100, then 150 Running IDs in threes of 50";
  ASSERT_EQ(client_.list_requests.size(), 2u) << "the page short of 100 is the last";
  EXPECT_EQ(client_.list_requests[1].page_number, 2);
  EXPECT_EQ(client_.list_requests[0].page_size, 100);
  ASSERT_EQ(client_.agent_requests.size(), 3u);
  for (const auto& r : client_.agent_requests) EXPECT_EQ(r.instance_ids.size(), 50u);
  EXPECT_EQ(observer_.calls["cn-hangzhou ListInstances OK"], 2);
  EXPECT_EQ(observer_.calls["cn-hangzhou DescribeCloudAssistantStatus OK"], 3);
  ASSERT_EQ(listened_, 1);
  ASSERT_EQ(last_.size(), 160u);
  EXPECT_EQ(last_[6].name, "web-7");
  EXPECT_EQ(last_[6].agent_online, std::optional<bool>(false));
  EXPECT_EQ(last_[7].agent_online, std::optional<bool>(true));
}

TEST_F(RefresherTest, StoppedInstancesAreNotAskedAboutTheirAgent) {
  client_.instances = {instances(1, 3, 3, true)};
  RefreshOutcome outcome = refreshOnce();
  ASSERT_TRUE(outcome.instances);
  EXPECT_EQ(outcome.api_calls, 1);
  EXPECT_TRUE(client_.agent_requests.empty());
  ASSERT_EQ(last_.size(), 3u);
  EXPECT_FALSE(last_[0].agent_online.has_value()) << "unknown, not offline";
}

TEST_F(RefresherTest, AFailedRefreshReportsNothingAndIsCounted) {
  client_.instances = {std::unexpected(throttled()), std::unexpected(throttled())};
  RefreshOutcome outcome = refreshOnce();
  ASSERT_FALSE(outcome.instances);
  EXPECT_EQ(outcome.instances.error().code, "Throttling.User");
  EXPECT_EQ(outcome.api_calls, 2) << "retried within the gate's attempts";
  EXPECT_EQ(listened_, 0) << "the last inventory stays";
  EXPECT_EQ(observer_.calls["cn-hangzhou ListInstances Throttling.User"], 2);

  // Only the agents' call fails: names and tags go through, every agent unknown.
  client_.instances = {instances(1, 2, 2)};
  client_.agent_error = throttled();
  outcome = refreshOnce();
  ASSERT_TRUE(outcome.instances);
  ASSERT_TRUE(outcome.agents_error.has_value());
  EXPECT_EQ(listened_, 1);
  ASSERT_EQ(last_.size(), 2u);
  EXPECT_EQ(last_[0].name, "web-1");
  EXPECT_FALSE(last_[0].agent_online.has_value()) << "unknown, so no agent alert changes";
}

// Review finding: a record the parser skipped (no InstanceId) was listed all the same; counting it
// as missing made every refresh of that region fail.
TEST_F(RefresherTest, ARecordTheParserSkippedStillCountsAsListed) {
  api::InstancesPage first = instances(1, 99, 150);
  first.anomalies.records = 1;
  first.anomalies.first_record = "a record without InstanceId";
  client_.instances = {first, instances(100, 50, 150)};
  RefreshOutcome outcome = refreshOnce();
  ASSERT_TRUE(outcome.instances) << outcome.instances.error().message;
  EXPECT_EQ(client_.list_requests.size(), 2u) << "a page of 99 good records and 1 bad is full";
  EXPECT_EQ(last_.size(), 149u);
}

// Review finding: when only the agents' call fails, the agents keep their last known states
// (their series and alerts do not flicker), and the refresh comes again sooner.
TEST_F(RefresherTest, AFailedAgentCallKeepsTheLastKnownStates) {
  client_.instances = {instances(1, 2, 2), instances(1, 2, 2)};
  client_.online = {{"i-1", true}, {"i-2", false}};
  Refresher refresher(
      io_, client_, gate_, clock_, {.scope = core::Scope("", "cn-hangzhou")},
      [this](const std::string&, std::vector<Instance> all) { last_ = std::move(all); });
  for (bool fail : {false, true}) {
    if (fail) client_.agent_error = throttled();
    std::optional<RefreshOutcome> outcome;
    refresher.refreshOnce([&](RefreshOutcome o) { outcome = std::move(o); });
    ASSERT_TRUE(testing::waitFor(io_, [&] { return outcome.has_value(); }));
    ASSERT_TRUE(outcome->instances);
    EXPECT_EQ(outcome->agents_error.has_value(), fail);
    ASSERT_EQ(last_.size(), 2u);
    EXPECT_EQ(last_[0].agent_online, std::optional<bool>(true));
    EXPECT_EQ(last_[1].agent_online, std::optional<bool>(false));
  }
}

TEST_F(RefresherTest, AListingShortOfItsTotalCountFails) {
  // TotalCount says 150, but the second page comes back empty: 100 instances are not the region.
  client_.instances = {instances(1, 100, 150), api::InstancesPage{.total_count = 150}};
  RefreshOutcome outcome = refreshOnce();
  ASSERT_FALSE(outcome.instances);
  EXPECT_NE(outcome.instances.error().message.find("short of its TotalCount 150"),
            std::string::npos)
      << outcome.instances.error().message;
  EXPECT_EQ(listened_, 0) << "a shrunken inventory would unwatch 50 instances";
}

TEST_F(RefresherTest, AnApiRepeatingItsPagesCannotMakeARefreshWalkForever) {
  for (int n = 0; n < 50; ++n) client_.instances.push_back(instances(1, 100, 1'000'000));
  RefreshOutcome outcome = refreshOnce();
  ASSERT_FALSE(outcome.instances) << "what it listed cannot be the whole region";
  EXPECT_NE(outcome.instances.error().message.find("repeated"), std::string::npos);
  EXPECT_EQ(client_.list_requests.size(), 2u) << "the second page added nothing new";
  EXPECT_EQ(listened_, 0);
}

// A bug's exception in what a refresh reports to (the listener: the directory, the pollers'
// watched sets) fails that refresh, and refreshing goes on: escaping the refresher's detached
// coroutine, it ended the region's refreshing for good, silently.
TEST_F(RefresherTest, AnExceptionFailsItsRefreshAndRefreshingGoesOn) {
  client_.instances = {instances(1, 2, 2), instances(1, 2, 2)};
  int heard = 0;
  Refresher refresher(io_, client_, gate_, clock_,
                      {.scope = core::Scope("", "cn-hangzhou"),
                       .refresh = std::chrono::milliseconds(10),
                       .retry_after_failure = std::chrono::milliseconds(10)},
                      [&](const std::string&, std::vector<Instance>) {
                        if (++heard == 1) throw std::runtime_error("a bug in a listener");
                      });
  refresher.start();
  EXPECT_TRUE(testing::waitFor(io_, [&] { return heard >= 2; })) << "refreshed again";
  refresher.stop();
}

}  // namespace
}  // namespace swas::inventory
