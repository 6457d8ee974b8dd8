// A region's filters and overrides end to end: command_name in one region and command_type in
// another pick the invocations tracked and alerted (the others' failures reach nobody), and a
// region's own interval polls it at its own pace.
#include <gtest/gtest.h>
#include <signal.h>

#include <set>

#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/recorder.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::eventually;

// In each region, three failures: deploy-app (RunShellScript), backup-db (RunShellScript) and
// patch-win (RunPowerShellScript).
std::string failures(const std::string& region, const std::string& prefix) {
  std::string out =
      "  - region_id: " + region + "\n    instances: [i-" + prefix + "]\n    invocations:\n";
  struct Command {
    const char* name;
    const char* type;
  };
  int n = 0;
  for (Command c : {Command{"deploy-app", "RunShellScript"}, Command{"backup-db", "RunShellScript"},
                    Command{"patch-win", "RunPowerShellScript"}}) {
    out += "      - invoke_id: t-" + prefix + std::to_string(++n) +
           "\n        command_name: " + c.name + "\n        command_type: " + c.type +
           "\n        created_at: 1s\n        instances:\n          - instance_id: i-" + prefix +
           "\n            timeline: [{at: 1s, status: Failed, exit_code: 1, "
           "error_code: ExitCodeNonzero}]\n";
  }
  return out;
}

TEST(Filters, CommandFiltersPickWhatIsAlertedAndARegionPollsAtItsOwnInterval) {
  std::string dir = testing::freshTestDir();
  testing::SimProcess sim(testing::writeTempFile(std::string(testing::testName()) + "/sim.yaml",
                                                 "clock: manual\nregions:\n" +
                                                     failures("cn-hangzhou", "h") +
                                                     failures("ap-southeast-1", "s")));
  testing::Recorder webhook;
  testing::MonitorConfig settings{.sim_url = sim.url(),
                                  .state_path = dir + "/state.db",
                                  .regions = {"cn-hangzhou", "ap-southeast-1"},
                                  .webhook_url = webhook.url()};
  settings.poll = {{"interval", "200ms"}, {"initial_lookback", "1h"}};
  settings.region_extra["cn-hangzhou"] = "    command_name: deploy-app\n";
  settings.region_extra["ap-southeast-1"] =
      "    command_type: RunPowerShellScript\n    interval: 2s\n";
  testing::MonitorProcess daemon(
      SWAS_DAEMON_PATH, settings.write(std::string(testing::testName()) + "/config.yaml"), dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=3");

  auto alerted = [&] {
    std::set<std::string> out;
    for (const auto& r : webhook.requests()) {
      for (std::string id : {"t-h1", "t-h2", "t-h3", "t-s1", "t-s2", "t-s3"}) {
        if (r.request.body.find("\"invoke_id\":\"" + id + "\"") != std::string::npos) {
          out.insert(id);
        }
      }
    }
    return out;
  };
  EXPECT_TRUE(eventually([&] {
    return alerted() == std::set<std::string>{"t-h1", "t-s3"};
  })) << webhook.requests().size()
      << " request(s)";
  // Nothing else follows: several polls of both regions later, and nothing queued.
  auto scrape = [&] { return testing::fetchOk("GET", daemon.url() + "/metrics"); };
  auto polls = [&](const std::string& m, const std::string& region) {
    return testing::sample(m, "swas_poll_duration_seconds_count{region_id=\"" + region + "\"}");
  };
  double slow_before = polls(scrape(), "ap-southeast-1");
  EXPECT_TRUE(eventually([&] {
    std::string m = scrape();
    return polls(m, "ap-southeast-1") >= slow_before + 2 &&
           testing::sample(m, R"(swas_alert_queue_length{receiver="ops"})") == 0;
  }));
  EXPECT_EQ(alerted(), (std::set<std::string>{"t-h1", "t-s3"}));
  // Ten times the pace: by the time the 2 s region has polled twice more, the 200 ms one has
  // polled many times (at least 5 for each of the slow one's).
  std::string m = scrape();
  EXPECT_GE(polls(m, "cn-hangzhou"), 5 * polls(m, "ap-southeast-1"))
      << polls(m, "cn-hangzhou") << " vs " << polls(m, "ap-southeast-1");
  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait(), 0);
}

}  // namespace
}  // namespace swas
