// ECS (issue 26): the same region watched for SWAS and for ECS, against the simulator's two
// worlds. Each product is polled with its own operations (ECS: DescribeInvocations, NextToken
// paging, DescribeInstances for names), tracked apart, and labelled with `product` on every
// region-level series and alert; the steady state stays at one call per poll.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <sstream>

#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/recorder.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::eventually;
using testing::sample;
using testing::sumOf;

// One region, two products, the same IDs: t-1 fails on ECS's i-a and succeeds on SWAS's. ECS's
// world also holds 120 finished invocations, more than two pages of 50.
constexpr const char* kScenario = R"(clock: manual
regions:
  - region_id: cn-hangzhou
    instances: [{instance_id: i-a, name: swas-web}]
    invocations:
      - invoke_id: t-1
        command_name: deploy-app
        created_at: 1s
        instances:
          - instance_id: i-a
            timeline: [{at: 1s, status: Success, exit_code: 0}]
  - region_id: ecs:cn-hangzhou
    instances: [{instance_id: i-a, name: ecs-web, tags: {team: web}}]
    invocations:
      - invoke_id: t-1
        command_name: deploy-app
        created_at: 1s
        instances:
          - instance_id: i-a
            timeline:
              - {at: 1s, status: Running}
              - {at: 2s, status: Failed, exit_code: 3, error_code: ExitCodeNonzero,
                 output: "boom"}
generator:
  regions: [ecs:cn-hangzhou]
  retained: 120
  outcomes: {Success: 1}
)";

struct Fired {
  std::string status;  // firing | resolved
  std::string run;     // "" unless a run of a repeating task
  std::string product;
  std::string region_id;
  std::string instance_name;
  std::string id;  // invoke/instance
};

// The alerts the webhook took: firing ones, or (`all`) resolved ones too.
std::vector<Fired> firing(const testing::Recorder& recorder, bool all = false) {
  std::vector<Fired> out;
  simdjson::dom::parser parser;
  for (const auto& r : recorder.requests()) {
    simdjson::dom::array alerts;
    if (r.answered != 200 || parser.parse(r.request.body)["alerts"].get(alerts)) continue;
    for (auto a : alerts) {
      std::string_view status = a["status"];
      if (!all && status != "firing") continue;
      auto l = a["labels"];
      std::string_view product, name, run;
      if (l["product"].get(product)) product = "";
      if (l["instance_name"].get(name)) name = "";
      if (l["run"].get(run)) run = "";
      out.push_back({std::string(status), std::string(run), std::string(product),
                     std::string(std::string_view(l["region_id"])), std::string(name),
                     std::string(std::string_view(l["invoke_id"])) + "/" +
                         std::string(std::string_view(l["instance_id"]))});
    }
  }
  return out;
}

TEST(Ecs, OneRegionForBothProductsIsTrackedApartAndLabelledByProduct) {
  std::string dir = testing::freshTestDir();
  std::string test = testing::testName();
  testing::SimProcess sim(testing::writeTempFile(test + "/scenario.yaml", kScenario));
  testing::Recorder recorder;
  testing::MonitorConfig settings{.sim_url = sim.url(),
                                  .state_path = dir + "/state.db",
                                  .regions = {"cn-hangzhou", "cn-hangzhou\n    product: ecs"},
                                  .webhook_url = recorder.url() + "/hook"};
  settings.poll["initial_lookback"] = "1d";  // the generator's history spans two hours
  std::string config = settings.write(test + "/config.yaml");
  testing::MonitorProcess daemon(SWAS_DAEMON_PATH, config, dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  auto metrics = [&] { return testing::fetchOk("GET", daemon.url() + "/metrics"); };
  ASSERT_TRUE(eventually([&] {
    std::string m = metrics();
    return m.find("instance_name=\"ecs-web\"") != std::string::npos &&
           m.find("instance_name=\"swas-web\"") != std::string::npos;
  })) << "each product's inventory (ECS's through DescribeInstances)\n"
      << daemon.stderrText();
  ASSERT_TRUE(eventually([&] {
    return sample(
               metrics(),
               R"(swas_invocations{invocation_status="Success",product="ecs",region_id="cn-hangzhou"})") ==
           120;
  })) << "every page of ECS's list, by NextToken\n"
      << metrics();

  testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=4");
  ASSERT_TRUE(eventually([&] { return !firing(recorder).empty(); })) << daemon.stderrText();
  ASSERT_TRUE(eventually([&] {
    return sample(
               metrics(),
               R"(swas_invocations{invocation_status="Success",product="swas",region_id="cn-hangzhou"})") ==
           1;
  }));
  auto fired = firing(recorder);
  ASSERT_EQ(fired.size(), 1u) << "only ECS's t-1 failed";
  EXPECT_EQ(fired[0].product, "ecs");
  EXPECT_EQ(fired[0].region_id, "cn-hangzhou");
  EXPECT_EQ(fired[0].instance_name, "ecs-web");
  EXPECT_EQ(fired[0].id, "t-1/i-a");

  std::string m = metrics();
  EXPECT_EQ(sample(m, R"(swas_region_up{product="ecs",region_id="cn-hangzhou"})"), 1) << m;
  EXPECT_EQ(sample(m, R"(swas_region_up{product="swas",region_id="cn-hangzhou"})"), 1);
  EXPECT_GT(
      sumOf(m, "swas_api_requests_total", {"action=\"DescribeInvocations\"", "product=\"ecs\""}),
      0);
  EXPECT_GT(sumOf(m, "swas_api_requests_total",
                  {"action=\"DescribeCommandInvocations\"", "product=\"swas\""}),
            0);
  EXPECT_EQ(sumOf(m, "swas_api_requests_total",
                  {"action=\"DescribeCommandInvocations\"", "product=\"ecs\""}),
            0)
      << "ECS is never asked SWAS's operation";
  // Every series with a region carries its product.
  std::istringstream lines(m);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("region_id=") != std::string::npos && line[0] != '#') {
      EXPECT_NE(line.find("product=\""), std::string::npos) << line;
    }
  }

  // The steady state: one DescribeInvocations per ECS poll (nothing unfinished, nothing new).
  auto calls = [&] {
    return sumOf(metrics(), "swas_api_requests_total",
                 {"action=\"DescribeInvocations\"", "product=\"ecs\""});
  };
  auto polls = [&] {
    return sumOf(metrics(), "swas_poll_duration_seconds_count", {"product=\"ecs\""});
  };
  double calls_before = calls(), polls_before = polls();
  ASSERT_TRUE(eventually([&] { return polls() >= polls_before + 20; }));
  double per_poll = (calls() - calls_before) / (polls() - polls_before);
  EXPECT_LE(per_poll, 1.1) << "ECS calls per steady-state poll";
}

// A periodic task (issue 26): Running overall until stopped and listed only with Timed=true.
// Each run is its own occurrence: run 1 fails and alerts with run="1"; runs 2 (fails) and 3
// (succeeds) both happen between two polls, so run 2 is seen only in the task's history
// (DescribeInvocationResults), and alerts; run 3's success resolves both. The task is never
// "in flight" in the metrics.
constexpr const char* kPeriodic = R"(clock: manual
regions:
  - region_id: ecs:cn-hangzhou
    instances: [{instance_id: i-a, name: ecs-web}]
    invocations:
      - invoke_id: t-period
        command_name: rotate-logs
        repeat_mode: Period
        created_at: 1s
        instances:
          - instance_id: i-a
            timeline:
              - {at: 1s, status: Running}
              - {at: 2s, status: Failed, exit_code: 1, error_code: ExitCodeNonzero, output: "run 1"}
              - {at: 10s, status: Running}
              - {at: 11s, status: Failed, exit_code: 2, error_code: ExitCodeNonzero, output: "run 2"}
              - {at: 20s, status: Running}
              - {at: 21s, status: Success, exit_code: 0, output: "run 3"}
)";

TEST(Ecs, EachRunOfAPeriodicTaskIsItsOwnOccurrence) {
  std::string dir = testing::freshTestDir();
  std::string test = testing::testName();
  testing::SimProcess sim(testing::writeTempFile(test + "/scenario.yaml", kPeriodic));
  testing::Recorder recorder;
  testing::MonitorConfig settings{.sim_url = sim.url(),
                                  .state_path = dir + "/state.db",
                                  .regions = {"cn-hangzhou\n    product: ecs"},
                                  .webhook_url = recorder.url() + "/hook"};
  std::string config = settings.write(test + "/config.yaml");
  testing::MonitorProcess daemon(SWAS_DAEMON_PATH, config, dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  auto metrics = [&] { return testing::fetchOk("GET", daemon.url() + "/metrics"); };
  auto polls = [&] { return sumOf(metrics(), "swas_poll_duration_seconds_count", {}); };
  ASSERT_TRUE(eventually([&] { return polls() >= 3; }));

  testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=4");
  ASSERT_TRUE(eventually([&] { return firing(recorder).size() == 1; })) << daemon.stderrText();
  auto first = firing(recorder);
  EXPECT_EQ(first[0].run, "1");
  EXPECT_EQ(first[0].id, "t-period/i-a") << "the API's InvokeId, the run apart";

  // Runs 2 and 3 between two polls: run 2 only in the task's history.
  double before = polls();
  testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=30");
  ASSERT_TRUE(eventually([&] {
    auto all = firing(recorder, true);
    int resolved = 0;
    for (const auto& f : all) resolved += f.status == "resolved";
    return all.size() == 4 && resolved == 2;
  })) << recorder.requests().size()
      << " request(s)\n"
      << daemon.stderrText();
  auto fired = firing(recorder);
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[1].run, "2") << "the run seen only in the history alerts too";
  std::string m = metrics();
  EXPECT_GT(sumOf(m, "swas_api_requests_total", {"action=\"DescribeInvocationResults\""}), 0);
  EXPECT_EQ(
      sample(
          m,
          R"(swas_invocations{invocation_status="Running",product="ecs",region_id="cn-hangzhou"})"),
      0)
      << "a periodic task is never in flight\n"
      << m;
  EXPECT_EQ(
      sample(
          m,
          R"(swas_invocations{invocation_status="Success",product="ecs",region_id="cn-hangzhou"})"),
      1);
  EXPECT_EQ(
      sample(
          m,
          R"(swas_invocations{invocation_status="Failed",product="ecs",region_id="cn-hangzhou"})"),
      2);

  // The steady state, with the task still listed by Timed=true: at most 1.1 DescribeInvocations
  // per poll (the Timed listing every 12th).
  auto calls = [&] {
    return sumOf(metrics(), "swas_api_requests_total", {"action=\"DescribeInvocations\""});
  };
  before = polls();
  double calls_before = calls();
  ASSERT_TRUE(eventually([&] { return polls() >= before + 40; }));
  EXPECT_LE((calls() - calls_before) / (polls() - before), 1.1);
}

}  // namespace
}  // namespace swas
