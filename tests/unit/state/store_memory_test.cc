// What opening a state file costs in memory. The integrity check reads every page of the file;
// SQLite's own count of its memory (sqlite3_status64) shows that the page cache stays at the
// size the store sets, however large the file: at SQLite's default of 2 MiB a restart on a large
// state file held 2 MiB more for the rest of the process's life (glibc keeps freed memory).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "daemon/state/store.h"
#include "tests/support/sim_process.h"

namespace swas::state {
namespace {

namespace fs = std::filesystem;

// A state file of several MiB: 40,000 transitions of about 150 bytes, written with SQLite
// itself (a store would take a while to write them one poll at a time).
std::string largeStateFile() {
  std::string path = testing::writeTempFile("store_memory/large.db", "");
  fs::remove(path);
  { EXPECT_TRUE(Store::open(path)); }  // the schema
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const char* fill =
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000) "
      "INSERT INTO transitions(region_id, invoke_id, instance_id, command_id, command_name, "
      "from_status, to_status, error_code, exit_code, creation_time, finish_time, alertable, "
      "observed_at) SELECT 'cn-hangzhou', printf('t-hz0373jy%08d', i), "
      "printf('i-bp1%029d', i % 200), 'c-hy0338xh28r0001', 'deploy-app', 'Running', 'Failed', "
      "'InstanceRestarted', 1, '2026-12-01T10:00:00Z', '2026-12-01T10:01:00Z', 1, 1796000000 + i "
      "FROM n";
  EXPECT_EQ(sqlite3_exec(db, fill, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
  fs::remove(path + "-wal");
  return path;
}

TEST(StoreMemory, OpeningALargeStateFileKeepsThePageCacheSmall) {
  std::string path = largeStateFile();
  ASSERT_GT(fs::file_size(path), 6u << 20) << "the file must be larger than SQLite's cache";
  sqlite3_int64 now = 0, peak = 0;
  ASSERT_EQ(sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &now, &peak, /*reset=*/1), SQLITE_OK);
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  ASSERT_EQ(sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &now, &peak, 0), SQLITE_OK);
  ASSERT_GT(peak, 0) << "SQLite counts no memory: the test would measure nothing";
  // 256 KiB of pages, and what a connection, its schema and the check hold besides.
  EXPECT_LT(peak, 1 << 20) << "SQLite held " << peak << " bytes at its peak while opening";
  EXPECT_LT(now, 1 << 20);
}

}  // namespace
}  // namespace swas::state
