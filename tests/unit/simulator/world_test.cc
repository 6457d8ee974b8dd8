#include "tests/simulator/world.h"

#include <gtest/gtest.h>

namespace swas::sim {
namespace {

std::vector<SimInstance> of(std::vector<std::string> statuses) {
  std::vector<SimInstance> out;
  for (auto& s : statuses) out.push_back(SimInstance{.instance_id = "i", .status = s});
  return out;
}

// DescribeCommandInvocations.txt, the InvocationStatus request parameter.
TEST(OverallStatus, DocumentedRules) {
  EXPECT_EQ(overallStatus(of({"Pending", "Running"})), "Pending");
  EXPECT_EQ(overallStatus(of({"Running", "Success"})), "Running");
  EXPECT_EQ(overallStatus(of({"Stopping", "Success"})), "Stopping");
  EXPECT_EQ(overallStatus(of({"Success", "Success"})), "Success");
  EXPECT_EQ(overallStatus(of({"Success", "Cancelled"})), "Success");
  EXPECT_EQ(overallStatus(of({"Success", "Failed"})), "PartialFailed");
  EXPECT_EQ(overallStatus(of({"Success", "Timeout", "Terminated"})), "PartialFailed");
  for (const char* failed : {"Invalid", "Aborted", "Failed", "Timeout", "Error"}) {
    EXPECT_EQ(overallStatus(of({failed, "Terminated"})), "Failed") << failed;
  }
  EXPECT_EQ(overallStatus(of({"Cancelled", "Terminated"})), "Stopped");
}

Scenario scenario() {
  Scenario s;
  InvocationPlan older{
      "cn-hangzhou",
      "t-1",
      "c-1",
      "deploy",
      "RunShellScript",
      "x",
      Seconds(-10),
      60,
      {{"i1", {{Seconds(1), "Running"}, {Seconds(20), "Failed", 1, "ExitCodeNonzero"}}}}};
  InvocationPlan newer{"cn-hangzhou",
                       "t-2",
                       "c-2",
                       "backup",
                       "RunShellScript",
                       "x",
                       Seconds(-5),
                       60,
                       {{"i2", {{Seconds(1), "Running"}}}}};
  s.invocations = {newer, older};
  return s;
}

TEST(World, TimelineGroundTruthAndNewestFirst) {
  World world(scenario(), std::chrono::system_clock::now());
  Query all{"cn-hangzhou"};
  auto list = world.query(all);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]->invoke_id, "t-2");
  EXPECT_EQ(list[1]->instances[0].status, "Running");
  world.advanceTo(Seconds(10));
  list = world.query(all);
  EXPECT_EQ(list[1]->instances[0].status, "Failed");
  EXPECT_EQ(list[1]->instances[0].exit_code, 1);
  EXPECT_FALSE(list[1]->instances[0].finish_time.empty());
  std::vector<std::string> t1;
  for (const auto& t : world.truth()) {
    if (t.invoke_id == "t-1") t1.push_back(t.from + ">" + t.to);
  }
  EXPECT_EQ(t1, (std::vector<std::string>{"none>Pending", "Pending>Running", "Running>Failed"}));
}

TEST(World, FiltersAndTheCommandNameQuirk) {
  World world(scenario(), std::chrono::system_clock::now());
  EXPECT_EQ(world.query({"cn-hangzhou", "", "", "", "deploy"}).size(), 1u);
  // CommandName is ignored when InstanceId is given.
  EXPECT_EQ(world.query({"cn-hangzhou", "i2", "", "", "deploy"}).size(), 1u);
  EXPECT_EQ(world.query({"cn-hangzhou", "", "", "", "", "", "Running"}).size(), 2u);
  EXPECT_TRUE(world.query({"cn-beijing"}).empty());
}

TEST(World, GeneratorIsSeededAndRetainsHistory) {
  Scenario s;
  s.generator.enabled = true;
  s.generator.regions = {"cn-hangzhou"};
  s.generator.retained = 100;
  s.generator.rate = 2;
  auto epoch = std::chrono::system_clock::now();
  World a(s, epoch), b(s, epoch);
  auto la = a.query({"cn-hangzhou"});
  auto lb = b.query({"cn-hangzhou"});
  ASSERT_EQ(la.size(), 101u);  // 100 retained and one created at t=0
  for (size_t i = 0; i < la.size(); ++i) {
    EXPECT_EQ(la[i]->invoke_id, lb[i]->invoke_id);
    EXPECT_EQ(la[i]->instances.size(), lb[i]->instances.size());
  }
  a.advanceTo(Seconds(10));
  EXPECT_EQ(a.query({"cn-hangzhou"}).size(), 121u);
}

}  // namespace
}  // namespace swas::sim

namespace swas::sim {
namespace {

// Eviction keeps max_retained finished invocations whatever their overall status: one that ended
// PartialFailed or Stopped must not pin the history.
TEST(World, EvictsFinishedInvocationsOfEveryOverallStatus) {
  Scenario s;
  s.generator.enabled = true;
  s.generator.regions = {"cn-hangzhou"};
  s.generator.instances = 3;
  s.generator.instances_per_invocation = 3;
  s.generator.outcomes = {{"Success", 1}, {"Failed", 1}, {"Cancelled", 1}};
  s.generator.retained = 60;
  s.generator.max_retained = 20;
  World world(s, std::chrono::system_clock::now());
  auto list = world.query({"cn-hangzhou"});
  EXPECT_LE(list.size(), 21u);  // 20 retained and the one created at t=0, still running
  bool mixed = false;
  for (const auto* inv : list) {
    std::string overall = overallStatus(inv->instances);
    mixed = mixed || overall == "PartialFailed" || overall == "Stopped";
  }
  EXPECT_TRUE(mixed) << "the scenario should produce PartialFailed or Stopped invocations";
}

}  // namespace
}  // namespace swas::sim
