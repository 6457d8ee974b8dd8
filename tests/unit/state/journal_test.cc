// The journal of transitions has no index on observed_at (schema 9): where a time begins is a
// binary search over its ids, for the hourly eviction and `history --since`.
#include "daemon/state/journal.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "daemon/core/time.h"
#include "daemon/state/state_reader.h"
#include "daemon/state/store.h"
#include "tests/support/sim_process.h"
#include "tests/unit/state/store_fixtures.h"

namespace swas::state {
namespace {

using namespace std::chrono;

const system_clock::time_point kNow = sys_days(year(2026) / 11 / 28) + hours(13);

sql::Connection journalOf(const std::vector<std::pair<int64_t, int64_t>>& rows) {
  sqlite3* raw = nullptr;
  EXPECT_EQ(sqlite3_open(":memory:", &raw), SQLITE_OK);
  sql::Connection db;
  db.reset(raw);
  EXPECT_TRUE(db.exec("CREATE TABLE transitions(id INTEGER PRIMARY KEY, observed_at INTEGER)"));
  for (auto [id, at] : rows) {
    EXPECT_TRUE(db.exec(
        ("INSERT INTO transitions VALUES(" + std::to_string(id) + "," + std::to_string(at) + ")")
            .c_str()));
  }
  return db;
}

TEST(Journal, FindsWhereATimeBeginsByItsIds) {
  auto empty = journalOf({});
  EXPECT_EQ(firstObservedFrom(empty, 5), 0) << "an empty journal";
  // Ids 1..100 observed at 10 s apart, with a gap an eviction left (30..40): a time in the gap
  // begins at its first id, 30, as well as at 41.
  std::vector<std::pair<int64_t, int64_t>> rows;
  for (int64_t id = 1; id <= 100; ++id) {
    if (id < 30 || id > 40) rows.emplace_back(id, id * 10);
  }
  auto db = journalOf(rows);
  for (auto [at, first] : std::vector<std::pair<int64_t, int64_t>>{{0, 1},
                                                                   {10, 1},
                                                                   {11, 2},
                                                                   {290, 29},
                                                                   {291, 30},
                                                                   {350, 30},
                                                                   {410, 30},
                                                                   {411, 42},
                                                                   {1000, 100},
                                                                   {1001, 101}}) {
    EXPECT_EQ(firstObservedFrom(db, at), first) << "at " << at;
  }
}

// After the clock stepped back the answer is one boundary between earlier and later stamps;
// the eviction keeps every row observed at or after the cutoff all the same.
TEST(Journal, TheEvictionNeverTakesALaterStampAfterTheClockSteppedBack) {
  std::string path = testing::writeTempFile("journal/evict.db", "");
  std::filesystem::remove(path);
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  const std::vector<system_clock::time_point> polls = {
      kNow - days(30), kNow - days(10), kNow - days(20), kNow - days(25), kNow - days(1), kNow};
  int n = 0;
  for (auto at : polls) {
    for (const char* region : {"cn-hangzhou", "cn-beijing"}) {
      auto t = fixtures::transition("t-" + std::to_string(n++), "none", "Running");
      t.scope = region;
      ASSERT_TRUE((*store)->commit({region, {}, {t}, {true, at, ""}, at}));
    }
  }
  auto cutoff = kNow - days(14);
  ASSERT_TRUE((*store)->evictFinishedBefore("cn-hangzhou", cutoff));
  auto reader = StateReader::open(path, StateReader::Beside::kTheWriter);
  ASSERT_TRUE(reader) << reader.error();
  auto left = (*reader)->history({.limit = 100});
  ASSERT_TRUE(left);
  size_t hangzhou = 0;
  for (const auto& h : *left) {
    if (h.scope != "cn-hangzhou") continue;
    ++hangzhou;
    EXPECT_GE(h.observed_at, core::unixSeconds(cutoff)) << "only what is older goes";
  }
  EXPECT_EQ(hangzhou, 3u) << "everything observed since the cutoff stays (-10 d, -1 d, now)";
  EXPECT_EQ(left->size(), 3u + polls.size()) << "each region evicts only its own journal";
}

TEST(Journal, HistorySinceReadsFromWhereTheTimeBegins) {
  std::string path = testing::writeTempFile("journal/since.db", "");
  std::filesystem::remove(path);
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  for (int i = 0; i < 50; ++i) {
    auto at = kNow - hours(50 - i);
    auto t = fixtures::transition("t-" + std::to_string(i), "none", "Running");
    t.scope = "cn-hangzhou";
    ASSERT_TRUE((*store)->commit({"cn-hangzhou", {}, {t}, {true, at, ""}, at}));
  }
  auto reader = StateReader::open(path, StateReader::Beside::kTheWriter);
  ASSERT_TRUE(reader) << reader.error();
  auto day = (*reader)->history({.since = core::unixSeconds(kNow - hours(24)), .limit = 100});
  ASSERT_TRUE(day);
  ASSERT_EQ(day->size(), 24u) << "the last 24 hours, from -24 h to -1 h";
  EXPECT_EQ(day->front().invoke_id, "t-49") << "newest first";
  EXPECT_EQ(day->back().invoke_id, "t-26");
  auto none = (*reader)->history({.since = core::unixSeconds(kNow), .limit = 100});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace swas::state
