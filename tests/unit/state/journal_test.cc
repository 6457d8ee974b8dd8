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
  for (auto [at, first] : std::vector<std::pair<int64_t, int64_t>>{{0, 0},
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

// The search reads a few rows by key, never the journal: the eviction runs inside a write
// transaction on the event loop ("SELECT min(id), max(id)" alone scanned every row).
TEST(Journal, TheSearchReadsByKeyNotAScan) {
  std::vector<std::pair<int64_t, int64_t>> rows;
  for (int64_t id = 1; id <= 5000; ++id) rows.emplace_back(id, id);
  auto db = journalOf(rows);
  EXPECT_EQ(firstObservedFrom(db, 2500), 2500);
  int scanned = 0, steps = 0;
  for (sqlite3_stmt* s = sqlite3_next_stmt(db.get(), nullptr); s != nullptr;
       s = sqlite3_next_stmt(db.get(), s)) {
    scanned += sqlite3_stmt_status(s, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0);
    steps += sqlite3_stmt_status(s, SQLITE_STMTSTATUS_VM_STEP, 0);
  }
  EXPECT_EQ(scanned, 0);
  EXPECT_LT(steps, 1000) << "about log2(5000) lookups";
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

// Ids only roughly follow observed_at: a full walk's chunk is stamped with the walk's start and
// committed after newer rows of other regions, and the clock may step back. --since is a
// condition on every row, not a range of ids a search found.
TEST(Journal, HistorySinceListsEveryRowStampedSinceWhateverTheOrder) {
  std::string path = testing::writeTempFile("journal/disorder.db", "");
  std::filesystem::remove(path);
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  int n = 0;
  for (auto at : {kNow - hours(1), kNow - hours(3), kNow - hours(2), kNow - minutes(30)}) {
    auto t = fixtures::transition("t-" + std::to_string(n++), "none", "Running");
    ASSERT_TRUE((*store)->commit({"cn-hangzhou", {}, {t}, {true, at, ""}, at}));
  }
  auto reader = StateReader::open(path, StateReader::Beside::kTheWriter);
  ASSERT_TRUE(reader) << reader.error();
  auto since =
      (*reader)->history({.since = core::unixSeconds(kNow - hours(2) - minutes(30)), .limit = 100});
  ASSERT_TRUE(since);
  std::vector<std::string> ids;
  for (const auto& h : *since) ids.push_back(h.invoke_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"t-3", "t-2", "t-0"}));
}

// What the journal's table says of itself, and its rows' ids.
struct Shape {
  std::string sql;
  std::vector<int64_t> ids;
  bool failures_index = false;
};
Shape shapeOf(const std::string& path) {
  Shape shape;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  auto each = [&](const char* sql, auto row) {
    sqlite3_stmt* q = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &q, nullptr), SQLITE_OK) << sql;
    while (q && sqlite3_step(q) == SQLITE_ROW) row(q);
    sqlite3_finalize(q);
  };
  each("SELECT sql FROM sqlite_master WHERE name = 'transitions'", [&](sqlite3_stmt* q) {
    shape.sql = reinterpret_cast<const char*>(sqlite3_column_text(q, 0));
  });
  each("SELECT id FROM transitions ORDER BY id",
       [&](sqlite3_stmt* q) { shape.ids.push_back(sqlite3_column_int64(q, 0)); });
  each("SELECT 1 FROM sqlite_master WHERE name = 'transitions_failures'",
       [&](sqlite3_stmt*) { shape.failures_index = true; });
  sqlite3_close(db);
  return shape;
}

// A journal with rows 5 and 9, as an older build left it (AUTOINCREMENT), and `extra` SQL.
std::string olderJournal(const std::string& name, const std::string& extra) {
  std::string path = testing::writeTempFile("journal/" + name, "");
  std::filesystem::remove(path);
  {
    auto store = Store::open(path);
    EXPECT_TRUE(store) << store.error();
  }
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string sql =
      "DROP TABLE transitions; CREATE TABLE transitions(id INTEGER PRIMARY KEY AUTOINCREMENT, "
      "region_id TEXT NOT NULL, invoke_id TEXT NOT NULL, instance_id TEXT NOT NULL, command_id "
      "TEXT NOT NULL, command_name TEXT NOT NULL, from_status TEXT NOT NULL, to_status TEXT NOT "
      "NULL, error_code TEXT NOT NULL, exit_code INTEGER, creation_time TEXT NOT NULL, "
      "finish_time TEXT NOT NULL, alertable INTEGER NOT NULL, observed_at INTEGER NOT NULL);"
      "CREATE INDEX transitions_failures ON transitions(id) WHERE to_status IN ('Failed', "
      "'Timeout', 'Error', 'Invalid', 'Aborted') OR error_code != '';"
      "INSERT INTO transitions VALUES(5,'cn-hangzhou','t-5','i1','c','deploy','Running',"
      "'Failed','',1,'','',1,100),(9,'cn-hangzhou','t-9','i1','c','deploy','Running','Success',"
      "'',0,'','',1,200);" +
      extra;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  return path;
}

// AUTOINCREMENT wrote sqlite_sequence's page on every commit that journaled a transition: the
// table is copied once without it, its rows and ids and its index of failures kept.
TEST(Journal, AnOlderJournalIsCopiedOnceWithoutAutoincrement) {
  std::string path = olderJournal("autoincrement.db", "");
  ASSERT_NE(shapeOf(path).sql.find("AUTOINCREMENT"), std::string::npos);
  {
    auto store = Store::open(path);
    ASSERT_TRUE(store) << store.error();
    EXPECT_EQ(std::filesystem::file_size(path + "-wal"), 0u)
        << "the WAL that carried the copy is given back";
    auto t = fixtures::transition("t-10", "none", "Running");
    ASSERT_TRUE((*store)->commit({"cn-hangzhou", {}, {t}, {true, kNow, ""}, kNow}));
  }
  Shape after = shapeOf(path);
  EXPECT_EQ(after.sql.find("AUTOINCREMENT"), std::string::npos) << after.sql;
  EXPECT_EQ(after.ids, (std::vector<int64_t>{5, 9, 10}));
  EXPECT_TRUE(after.failures_index);
  auto reader = StateReader::open(path, StateReader::Beside::kTheWriter);
  ASSERT_TRUE(reader) << reader.error();
  auto failures = (*reader)->history({.failures_only = true, .limit = 10});
  ASSERT_TRUE(failures);
  ASSERT_EQ(failures->size(), 1u);
  EXPECT_EQ(failures->front().invoke_id, "t-5");
}

// A copy that cannot be made (here: its name is taken; in life, a full disk) leaves the journal
// as it was, and the daemon starts all the same: the sequence costs a page, nothing else.
TEST(Journal, ACopyThatFailsLeavesTheJournalAsItWas) {
  std::string path = olderJournal("copy-fails.db", "CREATE TABLE transitions_copy(x);");
  {
    auto store = Store::open(path);
    ASSERT_TRUE(store) << store.error();
    auto t = fixtures::transition("t-10", "none", "Running");
    ASSERT_TRUE((*store)->commit({"cn-hangzhou", {}, {t}, {true, kNow, ""}, kNow}));
  }
  Shape after = shapeOf(path);
  EXPECT_NE(after.sql.find("AUTOINCREMENT"), std::string::npos);
  EXPECT_EQ(after.ids, (std::vector<int64_t>{5, 9, 10}));
  EXPECT_TRUE(after.failures_index);
}

}  // namespace
}  // namespace swas::state
