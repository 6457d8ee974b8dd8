// Which commits reach the disk before they return: the WAL is synced for every commit that
// promises something (alerts fired, resolved or queued; failures it decided not to alert; a
// message fixed before its first attempt), and not for a poll that only moved invocations
// along, a delivery's outcome, nor the status row. Counted by a VFS in
// front of SQLite's own, which forwards every call and counts the WAL's xSync.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <filesystem>

#include "daemon/state/sqlite.h"
#include "daemon/state/store.h"
#include "tests/support/sim_process.h"
#include "tests/unit/state/store_fixtures.h"

namespace swas::state {
namespace {

using namespace std::chrono;

std::atomic<int> wal_syncs{0};
std::atomic<int> wal_pages{0};  // pages written to the WAL (each frame's header is its own write)

// Our file, with SQLite's own right behind it.
struct CountingFile {
  sqlite3_file base;
  bool wal;
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

CountingFile* self(sqlite3_file* f) { return reinterpret_cast<CountingFile*>(f); }
sqlite3_file* real(sqlite3_file* f) { return self(f)->real(); }

int fClose(sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); }
int fRead(sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
  return real(f)->pMethods->xRead(real(f), b, n, o);
}
int fWrite(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
  if (self(f)->wal && n >= 512) ++wal_pages;
  return real(f)->pMethods->xWrite(real(f), b, n, o);
}
int fTruncate(sqlite3_file* f, sqlite3_int64 n) { return real(f)->pMethods->xTruncate(real(f), n); }
int fSync(sqlite3_file* f, int flags) {
  if (self(f)->wal) ++wal_syncs;
  return real(f)->pMethods->xSync(real(f), flags);
}
int fSize(sqlite3_file* f, sqlite3_int64* n) { return real(f)->pMethods->xFileSize(real(f), n); }
int fLock(sqlite3_file* f, int l) { return real(f)->pMethods->xLock(real(f), l); }
int fUnlock(sqlite3_file* f, int l) { return real(f)->pMethods->xUnlock(real(f), l); }
int fCheck(sqlite3_file* f, int* out) {
  return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int fControl(sqlite3_file* f, int op, void* arg) {
  return real(f)->pMethods->xFileControl(real(f), op, arg);
}
int fSector(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int fDevice(sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }
int fShmMap(sqlite3_file* f, int i, int n, int w, void volatile** p) {
  return real(f)->pMethods->xShmMap(real(f), i, n, w, p);
}
int fShmLock(sqlite3_file* f, int o, int n, int flags) {
  return real(f)->pMethods->xShmLock(real(f), o, n, flags);
}
void fShmBarrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
int fShmUnmap(sqlite3_file* f, int del) { return real(f)->pMethods->xShmUnmap(real(f), del); }
int fFetch(sqlite3_file* f, sqlite3_int64 o, int n, void** p) {
  return real(f)->pMethods->xFetch(real(f), o, n, p);
}
int fUnfetch(sqlite3_file* f, sqlite3_int64 o, void* p) {
  return real(f)->pMethods->xUnfetch(real(f), o, p);
}

const sqlite3_io_methods kMethods = {
    3,        fClose,  fRead,   fWrite,  fTruncate, fSync,       fSize,     fLock,  fUnlock, fCheck,
    fControl, fSector, fDevice, fShmMap, fShmLock,  fShmBarrier, fShmUnmap, fFetch, fUnfetch};

sqlite3_vfs* os = nullptr;  // SQLite's own
sqlite3_vfs counting;

int vOpen(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out) {
  auto* file = self(f);
  std::memset(file, 0, sizeof(CountingFile));
  int rc = os->xOpen(os, name, file->real(), flags, out);
  if (file->real()->pMethods == nullptr) return rc;  // nothing to close
  file->wal = (flags & SQLITE_OPEN_WAL) != 0;
  file->base.pMethods = &kMethods;
  return rc;
}

// Registers the counting VFS as the default while it lives.
class CountingVfs {
 public:
  CountingVfs() {
    os = sqlite3_vfs_find(nullptr);
    counting = *os;
    counting.zName = "swas-counting";
    counting.szOsFile = static_cast<int>(sizeof(CountingFile)) + os->szOsFile;
    counting.xOpen = vOpen;
    counting.pNext = nullptr;
    sqlite3_vfs_register(&counting, 1);
  }
  ~CountingVfs() {
    sqlite3_vfs_unregister(&counting);
    sqlite3_vfs_register(os, 1);
  }
};

const system_clock::time_point kNow = sys_days(year(2026) / 11 / 28) + hours(13);

core::Invocation running(std::string id, std::string status) {
  core::Invocation v{"cn-hangzhou",    std::move(id),         "c-1",  "deploy",
                     "RunShellScript", "2026-11-28T12:00:00", status, {}};
  v.instances.push_back(core::InstanceState{.instance_id = "i1", .status = std::move(status)});
  return v;
}

using fixtures::alert;

// A store in a new file under the counting VFS (which must outlive it).
std::unique_ptr<Store> freshStore(const std::string& name) {
  std::string path = testing::writeTempFile("store/" + name, "");
  std::filesystem::remove(path);
  auto opened = Store::open(path);
  EXPECT_TRUE(opened) << opened.error();
  return opened ? std::move(*opened) : nullptr;
}

// How many times the WAL was synced while `step` ran, which must succeed.
template <typename Step>
int syncsDuring(Step step) {
  int before = wal_syncs.load();
  EXPECT_TRUE(step());
  return wal_syncs.load() - before;
}

TEST(StoreSync, OnlyCommitsThatPromiseAlertsWaitForTheDisk) {
  CountingVfs vfs;
  std::string path = testing::writeTempFile("store/sync.db", "");
  std::filesystem::remove(path);
  {
    auto opened = Store::open(path);
    ASSERT_TRUE(opened) << opened.error();
    Store& store = **opened;
    // A poll that only records what the API says: no fsync (the API can tell it again).
    PollCommit quiet{"cn-hangzhou",
                     {running("t-1", "Running")},
                     {fixtures::transition("t-1", "none", "Running")},
                     {true, kNow, "2026-11-28T12:00:00"},
                     kNow};
    EXPECT_EQ(syncsDuring([&] { return store.commit(quiet).has_value(); }), 0);
    // A poll that fires an alert and queues its notification: synced before it returns, so
    // nothing is sent that a power cut could take back (and the earlier commit with it).
    PollCommit failing = quiet;
    failing.changed = {running("t-1", "Failed")};
    failing.transitions = {fixtures::transition("t-1", "Running", "Failed")};
    failing.alerts.fired = {alert("a")};
    failing.alerts.notifications = {{"ops", "a", false, 100}};
    EXPECT_GE(syncsDuring([&] { return store.commit(failing).has_value(); }), 1);
    // The status row is not synced, and whatever follows it is again.
    StatusSnapshot status;
    status.now = 1'796'000'000;
    status.regions.push_back({.scope = "cn-hangzhou", .up = true});
    EXPECT_EQ(syncsDuring([&] { return store.recordStatus(status).has_value(); }), 0);
    EXPECT_EQ(syncsDuring([&] { return store.commit(quiet).has_value(); }), 0);
    core::AlertWrites resolve;
    resolve.resolved = {{"a", 1'796'000'100}};
    EXPECT_GE(syncsDuring([&] { return store.commitAlerts(resolve).has_value(); }), 1);
    PollCommit resolving = quiet;
    resolving.alerts.resolved = {{"a", 1'796'000'200}};
    EXPECT_GE(syncsDuring([&] { return store.commit(resolving).has_value(); }), 1);
    // A newly watched instance's baseline decided not to alert old failures: taken back by a
    // power cut, a later walk would alert them. Synced.
    PollCommit baseline = quiet;
    baseline.changed = {running("t-2", "Failed")};
    baseline.transitions = {fixtures::transition("t-2", "none", "Failed", false)};
    EXPECT_GE(syncsDuring([&] { return store.commit(baseline).has_value(); }), 1);
    // A cold start's chunk before its last is not: taken back, the cursor written after it goes
    // too. Its chunk that fires an alert is synced, and the WAL with it; and so is its last,
    // the cursor, even with no baseline in it (a young invocation taken back with it would be
    // old to the next cold start, and its failure never alerted).
    PollCommit cold = baseline;
    cold.cold_start = true;
    cold.write_cursor = false;
    cold.changed = {running("t-3", "Failed")};
    cold.transitions = {fixtures::transition("t-3", "none", "Failed", false)};
    EXPECT_EQ(syncsDuring([&] { return store.commit(cold).has_value(); }), 0);
    PollCommit cold_alert = cold;
    cold_alert.changed = {running("t-4", "Failed")};
    cold_alert.transitions = {fixtures::transition("t-4", "none", "Failed", false),
                              fixtures::transition("t-5", "none", "Failed")};
    cold_alert.alerts.fired = {alert("b")};
    cold_alert.alerts.notifications = {{"ops", "b", false, 100}};
    EXPECT_GE(syncsDuring([&] { return store.commit(cold_alert).has_value(); }), 1);
    PollCommit cold_end = cold;
    cold_end.write_cursor = true;
    cold_end.changed = {running("t-6", "Running")};
    cold_end.transitions = {fixtures::transition("t-6", "none", "Running")};
    EXPECT_GE(syncsDuring([&] { return store.commit(cold_end).has_value(); }), 1);
    // The level an unsynced commit set stays for the next transaction that wants it, and only
    // for it: the writes outside the poll's commit are synced after one all the same.
    EXPECT_EQ(syncsDuring([&] { return store.commit(quiet).has_value(); }), 0);
    EXPECT_GE(
        syncsDuring([&] { return store.replaceDiscoveredRegions({"cn-hangzhou"}).has_value(); }),
        1);
    EXPECT_EQ(syncsDuring([&] { return store.recordStatus(status).has_value(); }), 0);
    core::AlertWrites fire;
    fire.fired = {alert("c")};
    EXPECT_GE(syncsDuring([&] { return store.commitAlerts(fire).has_value(); }), 1);
    // A message is fixed (synced) before its first attempt; its outcome is not: a power cut
    // that took it back sends the message again under its Idempotency-Key.
    auto pending = store.pendingNotifications("ops", 10);
    ASSERT_TRUE(pending);
    ASSERT_FALSE(pending->empty());
    std::vector<int64_t> ids{pending->front().id};
    EXPECT_GE(
        syncsDuring([&] {
          return store.updateNotifications(ids, {NotificationUpdate::kAssign, ids[0]}).has_value();
        }),
        1);
    EXPECT_EQ(
        syncsDuring([&] {
          return store.updateNotifications(ids, {NotificationUpdate::kDefer, 0, 5}).has_value();
        }),
        0);
    EXPECT_EQ(syncsDuring([&] {
                return store.updateNotifications(ids, {NotificationUpdate::kRemove}).has_value();
              }),
              0);
  }
  // What was not synced is in the file all the same: a process that dies loses nothing.
  auto reopened = Store::open(path);
  ASSERT_TRUE(reopened) << reopened.error();
  auto snapshot = (*reopened)->loadRegion("cn-hangzhou");
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->at("t-1").instances.at("i1").status, "Running");
}

// What a steady poll's commit writes to the WAL, each page 4 KiB written and checksummed: one
// page of each table it changes, and no page of an index that served only the hourly eviction
// (invocations by `finished`: two pages, where an invocation leaves the unfinished and joins the
// finished).
TEST(StoreSync, ASteadyPollWritesThePagesOfWhatItChanges) {
  CountingVfs vfs;
  auto opened = freshStore("pages.db");
  ASSERT_TRUE(opened);
  Store& store = *opened;
  // A history that spans many pages of each table, its newest still running.
  PollCommit history{"cn-hangzhou", {}, {}, {true, kNow, "2026-11-28T12:00:00"}, kNow};
  for (int i = 100; i < 400; ++i) {
    std::string id = "t-" + std::to_string(i);
    history.changed.push_back(running(id, i < 399 ? "Success" : "Running"));
    history.transitions.push_back(fixtures::transition(id, "none", "Running"));
    if (i < 399) history.transitions.push_back(fixtures::transition(id, "Running", "Success"));
  }
  ASSERT_TRUE(store.commit(history));
  // The next poll: the running one ends, a new one starts.
  PollCommit steady{"cn-hangzhou",
                    {running("t-399", "Success"), running("t-400", "Running")},
                    {fixtures::transition("t-399", "Running", "Success"),
                     fixtures::transition("t-400", "none", "Running")},
                    {true, kNow, "2026-11-28T12:00:01"},
                    kNow + seconds(1)};
  int before = wal_pages.load();
  ASSERT_TRUE(store.commit(steady));
  int pages = wal_pages.load() - before;
  // The region's cursor, the invocations, their instances and the journal: 8 pages with the
  // indexes and the journal's AUTOINCREMENT (sqlite_sequence) of schema 8 as migrated.
  EXPECT_LE(pages, 4);
}

// The status row, every 5 s, updates its rows in place: a REPLACE also wrote a page of each
// table's key index (7 pages, now 4: the time it was recorded, the regions, their calls and
// the receivers).
TEST(StoreSync, TheStatusRowUpdatesItsRowsInPlace) {
  CountingVfs vfs;
  auto opened = freshStore("status-pages.db");
  ASSERT_TRUE(opened);
  Store& store = *opened;
  StatusSnapshot status;
  status.now = 1'796'000'000;
  status.regions.push_back({.scope = "cn-hangzhou", .up = true, .calls = 5});
  status.receivers.push_back({"ops", "delivered", 1'796'000'000});
  status.configured_receivers = {"ops"};
  ASSERT_TRUE(store.recordStatus(status));
  status.now += 5;
  status.regions[0].last_success = status.now;
  status.receivers[0].at = status.now;
  int before = wal_pages.load();
  ASSERT_TRUE(store.recordStatus(status));
  EXPECT_LE(wal_pages.load() - before, 4);
}

// Polls in a row that promise nothing set synchronous=NORMAL once, not twice each (a PRAGMA
// is parsed every time it runs).
TEST(StoreSync, UnsyncedTransactionsInARowSetTheLevelOnce) {
  std::string path = testing::writeTempFile("store/pragmas.db", "");
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  sql::Connection db;
  db.reset(raw);
  ASSERT_TRUE(db.exec("PRAGMA journal_mode=WAL") && db.exec("CREATE TABLE t(x)"));
  static int pragmas = 0;
  pragmas = 0;
  sqlite3_trace_v2(
      raw, SQLITE_TRACE_STMT,
      [](unsigned, void*, void*, void* sql) {
        if (std::strncmp(static_cast<const char*>(sql), "PRAGMA synchronous", 18) == 0) ++pragmas;
        return 0;
      },
      nullptr);
  auto write = [&](sql::Sync sync) {
    sql::Transaction tx(db, sync);
    return tx.began() && db.run("INSERT INTO t VALUES(1)") && tx.commit();
  };
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(write(sql::Sync::kUnsynced));
  EXPECT_EQ(pragmas, 1);
  ASSERT_TRUE(write(sql::Sync::kSynced));
  ASSERT_TRUE(write(sql::Sync::kSynced));
  EXPECT_EQ(pragmas, 2);
}

}  // namespace
}  // namespace swas::state
