// A full disk under a running daemon: its state file on a small tmpfs of the test's own
// (root only; skipped otherwise). Polls fail and say why, the outbox stops sending and says
// so in /readyz, failures are counted; when space returns everything resumes, nothing lost,
// nothing sent twice.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/recorder.h"
#include "tests/support/sim_process.h"
#include "tests/support/small_disk.h"

namespace swas {
namespace {

using testing::eventually;
using testing::MonitorProcess;
using testing::Recorder;
using testing::SimProcess;
using testing::testName;

const std::string kBefore = "cn-hangzhou/t-before/i-a/Failed";
const std::string kDuring = "cn-hangzhou/t-during/i-a/Failed";

TEST(DiskFull, PollsAndDeliveriesStopSayWhyAndResumeWithNothingLost) {
  std::string dir = testing::freshTestDir();
  std::string why;
  auto disk = testing::SmallDisk::mount(dir + "/disk", 8 << 20, why);
  if (!disk) GTEST_SKIP() << why;
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml", R"(clock: manual
regions:
  - region_id: cn-hangzhou
    instances: [i-a]
    invocations:
      - invoke_id: t-before
        command_id: c-1
        command_name: deploy
        created_at: 1s
        instances:
          - instance_id: i-a
            timeline:
              - {at: 1s, status: Failed, exit_code: 1, error_code: ExitCodeNonzero}
      - invoke_id: t-during
        command_id: c-2
        command_name: migrate
        created_at: 10s
        instances:
          - instance_id: i-a
            timeline:
              - {at: 1s, status: Failed, exit_code: 2, error_code: ExitCodeNonzero}
)"));
  Recorder recorder;
  recorder.answer(503);
  testing::MonitorConfig settings{.sim_url = sim.url(),
                                  .state_path = disk->path() + "/state.db",
                                  .webhook_url = recorder.url() + "/hook"};
  // A chat receiver for the relay only (none of the daemon's own alerts).
  settings.receivers.push_back(
      {"chat", "dingtalk", recorder.url() + "/chat", "      relay_only: true\n"});
  settings.relay_token_file =
      testing::writeTempFile(std::string(testName()) + "/token", "t0k-relay-token-0123\n");
  std::string config =
      testing::writeTempFile(std::string(testName()) + "/config.yaml", settings.yaml());
  MonitorProcess daemon(SWAS_DAEMON_PATH, config, dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  auto metrics = [&] { return testing::fetchOk("GET", daemon.url() + "/metrics"); };
  testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=3");
  ASSERT_TRUE(eventually([&] {
    return testing::sumOf(metrics(), "swas_alert_notifications_total", {"outcome=\"failed\""}) > 0;
  })) << "t-before is queued, its receiver failing";

  disk->fill();
  testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=10");  // t-during fails
  EXPECT_TRUE(eventually([&] {
    auto ready = testing::fetch("GET", daemon.url() + "/readyz");
    return ready && ready->status == 503 &&
           ready->body.find("state not ready") != std::string::npos;
  })) << "the outbox cannot record its retries";
  EXPECT_TRUE(eventually([&] {
    std::string m = metrics();
    return testing::sumOf(m, "swas_state_errors_total", {"op=\"poll_commit\""}) > 0 &&
           testing::sumOf(m, "swas_state_errors_total", {"op=\"outbox\""}) > 0 &&
           testing::sample(m, R"(swas_region_up{region_id="cn-hangzhou"})") == 0;
  })) << metrics();
  std::string log = daemon.stderrText();
  EXPECT_NE(log.find("database or disk is full"), std::string::npos) << log;
  // Alertmanager's notification cannot be stored: 503, and Alertmanager retries it.
  auto relay = [&] {
    return testing::fetch(
        "POST", daemon.url() + "/api/alertmanager/webhook/chat",
        R"({"version":"4","alerts":[{"status":"firing","labels":{"alertname":"X"},)"
        R"("startsAt":"2026-12-02T05:00:00Z"}]})",
        {{"Authorization", "Bearer t0k-relay-token-0123"}});
  };
  auto refused = relay();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503) << refused->body;
  EXPECT_GT(testing::sumOf(metrics(), "swas_state_errors_total", {"op=\"relay\""}), 0);

  recorder.answer(200);
  disk->release();
  EXPECT_TRUE(eventually([&] {
    auto got = testing::acceptedFiring(recorder);
    return got.contains(kBefore) && got.contains(kDuring);
  })) << "everything delivered once space returned";
  EXPECT_TRUE(eventually([&] {
    auto ready = testing::fetch("GET", daemon.url() + "/readyz");
    return ready && ready->status == 200;
  }));
  auto stored = relay();
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, 200) << stored->body;
  // Nothing more may come: the daemon has polled a few times more and has nothing queued.
  auto scrape = [&] { return testing::fetchOk("GET", daemon.url() + "/metrics"); };
  auto polls = [](const std::string& m) {
    return testing::sample(m, R"(swas_poll_duration_seconds_count{region_id="cn-hangzhou"})");
  };
  double polled = polls(scrape());
  EXPECT_TRUE(eventually([&] {
    std::string m = scrape();
    return polls(m) >= polled + 3 &&
           testing::sample(m, R"(swas_alert_queue_length{receiver="ops"})") == 0;
  }));
  auto got = testing::acceptedFiring(recorder);
  EXPECT_EQ(got[kBefore], 1);
  EXPECT_EQ(got[kDuring], 1);
  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait(), 0);
}

}  // namespace
}  // namespace swas
