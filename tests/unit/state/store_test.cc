#include "daemon/state/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>

#include "daemon/state/state_reader.h"
#include "tests/support/sim_process.h"
#include "tests/unit/state/store_fixtures.h"

namespace swas::state {
namespace {

using namespace std::chrono;
namespace fs = std::filesystem;

std::string freshPath(const std::string& name) {
  std::string path = testing::writeTempFile("store/" + name, "");
  fs::remove(path);
  return path;
}

core::Invocation inv(std::string id, std::string overall, std::string status,
                     std::string created = "2026-11-28T12:00:00") {
  core::Invocation v{"cn-hangzhou",      std::move(id),      "c-1", "deploy", "RunShellScript",
                     std::move(created), std::move(overall), {}};
  v.instances.push_back(
      core::InstanceState{.instance_id = "i1", .status = std::move(status), .exit_code = 0});
  return v;
}

const system_clock::time_point kNow = sys_days(year(2026) / 11 / 28) + hours(13);

TEST(Store, CommitsAndReloadsAcrossReopen) {
  std::string path = freshPath("roundtrip.db");
  {
    auto store = Store::open(path);
    ASSERT_TRUE(store) << store.error();
    auto cursor = (*store)->loadCursor("cn-hangzhou");
    ASSERT_TRUE(cursor);
    EXPECT_FALSE(cursor->known);
    PollCommit poll{"cn-hangzhou",
                    {inv("t-1", "Running", "Running"), inv("t-2", "Success", "Success")},
                    {fixtures::transition("t-1", "none", "Running")},
                    {true, kNow, "2026-11-28T12:00:00"},
                    kNow};
    ASSERT_TRUE((*store)->commit(poll));
  }
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  auto snapshot = (*store)->loadRegion("cn-hangzhou");
  ASSERT_TRUE(snapshot);
  ASSERT_EQ(snapshot->size(), 2u);
  EXPECT_EQ(snapshot->at("t-1").instances.at("i1").status, "Running");
  EXPECT_FALSE(snapshot->at("t-1").finished);
  EXPECT_TRUE(snapshot->at("t-2").finished);
  auto cursor = (*store)->loadCursor("cn-hangzhou");
  EXPECT_TRUE(cursor->known);
  EXPECT_EQ(cursor->newest_creation, "2026-11-28T12:00:00");
  EXPECT_EQ(floor<seconds>(cursor->last_full_scan), floor<seconds>(kNow));
  EXPECT_EQ(*(*store)->transitionCount(), 1u);
  EXPECT_TRUE((*store)->loadRegion("cn-beijing")->empty());
}

TEST(Store, RefusesASecondDaemon) {
  std::string path = freshPath("locked.db");
  auto first = Store::open(path);
  ASSERT_TRUE(first);
  auto second = Store::open(path);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find(path), std::string::npos);
  EXPECT_NE(second.error().find("in use by another running"), std::string::npos);
  EXPECT_NE(second.error().find("pid " + std::to_string(getpid())), std::string::npos);
  first->reset();
  EXPECT_TRUE(Store::open(path)) << "the lock is released with the store";
}

void expectRefused(const std::string& path, const std::string& needle) {
  auto store = Store::open(path);
  ASSERT_FALSE(store) << "opened " << path;
  EXPECT_NE(store.error().find(path), std::string::npos) << store.error();
  EXPECT_NE(store.error().find(needle), std::string::npos) << store.error();
}

TEST(Store, RefusesGarbage) {
  std::string path = freshPath("garbage.db");
  std::ofstream(path) << std::string(8192, 'x');
  expectRefused(path, "move it aside");
  EXPECT_EQ(fs::file_size(path), 8192u) << "the file must be left as it was";
}

TEST(Store, RefusesATruncatedDatabase) {
  std::string path = freshPath("truncated.db");
  {
    auto store = Store::open(path);
    ASSERT_TRUE(store);
    std::vector<core::Invocation> many;
    for (int i = 0; i < 2000; ++i)
      many.push_back(inv("t-" + std::to_string(i), "Success", "Success"));
    ASSERT_TRUE((*store)->commit({"cn-hangzhou", many, {}, {true, kNow, ""}, kNow}));
  }
  // Checkpointed into the main file by the close; cut it in the middle of its pages.
  fs::remove(path + "-wal");
  fs::resize_file(path, fs::file_size(path) / 2);
  expectRefused(path, "corrupt");
}

// Locked by another process (here one that keeps the file to itself), it cannot be read: not
// called corrupt, whose message advises moving it aside and losing its state.
TEST(Store, AFileLockedElsewhereIsNotCalledCorrupt) {
  std::string path = freshPath("locked.db");
  ASSERT_TRUE(Store::open(path));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; "
                         "CREATE TABLE held(x)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  // After its 5 s busy timeout, twice: setting the page cache reads the schema too.
  auto store = Store::open(path);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find("cannot read state file " + path), std::string::npos)
      << store.error();
  EXPECT_NE(store.error().find("locked"), std::string::npos) << store.error();
  EXPECT_EQ(store.error().find("corrupt"), std::string::npos) << store.error();
  EXPECT_EQ(store.error().find("move it aside"), std::string::npos) << store.error();
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_TRUE(Store::open(path)) << "once released, it opens as before";
}

TEST(Store, RefusesANewerSchema) {
  std::string path = freshPath("newer.db");
  ASSERT_TRUE(Store::open(path));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  expectRefused(path, "schema version 99");
}

TEST(Store, RefusesSomebodyElsesDatabase) {
  std::string path = freshPath("foreign.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE users(id)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  expectRefused(path, "something else");
}

TEST(Store, RefusesAnUnopenablePath) {
  std::string dir = freshPath("a-directory");
  fs::create_directories(dir);
  expectRefused(dir, "cannot open state file");
  expectRefused("/nonexistent-dir/state.db", "cannot open lock file");
}

TEST(Store, LatestSuccessOfEachCommandOnEachInstance) {
  auto store = Store::open(freshPath("successes.db"));
  ASSERT_TRUE(store);
  auto older = inv("t-1", "Success", "Success", "2026-11-28T10:00:00");
  older.instances.push_back(core::InstanceState{.instance_id = "i2", .status = "Failed"});
  auto newer = inv("t-2", "Success", "Success", "2026-11-28T11:00:00");
  newer.instances[0].finish_time = "2026-11-28T11:05:00Z";
  auto failed = inv("t-3", "Failed", "Failed", "2026-11-28T12:00:00");
  auto other = inv("t-4", "Success", "Success", "2026-11-28T09:00:00");
  other.command_id = "c-2";
  ASSERT_TRUE((*store)->commit({"cn-hangzhou", {older, newer, failed, other}, {}, {true}, kNow}));
  ASSERT_TRUE((*store)->commit(
      {"cn-beijing", {inv("t-9", "Success", "Success", "2026-11-28T08:00:00")}, {}, {true}, kNow}));
  auto successes = (*store)->latestSuccesses();
  ASSERT_TRUE(successes) << successes.error().message;
  std::set<std::string> got;
  for (const auto& t : *successes) {
    EXPECT_EQ(t.to, "Success");
    got.insert(t.scope + " " + t.instance_id + " " + t.command_id + " " + t.invoke_id + " " +
               t.creation_time + " " + t.finish_time);
  }
  EXPECT_EQ(got, (std::set<std::string>{
                     "cn-beijing i1 c-1 t-9 2026-11-28T08:00:00 ",
                     "cn-hangzhou i1 c-1 t-2 2026-11-28T11:00:00 2026-11-28T11:05:00Z",
                     "cn-hangzhou i1 c-2 t-4 2026-11-28T09:00:00 ",
                 }));
}

// `finished` (what the eviction may take) needs the overall status and every stored instance
// terminal, also one this poll did not list; computed in the invocation's upsert after its
// instances' (an instance written after it would be missed).
TEST(Store, AnInvocationIsFinishedWhenEveryStoredInstanceIs) {
  auto store = Store::open(freshPath("finished.db"));
  ASSERT_TRUE(store);
  auto two = inv("t-3", "Running", "Running");
  two.instances.push_back(core::InstanceState{.instance_id = "i2", .status = "Running"});
  auto finished = [&](core::Invocation v) {
    EXPECT_TRUE((*store)->commit({"cn-hangzhou", {std::move(v)}, {}, {true, kNow, ""}, kNow}));
    return (*store)->loadRegion("cn-hangzhou")->at("t-3").finished;
  };
  EXPECT_FALSE(finished(two));
  EXPECT_FALSE(finished(inv("t-3", "Success", "Success"))) << "i2 is still running";
  auto last = inv("t-3", "Success", "Success");
  last.instances[0].instance_id = "i2";
  EXPECT_TRUE(finished(last));
}

TEST(Store, EvictsFinishedInvocationsOlderThanTheCutoff) {
  auto store = Store::open(freshPath("evict.db"));
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->commit({"cn-hangzhou",
                                {inv("t-old-done", "Success", "Success", "2026-11-01T00:00:00"),
                                 inv("t-old-running", "Running", "Running", "2026-11-01T00:00:00"),
                                 inv("t-new-done", "Failed", "Failed", "2026-11-28T00:00:00")},
                                {},
                                {true, kNow, ""},
                                kNow}));
  ASSERT_TRUE(
      (*store)->commit({"cn-beijing",
                        {inv("t-other-region", "Success", "Success", "2026-11-01T00:00:00")},
                        {},
                        {true, kNow, ""},
                        kNow}));
  auto evicted = (*store)->evictFinishedBefore("cn-hangzhou", sys_days(year(2026) / 11 / 14));
  ASSERT_TRUE(evicted);
  EXPECT_EQ(*evicted, 1u);
  EXPECT_TRUE((*store)->loadRegion("cn-beijing")->contains("t-other-region"))
      << "each region evicts only its own state";
  auto snapshot = (*store)->loadRegion("cn-hangzhou");
  EXPECT_FALSE(snapshot->contains("t-old-done"));
  EXPECT_TRUE(snapshot->contains("t-old-running")) << "unfinished work is never forgotten";
  EXPECT_TRUE(snapshot->contains("t-new-done"));
}

using fixtures::alert;

TEST(Store, AlertsAndTheirNotificationsCommitWithThePoll) {
  std::string path = freshPath("alerts.db");
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  PollCommit poll{"cn-hangzhou", {inv("t-a", "Failed", "Failed")}, {}, {true}, kNow};
  poll.alerts.fired = {alert("a"), alert("b")};
  poll.alerts.notifications = {
      {"ops", "a", false, 100}, {"ops", "b", false, 100}, {"am", "a", false, 100}};
  ASSERT_TRUE((*store)->commit(poll));
  EXPECT_EQ((*store)->outboxCounts().value(),
            (std::map<std::string, int64_t>{{"am", 1}, {"ops", 2}}));
  auto firing = (*store)->alerts(std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(firing);
  ASSERT_EQ(firing->size(), 2u);
  EXPECT_EQ((*firing)[0].labels_json, R"({"alertname":"SwasInvocationFailed"})");

  // The same occurrence again is not a second alert.
  core::AlertWrites again;
  again.fired = {alert("a", 5)};
  ASSERT_TRUE((*store)->commitAlerts(again));
  EXPECT_EQ((*store)->alerts(std::numeric_limits<int64_t>::max())->front().starts_at,
            1'796'000'000);

  // A message is composed once; retries keep it; delivery removes it.
  auto pending = (*store)->pendingNotifications("ops", 10);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_FALSE((*pending)[0].message_id);
  EXPECT_EQ((*pending)[0].alert.fingerprint, "a");
  std::vector<int64_t> ids = {(*pending)[0].id, (*pending)[1].id};
  ASSERT_TRUE((*store)->updateNotifications(ids, {NotificationUpdate::kAssign, ids[0]}));
  ASSERT_TRUE((*store)->updateNotifications(ids, {NotificationUpdate::kDefer, 0, 123'456}));
  pending = (*store)->pendingNotifications("ops", 10);
  EXPECT_EQ((*pending)[1].message_id, ids[0]);
  EXPECT_EQ((*pending)[1].attempts, 1);
  EXPECT_EQ((*pending)[1].next_attempt_at, 123'456);
  ASSERT_TRUE((*store)->updateNotifications(ids, {NotificationUpdate::kRemove}));
  EXPECT_TRUE((*store)->pendingNotifications("ops", 10)->empty());

  // Resolved alerts stay listed for a while, then are forgotten once nothing is left to send.
  core::AlertWrites resolve;
  resolve.resolved = {{"b", 1'796'000'600}};
  ASSERT_TRUE((*store)->commitAlerts(resolve));
  EXPECT_EQ((*store)->alerts(1'796'000'000)->size(), 2u);
  EXPECT_EQ((*store)->alerts(1'796'000'601)->size(), 1u) << "only the firing one";
  EXPECT_EQ((*store)->evictResolvedAlerts(1'796'000'601).value(), 1u);
  EXPECT_EQ((*store)->evictResolvedAlerts(1'796'000'601).value(), 0u);
}

// Failed, then Running, then Timeout on one (region, invocation, instance): two occurrences,
// two alerts, and each notification has its alert (none left orphaned in the outbox).
TEST(Store, ASecondOccurrenceOnTheSameInstanceIsASecondAlert) {
  std::string path = freshPath("second.db");
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  core::AlertWrites first;
  first.fired = {alert("f1")};
  first.notifications = {{"ops", "f1", false, 1}};
  ASSERT_TRUE((*store)->commitAlerts(first));
  core::AlertWrites second;
  second.fired = {alert("f2", 1'796'000'100)};
  second.fired[0].invoke_id = "t-f1";  // the same occurrence triple as f1
  second.notifications = {{"ops", "f2", false, 2}};
  ASSERT_TRUE((*store)->commitAlerts(second));
  EXPECT_EQ((*store)->alerts(std::numeric_limits<int64_t>::max())->size(), 2u);
  auto pending = (*store)->pendingNotifications("ops", 10);
  ASSERT_EQ(pending->size(), 2u) << "both notifications join their alerts";
  EXPECT_EQ((*pending)[1].alert.fingerprint, "f2");

  // The same labels firing again after their alert resolved re-open it.
  core::AlertWrites resolve;
  resolve.resolved = {{"f1", 1'796'000'050}};
  ASSERT_TRUE((*store)->commitAlerts(resolve));
  core::AlertWrites again;
  again.fired = {alert("f1", 1'796'000'200)};
  ASSERT_TRUE((*store)->commitAlerts(again));
  auto firing = (*store)->alerts(std::numeric_limits<int64_t>::max());
  ASSERT_EQ(firing->size(), 2u);
  EXPECT_EQ(firing->back().fingerprint, "f1");
  EXPECT_EQ(firing->back().starts_at, 1'796'000'200);
  EXPECT_FALSE(firing->back().ends_at);
}

// The Alertmanager re-send reads the firing set a page at a time.
TEST(Store, AlertsComeInPages) {
  std::string path = freshPath("pages.db");
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  core::AlertWrites w;
  for (int i = 0; i < 7; ++i) w.fired.push_back(alert("p" + std::to_string(i), 100 + i / 2));
  ASSERT_TRUE((*store)->commitAlerts(w));
  std::vector<std::string> seen;
  AlertPage page{.limit = 3};
  while (true) {
    auto batch = (*store)->alerts(0, page);
    ASSERT_TRUE(batch);
    if (batch->empty()) break;
    EXPECT_LE(batch->size(), 3u);
    for (const auto& a : *batch) seen.push_back(a.fingerprint);
    page.after_starts_at = batch->back().starts_at;
    page.after_fingerprint = batch->back().fingerprint;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"p0", "p1", "p2", "p3", "p4", "p5", "p6"}));
}

TEST(Store, MigratesAVersionOneFile) {
  std::string path = freshPath("v1.db");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    // Version 1 as it shipped: the tables the poll engine wrote, and its empty outbox.
    const char* v1 =
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE regions(region_id TEXT PRIMARY KEY, last_full_scan INTEGER NOT NULL, "
        "newest_creation TEXT NOT NULL, updated_at INTEGER NOT NULL);"
        "CREATE TABLE invocations(region_id TEXT NOT NULL, invoke_id TEXT NOT NULL, "
        "command_id TEXT NOT NULL, command_name TEXT NOT NULL, command_type TEXT NOT NULL, "
        "creation_time TEXT NOT NULL, overall_status TEXT NOT NULL, finished INTEGER NOT NULL, "
        "updated_at INTEGER NOT NULL, PRIMARY KEY(region_id, invoke_id)) WITHOUT ROWID;"
        "CREATE INDEX invocations_finished ON invocations(finished, creation_time);"
        "CREATE TABLE instance_states(region_id TEXT NOT NULL, invoke_id TEXT NOT NULL, "
        "instance_id TEXT NOT NULL, status TEXT NOT NULL, error_code TEXT NOT NULL, exit_code "
        "INTEGER, finish_time TEXT NOT NULL, PRIMARY KEY(region_id, invoke_id, instance_id)) "
        "WITHOUT ROWID;"
        "CREATE TABLE transitions(id INTEGER PRIMARY KEY AUTOINCREMENT, region_id TEXT NOT NULL, "
        "invoke_id TEXT NOT NULL, instance_id TEXT NOT NULL, command_id TEXT NOT NULL, "
        "command_name TEXT NOT NULL, from_status TEXT NOT NULL, to_status TEXT NOT NULL, "
        "error_code TEXT NOT NULL, exit_code INTEGER, creation_time TEXT NOT NULL, finish_time "
        "TEXT NOT NULL, alertable INTEGER NOT NULL, observed_at INTEGER NOT NULL);"
        "CREATE INDEX transitions_observed ON transitions(observed_at);"
        "CREATE TABLE outbox(id INTEGER PRIMARY KEY AUTOINCREMENT, receiver TEXT NOT NULL, "
        "fingerprint TEXT NOT NULL, payload TEXT NOT NULL, created_at INTEGER NOT NULL, "
        "next_attempt_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);"
        "INSERT INTO regions VALUES('cn-hangzhou', 0, '2026-11-28T12:00:00', 0);"
        "PRAGMA user_version=1;";
    ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  EXPECT_EQ((*store)->loadCursor("cn-hangzhou")->newest_creation, "2026-11-28T12:00:00")
      << "data survives the migration";
  core::AlertWrites w;
  w.fired = {alert("a")};
  w.notifications = {{"ops", "a", false, 1}};
  EXPECT_TRUE((*store)->commitAlerts(w));
  EXPECT_EQ((*store)->outboxCounts()->at("ops"), 1);
  // The indexes a poll's commit wrote for the hourly eviction only are dropped on open.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT count(*) FROM sqlite_master WHERE name IN "
                               "('invocations_finished', 'transitions_observed')",
                               -1, &q, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(q, 0), 0);
  sqlite3_finalize(q);
  sqlite3_close(db);
}

// Every read leaves its statement reset: a statement left mid-step holds a read snapshot for the
// life of the process, and then no checkpoint can ever complete and the WAL grows without bound.
TEST(Store, ReadsLeaveNoSnapshotOpenSoTheWalCanBeCheckpointed) {
  std::string path = freshPath("checkpoint.db");
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  PollCommit poll{"cn-hangzhou", {inv("t-1", "Success", "Success")}, {}, {true, kNow, "x"}, kNow};
  ASSERT_TRUE((*store)->commit(poll));
  core::AlertWrites w;
  w.fired = {alert("a")};
  w.notifications = {{"ops", "a", false, 1}};
  ASSERT_TRUE((*store)->commitAlerts(w));
  // Every read the daemon makes, as after a restart.
  ASSERT_TRUE((*store)->loadCursor("cn-hangzhou"));
  ASSERT_TRUE((*store)->loadCursor("cn-beijing"));
  ASSERT_TRUE((*store)->loadRegion("cn-hangzhou"));
  ASSERT_TRUE((*store)->latestSuccesses());
  ASSERT_TRUE((*store)->alerts(0));
  ASSERT_TRUE((*store)->pendingNotifications("ops", 1));
  ASSERT_TRUE((*store)->outboxCounts());
  ASSERT_TRUE((*store)->transitionCount());
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  sqlite3_stmt* ck = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(other, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &ck, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(ck), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(ck, 0), 0) << "a reader blocked the checkpoint";
  sqlite3_finalize(ck);
  sqlite3_close(other);
  EXPECT_EQ(fs::file_size(path + "-wal"), 0u);
}

// Across a restart, at a steady write rate, SQLite's own auto-checkpoint keeps the WAL near
// its 1,000 pages (4 MiB).
TEST(Store, WalStaysBoundedAfterARestart) {
  std::string path = freshPath("bounded.db");
  {
    auto store = Store::open(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->commit({"cn-hangzhou", {}, {}, {true, kNow, "x"}, kNow}));
  }
  auto store = Store::open(path);
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->loadCursor("cn-hangzhou"));
  ASSERT_TRUE((*store)->loadRegion("cn-hangzhou"));
  std::string padding(200, 'x');
  for (int batch = 0; batch < 40; ++batch) {
    PollCommit poll{"cn-hangzhou", {}, {}, {true, kNow, "x"}, kNow};
    for (int i = 0; i < 500; ++i) {
      auto v = inv("t-" + std::to_string(batch) + "-" + std::to_string(i), "Success", "Success");
      v.command_name = padding;
      poll.changed.push_back(std::move(v));
    }
    ASSERT_TRUE((*store)->commit(poll));
  }
  EXPECT_LT(fs::file_size(path + "-wal"), 8u << 20);
}

// The state holds command Output: whatever the umask, only the daemon's user reads it.
TEST(Store, StateFilesAreOwnerOnly) {
  std::string path = freshPath("private.db");
  mode_t old = umask(0);
  auto store = Store::open(path);
  umask(old);
  ASSERT_TRUE(store) << store.error();
  ASSERT_TRUE((*store)->commit({"cn-hangzhou", {}, {}, {true, kNow, "x"}, kNow}));
  for (const std::string& file : {path, path + "-wal", path + "-shm", path + ".lock"}) {
    ASSERT_TRUE(fs::exists(file)) << file;
    auto perms = fs::status(file).permissions();
    EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none) << file;
  }
}

// A file made world-readable by an earlier version is tightened on open.
TEST(Store, TightensAnExistingWorldReadableStateFile) {
  std::string path = freshPath("loose.db");
  { ASSERT_TRUE(Store::open(path)); }
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::others_all, fs::perms::none);
}

// A version 2 file with a notification whose alert version 2 silently dropped (a second
// occurrence): the migration removes it, so the queue can drain to zero.
TEST(Store, MigrationThreeDropsNotificationsWithoutAnAlert) {
  std::string path = freshPath("v2-orphans.db");
  {
    auto store = Store::open(path);
    ASSERT_TRUE(store);
    core::AlertWrites w;
    w.fired = {alert("kept")};
    w.notifications = {{"ops", "kept", false, 1}, {"ops", "orphan", false, 2}};
    ASSERT_TRUE((*store)->commitAlerts(w));
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=2", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  EXPECT_EQ((*store)->outboxCounts()->at("ops"), 1);
  EXPECT_EQ((*store)->pendingNotifications("ops", 10)->size(), 1u);
}

// The inventory: per region, replaced as a whole by a refresh, kept across a restart, tags in
// their order, an unknown agent kept unknown.
TEST(Store, TheInventoryIsPerRegionReplacedByARefreshAndKeptAcrossARestart) {
  std::string path = freshPath("inventory.db");
  core::InstanceRecord web{
      "i-1", "web-1", "47.0.0.1", "172.16.0.1", "Running", {{"env", "prod"}, {"app", "web"}}, true};
  core::InstanceRecord db{"i-2", "db-1", "", "172.16.0.2", "Stopped", {}, std::nullopt};
  {
    auto store = Store::open(path);
    ASSERT_TRUE(store) << store.error();
    ASSERT_TRUE((*store)->replaceInstances("cn-hangzhou", {db, web}, 100));
    ASSERT_TRUE((*store)->replaceInstances("ap-southeast-1",
                                           {{"i-9", "sg-1", "", "", "Running", {}, false}}, 100));
    EXPECT_EQ(*(*store)->instances("cn-hangzhou"), (std::vector<core::InstanceRecord>{web, db}));
    web.name = "web-1-renamed";
    web.tags = {{"env", "staging"}};
    ASSERT_TRUE((*store)->replaceInstances("cn-hangzhou", {web}, 200));
  }
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  EXPECT_EQ(*(*store)->instances("cn-hangzhou"), (std::vector<core::InstanceRecord>{web}))
      << "i-2 left the inventory";
  auto sg = (*store)->instances("ap-southeast-1");
  ASSERT_EQ(sg->size(), 1u);
  EXPECT_EQ(sg->at(0).agent_online, false);
  EXPECT_TRUE((*store)->instances("cn-beijing")->empty());
}

TEST(Store, DiscoveredRegionsAreKeptAcrossARestart) {
  std::string path = freshPath("regions.db");
  {
    auto store = Store::open(path);
    ASSERT_TRUE(store) << store.error();
    EXPECT_TRUE((*store)->discoveredRegions()->empty()) << "none before the first ListRegions";
    ASSERT_TRUE((*store)->replaceDiscoveredRegions({"cn-hangzhou", "ap-southeast-1"}));
    ASSERT_TRUE((*store)->replaceDiscoveredRegions({"cn-hangzhou", "cn-shanghai"}));
  }
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  EXPECT_EQ(*(*store)->discoveredRegions(),
            (std::vector<std::string>{"cn-hangzhou", "cn-shanghai"}));
}

// Issue 16: what the daemon records for `status`, read back through the read-only reader.
TEST(Store, TheRecordedStatusIsReadBackReadOnly) {
  std::string path = freshPath("status.db");
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  int64_t t0 = 1'796'000'000;  // a minute boundary
  StatusSnapshot s{.now = t0,
                   .regions = {{"cn-hangzhou", true, "", t0 - 3, 10, 0},
                               {"cn-shanghai", false, "last poll failed: Throttling", {}, 5, 5}},
                   .receivers = {{"ops", "delivered", t0 - 1}, {"devops", "failed", t0 - 2}},
                   .configured_receivers = {"ops", "devops", "chat"}};
  ASSERT_TRUE((*store)->recordStatus(s));
  s.now = t0 + 30;
  s.regions[0].calls = 4;
  s.regions[1].calls = 0;
  s.regions[1].throttled = 0;
  s.receivers = {};
  ASSERT_TRUE((*store)->recordStatus(s));
  auto reader = StateReader::open(path);
  ASSERT_TRUE(reader) << reader.error();
  auto report = (*reader)->status(t0 + 40);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->recorded_at, t0 + 30);
  ASSERT_EQ(report->regions.size(), 2u);
  EXPECT_EQ(report->regions[0].calls_last_hour, 14);
  EXPECT_EQ(report->regions[0].last_success, t0 - 3);
  EXPECT_FALSE(report->regions[1].up);
  EXPECT_EQ(report->regions[1].throttled_last_hour, 5);
  ASSERT_EQ(report->receivers.size(), 3u) << "a receiver with no outcome yet is listed too";
  EXPECT_EQ(report->receivers[0].name, "chat");
  EXPECT_EQ(report->receivers[0].last_outcome, "");
  EXPECT_EQ(report->receivers[2].last_outcome, "delivered");
  // An hour later the calls are gone; a region no longer polled is forgotten.
  // A receiver removed whose name is the end of another's (ops, devops) is forgotten too.
  s.now = t0 + 3700;
  s.regions = {{"cn-hangzhou", true, "", t0 + 3699, 1, 0}};
  s.configured_receivers = {"devops"};
  ASSERT_TRUE((*store)->recordStatus(s));
  report = (*reader)->status(t0 + 3700);
  ASSERT_TRUE(report);
  ASSERT_EQ(report->regions.size(), 1u);
  EXPECT_EQ(report->regions[0].calls_last_hour, 1);
  ASSERT_EQ(report->receivers.size(), 1u);
  EXPECT_EQ(report->receivers[0].name, "devops");
}

// A version 3 file gains the inventory's tables; its alerts stay.
TEST(Store, MigrationFourAddsTheInventory) {
  std::string path = freshPath("v3.db");
  {
    auto store = Store::open(path);
    ASSERT_TRUE(store);
    core::AlertWrites w;
    w.fired = {alert("kept")};
    ASSERT_TRUE((*store)->commitAlerts(w));
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "DROP TABLE instances; DROP TABLE instance_tags; "
                           "ALTER TABLE alerts DROP COLUMN source; "
                           "ALTER TABLE alerts DROP COLUMN relayed_at; "
                           "PRAGMA user_version=3",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  EXPECT_EQ((*store)->alerts(0)->size(), 1u);
  EXPECT_TRUE((*store)->instances("cn-hangzhou")->empty());
  EXPECT_TRUE((*store)->replaceInstances("cn-hangzhou",
                                         {{"i-1", "web-1", "", "", "Running", {}, true}}, 1));
}

}  // namespace
}  // namespace swas::state
