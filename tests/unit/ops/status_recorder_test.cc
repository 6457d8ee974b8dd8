// What `status` reads of the running daemon: the calls each region made (counted by gate, so a
// reload's new gates start from zero), regions that make no calls, the receivers' outcomes, and
// one record per 5 s unless forced.
#include "daemon/ops/status_recorder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <sstream>

#include "daemon/core/time.h"
#include "daemon/ops/commands.h"
#include "daemon/state/state_reader.h"
#include "tests/support/fake_clock.h"
#include "tests/support/sim_process.h"

namespace swas::ops {
namespace {

// Counts what the tracker passes on.
class Next final : public core::AlertObserver {
 public:
  void onNotifications(const std::string&, std::string_view, int count) override {
    notifications += count;
  }
  void onQueueLength(const std::string&, int64_t) override {}
  void onAlertsFiring(int64_t) override {}
  void onUnrouted() override {}
  void onStateError(std::string_view) override {}
  void onPeerFailure(const std::string&, const std::string&) override {}
  int notifications = 0;
};

class StatusRecorderTest : public ::testing::Test {
 protected:
  StatusRecorderTest() {
    path_ =
        testing::writeTempFile(std::string("status_recorder/") + testing::testName() + ".db", "");
    std::filesystem::remove(path_);
    store_ = std::move(*state::Store::open(path_));
    recorder_.emplace(*store_, clock_, deliveries_);
  }

  state::StatusReport read() {
    auto reader = state::StateReader::open(path_, state::StateReader::Beside::kTheWriter);
    EXPECT_TRUE(reader) << reader.error();
    auto report = (*reader)->status(core::unixSeconds(clock_.now()));
    EXPECT_TRUE(report);
    return *report;
  }

  std::string path_;
  std::unique_ptr<state::Store> store_;
  testing::FakeClock clock_;
  Next next_;
  DeliveryTracker deliveries_{next_, clock_};
  std::optional<StatusRecorder> recorder_;  // over the store, once it is open
};

TEST_F(StatusRecorderTest, CountsEachGatesCallsSinceTheLastRecordAndANewGateFromZero) {
  int gate_a = 0, gate_b = 0;
  recorder_->maybeRecord(
      {{.scope = "cn-hangzhou", .up = true, .gate = &gate_a, .calls = 5, .throttled = 1}}, {"ops"});
  recorder_->maybeRecord(
      {{.scope = "cn-hangzhou", .up = true, .gate = &gate_a, .calls = 8, .throttled = 1}}, {"ops"},
      true);
  auto report = read();
  ASSERT_EQ(report.regions.size(), 1u);
  EXPECT_EQ(report.regions[0].calls_last_hour, 8) << "5, then the 3 more";
  EXPECT_EQ(report.regions[0].throttled_last_hour, 1);
  // A reload: a new gate, counting from zero.
  recorder_->maybeRecord(
      {{.scope = "cn-hangzhou", .up = false, .reason = "throttled", .gate = &gate_b, .calls = 2}},
      {"ops"}, true);
  report = read();
  EXPECT_EQ(report.regions[0].calls_last_hour, 10);
  EXPECT_FALSE(report.regions[0].up);
  EXPECT_EQ(report.regions[0].reason, "throttled");
}

TEST_F(StatusRecorderTest, ARegionWithoutCallsIsRecordedDownWithItsReason) {
  recorder_->maybeRecord(
      {{.scope = "staging/all", .reason = "region_id: all: no region known yet"}}, {});
  auto report = read();
  ASSERT_EQ(report.regions.size(), 1u);
  EXPECT_EQ(report.regions[0].scope, "staging/all");
  EXPECT_FALSE(report.regions[0].up);
  EXPECT_EQ(report.regions[0].reason, "region_id: all: no region known yet");
  EXPECT_EQ(report.regions[0].calls_last_hour, 0);
}

TEST_F(StatusRecorderTest, RecordsOnceEveryFiveSecondsWithTheReceiversOutcomes) {
  int gate = 0;
  deliveries_.onNotifications("ops", "delivered", 2);
  EXPECT_EQ(next_.notifications, 2) << "the metrics see every report";
  recorder_->maybeRecord({{.scope = "cn-hangzhou", .up = true, .gate = &gate, .calls = 1}},
                         {"ops"});
  ASSERT_EQ(read().receivers.size(), 1u);
  EXPECT_EQ(read().receivers[0].last_outcome, "delivered");
  clock_.advance(std::chrono::seconds(4));
  recorder_->maybeRecord({{.scope = "cn-hangzhou", .up = true, .gate = &gate, .calls = 4}},
                         {"ops"});
  EXPECT_EQ(read().regions[0].calls_last_hour, 1) << "within 5 s: not recorded";
  clock_.advance(std::chrono::seconds(1));
  recorder_->maybeRecord({{.scope = "cn-hangzhou", .up = true, .gate = &gate, .calls = 4}},
                         {"ops"});
  EXPECT_EQ(read().regions[0].calls_last_hour, 4);
}

// Issue 26: `status` shows each region's Cloud Assistant agents, and ECS's extra fields
// (LastHeartbeatTime of the offline ones, ActiveTaskCount), from the inventory in the state.
TEST_F(StatusRecorderTest, StatusShowsTheAgentsWithEcsHeartbeatsAndTasks) {
  int gate = 0;
  recorder_->maybeRecord({{.scope = "ecs:cn-hangzhou", .up = true, .gate = &gate, .calls = 1},
                          {.scope = "cn-hangzhou", .up = true, .gate = &gate, .calls = 1}},
                         {});
  auto agent = [](std::string id, std::string status, std::optional<bool> online,
                  std::string heartbeat, std::optional<int64_t> tasks) {
    core::InstanceRecord r{.instance_id = std::move(id), .status = std::move(status)};
    r.name = "web-" + r.instance_id;
    r.agent_online = online;
    r.agent_heartbeat = std::move(heartbeat);
    r.agent_active_tasks = tasks;
    return r;
  };
  ASSERT_TRUE(store_->replaceInstances(
      "ecs:cn-hangzhou",
      {agent("i-1", "Running", true, "2026-12-06T10:00:00Z", 2),
       agent("i-2", "Running", true, "2026-12-06T10:00:01Z", 1),
       agent("i-3", "Running", false, "2026-12-06T08:00:00Z", 0),
       agent("i-4", "Stopped", false, "2026-12-01T08:00:00Z", std::nullopt)},
      100));
  ASSERT_TRUE(store_->replaceInstances(
      "cn-hangzhou", {agent("ace0706b2ac4454d984295a942110001", "Running", true, "", {})}, 100));
  auto report = read();
  ASSERT_EQ(report.regions.size(), 2u);
  const auto& swas =
      report.regions[0].scope == "cn-hangzhou" ? report.regions[0] : report.regions[1];
  const auto& ecs =
      report.regions[0].scope == "cn-hangzhou" ? report.regions[1] : report.regions[0];
  EXPECT_EQ(ecs.agents_online, 2);
  EXPECT_EQ(ecs.agents_offline, 1) << "a stopped instance's agent is not missed";
  EXPECT_EQ(ecs.active_tasks, 3);
  EXPECT_EQ(swas.agents_online, 1);
  EXPECT_FALSE(swas.active_tasks) << "SWAS's answer has no task count";
  ASSERT_EQ(report.agents_offline.size(), 1u);
  EXPECT_EQ(report.agents_offline[0].instance_id, "i-3");
  EXPECT_EQ(report.agents_offline[0].last_heartbeat, "2026-12-06T08:00:00Z");

  auto reader = state::StateReader::open(path_, state::StateReader::Beside::kTheWriter);
  ASSERT_TRUE(reader);
  std::ostringstream text, json, err;
  ASSERT_EQ(showStatus(**reader, {.table = true}, text, err), 0) << err.str();
  EXPECT_NE(text.str().find("2 online, 1 offline, 3 tasks"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("AGENT OFFLINE ON"), std::string::npos);
  EXPECT_NE(text.str().find("web-i-3 (i-3)"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("2026-12-06T08:00:00Z"), std::string::npos);
  ASSERT_EQ(showStatus(**reader, {.table = false}, json, err), 0);
  EXPECT_NE(json.str().find(R"("agents":{"online":2,"offline":1,"active_tasks":3})"),
            std::string::npos)
      << json.str();
  EXPECT_NE(json.str().find(R"("agents":{"online":1,"offline":0,"active_tasks":null})"),
            std::string::npos);
  EXPECT_NE(json.str().find(R"("instance_id":"i-3","instance_name":"web-i-3","last_heartbeat":)"
                            R"("2026-12-06T08:00:00Z")"),
            std::string::npos);
}

}  // namespace
}  // namespace swas::ops
