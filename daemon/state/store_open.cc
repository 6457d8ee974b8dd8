// Opening the state file: the lock, its permissions, an integrity check and the schema's
// forward migrations.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "daemon/state/store.h"
#include "daemon/state/store_impl.h"

namespace swas::state {
namespace {

// Forward migrations: kMigrations[i] takes the schema from version i to i + 1.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE regions(
  region_id TEXT PRIMARY KEY,
  last_full_scan INTEGER NOT NULL,
  newest_creation TEXT NOT NULL,
  updated_at INTEGER NOT NULL);
CREATE TABLE invocations(
  region_id TEXT NOT NULL, invoke_id TEXT NOT NULL,
  command_id TEXT NOT NULL, command_name TEXT NOT NULL, command_type TEXT NOT NULL,
  creation_time TEXT NOT NULL, overall_status TEXT NOT NULL, finished INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY(region_id, invoke_id)) WITHOUT ROWID;
CREATE INDEX invocations_finished ON invocations(finished, creation_time);
CREATE TABLE instance_states(
  region_id TEXT NOT NULL, invoke_id TEXT NOT NULL, instance_id TEXT NOT NULL,
  status TEXT NOT NULL, error_code TEXT NOT NULL, exit_code INTEGER, finish_time TEXT NOT NULL,
  PRIMARY KEY(region_id, invoke_id, instance_id)) WITHOUT ROWID;
CREATE TABLE transitions(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  region_id TEXT NOT NULL, invoke_id TEXT NOT NULL, instance_id TEXT NOT NULL,
  command_id TEXT NOT NULL, command_name TEXT NOT NULL,
  from_status TEXT NOT NULL, to_status TEXT NOT NULL, error_code TEXT NOT NULL, exit_code INTEGER,
  creation_time TEXT NOT NULL, finish_time TEXT NOT NULL, alertable INTEGER NOT NULL,
  observed_at INTEGER NOT NULL);
CREATE INDEX transitions_observed ON transitions(observed_at);
CREATE TABLE outbox(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  receiver TEXT NOT NULL, fingerprint TEXT NOT NULL, payload TEXT NOT NULL,
  created_at INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0);
)sql",
    // 2: alerts and their outbox (the version 1 outbox was never written).
    R"sql(
DROP TABLE outbox;
CREATE TABLE alerts(
  fingerprint TEXT PRIMARY KEY,
  region_id TEXT NOT NULL, invoke_id TEXT NOT NULL, instance_id TEXT NOT NULL,
  command_key TEXT NOT NULL, creation_time TEXT NOT NULL,
  labels TEXT NOT NULL, annotations TEXT NOT NULL,
  starts_at INTEGER NOT NULL, ends_at INTEGER,
  UNIQUE(region_id, invoke_id, instance_id));
CREATE INDEX alerts_ends ON alerts(ends_at);
CREATE TABLE outbox(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  receiver TEXT NOT NULL, fingerprint TEXT NOT NULL, resolved INTEGER NOT NULL,
  created_ms INTEGER NOT NULL, message_id INTEGER, attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0);
CREATE INDEX outbox_receiver ON outbox(receiver, id);
)sql",
    // 3: one alert per occurrence, not per (region, invocation, instance): Failed, then Running,
    // then Timeout is two alerts.
    R"sql(
CREATE TABLE alerts_v3(
  fingerprint TEXT PRIMARY KEY,
  region_id TEXT NOT NULL, invoke_id TEXT NOT NULL, instance_id TEXT NOT NULL,
  command_key TEXT NOT NULL, creation_time TEXT NOT NULL,
  labels TEXT NOT NULL, annotations TEXT NOT NULL,
  starts_at INTEGER NOT NULL, ends_at INTEGER);
INSERT INTO alerts_v3 SELECT fingerprint, region_id, invoke_id, instance_id, command_key,
  creation_time, labels, annotations, starts_at, ends_at FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_v3 RENAME TO alerts;
CREATE INDEX alerts_ends ON alerts(ends_at);
CREATE INDEX alerts_occurrence ON alerts(region_id, invoke_id, instance_id);
-- Version 2 dropped such second occurrences' alerts but queued their notifications, which no
-- join could ever deliver: they would sit in the queue (and its gauge) for ever.
DELETE FROM outbox WHERE fingerprint NOT IN (SELECT fingerprint FROM alerts);
)sql",
    // 4: the account's inventory, per region (names and addresses at once after a restart).
    R"sql(
CREATE TABLE IF NOT EXISTS instances(
  region_id TEXT NOT NULL, instance_id TEXT NOT NULL,
  name TEXT NOT NULL, public_ip TEXT NOT NULL, private_ip TEXT NOT NULL, status TEXT NOT NULL,
  agent_online INTEGER, refreshed_at INTEGER NOT NULL,
  PRIMARY KEY(region_id, instance_id));
CREATE TABLE IF NOT EXISTS instance_tags(
  region_id TEXT NOT NULL, instance_id TEXT NOT NULL, position INTEGER NOT NULL,
  key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY(region_id, instance_id, position));
)sql",
    // 5: what the operator's `status` reads: each region's health, API calls per
    // minute (the last hour kept), each receiver's last delivery outcome.
    R"sql(
CREATE TABLE IF NOT EXISTS region_status(
  region_id TEXT PRIMARY KEY, up INTEGER NOT NULL, reason TEXT NOT NULL,
  last_success INTEGER, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS api_calls(
  region_id TEXT NOT NULL, minute INTEGER NOT NULL,
  calls INTEGER NOT NULL, throttled INTEGER NOT NULL,
  PRIMARY KEY(region_id, minute)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS receiver_status(
  receiver TEXT PRIMARY KEY, outcome TEXT NOT NULL, at INTEGER NOT NULL);
)sql",
    // 6: alerts relayed from Alertmanager to a chat receiver (source 'relay') share the alerts
    // table and the outbox with the daemon's own ('poll'), and are kept out of everything else.
    R"sql(
ALTER TABLE alerts ADD COLUMN source TEXT NOT NULL DEFAULT 'poll';
-- A relayed alert's last notification (repeats too): one still firing is kept while Alertmanager
-- repeats it, so an old alert's repeat is not news.
ALTER TABLE alerts ADD COLUMN relayed_at INTEGER;
)sql",
    // 7: the recent failures the status page and `history --failures` list, found through an
    // index of failures only: anyone may request the page in a loop, and a scan of millions of
    // transitions for the last 50 failures took half a second each time. The condition is
    // state_reader.cc's kFailureCondition, word for word (SQLite uses a partial index only for a
    // query that repeats its WHERE), and core::defaults::kAlertStatuses (a test checks both).
    R"sql(
CREATE INDEX IF NOT EXISTS transitions_failures ON transitions(id)
  WHERE to_status IN ('Failed', 'Timeout', 'Error', 'Invalid', 'Aborted') OR error_code != '';
)sql",
    // 8: what ECS's DescribeCloudAssistantStatus adds of an agent, for `status`: its last
    // heartbeat and the tasks it runs (SWAS's answer has neither: '' and NULL). The table is
    // copied, not altered, so the step holds whatever shape an older file's table has.
    R"sql(
CREATE TABLE instances_v8(
  region_id TEXT NOT NULL, instance_id TEXT NOT NULL,
  name TEXT NOT NULL, public_ip TEXT NOT NULL, private_ip TEXT NOT NULL, status TEXT NOT NULL,
  agent_online INTEGER, refreshed_at INTEGER NOT NULL,
  agent_heartbeat TEXT NOT NULL DEFAULT '', agent_active_tasks INTEGER,
  PRIMARY KEY(region_id, instance_id));
INSERT INTO instances_v8(region_id, instance_id, name, public_ip, private_ip, status,
  agent_online, refreshed_at)
  SELECT region_id, instance_id, name, public_ip, private_ip, status, agent_online, refreshed_at
  FROM instances;
DROP TABLE instances;
ALTER TABLE instances_v8 RENAME TO instances;
)sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

}  // namespace

Store::Impl::~Impl() {
  db.close();
  if (lock_fd >= 0) close(lock_fd);  // releases the flock
}

namespace {

// An exclusive, non-blocking lock on "<path>.lock" holding the owner's pid.
std::expected<int, std::string> lockStateFile(const std::string& path) {
  std::string lock_path = path + ".lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || fchmod(fd, 0600) != 0) {
    if (fd >= 0) close(fd);
    return std::unexpected("cannot open lock file " + lock_path + ": " + std::strerror(errno) +
                           "; check that state.path's directory exists and is writable");
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
    close(fd);
    std::string owner = n > 0 ? " (pid " + std::string(pid, static_cast<size_t>(n)) + ")" : "";
    return std::unexpected("state file " + path + " is in use by another running " +
                           "swas-invocation-monitor" + owner +
                           "; stop that one, or give this one its own state.path");
  }
  std::string me = std::to_string(getpid());
  if (ftruncate(fd, 0) != 0 || pwrite(fd, me.data(), me.size(), 0) < 0) {
    // The pid is only informational; the lock is what matters.
  }
  return fd;
}

// The state holds command Output: owner-only, whatever the umask and whatever an earlier
// version left. SQLite gives its -wal and -shm files the database file's mode.
std::expected<void, std::string> makePrivate(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || fchmod(fd, 0600) != 0) {
    std::string why = std::strerror(errno);
    if (fd >= 0) close(fd);
    return std::unexpected("cannot open state file " + path + " (owner-only): " + why +
                           "; check state.path and its permissions");
  }
  close(fd);
  for (const char* suffix : {"-wal", "-shm"}) {
    std::string side = path + suffix;
    if (std::filesystem::exists(side)) chmod(side.c_str(), 0600);
  }
  return {};
}

}  // namespace

Store::Store(std::string path, std::unique_ptr<Impl> impl)
    : path_(std::move(path)), impl_(std::move(impl)) {}

Store::~Store() = default;

namespace {

constexpr std::string_view kCorruptAdvice =
    "; move it aside to start with empty state (its history and pending alerts would be lost)";

// quick_check reads every page: a truncated, overwritten or non-SQLite file fails here. A file
// that cannot be read now (locked by another process, a read error, no memory) is not called
// corrupt: moving it aside, as a corrupt file's message advises, would lose its state.
std::expected<void, std::string> checkIntegrity(sql::Connection& db, const std::string& path) {
  sql::Query check = db.prepare("PRAGMA quick_check");
  int rc = check ? check.step() : sqlite3_errcode(db.get());
  if (rc == SQLITE_ROW) {
    std::string verdict = check.columnText(0);
    if (verdict == "ok") return {};
    return std::unexpected("state file " + path + " is corrupt (" + verdict + ")" +
                           std::string(kCorruptAdvice));
  }
  std::string why = sqlite3_errmsg(db.get());
  int primary = sqlite3_errcode(db.get()) & 0xff;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
    return std::unexpected("state file " + path + " is corrupt or not a SQLite database (" + why +
                           ")" + std::string(kCorruptAdvice));
  }
  return std::unexpected("cannot read state file " + path + " to check it (" + why +
                         "); it was left as it is: is another process holding it, or is its "
                         "disk failing?");
}

// Brings the schema from its version to kSchemaVersion, refusing a newer schema and a SQLite
// file that is somebody else's.
std::expected<void, std::string> migrate(sql::Connection& db, const std::string& path,
                                         bool existed) {
  int64_t version = 0;
  {
    sql::Query v = db.prepare("PRAGMA user_version");
    if (v && v.step() == SQLITE_ROW) version = v.columnInt(0);
  }
  if (version > kSchemaVersion) {
    return std::unexpected(
        "state file " + path + " has schema version " + std::to_string(version) +
        ", newer than this build understands (" + std::to_string(kSchemaVersion) +
        "); run the newer swas-invocation-monitor, or point state.path elsewhere");
  }
  if (version == 0 && existed) {
    // A SQLite file that is not ours: do not write our tables into somebody else's database.
    sql::Query tables = db.prepare("SELECT count(*) FROM sqlite_master");
    if (tables && tables.step() == SQLITE_ROW && tables.columnInt(0) > 0) {
      return std::unexpected("state file " + path +
                             " is a SQLite database of something else (no schema version); "
                             "point state.path at a file of its own");
    }
  }
  db.forget();  // no statement may be cached while a migration drops tables
  for (int64_t v = version; v < kSchemaVersion; ++v) {
    std::string script = std::string("BEGIN IMMEDIATE;") + kMigrations[v] +
                         "PRAGMA user_version=" + std::to_string(v + 1) + "; COMMIT;";
    if (sqlite3_exec(db.get(), script.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      std::string message = sqlite3_errmsg(db.get());
      db.exec("ROLLBACK");
      return std::unexpected("cannot migrate state file " + path + " to schema " +
                             std::to_string(v + 1) + ": " + message);
    }
  }
  return {};
}

// A steady poll's commit wrote 3 of its 8 pages to these indexes, which served only the hourly
// eviction (now by the region's key, and the journal's ids: journal.h) and `history --since`.
// Dropped on open rather than by a migration, so the schema version stays and an older build
// can still open the file. One left (a full disk) costs pages, nothing else; the next open
// tries again.
void dropWrittenForNothing(sql::Connection& db) {
  db.exec("DROP INDEX IF EXISTS invocations_finished; DROP INDEX IF EXISTS transitions_observed");
}

// Whether the journal's table was made with AUTOINCREMENT (version 1 made it so).
bool journalAutoincrements(sql::Connection& db) {
  sql::Query shape = db.prepare(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'transitions' AND "
      "sql LIKE '%AUTOINCREMENT%'");
  return shape && shape.step() == SQLITE_ROW && shape.columnInt(0) > 0;
}

// AUTOINCREMENT wrote sqlite_sequence's page on every commit that journaled a transition. The
// ids never needed it: nothing outside refers to a transition by id, and ids only order the
// journal, which they still do (a new id is always above every stored one). The table is copied
// once, in one transaction, only with room for the copy and the WAL that carries it (3 times
// the file): a copy that fails or finds no room leaves the journal as it was, costs a page a
// commit and nothing else, and the next open tries again. The WAL is truncated after either,
// and the old table's pages are reused by later writes (the file does not shrink).
void copyJournalWithoutAutoincrement(sql::Connection& db, const std::string& path) {
  if (!journalAutoincrements(db)) return;
  std::error_code error;
  auto size = std::filesystem::file_size(path, error);
  auto space = std::filesystem::space(std::filesystem::path(path).parent_path().empty()
                                          ? std::filesystem::path(".")
                                          : std::filesystem::path(path).parent_path(),
                                      error);
  if (error || space.available / 3 < size) {
    spdlog::warn(
        "state: not copying the journal of {} without AUTOINCREMENT yet (needs 3 times the "
        "file's {} bytes free): each commit writes a page more until it is",
        path, size);
    return;
  }
  bool rows = false;
  {
    sql::Query any = db.prepare("SELECT EXISTS(SELECT 1 FROM transitions)");
    rows = any && any.step() == SQLITE_ROW && any.columnInt(0) != 0;
  }  // reset before forget() below finalizes it
  if (rows) spdlog::info("state: copying the journal of {} once, without AUTOINCREMENT", path);
  db.forget();  // no cached statement may hold the table being dropped
  // The failures' index is migration 7's, word for word (kFailureCondition's twin, checked by a
  // test).
  std::string copy = R"sql(
BEGIN IMMEDIATE;
CREATE TABLE transitions_copy(
  id INTEGER PRIMARY KEY,
  region_id TEXT NOT NULL, invoke_id TEXT NOT NULL, instance_id TEXT NOT NULL,
  command_id TEXT NOT NULL, command_name TEXT NOT NULL,
  from_status TEXT NOT NULL, to_status TEXT NOT NULL, error_code TEXT NOT NULL, exit_code INTEGER,
  creation_time TEXT NOT NULL, finish_time TEXT NOT NULL, alertable INTEGER NOT NULL,
  observed_at INTEGER NOT NULL);
INSERT INTO transitions_copy(id, region_id, invoke_id, instance_id, command_id, command_name,
  from_status, to_status, error_code, exit_code, creation_time, finish_time, alertable,
  observed_at)
  SELECT id, region_id, invoke_id, instance_id, command_id, command_name, from_status, to_status,
  error_code, exit_code, creation_time, finish_time, alertable, observed_at FROM transitions;
DROP TABLE transitions;
ALTER TABLE transitions_copy RENAME TO transitions;
)sql" + std::string(kMigrations[6]) +
                     "COMMIT;";
  if (!db.exec(copy.c_str())) {
    spdlog::warn("state: copying the journal of {} failed, it stays as it was: {}", path,
                 sqlite3_errmsg(db.get()));
    db.exec("ROLLBACK");
  }
  // A new file's empty journal leaves nothing to give back (a truncated WAL costs its next
  // commit a sync of the WAL's header).
  if (rows) db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace

std::expected<std::unique_ptr<Store>, std::string> Store::open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  auto fd = lockStateFile(path);
  if (!fd) return std::unexpected(fd.error());
  impl->lock_fd = *fd;

  std::error_code size_error;
  bool existed = std::filesystem::file_size(path, size_error) > 0 && !size_error;
  if (auto ok = makePrivate(path); !ok) return std::unexpected(ok.error());
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  impl->db.reset(raw);
  if (rc != SQLITE_OK) {
    return std::unexpected("cannot open state file " + path + ": " +
                           (raw ? sqlite3_errmsg(raw) : "out of memory") +
                           "; check state.path and its permissions");
  }
  sqlite3_busy_timeout(raw, 5000);
  // A page cache of 256 KiB, not SQLite's 2 MiB: a steady poll touches a few dozen pages, and
  // re-reads come from the kernel's cache (about 3 more a poll than at 512 KiB). Set before the
  // integrity check, which reads every page: at 2 MiB it filled the cache on every start. It
  // reads the schema, so a file that is no database fails it: the check says why.
  std::string cache_error;
  if (!impl->db.exec("PRAGMA cache_size=-256")) cache_error = sqlite3_errmsg(raw);
  if (auto ok = checkIntegrity(impl->db, path); !ok) return std::unexpected(ok.error());
  if (!cache_error.empty()) {
    return std::unexpected("cannot configure state file " + path + ": " + cache_error);
  }
  if (!impl->db.exec("PRAGMA journal_mode=WAL") || !impl->db.exec("PRAGMA synchronous=FULL") ||
      !impl->db.exec("PRAGMA foreign_keys=ON")) {
    return std::unexpected("cannot configure state file " + path + ": " + sqlite3_errmsg(raw));
  }
  if (auto ok = migrate(impl->db, path, existed); !ok) return std::unexpected(ok.error());
  dropWrittenForNothing(impl->db);
  copyJournalWithoutAutoincrement(impl->db, path);
  return std::unique_ptr<Store>(new Store(path, std::move(impl)));
}

}  // namespace swas::state
