// The chat relay end to end: Alertmanager's webhook payload POSTed to a running daemon reaches an
// emulated DingTalk robot signed, through the outbox; each alert's state once, whatever
// Alertmanager repeats; a request without the token, for another receiver or with another payload
// is refused and counted.
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/chat_vendor.h"
#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::ChatVendor;
using testing::eventually;
using testing::MonitorProcess;
using testing::SimProcess;
using testing::testName;

constexpr const char* kToken = "relay-token-4f1c";

// One notification of Alertmanager's, with `alerts` (JSON objects) in it.
std::string notification(const std::string& alerts) {
  return R"({"receiver":"chat","status":"firing","version":"4","groupKey":"{}:{}",)"
         R"("groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"",)"
         R"("truncatedAlerts":0,"alerts":[)" +
         alerts + "]}";
}

std::string failure(const std::string& status, const std::string& ends_at) {
  return R"({"status":")" + status +
         R"(","labels":{"alertname":"SwasInvocationFailed","region_id":"cn-hangzhou",)"
         R"("instance_id":"i-a","instance_name":"web-1","command_name":"deploy-app",)"
         R"("invocation_status":"Failed","invoke_id":"t-9"},"annotations":{"output":"boom"},)"
         R"("startsAt":"2026-12-02T05:00:00Z","endsAt":")" +
         ends_at + R"(","fingerprint":"00000000000000aa"})";
}

size_t accepted(const ChatVendor& v) {
  size_t n = 0;
  for (const auto& m : v.messages()) n += m.accepted ? 1 : 0;
  return n;
}

TEST(Relay, AlertmanagersNotificationsReachTheChatReceiverOncePerStateAndOnlyWithTheToken) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml",
                                        "clock: manual\nregions:\n  - region_id: cn-hangzhou\n"
                                        "    instances: [i-a]\n"));
  ChatVendor dingtalk({"dingtalk", "SECrelaysecret"});
  testing::MonitorConfig config{.sim_url = sim.url(), .state_path = dir + "/state.db"};
  config.receivers.push_back(
      {"chat", "dingtalk", dingtalk.url(),
       "      secret_file: " +
           testing::writeTempFile(std::string(testName()) + "/secret", "SECrelaysecret") + "\n"});
  config.relay_token_file =
      testing::writeTempFile(std::string(testName()) + "/token", std::string(kToken) + "\n");
  MonitorProcess daemon(SWAS_DAEMON_PATH, config.write(std::string(testName()) + "/config.yaml"),
                        dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  std::string url = daemon.url() + "/api/alertmanager/webhook/chat";
  http::Headers auth = {{"Authorization", std::string("Bearer ") + kToken}};
  auto post = [&](const std::string& target, const std::string& body, const http::Headers& h) {
    auto result = testing::fetch("POST", target, body, h);
    EXPECT_TRUE(result) << core::describe(result.error());
    return result ? *result : http::HttpResponse{};
  };
  std::string firing = notification(failure("firing", "0001-01-01T00:00:00Z"));

  EXPECT_EQ(post(url, firing, {}).status, 401);
  auto wrong = post(url, firing, {{"Authorization", "Bearer relay-token-4f1d"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.header("www-authenticate"), "Bearer");
  EXPECT_EQ(post(daemon.url() + "/api/alertmanager/webhook/nobody", firing, auth).status, 404);
  auto refused = post(url, notification("{\"status\":\"firing\"}"), auth);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.body, "not Alertmanager's webhook payload: alerts[0].labels: missing\n");

  auto stored = post(url, firing, auth);
  EXPECT_EQ(stored.status, 200);
  EXPECT_EQ(stored.body, "queued 1, repeated 0\n");
  ASSERT_TRUE(eventually([&] { return accepted(dingtalk) == 1; })) << daemon.stderrText();
  auto first = dingtalk.messages().front();
  EXPECT_NE(first.text.find("deploy-app"), std::string::npos) << first.text;
  EXPECT_NE(first.text.find("web-1"), std::string::npos) << first.text;
  EXPECT_NE(first.target.find("sign="), std::string::npos) << "signed as the receiver signs";

  // Alertmanager repeats the group's firing alerts (a change in the group, repeat_interval).
  EXPECT_EQ(post(url, firing, auth).body, "queued 0, repeated 1\n");
  auto resolved = post(url, notification(failure("resolved", "2026-12-02T05:03:00Z")), auth);
  EXPECT_EQ(resolved.body, "queued 1, repeated 0\n");
  ASSERT_TRUE(eventually([&] { return accepted(dingtalk) == 2; })) << daemon.stderrText();
  EXPECT_NE(dingtalk.messages()[1].text.find("RESOLVED"), std::string::npos);
  // Nothing twice: the daemon has nothing queued for the chat and counted both alert states
  // delivered (the repeat queued nothing).
  EXPECT_TRUE(eventually([&] {
    std::string m = testing::fetchOk("GET", daemon.url() + "/metrics");
    return testing::sample(m, R"(swas_alert_queue_length{receiver="chat"})") == 0 &&
           testing::sumOf(m, "swas_alert_notifications_total",
                          {"receiver=\"chat\"", "outcome=\"delivered\""}) == 2;
  }));
  EXPECT_EQ(dingtalk.messages().size(), 2u) << "nothing twice";
  EXPECT_EQ(dingtalk.rejected(), 0u);

  std::string metrics = testing::fetchOk("GET", daemon.url() + "/metrics");
  EXPECT_EQ(testing::sumOf(metrics, "swas_relay_requests_total", {"code=\"401\""}), 2);
  EXPECT_EQ(testing::sumOf(metrics, "swas_relay_requests_total", {"code=\"404\""}), 1);
  EXPECT_EQ(testing::sumOf(metrics, "swas_relay_requests_total", {"code=\"400\""}), 1);
  EXPECT_EQ(testing::sumOf(metrics, "swas_relay_requests_total", {"code=\"200\""}), 3);
  EXPECT_EQ(testing::sumOf(metrics, "swas_relayed_alerts_total", {"outcome=\"queued\""}), 2);
  EXPECT_EQ(testing::sumOf(metrics, "swas_relayed_alerts_total", {"outcome=\"repeated\""}), 1);
  EXPECT_EQ(testing::sumOf(metrics, "swas_alerts_firing"), 0) << "not the daemon's own alert";
  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait(), 0);
}

// Without http.relay_token_file the relay does not exist: nothing is stored whatever is sent.
TEST(Relay, IsOffWithoutATokenFile) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml",
                                        "clock: manual\nregions:\n  - region_id: cn-hangzhou\n"
                                        "    instances: [i-a]\n"));
  ChatVendor dingtalk({"dingtalk", ""});
  testing::MonitorConfig config{.sim_url = sim.url(), .state_path = dir + "/state.db"};
  config.receivers.push_back({"chat", "dingtalk", dingtalk.url(), ""});
  MonitorProcess daemon(SWAS_DAEMON_PATH, config.write(std::string(testName()) + "/config.yaml"),
                        dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  auto answer = testing::fetch("POST", daemon.url() + "/api/alertmanager/webhook/chat",
                               notification(failure("firing", "0001-01-01T00:00:00Z")),
                               {{"Authorization", "Bearer "}});
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 404);
  EXPECT_EQ(answer->body, "the relay is off (http.relay_token_file)\n");
}

}  // namespace
}  // namespace swas
