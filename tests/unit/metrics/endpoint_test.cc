#include "daemon/metrics/endpoint.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "daemon/metrics/metrics.h"
#include "tests/support/fake_clock.h"
#include "tests/support/http_fetch.h"

namespace swas::metrics {
namespace {

using namespace std::chrono;

TEST(Health, LiveWhileTheLoopBeatsStuckAfterThreeIntervals) {
  testing::FakeClock clock;
  Health health(clock, 3 * seconds(30));
  EXPECT_EQ(health.live().status, 200);
  clock.advance(seconds(89));
  EXPECT_EQ(health.live().status, 200);
  health.beat();
  clock.advance(seconds(89));
  EXPECT_EQ(health.live().status, 200);
  clock.advance(seconds(1));
  auto stuck = health.live();
  EXPECT_EQ(stuck.status, 503);
  EXPECT_EQ(stuck.body, "event loop stuck: no progress for 90.0s\n");
  health.beat();
  EXPECT_EQ(health.live().status, 200);
}

TEST(Health, ReadyOnceEveryRegionPolledWithAReasonPerRegion) {
  testing::FakeClock clock;
  Health health(clock, seconds(90));
  health.setRegion("cn-hangzhou", false, "first poll in progress");
  health.setRegion("ap-southeast-1", false,
                   "last poll failed: InvalidAccessKeyId.NotFound: Specified access key is not "
                   "found.");
  auto answer = health.ready();
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(answer.body,
            "region ap-southeast-1 not ready: last poll failed: InvalidAccessKeyId.NotFound: "
            "Specified access key is not found.\n"
            "region cn-hangzhou not ready: first poll in progress\n");
  health.setRegion("eu-central-1", false, "SignatureDoesNotMatch: StringToSign\nGET\n/\n");
  EXPECT_NE(health.ready().body.find("region eu-central-1 not ready: SignatureDoesNotMatch: "
                                     "StringToSign GET / \n"),
            std::string::npos)
      << "one line per region";
  health.setRegion("eu-central-1", true, "");
  health.setRegion("cn-hangzhou", true, "");
  answer = health.ready();
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(answer.body.find("cn-hangzhou"), std::string::npos);
  health.setRegion("ap-southeast-1", true, "");
  EXPECT_EQ(health.ready().status, 200);
}

class EndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bound = endpoint_.start("127.0.0.1:0");
    ASSERT_TRUE(bound) << bound.error();
    url_ = "http://" + *bound;
  }

  prometheus::Registry registry_;
  testing::FakeClock clock_;
  Metrics metrics_{registry_, clock_, MetricsOptions{{"cn-hangzhou"}, {}, "0.1.0", "r1"}};
  Health health_{clock_, seconds(90)};
  Endpoint endpoint_{registry_, health_};
  std::string url_;
};

TEST_F(EndpointTest, ServesMetricsHealthAndReadiness) {
  metrics_.onApiRequest("cn-hangzhou", "DescribeCommandInvocations", "Throttling.User", 0.1);
  auto metrics = testing::fetch("GET", url_ + "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->header("content-type"), kTextFormat);
  EXPECT_NE(metrics->body.find("swas_api_requests_total{action=\"DescribeCommandInvocations\","
                               "code=\"Throttling.User\",region_id=\"cn-hangzhou\"} 1"),
            std::string::npos);

  EXPECT_EQ(testing::fetch("GET", url_ + "/healthz")->status, 200);
  health_.setRegion("cn-hangzhou", false, "first poll in progress");
  auto ready = testing::fetch("GET", url_ + "/readyz");
  EXPECT_EQ(ready->status, 503);
  EXPECT_EQ(ready->body, "region cn-hangzhou not ready: first poll in progress\n");
  health_.setRegion("cn-hangzhou", true, "");
  EXPECT_EQ(testing::fetch("GET", url_ + "/readyz")->status, 200);

  clock_.advance(seconds(90));
  EXPECT_EQ(testing::fetch("GET", url_ + "/healthz")->status, 503);
}

TEST_F(EndpointTest, OtherPathsAndMethods) {
  EXPECT_EQ(testing::fetch("GET", url_ + "/nope")->status, 404);
  auto post = testing::fetch("POST", url_ + "/metrics", "x");
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->header("allow"), "GET");
  EXPECT_EQ(testing::fetch("GET", url_ + "/")->status, 200);
}

TEST(Endpoint, RefusesABadOrBusyAddress) {
  prometheus::Registry registry;
  testing::FakeClock clock;
  Health health(clock, seconds(90));
  Endpoint first(registry, health);
  auto bound = first.start("127.0.0.1:0");
  ASSERT_TRUE(bound);
  Endpoint second(registry, health);
  auto busy = second.start(*bound);
  ASSERT_FALSE(busy);
  EXPECT_NE(busy.error().find("cannot listen on " + *bound), std::string::npos) << busy.error();
  auto bad = Endpoint(registry, health).start("localhost:9786");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("IP address"), std::string::npos) << bad.error();
}

}  // namespace
}  // namespace swas::metrics
