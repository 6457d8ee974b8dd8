// ECS's repeating tasks as runs (issue 26): one invocation per run number, keyed apart, created
// when it started, its status from its own instances.
#include "daemon/poller/runs.h"

#include <gtest/gtest.h>

namespace swas::poller {
namespace {

core::InstanceState state(std::string id, std::string status, int64_t run,
                          std::string started = "") {
  core::InstanceState s{.instance_id = std::move(id), .status = std::move(status)};
  s.run = run;
  s.started_at = std::move(started);
  return s;
}

core::Invocation task() {
  core::Invocation t{"ecs:cn-hangzhou",      "t-1",     "c-1", "rotate-logs", "RunShellScript",
                     "2026-11-01T00:00:00Z", "Running", {}};
  t.created = core::parseApiTime(t.creation_time);
  t.repeating = true;
  return t;
}

TEST(Runs, ARunKeyHoldsTheInvokeIdAndTheRun) {
  EXPECT_EQ(core::runKey("t-1", 5), "t-1#5");
  auto [id, run] = core::splitRunKey("t-1#5");
  EXPECT_EQ(id, "t-1");
  EXPECT_EQ(run, 5);
  EXPECT_FALSE(core::splitRunKey("t-1").run);
  EXPECT_FALSE(core::splitRunKey("t-1#").run);
  EXPECT_FALSE(core::splitRunKey("t-1#x").run);
  EXPECT_EQ(core::splitRunKey("t-1#x").invoke_id, "t-1#x");
}

TEST(Runs, ATaskIsItsRunsEachWithItsInstancesStatusAndStart) {
  core::Invocation t = task();
  t.instances = {state("i-a", "Failed", 5, "2026-12-06T10:00:00Z"),
                 state("i-b", "Running", 6, "2026-12-06T10:05:00Z"),
                 state("i-c", "Success", 5, "2026-12-06T10:00:01Z"), state("i-d", "Scheduled", 0)};
  auto runs = asRuns(std::move(t));
  ASSERT_EQ(runs.size(), 2u) << "i-d has not run yet";
  EXPECT_EQ(runs[0].invoke_id, "t-1#5");
  EXPECT_EQ(runs[0].instances.size(), 2u);
  EXPECT_EQ(runs[0].overall_status, "PartialFailed");
  EXPECT_EQ(runs[0].creation_time, "2026-12-06T10:00:00Z") << "created when it started";
  EXPECT_TRUE(runs[0].finished());
  EXPECT_FALSE(runs[0].repeating);
  EXPECT_EQ(runs[1].invoke_id, "t-1#6");
  EXPECT_EQ(runs[1].overall_status, "Running");
  EXPECT_FALSE(runs[1].finished());
  EXPECT_EQ(runs[1].scope, "ecs:cn-hangzhou");
  EXPECT_EQ(runs[1].command_name, "rotate-logs");

  core::Invocation once = task();
  once.repeating = false;
  once.instances = {state("i-a", "Success", 1)};
  auto same = asRuns(std::move(once));
  ASSERT_EQ(same.size(), 1u);
  EXPECT_EQ(same[0].invoke_id, "t-1") << "a Once task is itself";
}

TEST(Runs, TheHistoryGivesOneRunPerRecordWithOutputOnlyWhereItMayAlert) {
  std::vector<api::InvocationResult> results(3);
  for (int i = 0; i < 3; ++i) {
    results[i].invoke_id = "t-1";
    results[i].instance.instance_id = "i-a";
    results[i].instance.repeats = 3 - i;
    results[i].instance.invocation_status = i == 1 ? "Failed" : "Success";
    results[i].instance.output = "out " + std::to_string(3 - i);
  }
  results[2].invoke_id = "t-other";  // not this task's
  core::AlertCondition alerting{{"Failed"}, true};
  auto runs = runsOf("ecs:cn-hangzhou", task(), std::move(results), alerting);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].invoke_id, "t-1#3");
  EXPECT_EQ(runs[0].instances[0].output, "") << "a success keeps no output";
  EXPECT_EQ(runs[1].invoke_id, "t-1#2");
  EXPECT_EQ(runs[1].overall_status, "Failed");
  EXPECT_EQ(runs[1].instances[0].output, "out 2");
  EXPECT_EQ(runs[1].creation_time, "2026-11-01T00:00:00Z") << "no start: the task's creation";
}

}  // namespace
}  // namespace swas::poller
