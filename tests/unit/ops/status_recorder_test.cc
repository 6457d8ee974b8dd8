// What `status` reads of the running daemon: the calls each region made (counted by gate, so a
// reload's new gates start from zero), regions that make no calls, the receivers' outcomes, and
// one record per 5 s unless forced.
#include "daemon/ops/status_recorder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include "daemon/core/time.h"
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

}  // namespace
}  // namespace swas::ops
