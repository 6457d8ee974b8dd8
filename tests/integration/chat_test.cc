// Chat receivers end to end: the daemon against swas-sim, sending to emulated DingTalk, Feishu,
// WeCom and Slack robots (tests/support/chat_vendor.h) that check signatures, sizes and rates as
// the vendors do. One failure and its resolution reach every vendor signed; a 10,000-failure
// burst is accounted for in every vendor's messages with nothing refused; a throttling vendor
// loses nothing; `match` routes and an alert no receiver takes is counted.
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

const char* kTypes[] = {"dingtalk", "feishu", "wecom", "slack"};

// t-1 (deploy-app) fails on i-a at 3s; t-2 (deploy-app) succeeds there at 8s and resolves it;
// t-3 (agent-check) fails on i-b at 3s.
constexpr const char* kScenario = R"(clock: manual
regions:
  - region_id: cn-hangzhou
    instances: [i-a, i-b]
    invocations:
      - invoke_id: t-1
        command_id: c-deploy
        command_name: deploy-app
        created_at: 1s
        instances:
          - instance_id: i-a
            timeline:
              - {at: 2s, status: Failed, exit_code: 3, error_code: ExitCodeNonzero,
                 error_info: "the command execution exit code is not zero", output: "boom\n"}
      - invoke_id: t-2
        command_id: c-deploy
        command_name: deploy-app
        created_at: 6s
        instances:
          - instance_id: i-a
            timeline:
              - {at: 2s, status: Success, exit_code: 0}
      - invoke_id: t-3
        command_id: c-agent
        command_name: agent-check
        created_at: 1s
        instances:
          - instance_id: i-b
            timeline:
              - {at: 2s, status: Failed, exit_code: 1, error_code: ExitCodeNonzero}
)";

using testing::chatAlertsAccounted;

size_t accepted(const ChatVendor& v) {
  size_t n = 0;
  for (const auto& m : v.messages()) n += m.accepted ? 1 : 0;
  return n;
}

void advance(const SimProcess& sim, int seconds) {
  testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=" + std::to_string(seconds));
}

struct Vendors {
  std::vector<std::unique_ptr<ChatVendor>> all;
  testing::MonitorConfig config(const SimProcess& sim, const std::string& dir,
                                const std::vector<std::string>& extras) {
    testing::MonitorConfig c{.sim_url = sim.url(), .state_path = dir + "/state.db"};
    for (size_t i = 0; i < 4; ++i) {
      std::string secret = i < 2 ? "SEC" + std::string(kTypes[i]) + "secret" : "";
      all.push_back(std::make_unique<ChatVendor>(ChatVendor::Options{kTypes[i], secret}));
      std::string extra = extras.size() > i ? extras[i] : "";
      if (!secret.empty()) {
        extra += "      secret_file: " +
                 testing::writeTempFile(std::string(testName()) + "/" + kTypes[i], secret) + "\n";
      }
      c.receivers.push_back({kTypes[i], kTypes[i], all.back()->url(), extra});
    }
    return c;
  }
};

TEST(Chat, EveryVendorGetsTheFailureSignedAndItsResolution) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml", kScenario));
  Vendors v;
  auto config = v.config(sim, dir,
                         {"      mention: {mobiles: ['13800000000']}\n"
                          "      match: {command_names: ['deploy-*']}\n",
                          "      language: zh\n      match: {command_names: ['deploy-*']}\n",
                          "      match: {command_names: ['deploy-*']}\n",
                          "      match: {command_names: ['deploy-*']}\n"});
  config.alerts_extra = "  timezone: Asia/Shanghai\n";
  MonitorProcess daemon(SWAS_DAEMON_PATH, config.write(std::string(testName()) + "/config.yaml"),
                        dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  advance(sim, 4);
  for (const auto& vendor : v.all) {
    ASSERT_TRUE(eventually([&] { return accepted(*vendor) >= 1; })) << daemon.stderrText();
  }
  advance(sim, 6);
  for (const auto& vendor : v.all) {
    ASSERT_TRUE(eventually([&] { return accepted(*vendor) >= 2; })) << daemon.stderrText();
  }
  for (size_t i = 0; i < 4; ++i) {
    auto messages = v.all[i]->messages();
    EXPECT_EQ(v.all[i]->rejected(), 0u) << kTypes[i];
    ASSERT_EQ(messages.size(), 2u) << kTypes[i] << ": agent-check matches no receiver";
    EXPECT_NE(messages[0].text.find("deploy-app"), std::string::npos) << messages[0].text;
    EXPECT_NE(messages[0].text.find("boom"), std::string::npos) << messages[0].text;
    EXPECT_NE(messages[0].text.find(" CST"), std::string::npos) << messages[0].text;
    bool zh = i == 1;
    EXPECT_NE(messages[1].body.find(zh ? "已恢复" : "RESOLVED"), std::string::npos)
        << messages[1].body;
  }
  EXPECT_NE(v.all[0]->messages()[0].body.find("\"atMobiles\":[\"13800000000\"]"),
            std::string::npos);
  EXPECT_EQ(v.all[0]->messages()[1].body.find("13800000000"), std::string::npos)
      << "no mention on a resolution";
  EXPECT_EQ(testing::sumOf(testing::fetchOk("GET", daemon.url() + "/metrics"),
                           "swas_alerts_unrouted_total"),
            1);
  EXPECT_NE(daemon.stderrText().find("matched no receiver"), std::string::npos);
}

TEST(Chat, ABurstOfTenThousandFailuresIsAccountedForWithinEveryVendorsRate) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::testdataPath("chat-burst.yaml"));
  Vendors v;
  auto config = v.config(sim, dir, {});
  config.poll = {{"interval", "1s"}, {"jitter", "0"}};
  MonitorProcess daemon(SWAS_DAEMON_PATH, config.write(std::string(testName()) + "/config.yaml"),
                        dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  advance(sim, 2);
  auto total = [](const ChatVendor& vendor) {
    size_t n = 0;
    for (const auto& m : vendor.messages()) n += m.accepted ? chatAlertsAccounted(m.text) : 0;
    return n;
  };
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_TRUE(eventually([&] { return total(*v.all[i]) >= 10'000; }, std::chrono::seconds(180)))
        << kTypes[i] << ": " << total(*v.all[i]);
  }
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(total(*v.all[i]), 10'000u) << kTypes[i];
    EXPECT_EQ(v.all[i]->rejected(), 0u) << kTypes[i] << ": refused or over the vendor's rate";
    std::cout << "[ burst ] " << kTypes[i] << ": " << v.all[i]->messages().size() << " messages\n";
  }
}

// Every vendor throttles for a minute. Feishu (its window is a second) and Slack (Retry-After: 1)
// are accepted as soon as it ends, WeCom waits out its minute, DingTalk its ten-minute penalty
// without asking again meanwhile; nothing is refused, nothing lost.
TEST(Chat, AVendorThrottlingForAMinuteLosesNothing) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml", kScenario));
  Vendors v;
  auto config = v.config(sim, dir, {});
  MonitorProcess daemon(SWAS_DAEMON_PATH, config.write(std::string(testName()) + "/config.yaml"),
                        dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  auto throttled_at = std::chrono::steady_clock::now();
  for (const auto& vendor : v.all) vendor->throttleFor(std::chrono::seconds(60));
  advance(sim, 4);
  for (size_t i : {1, 2, 3}) {
    EXPECT_TRUE(eventually([&] { return accepted(*v.all[i]) >= 1; }, std::chrono::seconds(120)))
        << kTypes[i];
    auto messages = v.all[i]->messages();
    EXPECT_GE(messages.size(), 2u) << kTypes[i] << ": throttled first, then accepted";
    EXPECT_GE(messages.back().at - throttled_at, std::chrono::seconds(60)) << kTypes[i];
    size_t n = 0;
    for (const auto& m : messages) n += m.accepted ? chatAlertsAccounted(m.text) : 0;
    EXPECT_EQ(n, 2u) << kTypes[i] << ": both failures";
  }
  auto dingtalk = v.all[0]->messages();
  ASSERT_EQ(dingtalk.size(), 1u) << "DingTalk is not asked again during its ten-minute penalty";
  EXPECT_FALSE(dingtalk.front().accepted);
  EXPECT_EQ(testing::sumOf(testing::fetchOk("GET", daemon.url() + "/metrics"),
                           "swas_alert_queue_length", {"receiver=\"dingtalk\""}),
            2)
      << "both failures still queued for DingTalk";
  EXPECT_NE(daemon.stderrText().find("will retry"), std::string::npos);
  for (const auto& vendor : v.all) EXPECT_EQ(vendor->rejected(), 0u);
  EXPECT_EQ(testing::sumOf(testing::fetchOk("GET", daemon.url() + "/metrics"),
                           "swas_alert_notifications_total", {"outcome=\"dropped\""}),
            0);
}

// A robot whose secret is not the daemon's refuses with its code: the notification is dropped
// with one log line naming the receiver and the vendor's message, and counted.
TEST(Chat, ARefusedSignatureIsDroppedWithTheVendorsMessage) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml", kScenario));
  ChatVendor robot({"dingtalk", "SECtherobotssecret"});
  testing::MonitorConfig c{.sim_url = sim.url(), .state_path = dir + "/state.db"};
  c.receivers.push_back(
      {"oncall", "dingtalk", robot.url(),
       "      secret_file: " +
           testing::writeTempFile(std::string(testName()) + "/secret", "SECsomethingelse") + "\n"});
  MonitorProcess daemon(SWAS_DAEMON_PATH, c.write(std::string(testName()) + "/config.yaml"), dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  advance(sim, 4);
  ASSERT_TRUE(eventually([&] {
    return testing::sumOf(testing::fetchOk("GET", daemon.url() + "/metrics"),
                          "swas_alert_notifications_total", {"outcome=\"dropped\""}) == 2;
  })) << daemon.stderrText();
  EXPECT_EQ(robot.messages().size(), 1u) << "one message for both failures, not retried";
  EXPECT_NE(daemon.stderrText().find("receiver=oncall rejected 2 notification(s), dropped: "
                                     "dingtalk error 310000: sign not match"),
            std::string::npos)
      << daemon.stderrText();
}

struct CheckRun {
  int status;
  std::string out, err;
};

// --check-config reads every template: problems as FILE:LINE, else each chat receiver's sample.
TEST(Chat, CheckConfigReportsTemplateProblemsAndRendersSamples) {
  std::string good =
      testing::writeTempFile(std::string(testName()) + "/good.mustache",
                             "{{#alerts}}{{command}} {{labels.region_id}}{{/alerts}}");
  std::string bad = testing::writeTempFile(std::string(testName()) + "/bad.mustache",
                                           "{{title}}\n{{#alerts}}{{comand}}\n");
  auto check = [&](const std::string& file) {
    testing::MonitorConfig c{.sim_url = "http://127.0.0.1:1", .state_path = "/tmp/x.db"};
    c.receivers.push_back({"oncall", "feishu", "http://127.0.0.1:1/open-apis/bot/v2/hook/T",
                           "      template_file: " + file + "\n"});
    std::string path = c.write(std::string(testName()) + "/config.yaml");
    std::string out = path + ".out", err = path + ".err";
    testing::Process p({SWAS_DAEMON_PATH, "--config", path, "--check-config"}, out, err);
    int status = p.wait();
    return CheckRun{status, testing::readFile(out), testing::readFile(err)};
  };
  auto ok = check(good);
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_NE(ok.out.find("receiver oncall (feishu): sample message of"), std::string::npos)
      << ok.out;
  auto broken = check(bad);
  EXPECT_EQ(broken.status, 2);
  EXPECT_NE(broken.err.find(bad + ":2: unknown name 'comand'"), std::string::npos) << broken.err;
  EXPECT_NE(broken.err.find(bad + ":2: section 'alerts' is never closed"), std::string::npos)
      << broken.err;
}

}  // namespace
}  // namespace swas
