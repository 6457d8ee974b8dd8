// ECS's event hints (issue 26): POST /api/eventbridge/cloud-assistant behind
// http.event_token_file. An event only makes the region's poller poll; the poll is the truth.
// A forged event costs one poll and nothing else, a flood of them a few polls, and an event
// from the simulator's EventBridge makes a failure alert without waiting for the interval.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/recorder.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::eventually;
using testing::sample;
using testing::sumOf;

constexpr const char* kToken = "event-token-f00dfeedcafe0123";

// t-1 fails on i-a two seconds into the simulator's (manual) time.
constexpr const char* kScenario = R"(clock: manual
regions:
  - region_id: ecs:cn-hangzhou
    instances: [{instance_id: i-a, name: ecs-web}]
    invocations:
      - invoke_id: t-1
        command_name: deploy-app
        created_at: 1s
        instances:
          - instance_id: i-a
            timeline:
              - {at: 1s, status: Running}
              - {at: 2s, status: Failed, exit_code: 3, error_code: ExitCodeNonzero}
)";

std::string event(const std::string& region, const std::string& instance) {
  std::string out = R"({"specversion":"1.0","source":"acs.ecs","id":"e-1",)";
  out += R"("type":"ecs:CloudAssistant:TaskCompleted","aliyunregionid":")";
  out.append(region).append(R"(","data":{"instanceId":")").append(instance);
  return out.append(R"(","invokeId":"t-forged","invocationStatus":"Failed",)")
      .append(R"("repeatMode":"Once","exitCode":"1"}})");
}

// A daemon polling ECS's cn-hangzhou once an hour (only a hint can make it poll sooner).
struct HintedDaemon {
  explicit HintedDaemon(const std::string& dir)
      : sim(testing::writeTempFile(std::string(testing::testName()) + "/scenario.yaml",
                                   kScenario)) {
    std::string test = testing::testName();
    testing::MonitorConfig settings{.sim_url = sim.url(),
                                    .state_path = dir + "/state.db",
                                    .regions = {"cn-hangzhou\n    product: ecs"},
                                    .webhook_url = recorder.url() + "/hook"};
    settings.poll = {{"interval", "1h"}, {"hint_gap", "3s"}};
    settings.event_token_file = testing::writeTempFile(test + "/token", std::string(kToken));
    daemon.emplace(SWAS_DAEMON_PATH, settings.write(test + "/config.yaml"), dir, "debug");
  }
  std::string metrics() const { return testing::fetchOk("GET", daemon->url() + "/metrics"); }
  double polls() const {
    return sumOf(metrics(), "swas_poll_duration_seconds_count", {"product=\"ecs\""});
  }
  double hints(const std::string& outcome) const {
    return sumOf(metrics(), "swas_event_hints_total", {"outcome=\"" + outcome + "\""});
  }
  int post(const std::string& target, const std::string& body, const http::Headers& headers) {
    auto result = testing::fetch("POST", daemon->url() + target, body, headers);
    EXPECT_TRUE(result) << core::describe(result.error());
    return result ? result->status : 0;
  }

  testing::SimProcess sim;
  testing::Recorder recorder;
  std::optional<testing::MonitorProcess> daemon;
};

TEST(Hints, AForgedEventCostsOnePollAndNothingElse) {
  HintedDaemon s(testing::freshTestDir());
  ASSERT_FALSE(s.daemon->url().empty()) << s.daemon->stderrText();
  ASSERT_TRUE(eventually([&] {
    return sample(s.metrics(), R"(swas_region_up{product="ecs",region_id="cn-hangzhou"})") == 1;
  })) << s.daemon->stderrText();
  double before = s.polls();
  const std::string path = "/api/eventbridge/cloud-assistant";
  const http::Headers bearer = {{"Authorization", std::string("Bearer ") + kToken}};
  EXPECT_EQ(s.post(path, event("cn-hangzhou", "i-a"), {}), 401);
  EXPECT_EQ(s.post(path + "?token=event-token-f00dfeedcafe012", event("cn-hangzhou", "i-a"), {}),
            401);
  EXPECT_EQ(s.post(path, event("cn-hangzhou", "i-a"), bearer), 202);
  ASSERT_TRUE(eventually([&] { return s.polls() == before + 1; })) << "one poll, at once";

  // A flood: each request answered, their polls coalesced.
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(s.post(path + "?token=" + kToken, event("cn-hangzhou", "i-a"), {}), 202);
  }
  EXPECT_EQ(s.post(path, event("cn-shanghai", "i-a"), bearer), 202);
  EXPECT_EQ(s.hints("unwatched"), 1) << "a region not polled costs nothing";
  double hinted = s.hints("poll");
  EXPECT_LE(hinted, 1 + 3) << "30 events, polls 3 s apart: a few polls, not 30";
  EXPECT_EQ(hinted + s.hints("coalesced"), 31);
  ASSERT_TRUE(eventually([&] { return s.polls() == before + hinted; }))
      << "every hinted poll happened, and no other";

  std::string m = s.metrics();
  EXPECT_EQ(sample(m, "swas_alerts_firing"), 0) << "the poll found nothing failed";
  EXPECT_TRUE(s.recorder.requests().empty()) << "nothing was sent to anyone";
  EXPECT_EQ(sample(m, R"(swas_event_requests_total{code="401"})"), 2);
  EXPECT_EQ(sample(m, R"(swas_event_requests_total{code="202"})"), 32);
  EXPECT_EQ(s.daemon->stderrText().find(kToken), std::string::npos) << "never logged";
  EXPECT_NE(s.daemon->stderrText().find("poll hinted by an event"), std::string::npos)
      << "the debug log says why it polled";
}

TEST(Hints, AnEventFromEventBridgeMakesAFailureAlertWithoutWaitingForTheInterval) {
  HintedDaemon s(testing::freshTestDir());
  ASSERT_FALSE(s.daemon->url().empty()) << s.daemon->stderrText();
  ASSERT_TRUE(eventually([&] {
    return sample(s.metrics(), R"(swas_region_up{product="ecs",region_id="cn-hangzhou"})") == 1;
  })) << s.daemon->stderrText();
  // The simulator's EventBridge pushes each finished execution, the token in the URL's query.
  testing::fetchOk("POST", s.sim.url() +
                               "/_sim/events?token_in=query&token=" + std::string(kToken) +
                               "&url=" + s.daemon->url() + "/api/eventbridge/cloud-assistant");
  testing::fetchOk("POST", s.sim.url() + "/_sim/advance?seconds=4");  // t-1 fails
  ASSERT_TRUE(eventually([&] { return !testing::acceptedFiring(s.recorder).empty(); }))
      << "an hour before the next scheduled poll\n"
      << s.daemon->stderrText();
  EXPECT_EQ(testing::acceptedFiring(s.recorder).begin()->first, "cn-hangzhou/t-1/i-a/Failed");
  EXPECT_EQ(s.hints("poll"), 1);
  auto sent = [&] {
    simdjson::dom::parser parser;
    return int64_t(
        parser.parse(testing::fetchOk("GET", s.sim.url() + "/_sim/stats?truth=0"))["events_sent"]);
  };
  EXPECT_TRUE(eventually([&] { return sent() == 1; })) << "Running is never pushed, Failed once";
}

}  // namespace
}  // namespace swas
