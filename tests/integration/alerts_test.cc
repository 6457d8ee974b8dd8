// Alerts end to end: the daemon process against swas-sim, notifying a recording webhook
// receiver. Every occurrence is notified exactly once, resolves after a later success, and
// survives receiver outages, rejections and kill -9.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "daemon/util/crypto.h"
#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/recorder.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::eventually;
using testing::MonitorProcess;
using testing::Recorder;
using testing::SimProcess;
using testing::testName;

// i-a and i-b are watched, i-c is not. 4 occurrences: t-1 on i-a (Failed) and i-b (Timeout),
// t-2 on i-b (a quick failure, never Running), t-3 on i-a (ClientNotRunning). t-4 fails on the
// unwatched i-c, t-old failed two hours ago: neither alerts. t-5 (same command as t-1)
// succeeds on i-a later and resolves t-1 there.
constexpr const char* kScenario = R"(clock: manual
regions:
  - region_id: cn-hangzhou
    instances: [i-a, i-b, i-c]
    invocations:
      - invoke_id: t-old
        command_id: c-deploy
        command_name: deploy-app
        created_at: -7200s
        instances:
          - instance_id: i-a
            timeline:
              - {at: 5s, status: Failed, exit_code: 1, error_code: ExitCodeNonzero}
      - invoke_id: t-1
        command_id: c-deploy
        command_name: deploy-app
        created_at: 1s
        instances:
          - instance_id: i-a
            timeline:
              - {at: 1s, status: Running}
              - {at: 4s, status: Failed, exit_code: 3, error_code: ExitCodeNonzero,
                 error_info: "the command execution exit code is not zero", output: "boom\n"}
          - instance_id: i-b
            timeline:
              - {at: 1s, status: Running}
              - {at: 6s, status: Timeout, error_code: ExecutionTimeout}
      - invoke_id: t-2
        command_id: c-deploy
        command_name: deploy-app
        created_at: 8s
        instances:
          - instance_id: i-b
            timeline:
              - {at: 0.1s, status: Failed, exit_code: 2, error_code: ExitCodeNonzero}
      - invoke_id: t-3
        command_id: c-agent
        command_name: agent-check
        created_at: 3s
        instances:
          - instance_id: i-a
            timeline:
              - {at: 1s, status: Failed, error_code: ClientNotRunning,
                 error_info: "the Cloud Assistant agent is not running"}
      - invoke_id: t-4
        command_id: c-deploy
        command_name: deploy-app
        created_at: 2s
        instances:
          - instance_id: i-c
            timeline:
              - {at: 2s, status: Failed, exit_code: 1, error_code: ExitCodeNonzero}
      - invoke_id: t-5
        command_id: c-deploy
        command_name: deploy-app
        created_at: 20s
        instances:
          - instance_id: i-a
            timeline:
              - {at: 1s, status: Running}
              - {at: 3s, status: Success, exit_code: 0, output: "ok\n"}
)";

const std::set<std::string> kOccurrences = {"t-1/i-a", "t-1/i-b", "t-2/i-b", "t-3/i-a"};

struct Notice {
  std::string status;      // firing | resolved
  std::string occurrence;  // invoke_id/instance_id
  std::string fingerprint;
};

struct Message {
  std::vector<Notice> notices;
  std::string key;
  int answered = 0;
};

std::vector<Message> messages(const Recorder& recorder) {
  std::vector<Message> out;
  simdjson::dom::parser parser;
  for (const auto& r : recorder.requests()) {
    Message m;
    m.answered = r.answered;
    m.key = std::string(r.request.header("idempotency-key"));
    simdjson::dom::element doc = parser.parse(r.request.body);
    for (simdjson::dom::element a : doc["alerts"].get_array()) {
      auto labels = a["labels"];
      m.notices.push_back({std::string(a["status"].get_string().value()),
                           std::string(labels["invoke_id"].get_string().value()) + "/" +
                               std::string(labels["instance_id"].get_string().value()),
                           std::string(a["fingerprint"].get_string().value())});
    }
    out.push_back(std::move(m));
  }
  return out;
}

// Notices by (status, occurrence) in messages the receiver accepted.
std::map<std::pair<std::string, std::string>, int> delivered(const Recorder& recorder) {
  std::map<std::pair<std::string, std::string>, int> out;
  for (const auto& m : messages(recorder)) {
    if (m.answered != 200) continue;
    for (const auto& n : m.notices) ++out[{n.status, n.occurrence}];
  }
  return out;
}

class AlertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::freshTestDir();
    sim_ = std::make_unique<SimProcess>(
        testing::writeTempFile(std::string(testName()) + "/scenario.yaml", kScenario));
    std::string url = testing::writeTempFile(std::string(testName()) + "/url",
                                             recorder_.url() + "/hooks/T0001/s3cr3t-token\n");
    std::string hmac = testing::writeTempFile(std::string(testName()) + "/hmac", "hmac-key\n");
    testing::MonitorConfig settings{
        .sim_url = sim_->url(),
        .state_path = dir_ + "/state.db",
        .receivers = {
            {.name = "ops",
             .extra = "      url_file: " + url + "\n      hmac_secret_file: " + hmac + "\n"}}};
    settings.poll["jitter"] = "0";
    settings.instance_ids["cn-hangzhou"] = {"i-a", "i-b"};
    settings.retry = {{"initial_backoff", "100ms"}, {"max_backoff", "1s"}};
    config_ = settings.write(std::string(testName()) + "/config.yaml");
  }

  std::unique_ptr<MonitorProcess> start() {
    auto daemon = std::make_unique<MonitorProcess>(SWAS_DAEMON_PATH, config_, dir_);
    EXPECT_FALSE(daemon->url().empty()) << daemon->stderrText();
    return daemon;
  }

  // Moves the simulator through the scenario, a second at a time.
  void play(int seconds = 30) {
    for (int i = 0; i < seconds; ++i) {
      testing::fetchOk("POST", sim_->url() + "/_sim/advance?seconds=1");
      std::this_thread::sleep_for(std::chrono::milliseconds(120));
    }
  }

  // Waits on the daemon's own counters, not the clock: until it has finished `polls` more polls
  // and nothing is left in its outbox. Whatever more it had to send would be queued or sent by
  // then, so a negative assertion after this can fail.
  void quiesce(MonitorProcess& daemon, int polls = 5) {
    auto scrape = [&] { return testing::fetchOk("GET", daemon.url() + "/metrics"); };
    auto polled = [](const std::string& exposition) {
      return testing::sample(exposition,
                             R"(swas_poll_duration_seconds_count{region_id="cn-hangzhou"})");
    };
    double start = polled(scrape());
    EXPECT_TRUE(eventually([&] {
      std::string exposition = scrape();
      return polled(exposition) >= start + polls &&
             testing::sample(exposition, R"(swas_alert_queue_length{receiver="ops"})") == 0;
    })) << daemon.stderrText();
  }

  bool allDelivered(bool resolved_too = true) {
    auto d = delivered(recorder_);
    for (const auto& o : kOccurrences)
      if (!d.contains({"firing", o})) return false;
    return !resolved_too || d.contains({"resolved", "t-1/i-a"});
  }

  void expectExactlyOnce() {
    auto d = delivered(recorder_);
    std::map<std::pair<std::string, std::string>, int> expected;
    for (const auto& o : kOccurrences) expected[{"firing", o}] = 1;
    expected[{"resolved", "t-1/i-a"}] = 1;
    EXPECT_EQ(d, expected);
  }

  std::string dir_, config_;
  Recorder recorder_;
  std::unique_ptr<SimProcess> sim_;
};

TEST_F(AlertsTest, EveryOccurrenceOnceThenResolvedByALaterSuccess) {
  auto daemon = start();
  play();
  ASSERT_TRUE(eventually([&] { return allDelivered(); }));
  quiesce(*daemon);  // nothing more may follow
  expectExactlyOnce();
  for (const auto& m : messages(recorder_)) {
    EXPECT_EQ(m.key.size(), 32u);
    for (const auto& n : m.notices) EXPECT_EQ(n.fingerprint.size(), 16u);
  }
  for (const auto& r : recorder_.requests()) {
    EXPECT_EQ(r.request.target, "/hooks/T0001/s3cr3t-token") << "from url_file";
    EXPECT_EQ(r.request.header("x-swas-signature-256"),
              "sha256=" + util::hmacSha256Hex("hmac-key", r.request.body));
    EXPECT_EQ(r.request.header("content-type"), "application/json");
    EXPECT_TRUE(r.request.header("user-agent").starts_with("swas-invocation-monitor/"));
  }
  std::string exposition = testing::fetchOk("GET", daemon->url() + "/metrics");
  EXPECT_EQ(testing::sample(exposition, R"(swas_alerts_firing)"), 3);
  EXPECT_EQ(testing::sample(exposition, R"(swas_alert_queue_length{receiver="ops"})"), 0);
  EXPECT_EQ(
      testing::sample(exposition,
                      R"(swas_alert_notifications_total{outcome="delivered",receiver="ops"})"),
      5);
}

TEST_F(AlertsTest, AReceiverDownFor30SecondsGetsEverythingAfterwards) {
  recorder_.answer(0);  // connections reset
  auto daemon = start();
  play();
  auto outage_end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string exposition;
  EXPECT_TRUE(eventually([&] {
    exposition = testing::fetchOk("GET", daemon->url() + "/metrics");
    return testing::sample(exposition, R"(swas_alert_queue_length{receiver="ops"})") == 5;
  }));
  std::this_thread::sleep_until(outage_end);
  recorder_.answer(503);  // up, but not well
  size_t refused = recorder_.requests().size();
  ASSERT_TRUE(eventually([&] { return recorder_.requests().size() > refused; }))
      << "a retry met the 503";
  recorder_.answer(200);
  ASSERT_TRUE(eventually([&] { return allDelivered(); }));
  quiesce(*daemon);
  expectExactlyOnce();
  exposition = testing::fetchOk("GET", daemon->url() + "/metrics");
  EXPECT_GT(testing::sample(exposition,
                            R"(swas_alert_notifications_total{outcome="failed",receiver="ops"})"),
            5);
  EXPECT_EQ(testing::sample(exposition, R"(swas_alert_queue_length{receiver="ops"})"), 0);
  // A retried message is the same message: same key, same alerts.
  std::map<std::string, std::string> body_by_key;
  for (const auto& r : recorder_.requests()) {
    std::string key(r.request.header("idempotency-key"));
    auto [it, added] = body_by_key.emplace(key, r.request.body);
    EXPECT_EQ(it->second, r.request.body) << "key " << key << " sent with two bodies";
  }
}

TEST_F(AlertsTest, ARejectingReceiverDropsAndCounts) {
  recorder_.answer(400);
  auto daemon = start();
  play();
  std::string exposition;
  EXPECT_TRUE(eventually([&] {
    exposition = testing::fetchOk("GET", daemon->url() + "/metrics");
    return testing::sample(exposition,
                           R"(swas_alert_notifications_total{outcome="dropped",receiver="ops"})") ==
           5;
  })) << exposition;
  EXPECT_EQ(testing::sample(exposition, R"(swas_alert_queue_length{receiver="ops"})"), 0);
  // A rejected message is never sent again: each idempotency key once, and the notices sent are
  // the five counted dropped.
  std::set<std::string> keys;
  size_t notices = 0;
  for (const auto& m : messages(recorder_)) {
    EXPECT_TRUE(keys.insert(m.key).second) << "message " << m.key << " sent again";
    notices += m.notices.size();
  }
  EXPECT_EQ(notices, 5u);
  EXPECT_NE(daemon->stderrText().find("rejected"), std::string::npos);
}

TEST_F(AlertsTest, KillNineWithNotificationsPendingLosesAndRepeatsNothing) {
  recorder_.answer(503);
  auto daemon = start();
  play();
  EXPECT_TRUE(eventually([&] {
    auto exposition = testing::fetchOk("GET", daemon->url() + "/metrics");
    return testing::sample(exposition, R"(swas_alert_queue_length{receiver="ops"})") == 5;
  }));
  daemon->process().signal(SIGKILL);
  daemon->process().wait();
  daemon.reset();
  recorder_.answer(200);
  daemon = start();
  ASSERT_TRUE(eventually([&] { return allDelivered(); }));
  quiesce(*daemon);
  expectExactlyOnce();
  // Restarting again re-notifies nothing already confirmed.
  daemon->process().signal(SIGTERM);
  EXPECT_EQ(daemon->process().wait(), 0);
  size_t before = recorder_.requests().size();
  daemon = start();
  quiesce(*daemon);
  EXPECT_EQ(recorder_.requests().size(), before);
  std::map<std::string, int> accepted_keys;
  for (const auto& m : messages(recorder_)) {
    if (m.answered == 200) ++accepted_keys[m.key];
  }
  for (const auto& [key, n] : accepted_keys) EXPECT_EQ(n, 1) << key;
}

}  // namespace
}  // namespace swas
