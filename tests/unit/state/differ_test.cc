#include "daemon/state/differ.h"

#include <gtest/gtest.h>

#include "daemon/core/time.h"

namespace swas::state {
namespace {

using namespace std::chrono;

core::Invocation inv(std::string id, std::string overall,
                     std::vector<std::pair<std::string, std::string>> instances,
                     std::string created = "2026-11-28T12:00:00") {
  core::Invocation v{"cn-hangzhou",      std::move(id),      "c-1", "deploy", "RunShellScript",
                     std::move(created), std::move(overall), {}};
  for (auto& [instance, status] : instances) {
    v.instances.push_back(core::InstanceState{.instance_id = instance, .status = status});
  }
  return v;
}

DiffOptions at(bool cold = false) {
  DiffOptions o;
  o.cold_start = cold;
  o.now = sys_days(year(2026) / 11 / 28) + hours(12) + minutes(30);
  return o;
}

std::vector<std::string> summary(const DiffResult& r) {
  std::vector<std::string> out;
  for (const auto& t : r.transitions)
    out.push_back(t.invoke_id + "/" + t.instance_id + ":" + t.from + ">" + t.to);
  return out;
}

TEST(Diff, FirstSightingsComeFromNone) {
  auto r = diff({}, {inv("t-1", "Running", {{"i1", "Running"}, {"i2", "Pending"}})}, at());
  EXPECT_EQ(summary(r), (std::vector<std::string>{"t-1/i1:none>Running", "t-1/i2:none>Pending"}));
  ASSERT_EQ(r.overall_changes.size(), 1u);
  EXPECT_EQ(r.overall_changes[0].from, "none");
  EXPECT_EQ(r.overall_changes[0].to, "Running");
  EXPECT_EQ(r.changed.size(), 1u);
}

TEST(Diff, ChangesUnchangedAndSkippedIntermediateStates) {
  RegionSnapshot stored;
  applyChanges(stored, {inv("t-1", "Running", {{"i1", "Pending"}, {"i2", "Running"}})});
  // i1 went Pending -> Running -> Success between polls: one transition, to the terminal state.
  auto r = diff(stored, {inv("t-1", "Running", {{"i1", "Success"}, {"i2", "Running"}})}, at());
  EXPECT_EQ(summary(r), (std::vector<std::string>{"t-1/i1:Pending>Success"}));
  EXPECT_TRUE(r.overall_changes.empty());
  applyChanges(stored, r.changed);
  auto again = diff(stored, {inv("t-1", "Running", {{"i1", "Success"}, {"i2", "Running"}})}, at());
  EXPECT_TRUE(again.transitions.empty());
  EXPECT_TRUE(again.changed.empty());
}

TEST(Diff, ErrorCodeAppearingOnTheSameStatusIsATransition) {
  RegionSnapshot stored;
  applyChanges(stored, {inv("t-1", "Running", {{"i1", "Running"}})});
  auto fetched = inv("t-1", "Running", {{"i1", "Running"}});
  fetched.instances[0].error_code = "ClientNotResponse";
  auto r = diff(stored, {fetched}, at());
  ASSERT_EQ(r.transitions.size(), 1u);
  EXPECT_EQ(r.transitions[0].from, "Running");
  EXPECT_EQ(r.transitions[0].to, "Running");
  EXPECT_EQ(r.transitions[0].error_code, "ClientNotResponse");
  applyChanges(stored, r.changed);
  EXPECT_TRUE(diff(stored, {fetched}, at()).transitions.empty());
}

TEST(Diff, ColdStartLookbackDecidesAlertable) {
  auto recent = inv("t-new", "Failed", {{"i1", "Failed"}}, "2026-11-28T12:00:00");
  auto old = inv("t-old", "Failed", {{"i1", "Failed"}}, "2026-11-28T10:00:00");
  auto cold = diff({}, {recent, old}, at(true));
  ASSERT_EQ(cold.transitions.size(), 2u);
  EXPECT_TRUE(cold.transitions[0].alertable);
  EXPECT_FALSE(cold.transitions[1].alertable) << "history older than the lookback is baseline";
  auto warm = diff({}, {old}, at(false));
  EXPECT_TRUE(warm.transitions[0].alertable);
}

TEST(Diff, OnlyWatchedInstances) {
  DiffOptions o = at();
  o.watched_instances = {"i2"};
  auto r = diff({},
                {inv("t-1", "Running", {{"i1", "Running"}, {"i2", "Pending"}}),
                 inv("t-2", "Running", {{"i3", "Running"}})},
                o);
  EXPECT_EQ(summary(r), (std::vector<std::string>{"t-1/i2:none>Pending"}));
  ASSERT_EQ(r.changed.size(), 1u);
  EXPECT_EQ(r.changed[0].instances.size(), 1u);
}

TEST(Diff, AnInvocationSeenTwiceInOnePollIsReportedOnce) {
  auto first = inv("t-1", "Running", {{"i1", "Running"}});
  auto later = inv("t-1", "Success", {{"i1", "Success"}});
  auto r = diff({}, {first, first, later, later}, at());
  EXPECT_EQ(summary(r),
            (std::vector<std::string>{"t-1/i1:none>Running", "t-1/i1:Running>Success"}));
}

TEST(Diff, MissingInstancesAreLeftAloneAndFinishedNeedsAllOfThem) {
  RegionSnapshot stored;
  applyChanges(stored, {inv("t-1", "Running", {{"i1", "Running"}, {"i2", "Running"}})});
  auto r = diff(stored, {inv("t-1", "PartialFailed", {{"i1", "Failed"}})}, at());
  EXPECT_EQ(summary(r), (std::vector<std::string>{"t-1/i1:Running>Failed"}));
  applyChanges(stored, r.changed);
  EXPECT_EQ(stored["t-1"].instances.size(), 2u);
  EXPECT_FALSE(stored["t-1"].finished) << "i2 is still Running as far as the store knows";
  applyChanges(stored, {inv("t-1", "PartialFailed", {{"i2", "Success"}})});
  EXPECT_TRUE(stored["t-1"].finished);
}

}  // namespace
}  // namespace swas::state
