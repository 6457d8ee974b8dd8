#include "daemon/alerting/rules.h"

#include <gtest/gtest.h>

#include "daemon/alerting/chat/view.h"
#include "daemon/core/scope.h"
#include "daemon/core/time.h"
#include "daemon/util/crypto.h"

namespace swas::alerting {
namespace {

using namespace std::chrono;

const system_clock::time_point kNow = sys_days(year(2026) / 11 / 28) + hours(12);

core::Transition failure(std::string invoke = "t-1", std::string instance = "i-1",
                         std::string to = "Failed", std::string created = "2026-11-28T11:00:00") {
  core::Transition t;
  t.scope = "cn-hangzhou";
  t.invoke_id = std::move(invoke);
  t.instance_id = std::move(instance);
  t.command_id = "c-deploy";
  t.command_name = "deploy-app";
  t.from = "Running";
  t.to = std::move(to);
  t.error_code = t.to == "Success" ? "" : "ExitCodeNonzero";
  t.error_info = t.to == "Success" ? "" : "the script exited with 1";
  t.exit_code = t.to == "Success" ? 0 : 1;
  t.creation_time = std::move(created);
  t.finish_time = "2026-11-28T11:30:00Z";
  t.finished_at = core::parseApiTime(t.finish_time);
  t.output = "done";
  t.occurrence = t.to != "Success";
  return t;
}

TEST(Fingerprint, StableUnderLabelOrderAndSensitiveToEveryLabel) {
  Labels a = {{"alertname", "SwasInvocationFailed"}, {"instance_id", "i-1"}};
  Labels b = {{"instance_id", "i-1"}, {"alertname", "SwasInvocationFailed"}};
  EXPECT_EQ(fingerprint(a), fingerprint(b));
  EXPECT_EQ(fingerprint(a).size(), 16u);
  EXPECT_EQ(fingerprint(a).find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(fingerprint(a),
            fingerprint({{"alertname", "SwasInvocationFailed"}, {"instance_id", "i-2"}}));
  // FNV-1a 64 of the empty set is its offset basis, as in prometheus/common.
  EXPECT_EQ(fingerprint({}), "cbf29ce484222325");
}

TEST(OutputTail, LastKibOnACharacterBoundaryAndBase64Decoded) {
  EXPECT_EQ(outputTail("plain output\n"), "plain output\n");
  EXPECT_EQ(outputTail(util::base64Encode("admin\n")), "admin\n") << "Base64 of text is decoded";
  EXPECT_EQ(outputTail("abcd"), "abcd") << "Base64 of binary stays as it came";
  std::string long_text = std::string(1020, 'x') + "\xe4\xbd\xa0\xe5\xa5\xbd";  // 1026 bytes
  std::string tail = outputTail(long_text, 1024);
  EXPECT_LE(tail.size(), 1024u);
  EXPECT_EQ(tail, std::string(1018, 'x') + "\xe4\xbd\xa0\xe5\xa5\xbd");
  std::string cut = outputTail(std::string(10, 'x') + "\xe4\xbd\xa0", 2);
  EXPECT_EQ(cut, "") << "never half a character";
}

TEST(MakeAlert, ContractLabelsAndAnnotations) {
  core::Alert a = makeAlert(failure(), kNow);
  EXPECT_EQ(
      a.labels_json,
      R"({"alertname":"SwasInvocationFailed","command_id":"c-deploy","command_name":"deploy-app",)"
      R"("error_code":"ExitCodeNonzero","instance_id":"i-1","instance_name":"",)"
      R"("invocation_status":"Failed",)"
      R"("invoke_id":"t-1","region_id":"cn-hangzhou","severity":"critical"})");
  EXPECT_NE(
      a.annotations_json.find(
          R"("summary":"deploy-app failed on i-1 (cn-hangzhou): Failed, ExitCodeNonzero, exit code 1")"),
      std::string::npos)
      << a.annotations_json;
  for (std::string key : {"description", "error_info", "exit_code", "output", "creation_time",
                          "finish_time", "public_ip", "private_ip"}) {
    EXPECT_NE(a.annotations_json.find("\"" + key + "\":"), std::string::npos) << key;
  }
  EXPECT_EQ(a.starts_at, sys_seconds(sys_days(year(2026) / 11 / 28) + hours(11) + minutes(30))
                             .time_since_epoch()
                             .count())
      << "starts at the FinishTime";
  EXPECT_EQ(
      makeAlert(failure("t-1", "i-1", "Timeout"), kNow).labels_json.find("SwasInvocationTimeout"),
      14u);
  EXPECT_EQ(makeAlert(failure(), kNow).fingerprint, a.fingerprint) << "deterministic";
}

// An ECS alert (issue 26): with some ECS scope configured every alert carries `product`, the
// SWAS alert of the same occurrence is another one, and the description says how to read the
// whole output with ECS's own CLI; chat messages say the region is ECS's.
TEST(MakeAlert, AnEcsAlertCarriesItsProductAndEcsCli) {
  core::Scope::labelProducts(true);
  core::Transition ecs = failure();
  ecs.scope = core::Scope("", "cn-hangzhou", core::Product::kEcs).key();
  core::Alert a = makeAlert(ecs, kNow);
  core::Alert swas = makeAlert(failure(), kNow);
  core::Scope::labelProducts(false);
  EXPECT_NE(a.labels_json.find(R"("product":"ecs")"), std::string::npos) << a.labels_json;
  EXPECT_NE(swas.labels_json.find(R"("product":"swas")"), std::string::npos) << swas.labels_json;
  EXPECT_NE(a.fingerprint, swas.fingerprint);
  EXPECT_NE(a.annotations_json.find("aliyun ecs DescribeInvocationResults --ContentEncoding "
                                    "PlainText --RegionId cn-hangzhou --InvokeId t-1"),
            std::string::npos)
      << a.annotations_json;
  EXPECT_EQ(makeAlert(failure(), kNow).labels_json.find("product"), std::string::npos)
      << "no ECS scope: no product label, fingerprints as they were";
  ChatAlert chat{.labels = {{"region_id", "cn-hangzhou"}, {"product", "ecs"}, {"account", "prod"}}};
  EXPECT_EQ(chat.where(), "prod/cn-hangzhou (ECS)");
  chat.labels["product"] = "swas";
  EXPECT_EQ(chat.where(), "prod/cn-hangzhou");

  // A run of a repeating task: the API's InvokeId, and the run apart.
  core::Transition run = failure();
  run.invoke_id = core::runKey("t-1", 5);
  core::Alert r = makeAlert(run, kNow);
  EXPECT_NE(r.labels_json.find(R"("invoke_id":"t-1","region_id":"cn-hangzhou","run":"5")"),
            std::string::npos)
      << r.labels_json;
  EXPECT_NE(r.annotations_json.find("Run 5 of task t-1 of command"), std::string::npos);
  EXPECT_NE(r.fingerprint, makeAlert(failure(), kNow).fingerprint);
}

class LifecycleTest : public ::testing::Test {
 protected:
  core::AlertWrites step(std::vector<core::Transition> transitions) {
    auto writes = lifecycle_.plan(transitions, kNow);
    lifecycle_.committed(writes);
    return writes;
  }
  Lifecycle lifecycle_{{{{"ops", true}, {"quiet", false}}, true, hours(24)}};
};

// A full walk's chunks hold delivery: the firing set grows at once (the next chunk must not
// fire the same alert again), and delivery is woken once, by the next commit that delivers.
TEST_F(LifecycleTest, HeldWritesFireAtOnceAndWakeDeliveryWithTheNextThatDelivers) {
  int wakes = 0;
  lifecycle_.onChange([&] { ++wakes; });
  auto writes = lifecycle_.plan({failure("t-1", "i-1")}, kNow);
  lifecycle_.committed(writes, core::Delivery::kHeld);
  EXPECT_EQ(lifecycle_.firing(), 1u);
  EXPECT_EQ(wakes, 0);
  EXPECT_TRUE(lifecycle_.plan({failure("t-1", "i-1")}, kNow).fired.empty()) << "fires once";
  lifecycle_.committed({}, core::Delivery::kHeld);
  EXPECT_EQ(wakes, 0);
  lifecycle_.committed({}, core::Delivery::kNow);
  EXPECT_EQ(wakes, 1);
  lifecycle_.committed({}, core::Delivery::kNow);
  EXPECT_EQ(wakes, 1) << "nothing held any more";
  lifecycle_.committed(lifecycle_.plan({failure("t-2", "i-1")}, kNow), core::Delivery::kNow);
  EXPECT_EQ(wakes, 2);
}

TEST_F(LifecycleTest, OneAlertPerOccurrenceAndANotificationPerReceiver) {
  auto fired = step({failure("t-1", "i-1"), failure("t-1", "i-2", "Timeout")});
  ASSERT_EQ(fired.fired.size(), 2u);
  ASSERT_EQ(fired.notifications.size(), 4u);
  EXPECT_FALSE(fired.notifications[0].resolved);
  EXPECT_EQ(lifecycle_.firing(), 2u);
  EXPECT_TRUE(step({failure("t-1", "i-1")}).empty()) << "already firing";
  auto plain = failure("t-2", "i-1");
  plain.occurrence = false;  // e.g. baseline history
  EXPECT_TRUE(step({plain}).empty());
}

TEST_F(LifecycleTest, ALaterSuccessOfTheSameCommandOnTheSameInstanceResolves) {
  step({failure("t-1", "i-1"), failure("t-1", "i-2")});
  // An older success, another instance's success, another command's success: no.
  auto older = failure("t-0", "i-1", "Success", "2026-11-28T10:00:00");
  auto elsewhere = failure("t-2", "i-3", "Success", "2026-11-28T11:10:00");
  auto other = failure("t-3", "i-1", "Success", "2026-11-28T11:10:00");
  other.command_id = "c-other";
  other.command_name = "other";
  EXPECT_TRUE(step({older, elsewhere, other}).empty());
  auto later = failure("t-4", "i-1", "Success", "2026-11-28T11:10:00");
  auto resolved = step({later});
  ASSERT_EQ(resolved.resolved.size(), 1u);
  ASSERT_EQ(resolved.notifications.size(), 1u) << "only to receivers with send_resolved";
  EXPECT_TRUE(resolved.notifications[0].resolved);
  EXPECT_EQ(resolved.notifications[0].receiver, "ops");
  EXPECT_EQ(resolved.notifications[0].created_ms,
            duration_cast<milliseconds>(kNow.time_since_epoch()).count())
      << "queued now, whatever the API's FinishTime says";
  EXPECT_EQ(lifecycle_.firing(), 1u);
}

TEST_F(LifecycleTest, ASuccessSeenBeforeTheFailureOfAnOlderInvocationResolvesIt) {
  // A full walk goes newest-first in chunks: the re-run's success (t-2) can be planned before
  // the failure it remedied (t-1), which must then fire and resolve at once, as it does when
  // both are planned together.
  EXPECT_TRUE(step({failure("t-2", "i-1", "Success", "2026-11-28T11:10:00")}).empty());
  auto writes = step({failure("t-1", "i-1", "Failed", "2026-11-28T11:00:00"),
                      failure("t-1", "i-2", "Failed", "2026-11-28T11:00:00")});
  ASSERT_EQ(writes.fired.size(), 2u);
  ASSERT_EQ(writes.resolved.size(), 1u) << "only on the instance where the re-run succeeded";
  EXPECT_EQ(writes.resolved[0].fingerprint, writes.fired[0].fingerprint);
  EXPECT_EQ(writes.notifications.size(), 4u + 1u) << "firing to both receivers, resolved to ops";
  EXPECT_EQ(lifecycle_.firing(), 1u);
  // A failure of a newer invocation is not resolved by an older success.
  auto newer = step({failure("t-3", "i-1", "Failed", "2026-11-28T11:20:00")});
  EXPECT_EQ(newer.fired.size(), 1u);
  EXPECT_TRUE(newer.resolved.empty());
  EXPECT_EQ(lifecycle_.firing(), 2u);
}

TEST_F(LifecycleTest, CommandNameWhenThereIsNoCommandId) {
  auto f = failure("t-1", "i-1");
  f.command_id.clear();
  step({f});
  auto s = failure("t-2", "i-1", "Success", "2026-11-28T11:10:00");
  s.command_id.clear();
  EXPECT_EQ(step({s}).resolved.size(), 1u);
}

TEST_F(LifecycleTest, ResolveTimeout) {
  step({failure()});
  EXPECT_TRUE(lifecycle_.expire(kNow + hours(23)).empty());
  auto expired = lifecycle_.expire(kNow + hours(25));
  ASSERT_EQ(expired.resolved.size(), 1u);
  lifecycle_.committed(expired);
  EXPECT_EQ(lifecycle_.firing(), 0u);
}

TEST_F(LifecycleTest, FiringSetSurvivesARestart) {
  auto fired = step({failure()});
  Lifecycle restarted({{{"ops", true}}, true, hours(24)});
  restarted.load(fired.fired, {});
  EXPECT_EQ(restarted.firing(), 1u);
  EXPECT_TRUE(restarted.plan({failure()}, kNow).empty());
  EXPECT_EQ(restarted.plan({failure("t-9", "i-1", "Success", "2026-11-28T11:50:00")}, kNow)
                .resolved.size(),
            1u);
}

TEST_F(LifecycleTest, SuccessesFromTheStoreResolveOlderFailuresAfterARestart) {
  // The re-run succeeded before the restart (or the reload); the older invocation fails after.
  auto success = failure("t-2", "i-1", "Success", "2026-11-28T11:10:00");
  success.from = "none";
  Lifecycle restarted({{{"ops", true}}, true, hours(24)});
  restarted.load({}, {success});
  auto writes = restarted.plan({failure("t-1", "i-1", "Failed", "2026-11-28T11:00:00")}, kNow);
  ASSERT_EQ(writes.fired.size(), 1u);
  ASSERT_EQ(writes.resolved.size(), 1u);
  EXPECT_EQ(writes.resolved[0].ends_at, writes.fired[0].starts_at)
      << "resolved no earlier than it started (the success finished before the failure)";
  EXPECT_TRUE(restarted.plan({failure("t-3", "i-1", "Failed", "2026-11-28T11:20:00")}, kNow)
                  .resolved.empty())
      << "a newer invocation's failure stays firing";
}

}  // namespace
}  // namespace swas::alerting

namespace swas::alerting {
namespace {

// The inventory's name as known at the occurrence: a label (so part of the fingerprint), the
// addresses as annotations, and the summary names the instance.
TEST(MakeAlert, TheInventoryNamesTheInstance) {
  core::InstanceRecord web{"i-1", "web-3", "47.96.1.3", "172.16.0.3", "Running", {}, true};
  core::Alert a = makeAlert(failure(), kNow, &web);
  EXPECT_NE(a.labels_json.find(R"("instance_name":"web-3")"), std::string::npos) << a.labels_json;
  EXPECT_NE(a.annotations_json.find(
                R"("summary":"deploy-app failed on web-3 (i-1) (cn-hangzhou): Failed, )"),
            std::string::npos)
      << a.annotations_json;
  EXPECT_NE(a.annotations_json.find(R"("public_ip":"47.96.1.3","private_ip":"172.16.0.3")"),
            std::string::npos);
  EXPECT_NE(a.fingerprint, makeAlert(failure(), kNow).fingerprint);
}

class Directory final : public core::InstanceDirectory {
 public:
  std::optional<core::InstanceRecord> find(const std::string& region_id,
                                           const std::string& instance_id) const override {
    if (region_id == "cn-hangzhou" && instance_id == "i-1") {
      return core::InstanceRecord{"i-1", "web-3", "", "", "Running", {}, true};
    }
    return std::nullopt;
  }
};

TEST(MakeAlert, TheLifecycleAsksTheInventory) {
  Directory directory;
  Lifecycle lifecycle({{{"ops", true}}, true, hours(24), &directory});
  auto writes = lifecycle.plan({failure("t-1", "i-1"), failure("t-1", "i-2")}, kNow);
  ASSERT_EQ(writes.fired.size(), 2u);
  EXPECT_NE(writes.fired[0].labels_json.find(R"("instance_name":"web-3")"), std::string::npos);
  EXPECT_NE(writes.fired[1].labels_json.find(R"("instance_name":"")"), std::string::npos);
}

TEST(MakeAlert, CloudAssistantDownSaysWhatToDo) {
  core::InstanceRecord web{"i-1", "web-3", "47.96.1.3", "172.16.0.3", "Running", {}, false};
  core::Alert a = makeAgentDownAlert("cn-hangzhou", web, 1'796'000'000);
  EXPECT_EQ(a.labels_json,
            R"({"alertname":"SwasCloudAssistantDown","instance_id":"i-1","instance_name":"web-3",)"
            R"("region_id":"cn-hangzhou","severity":"warning"})");
  EXPECT_NE(a.annotations_json.find("Start the agent"), std::string::npos) << a.annotations_json;
  EXPECT_NE(a.annotations_json.find("web-3 (i-1) (cn-hangzhou)"), std::string::npos);
  EXPECT_EQ(a.starts_at, 1'796'000'000);
  EXPECT_EQ(a.fingerprint, makeAgentDownAlert("cn-hangzhou", web, 1).fingerprint)
      << "one alert per instance, whatever the start";
}

// Issue 15: SwasCloudAssistantDown fires once per instance, is resolved when the agent is back,
// survives a restart through load(), and is not ended by resolve_timeout (the agent may be down
// for days; the alert must last as long).
TEST(Lifecycle, CloudAssistantDownFiresOnceResolvesAndDoesNotExpire) {
  Lifecycle lifecycle({{{"ops", true}}, true, hours(1)});
  core::InstanceRecord web{"i-1", "web-3", "47.96.1.3", "172.16.0.3", "Running", {}, false};
  int64_t since = core::unixSeconds(kNow) - 700;
  core::AlertWrites writes;
  lifecycle.agentDown("cn-hangzhou", web, since, kNow, writes);
  ASSERT_EQ(writes.fired.size(), 1u);
  ASSERT_EQ(writes.notifications.size(), 1u);
  EXPECT_FALSE(writes.notifications[0].resolved);
  lifecycle.committed(writes);
  EXPECT_EQ(lifecycle.firing(), 1u);
  EXPECT_EQ(lifecycle.agentsDown("cn-hangzhou"), (std::map<std::string, int64_t>{{"i-1", since}}));
  EXPECT_TRUE(lifecycle.agentsDown("cn-shanghai").empty());

  core::AlertWrites again;
  lifecycle.agentDown("cn-hangzhou", web, since, kNow, again);
  EXPECT_TRUE(again.empty()) << "already firing";
  EXPECT_TRUE(lifecycle.expire(kNow + hours(48)).empty()) << "not ended by resolve_timeout";

  Lifecycle restarted({{{"ops", true}}, true, hours(1)});
  restarted.load({writes.fired[0]}, {});
  EXPECT_EQ(restarted.agentsDown("cn-hangzhou").size(), 1u);
  core::AlertWrites back;
  restarted.agentBack("cn-hangzhou", "i-1", kNow + hours(2), back);
  ASSERT_EQ(back.resolved.size(), 1u);
  EXPECT_EQ(back.resolved[0].fingerprint, writes.fired[0].fingerprint);
  EXPECT_EQ(back.resolved[0].ends_at, core::unixSeconds(kNow + hours(2)));
  ASSERT_EQ(back.notifications.size(), 1u);
  EXPECT_TRUE(back.notifications[0].resolved);
  restarted.committed(back);
  EXPECT_EQ(restarted.firing(), 0u);
  core::AlertWrites nothing;
  restarted.agentBack("cn-hangzhou", "i-1", kNow + hours(3), nothing);
  EXPECT_TRUE(nothing.empty());
}

TEST(Routing, MatchTakesOnlyItsAlertsFiringAndResolvedEvenAfterARestart) {
  LifecycleOptions options{{{"deploys", true, Match{.command_names = {"deploy-*"}}},
                            {"timeouts", true, Match{.statuses = {"Timeout"}}},
                            {"hangzhou", true, Match{.regions = {"cn-hang?hou"}}}},
                           true,
                           hours(24)};
  options.receivers[2].match.instance_ids = {"i-9"};
  Lifecycle lifecycle(options);
  std::vector<std::string> unrouted;
  lifecycle.onUnrouted([&](const core::Alert& a) { unrouted.push_back(a.instance_id); });
  auto other = failure("t-1", "i-2");
  other.command_id = "c-agent";
  other.command_name = "agent-check";
  auto writes =
      lifecycle.plan({failure("t-1", "i-1"), other, failure("t-1", "i-9", "Timeout")}, kNow);
  lifecycle.committed(writes);
  std::multiset<std::string> got;
  for (const auto& n : writes.notifications) got.insert(n.receiver + "/" + n.fingerprint);
  auto fp = [&](const core::Transition& t) { return makeAlert(t, kNow).fingerprint; };
  EXPECT_EQ(got, (std::multiset<std::string>{"deploys/" + fp(failure("t-1", "i-1")),
                                             "deploys/" + fp(failure("t-1", "i-9", "Timeout")),
                                             "timeouts/" + fp(failure("t-1", "i-9", "Timeout")),
                                             "hangzhou/" + fp(failure("t-1", "i-9", "Timeout"))}));
  EXPECT_EQ(unrouted, std::vector<std::string>{"i-2"}) << "agent-check on i-2 matches nothing";
  // After a restart the firing set comes from the store; resolutions follow the same match.
  Lifecycle restarted(options);
  restarted.load(writes.fired, {});
  auto resolved = restarted.plan({failure("t-5", "i-1", "Success", "2026-11-28T11:40:00")}, kNow);
  ASSERT_EQ(resolved.notifications.size(), 1u);
  EXPECT_EQ(resolved.notifications[0].receiver, "deploys");
  EXPECT_TRUE(resolved.notifications[0].resolved);
}

}  // namespace
}  // namespace swas::alerting
