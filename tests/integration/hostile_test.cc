// The daemon against a hostile API (swas-sim's hostile faults): corrupt fields and junk
// records, invocations that vanish while unfinished, a TotalCount of 1e12 with PageNumber
// ignored, a Retry-After of 28 hours, and an instance that fails twice. None may blind a
// region, hang a poll or lose an alert; each is counted in swas_api_anomalies_total.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <map>
#include <set>
#include <thread>

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

const std::set<std::string> kAlerting = {"Failed", "Timeout", "Error", "Invalid", "Aborted"};

// The daemon on `sim`, alerting `recorder`, its state in `dir`.
std::unique_ptr<MonitorProcess> start(const SimProcess& sim, const Recorder& recorder,
                                      const std::string& dir, const std::string& alerts = "") {
  std::string config = testing::MonitorConfig{.sim_url = sim.url(),
                                              .state_path = dir + "/state.db",
                                              .webhook_url = recorder.url() + "/hook",
                                              .alerts_extra = alerts}
                           .yaml();
  return std::make_unique<MonitorProcess>(
      SWAS_DAEMON_PATH, testing::writeTempFile(std::string(testName()) + "/config.yaml", config),
      dir);
}

double metric(const MonitorProcess& daemon, const std::string& family,
              const std::vector<std::string>& matchers = {}) {
  return testing::sumOf(testing::fetchOk("GET", daemon.url() + "/metrics"), family, matchers);
}

using testing::acceptedFiring;

TEST(Hostile, CorruptFieldsJunkRecordsAndVanishingInvocationsBlindNothing) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml", R"(generator:
  seed: 21
  regions: [cn-hangzhou]
  instances: 4
  instances_per_invocation: 2
  retained: 0
  rate: 4
  outcomes: {Success: 0.5, Failed: 0.3, Timeout: 0.2}
  pending: 0.3s
  duration_min: 0.3s
  duration_max: 1s
  stop_after: 8s
faults:
  bad_fields: 0.3
  bad_records: 0.3
  vanish_every: 8
)"));
  Recorder recorder;
  auto daemon = start(sim, recorder, dir);
  ASSERT_FALSE(daemon->url().empty()) << daemon->stderrText();
  std::this_thread::sleep_for(std::chrono::seconds(10));  // creation stops at 8 s
  simdjson::dom::parser parser;
  simdjson::dom::element stats = parser.parse(testing::fetchOk("GET", sim.url() + "/_sim/stats"));
  std::set<std::string> vanished;
  for (simdjson::dom::element v : stats["vanished"].get_array()) {
    vanished.insert(std::string(v.get_string().value()));
  }
  std::set<std::string> expected;
  for (simdjson::dom::element e : stats["truth"].get_array()) {
    std::string invoke(e["invoke_id"].get_string().value());
    std::string to(e["to"].get_string().value());
    if (!kAlerting.contains(to) || vanished.contains(invoke)) continue;
    expected.insert("cn-hangzhou/" + invoke + "/" +
                    std::string(e["instance_id"].get_string().value()) + "/" + to);
  }
  ASSERT_GT(expected.size(), 5u);
  ASSERT_FALSE(vanished.empty()) << "the scenario hid nothing";
  std::map<std::string, int> got;
  EXPECT_TRUE(eventually(
      [&] {
        got = acceptedFiring(recorder);
        for (const auto& o : expected) {
          if (!got.contains(o)) return false;
        }
        return true;
      },
      std::chrono::seconds(60)));
  for (const auto& o : expected) EXPECT_EQ(got[o], 1) << o;
  EXPECT_EQ(metric(*daemon, "swas_region_up"), 1);
  EXPECT_GT(metric(*daemon, "swas_api_anomalies_total", {"kind=\"field\""}), 0);
  EXPECT_GT(metric(*daemon, "swas_api_anomalies_total", {"kind=\"record\""}), 0);
  EXPECT_TRUE(eventually([&] {
    return metric(*daemon, "swas_api_anomalies_total", {"kind=\"vanished\""}) ==
           static_cast<double>(vanished.size());
  })) << "each vanished invocation given up once";
  EXPECT_EQ(metric(*daemon, "swas_invocations", {"invocation_status=\"Running\""}) +
                metric(*daemon, "swas_invocations", {"invocation_status=\"Pending\""}),
            0)
      << "nothing is fetched for ever";
}

TEST(Hostile, ALyingTotalCountNeverHangsAPoll) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml", R"(generator:
  seed: 5
  regions: [cn-hangzhou]
  instances: 2
  retained: 120
  rate: 1
faults:
  lying_total: true
)"));
  Recorder recorder;
  auto daemon = start(sim, recorder, dir);
  ASSERT_FALSE(daemon->url().empty()) << daemon->stderrText();
  EXPECT_TRUE(eventually([&] { return metric(*daemon, "swas_poll_duration_seconds_count") >= 10; },
                         std::chrono::seconds(30)))
      << "polls keep ending";
  EXPECT_EQ(metric(*daemon, "swas_region_up"), 1);
  EXPECT_GT(metric(*daemon, "swas_api_anomalies_total", {"kind=\"paging\""}), 0);
}

TEST(Hostile, ARetryAfterOf28HoursDoesNotPutTheRegionToSleep) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml", R"(generator:
  seed: 6
  regions: [cn-hangzhou]
  instances: 2
  retained: 10
  rate: 1
faults:
  throttle: 1
  throttle_retry_after_ms: 100000000
)"));
  Recorder recorder;
  auto daemon = start(sim, recorder, dir);
  ASSERT_FALSE(daemon->url().empty()) << daemon->stderrText();
  EXPECT_TRUE(eventually(
      [&] { return metric(*daemon, "swas_api_anomalies_total", {"kind=\"retry_after\""}) >= 2; },
      std::chrono::seconds(30)))
      << "polls end as throttled and come again on the (stretched) schedule";
  testing::fetchOk("POST", sim.url() + "/_sim/faults", R"({"throttle": 0})");
  EXPECT_TRUE(
      eventually([&] { return metric(*daemon, "swas_region_up") == 1; }, std::chrono::seconds(30)));
}

// Failed, then Running again, then Timeout on one instance: two occurrences, two alerts. (The
// simulator keeps the first ErrorCode, so statuses alone decide here.)
TEST(Hostile, AnInstanceThatFailsTwiceAlertsTwice) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml", R"(clock: manual
regions:
  - region_id: cn-hangzhou
    instances: [i-a]
    invocations:
      - invoke_id: t-flap
        command_id: c-deploy
        command_name: deploy-app
        created_at: 1s
        instances:
          - instance_id: i-a
            timeline:
              - {at: 1s, status: Failed, exit_code: 1, error_code: ExitCodeNonzero}
              - {at: 3s, status: Running}
              - {at: 5s, status: Timeout, error_code: ExecutionTimeout}
)"));
  Recorder recorder;
  auto daemon = start(sim, recorder, dir, "  error_codes: false\n");
  ASSERT_FALSE(daemon->url().empty()) << daemon->stderrText();
  for (int i = 0; i < 8; ++i) {
    testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=1");
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
  }
  std::map<std::string, int> expected = {{"cn-hangzhou/t-flap/i-a/Failed", 1},
                                         {"cn-hangzhou/t-flap/i-a/Timeout", 1}};
  EXPECT_TRUE(
      eventually([&] { return acceptedFiring(recorder) == expected; }, std::chrono::seconds(20)))
      << acceptedFiring(recorder).size();
  EXPECT_EQ(metric(*daemon, "swas_alert_queue_length"), 0) << "no notification left orphaned";
}

}  // namespace
}  // namespace swas
