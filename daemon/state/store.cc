#include "daemon/state/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "daemon/core/time.h"
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
};
static_assert(std::size(kMigrations) == kSchemaVersion);

// `finished`: the overall status and every stored instance terminal (core's definition).
std::string finishedSql() {
  auto list = [](const auto& statuses, auto terminal) {
    std::string out = "'" + std::string(core::kVanished) + "'";
    for (std::string_view s : statuses) {
      if (!terminal(s)) continue;
      out += ",'" + std::string(s) + "'";
    }
    return out;
  };
  return "UPDATE invocations SET finished = (overall_status IN (" +
         list(core::kOverallStatuses, core::isTerminalOverallStatus) +
         ") AND NOT EXISTS (SELECT 1 FROM instance_states s WHERE "
         "s.region_id=invocations.region_id AND s.invoke_id=invocations.invoke_id AND s.status "
         "NOT IN (" +
         list(core::kInstanceStatuses, core::isTerminalInstanceStatus) +
         "))) WHERE region_id=? AND invoke_id=?";
}

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
  const std::string corrupt_advice =
      "; move it aside to start with empty state (its history and pending alerts would be lost)";
  // quick_check reads every page: a truncated, overwritten or non-SQLite file fails here.
  {
    sql::Query check = impl->db.prepare("PRAGMA quick_check");
    if (!check) {
      return std::unexpected("state file " + path + " is corrupt or not a SQLite database (" +
                             sqlite3_errmsg(raw) + ")" + corrupt_advice);
    }
    std::string verdict = check.step() == SQLITE_ROW ? check.columnText(0) : sqlite3_errmsg(raw);
    if (verdict != "ok") {
      return std::unexpected("state file " + path + " is corrupt (" + verdict + ")" +
                             corrupt_advice);
    }
  }
  if (!impl->db.exec("PRAGMA journal_mode=WAL") || !impl->db.exec("PRAGMA synchronous=FULL") ||
      !impl->db.exec("PRAGMA foreign_keys=ON")) {
    return std::unexpected("cannot configure state file " + path + ": " + sqlite3_errmsg(raw));
  }
  int64_t version = 0;
  {
    sql::Query v = impl->db.prepare("PRAGMA user_version");
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
    sql::Query tables = impl->db.prepare("SELECT count(*) FROM sqlite_master");
    if (tables && tables.step() == SQLITE_ROW && tables.columnInt(0) > 0) {
      return std::unexpected("state file " + path +
                             " is a SQLite database of something else (no schema version); "
                             "point state.path at a file of its own");
    }
  }
  impl->db.forget();  // no statement may be cached while a migration drops tables
  for (int64_t v = version; v < kSchemaVersion; ++v) {
    std::string script = std::string("BEGIN IMMEDIATE;") + kMigrations[v] +
                         "PRAGMA user_version=" + std::to_string(v + 1) + "; COMMIT;";
    if (sqlite3_exec(raw, script.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      std::string message = sqlite3_errmsg(raw);
      impl->db.exec("ROLLBACK");
      return std::unexpected("cannot migrate state file " + path + " to schema " +
                             std::to_string(v + 1) + ": " + message);
    }
  }
  return std::unique_ptr<Store>(new Store(path, std::move(impl)));
}

std::expected<RegionSnapshot, core::Error> Store::loadRegion(const std::string& region_id) {
  RegionSnapshot snapshot;
  {
    sql::Query inv = impl_->db.prepare(
        "SELECT invoke_id, overall_status, creation_time, finished FROM invocations WHERE "
        "region_id=?");
    if (!inv) return std::unexpected(impl_->db.error("loadRegion"));
    inv.text(1, region_id);
    int rc;
    while ((rc = inv.step()) == SQLITE_ROW) {
      StoredInvocation& s = snapshot[inv.columnText(0)];
      s.overall_status = inv.columnText(1);
      s.creation_time = inv.columnText(2);
      s.finished = inv.columnInt(3) != 0;
    }
    if (rc != SQLITE_DONE) return std::unexpected(impl_->db.error("loadRegion"));
  }
  sql::Query inst = impl_->db.prepare(
      "SELECT invoke_id, instance_id, status, error_code FROM instance_states WHERE region_id=?");
  if (!inst) return std::unexpected(impl_->db.error("loadRegion"));
  inst.text(1, region_id);
  int rc;
  while ((rc = inst.step()) == SQLITE_ROW) {
    auto it = snapshot.find(inst.columnText(0));
    if (it == snapshot.end()) continue;
    it->second.instances[inst.columnText(1)] = {inst.columnText(2), inst.columnText(3)};
  }
  if (rc != SQLITE_DONE) return std::unexpected(impl_->db.error("loadRegion"));
  return snapshot;
}

std::expected<RegionCursor, core::Error> Store::loadCursor(const std::string& region_id) {
  sql::Query s =
      impl_->db.prepare("SELECT last_full_scan, newest_creation FROM regions WHERE region_id=?");
  if (!s) return std::unexpected(impl_->db.error("loadCursor"));
  s.text(1, region_id);
  RegionCursor cursor;
  int rc = s.step();
  if (rc == SQLITE_ROW) {
    cursor.known = true;
    cursor.last_full_scan =
        std::chrono::system_clock::time_point(std::chrono::seconds(s.columnInt(0)));
    cursor.newest_creation = s.columnText(1);
  } else if (rc != SQLITE_DONE) {
    return std::unexpected(impl_->db.error("loadCursor"));
  }
  return cursor;
}

std::expected<Store::Command, core::Error> Store::invocationCommand(const std::string& region_id,
                                                                    const std::string& invoke_id) {
  sql::Query s = impl_->db.prepare(
      "SELECT command_id, command_name, command_type FROM invocations WHERE region_id=? AND "
      "invoke_id=?");
  if (!s) return std::unexpected(impl_->db.error("invocationCommand"));
  s.text(1, region_id).text(2, invoke_id);
  int rc = s.step();
  if (rc == SQLITE_ROW) return Command{s.columnText(0), s.columnText(1), s.columnText(2)};
  if (rc != SQLITE_DONE) return std::unexpected(impl_->db.error("invocationCommand"));
  return Command{};
}

namespace {

bool writeInvocations(sql::Connection& db, const PollCommit& poll, int64_t now) {
  sql::Query inv = db.prepare(
      "INSERT INTO invocations(region_id, invoke_id, command_id, command_name, command_type, "
      "creation_time, overall_status, finished, updated_at) VALUES(?,?,?,?,?,?,?,0,?) "
      "ON CONFLICT(region_id, invoke_id) DO UPDATE SET overall_status=excluded.overall_status, "
      "command_id=coalesce(nullif(excluded.command_id,''),command_id), "
      "command_name=coalesce(nullif(excluded.command_name,''),command_name), "
      "command_type=coalesce(nullif(excluded.command_type,''),command_type), "
      "creation_time=excluded.creation_time, updated_at=excluded.updated_at");
  sql::Query inst = db.prepare(
      "INSERT INTO instance_states(region_id, invoke_id, instance_id, status, error_code, "
      "exit_code, finish_time) VALUES(?,?,?,?,?,?,?) ON CONFLICT(region_id, invoke_id, "
      "instance_id) DO UPDATE SET status=excluded.status, error_code=excluded.error_code, "
      "exit_code=excluded.exit_code, finish_time=excluded.finish_time");
  static const std::string kFinished = finishedSql();
  sql::Query finished = db.prepare(kFinished.c_str());
  if (!inv || !inst || !finished) return false;
  inv.text(1, poll.region_id).integer(8, now);
  inst.text(1, poll.region_id);
  finished.text(1, poll.region_id);
  for (const auto& v : poll.changed) {
    inv.text(2, v.invoke_id).text(3, v.command_id).text(4, v.command_name);
    inv.text(5, v.command_type).text(6, v.creation_time).text(7, v.overall_status);
    if (!inv.run()) return false;
    inst.text(2, v.invoke_id);
    for (const auto& i : v.instances) {
      inst.text(3, i.instance_id).text(4, i.status).text(5, i.error_code);
      inst.optional(6, i.exit_code).text(7, i.finish_time);
      if (!inst.run()) return false;
    }
    if (!finished.text(2, v.invoke_id).run()) return false;
  }
  return true;
}

bool writeTransitions(sql::Connection& db, const PollCommit& poll, int64_t now) {
  sql::Query tr = db.prepare(
      "INSERT INTO transitions(region_id, invoke_id, instance_id, command_id, command_name, "
      "from_status, to_status, error_code, exit_code, creation_time, finish_time, alertable, "
      "observed_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!tr) return false;
  tr.text(1, poll.region_id).integer(13, now);
  for (const auto& t : poll.transitions) {
    tr.text(2, t.invoke_id).text(3, t.instance_id).text(4, t.command_id).text(5, t.command_name);
    tr.text(6, t.from).text(7, t.to).text(8, t.error_code).optional(9, t.exit_code);
    tr.text(10, t.creation_time).text(11, t.finish_time).integer(12, t.alertable ? 1 : 0);
    if (!tr.run()) return false;
  }
  return true;
}

bool writeCursor(sql::Connection& db, const PollCommit& poll, int64_t now) {
  sql::Query cur = db.prepare(
      "INSERT INTO regions(region_id, last_full_scan, newest_creation, updated_at) "
      "VALUES(?,?,?,?) ON CONFLICT(region_id) DO UPDATE SET "
      "last_full_scan=excluded.last_full_scan, "
      "newest_creation=excluded.newest_creation, updated_at=excluded.updated_at");
  if (!cur) return false;
  cur.text(1, poll.region_id).integer(2, core::unixSeconds(poll.cursor.last_full_scan));
  return cur.text(3, poll.cursor.newest_creation).integer(4, now).run();
}

}  // namespace

std::expected<void, core::Error> Store::commit(const PollCommit& poll) {
  sql::Transaction tx(impl_->db);
  if (!tx.began()) return std::unexpected(impl_->db.error("begin"));
  int64_t now = core::unixSeconds(poll.now);
  if (!writeInvocations(impl_->db, poll, now)) {
    return std::unexpected(impl_->db.error("write invocations"));
  }
  if (!writeTransitions(impl_->db, poll, now)) {
    return std::unexpected(impl_->db.error("write transitions"));
  }
  if (poll.write_cursor && !writeCursor(impl_->db, poll, now)) {
    return std::unexpected(impl_->db.error("write cursor"));
  }
  if (!impl_->writeAlerts(poll.alerts)) return std::unexpected(impl_->db.error("write alerts"));
  if (!tx.commit()) return std::unexpected(impl_->db.error("commit"));
  return {};
}

std::expected<size_t, core::Error> Store::evictFinishedBefore(
    const std::string& region_id, std::chrono::system_clock::time_point cutoff) {
  std::string when = core::formatCreationTime(cutoff);
  sql::Transaction tx(impl_->db);
  if (!tx.began()) return std::unexpected(impl_->db.error("begin"));
  sql::Query states = impl_->db.prepare(
      "DELETE FROM instance_states WHERE region_id=?1 AND invoke_id IN (SELECT invoke_id "
      "FROM invocations WHERE region_id=?1 AND finished=1 AND creation_time < ?2)");
  sql::Query invs = impl_->db.prepare(
      "DELETE FROM invocations WHERE region_id=?1 AND finished=1 AND creation_time < ?2");
  sql::Query journal =
      impl_->db.prepare("DELETE FROM transitions WHERE region_id=?1 AND observed_at < ?2");
  if (!states || !invs || !journal) return std::unexpected(impl_->db.error("prepare evict"));
  if (!states.text(1, region_id).text(2, when).run() ||
      !invs.text(1, region_id).text(2, when).run()) {
    return std::unexpected(impl_->db.error("evict"));
  }
  auto evicted = static_cast<size_t>(sqlite3_changes(impl_->db.get()));
  if (!journal.text(1, region_id).integer(2, core::unixSeconds(cutoff)).run() || !tx.commit()) {
    return std::unexpected(impl_->db.error("evict"));
  }
  return evicted;
}

std::expected<uint64_t, core::Error> Store::transitionCount() {
  sql::Query s = impl_->db.prepare("SELECT count(*) FROM transitions");
  if (!s || s.step() != SQLITE_ROW) return std::unexpected(impl_->db.error("count"));
  return static_cast<uint64_t>(s.columnInt(0));
}

std::expected<std::vector<core::Transition>, core::Error> Store::latestSuccesses() {
  // SQLite takes the bare columns of a MAX() aggregate from the row holding the maximum.
  sql::Query s = impl_->db.prepare(
      "SELECT i.region_id, s.instance_id, i.command_id, i.command_name, i.invoke_id, "
      "MAX(i.creation_time), s.finish_time FROM instance_states s JOIN invocations i ON "
      "i.region_id = s.region_id AND i.invoke_id = s.invoke_id WHERE s.status = 'Success' "
      "GROUP BY i.region_id, s.instance_id, i.command_id, i.command_name");
  if (!s) return std::unexpected(impl_->db.error("prepare successes"));
  std::vector<core::Transition> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    core::Transition t;
    t.region_id = s.columnText(0);
    t.instance_id = s.columnText(1);
    t.command_id = s.columnText(2);
    t.command_name = s.columnText(3);
    t.invoke_id = s.columnText(4);
    t.creation_time = s.columnText(5);
    t.finish_time = s.columnText(6);
    t.from = core::kNone;
    t.to = "Success";
    out.push_back(std::move(t));
  }
  if (rc != SQLITE_DONE) return std::unexpected(impl_->db.error("read successes"));
  return out;
}

}  // namespace swas::state
