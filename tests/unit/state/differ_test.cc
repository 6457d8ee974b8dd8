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
  v.created = core::parseApiTime(v.creation_time);  // as the API boundary reads it
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

// Issue 15: an instance that joins the watched set (tagged mid-run) is new to the monitor, like a
// cold start: its history older than the lookback is baseline, while the instances watched all
// along keep alerting for anything they had not seen.
TEST(Diff, NewlyWatchedInstancesFollowTheLookback) {
  RegionSnapshot stored;
  auto old = inv("t-old", "Failed", {{"i1", "Failed"}, {"i2", "Failed"}}, "2026-11-28T10:00:00");
  auto recent = inv("t-new", "Failed", {{"i2", "Failed"}}, "2026-11-28T12:00:00");
  DiffOptions o = at(false);
  o.watched_instances = std::set<std::string>{"i1", "i2"};
  o.cold_instances = {"i2"};
  auto r = diff(stored, {old, recent}, o);
  ASSERT_EQ(summary(r), (std::vector<std::string>{"t-old/i1:none>Failed", "t-old/i2:none>Failed",
                                                  "t-new/i2:none>Failed"}));
  EXPECT_TRUE(r.transitions[0].alertable) << "i1 was watched before: an old failure is news";
  EXPECT_FALSE(r.transitions[1].alertable) << "i2 is new: its old failure is baseline";
  EXPECT_TRUE(r.transitions[2].alertable) << "a failure within the lookback alerts";
}

TEST(Diff, AnEmptyWatchedSetWatchesNothing) {
  DiffOptions o = at();
  o.watched_instances = std::set<std::string>{};
  auto r = diff({}, {inv("t-1", "Failed", {{"i1", "Failed"}})}, o);
  EXPECT_TRUE(r.transitions.empty());
  EXPECT_TRUE(r.changed.empty());
}

TEST(Diff, OnlyWatchedInstances) {
  DiffOptions o = at();
  o.watched_instances = std::set<std::string>{"i2"};
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

std::vector<std::string> occurrences(const DiffResult& r) {
  std::vector<std::string> out;
  for (const auto& t : r.transitions)
    if (t.occurrence) out.push_back(t.invoke_id + "/" + t.instance_id + ":" + t.to);
  return out;
}

TEST(Diff, AnOccurrenceIsTheFirstEntryIntoTheAlertCondition) {
  RegionSnapshot stored;
  auto running = inv("t-1", "Running", {{"i1", "Running"}, {"i2", "Running"}, {"i3", "Running"}});
  applyChanges(stored, diff(stored, {running}, at()).changed);
  // i1 fails; i2 gets an ErrorCode while still Running; i3 succeeds.
  auto step = inv("t-1", "Running", {{"i1", "Failed"}, {"i2", "Running"}, {"i3", "Success"}});
  step.instances[1].error_code = "InstanceRestarted";
  auto r = diff(stored, {step}, at());
  EXPECT_EQ(occurrences(r), (std::vector<std::string>{"t-1/i1:Failed", "t-1/i2:Running"}));
  applyChanges(stored, r.changed);
  // i2 then ends Failed: the same (invocation, instance), so not a second occurrence.
  auto end = inv("t-1", "Failed", {{"i1", "Failed"}, {"i2", "Failed"}, {"i3", "Success"}});
  end.instances[1].error_code = "InstanceRestarted";
  auto last = diff(stored, {end}, at());
  EXPECT_EQ(summary(last), (std::vector<std::string>{"t-1/i2:Running>Failed"}));
  EXPECT_TRUE(occurrences(last).empty());
}

TEST(Diff, OccurrencesFollowTheConfiguredCondition) {
  DiffOptions o = at();
  o.alert_condition = {.statuses = {"Timeout"}, .error_codes = false};
  auto fetched = inv("t-1", "Failed", {{"i1", "Failed"}, {"i2", "Timeout"}});
  fetched.instances[0].error_code = "ExitCodeNonzero";
  EXPECT_EQ(occurrences(diff({}, {fetched}, o)), (std::vector<std::string>{"t-1/i2:Timeout"}));
  o.alert_condition = {.statuses = {}, .error_codes = true};
  EXPECT_EQ(occurrences(diff({}, {fetched}, o)), (std::vector<std::string>{"t-1/i1:Failed"}));
}

TEST(Diff, BaselineHistoryIsNoOccurrence) {
  auto old = inv("t-old", "Failed", {{"i1", "Failed"}}, "2026-11-28T10:00:00");
  auto r = diff({}, {old}, at(true));
  ASSERT_EQ(r.transitions.size(), 1u);
  EXPECT_FALSE(r.transitions[0].occurrence);
}

TEST(Diff, ForgottenInvocationsListedAgainAreNotNew) {
  DiffOptions o = at();
  o.forget_before = sys_days(year(2026) / 11 / 14);
  auto ancient = inv("t-old", "Failed", {{"i1", "Failed"}}, "2026-11-01T00:00:00");
  auto running = inv("t-run", "Running", {{"i1", "Running"}}, "2026-11-01T00:00:00");
  auto recent = inv("t-new", "Failed", {{"i1", "Failed"}}, "2026-11-20T00:00:00");
  auto r = diff({}, {ancient, running, recent}, o);
  EXPECT_EQ(summary(r), (std::vector<std::string>{"t-run/i1:none>Running", "t-new/i1:none>Failed"}))
      << "a finished invocation older than retention is ignored unless stored";
  RegionSnapshot stored;
  applyChanges(stored, {inv("t-old", "Running", {{"i1", "Running"}}, "2026-11-01T00:00:00")});
  EXPECT_EQ(summary(diff(stored, {ancient}, o)),
            (std::vector<std::string>{"t-old/i1:Running>Failed"}));
}

TEST(Diff, CountTrackedByStatus) {
  RegionSnapshot stored;
  applyChanges(stored, {inv("t-1", "Running", {{"i1", "Running"}, {"i2", "Success"}}),
                        inv("t-2", "Success", {{"i1", "Success"}}),
                        inv("t-3", "Failed", {{"i3", "Timeout"}})});
  auto counts = countTracked(stored);
  EXPECT_EQ(counts.invocations,
            (std::map<std::string, int64_t>{{"Failed", 1}, {"Running", 1}, {"Success", 1}}));
  EXPECT_EQ(counts.instances,
            (std::map<std::string, int64_t>{{"Running", 1}, {"Success", 2}, {"Timeout", 1}}));
}

TEST(TrackedRegion, KeepsCountsAndUnfinishedAsTheSnapshotChanges) {
  TrackedRegion region(RegionSnapshot{});
  auto check = [&](const char* when) {
    auto counts = countTracked(region.snapshot());
    EXPECT_EQ(region.counts().invocations, counts.invocations) << when;
    EXPECT_EQ(region.counts().instances, counts.instances) << when;
    std::set<std::string> unfinished;
    for (const auto& [id, inv] : region.snapshot()) {
      if (!inv.finished) unfinished.insert(id);
    }
    EXPECT_EQ(region.unfinished(), unfinished) << when;
  };
  region.apply({inv("t-1", "Running", {{"i1", "Running"}, {"i2", "Pending"}}),
                inv("t-2", "Running", {{"i1", "Running"}}, "2026-11-01T00:00:00"),
                inv("t-3", "Success", {{"i3", "Success"}}, "2026-11-01T00:00:00")});
  check("first sightings");
  EXPECT_EQ(region.unfinished(), (std::set<std::string>{"t-1", "t-2"}));
  // Statuses move: one instance of t-1 only, t-2 finishes.
  region.apply({inv("t-1", "Running", {{"i2", "Success"}}),
                inv("t-2", "Failed", {{"i1", "Failed"}}, "2026-11-01T00:00:00")});
  check("changes");
  EXPECT_EQ(region.counts().instances,
            (std::map<std::string, int64_t>{{"Failed", 1}, {"Running", 1}, {"Success", 2}}))
      << "Pending reached 0 and is gone";
  EXPECT_EQ(region.forgetFinishedBefore("2026-11-14T00:00:00"), 2u);
  check("eviction");
  EXPECT_EQ(region.snapshot().size(), 1u);
  // Loading a stored snapshot indexes it.
  RegionSnapshot stored = region.snapshot();
  applyChanges(stored, {inv("t-4", "Pending", {{"i1", "Pending"}})});
  region = TrackedRegion(stored);
  check("loaded");
  EXPECT_EQ(region.unfinished(), (std::set<std::string>{"t-1", "t-4"}));
}

}  // namespace
}  // namespace swas::state
