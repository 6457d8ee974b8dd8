// The operator's read model: the failures the status page lists, and one snapshot of it all.
#include "daemon/state/state_reader.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "daemon/core/defaults.h"
#include "daemon/state/store.h"
#include "tests/support/sim_process.h"

namespace swas::state {
namespace {

using namespace std::chrono;

core::Transition change(std::string instance, std::string to, std::string error_code = "") {
  core::Transition t;
  t.scope = "cn-hangzhou";
  t.invoke_id = "t-1";
  t.instance_id = std::move(instance);
  t.command_id = "c-1";
  t.command_name = "deploy";
  t.from = "Running";
  t.to = std::move(to);
  t.error_code = std::move(error_code);
  return t;
}

TEST(StateReader, FailuresAreFailedEndingsOrAnErrorCodeNewestFirst) {
  std::string path = testing::writeTempFile("state_reader/failures.db", "");
  std::filesystem::remove(path);
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  const auto now = sys_days(year(2026) / 11 / 28) + hours(13);
  PollCommit poll{"cn-hangzhou", {}, {}, {true}, now};
  poll.transitions = {change("i1", "Success"), change("i2", "Failed"),
                      change("i3", "Timeout"), change("i4", "Success", "ExitCodeNonzero"),
                      change("i5", "Aborted"), change("i6", "Stopped")};
  ASSERT_TRUE((*store)->commit(poll));
  StatusSnapshot s{.now = 1'796'000'000,
                   .regions = {{"cn-hangzhou", true, "", 1'796'000'000, 3, 0}},
                   .receivers = {},
                   .configured_receivers = {"ops"}};
  ASSERT_TRUE((*store)->recordStatus(s));

  auto reader = StateReader::open(path, StateReader::Beside::kTheWriter);
  ASSERT_TRUE(reader) << reader.error();
  auto all = (*reader)->history({.limit = 100});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 6u);
  auto failures = (*reader)->history({.failures_only = true, .limit = 100});
  ASSERT_TRUE(failures);
  std::vector<std::string> instances;
  for (const auto& h : *failures) instances.push_back(h.instance_id);
  EXPECT_EQ(instances, (std::vector<std::string>{"i5", "i4", "i3", "i2"}));

  auto overview = (*reader)->overview({.now = 1'796'000'010, .failures = 2});
  ASSERT_TRUE(overview) << overview.error().message;
  ASSERT_EQ(overview->failures.size(), 2u) << "at most the limit";
  EXPECT_EQ(overview->failures[0].instance_id, "i5");
  ASSERT_EQ(overview->status.regions.size(), 1u);
  EXPECT_EQ(overview->status.regions[0].calls_last_hour, 3);
  EXPECT_EQ(overview->status.receivers.size(), 1u);
  EXPECT_TRUE(overview->firing.empty());
  // The read transaction ends with the read: the writer commits again, the next read sees it.
  poll.transitions = {change("i7", "Failed")};
  ASSERT_TRUE((*store)->commit(poll));
  overview = (*reader)->overview({.now = 1'796'000'010, .failures = 2});
  ASSERT_TRUE(overview);
  EXPECT_EQ(overview->failures[0].instance_id, "i7");
}

TEST(StateReader, FiringAlertsNewestFirstAtMostTheLimitWithTheOutputsEnd) {
  std::string path = testing::writeTempFile("state_reader/firing.db", "");
  std::filesystem::remove(path);
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  core::AlertWrites w;
  for (int i = 0; i < 3; ++i) {
    core::Alert a;
    a.fingerprint = "f" + std::to_string(i);
    a.scope = "cn-hangzhou";
    a.invoke_id = "t-" + std::to_string(i);
    a.instance_id = "i" + std::to_string(i);
    a.command_key = "id:c-1";
    a.creation_time = "2026-11-28T12:00:00";
    a.labels_json = R"({"alertname":"SwasInvocationFailed"})";
    a.annotations_json =
        R"({"output":")" + std::string(3000, 'x') + "\u00e9nd" + std::to_string(i) + R"("})";
    a.starts_at = 1'796'000'000 + i;
    w.fired.push_back(a);
  }
  ASSERT_TRUE((*store)->commitAlerts(w));
  auto reader = StateReader::open(path, StateReader::Beside::kTheWriter);
  ASSERT_TRUE(reader) << reader.error();
  auto all = (*reader)->firingAlerts();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].output.size(), 3000u + 5u) << "the whole output by default";
  auto some = (*reader)->firingAlerts({.limit = 2, .output_chars = 4});
  ASSERT_TRUE(some);
  ASSERT_EQ(some->size(), 2u);
  EXPECT_EQ((*some)[0].instance_id, "i2") << "newest first";
  EXPECT_EQ((*some)[0].output, "\u00e9nd2") << "characters, not bytes: é is one";
}

TEST(StateReader, ADamagedStatusTimeIsReadAsNeverRecorded) {
  std::string path = testing::writeTempFile("state_reader/damaged.db", "");
  std::filesystem::remove(path);
  {
    auto store = Store::open(path);
    ASSERT_TRUE(store) << store.error();
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "INSERT OR REPLACE INTO meta(key, value) "
                         "VALUES('status_recorded_at', 'not a number')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto reader = StateReader::open(path);
  ASSERT_TRUE(reader) << reader.error();
  auto report = (*reader)->status(1'796'000'000);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->recorded_at, 0);
}

// Anyone may request the status page in a loop: its last failures are found through an index of
// failures (3 million transitions took half a second a render when they were scanned), and that
// index's condition is core's alert statuses.
TEST(StateReader, TheRecentFailuresAreFoundThroughTheirIndexNotAScan) {
  std::string path = testing::writeTempFile("state_reader/plan.db", "");
  std::filesystem::remove(path);
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  auto reader = StateReader::open(path, StateReader::Beside::kTheWriter);
  ASSERT_TRUE(reader) << reader.error();
  std::string plan = (*reader)->historyPlanForTest({.failures_only = true, .limit = 50});
  EXPECT_NE(plan.find("transitions_failures"), std::string::npos) << plan;
  std::string condition = "to_status IN (";
  for (std::string_view status : core::defaults::kAlertStatuses) {
    condition += (condition.ends_with("(") ? "'" : ", '") + std::string(status) + "'";
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE name = 'transitions_failures'",
                         -1, &q, nullptr),
      SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  std::string sql = reinterpret_cast<const char*>(sqlite3_column_text(q, 0));
  sqlite3_finalize(q);
  sqlite3_close(db);
  EXPECT_NE(sql.find(condition + ")"), std::string::npos) << sql;
}

}  // namespace
}  // namespace swas::state
