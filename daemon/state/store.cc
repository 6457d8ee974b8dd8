#include "daemon/state/store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unordered_map>

#include "daemon/core/time.h"

namespace swas::state {
namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

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
};
static_assert(std::size(kMigrations) == kSchemaVersion);

core::Error storeError(sqlite3* db, const std::string& what) {
  return core::Error{.kind = core::ErrorKind::kParse,
                     .code = "state",
                     .message = what + ": " + sqlite3_errmsg(db)};
}

}  // namespace

struct Store::Impl {
  Db db;
  int lock_fd = -1;
  std::unordered_map<std::string, Stmt> statements;

  ~Impl() {
    statements.clear();
    db.reset();
    if (lock_fd >= 0) close(lock_fd);  // releases the flock
  }

  sqlite3_stmt* prepare(const char* sql) {
    auto& stmt = statements[sql];
    if (!stmt) {
      sqlite3_stmt* raw = nullptr;
      if (sqlite3_prepare_v2(db.get(), sql, -1, &raw, nullptr) != SQLITE_OK) return nullptr;
      stmt.reset(raw);
    }
    sqlite3_reset(stmt.get());
    sqlite3_clear_bindings(stmt.get());
    return stmt.get();
  }

  bool exec(const char* sql) {
    return sqlite3_exec(db.get(), sql, nullptr, nullptr, nullptr) == SQLITE_OK;
  }

  // Inside an open transaction. An occurrence already stored is not fired twice.
  bool writeAlerts(const core::AlertWrites& w);
};

namespace {

void bindText(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

void bindOptionalInt(sqlite3_stmt* s, int i, const std::optional<int64_t>& v) {
  if (v) {
    sqlite3_bind_int64(s, i, *v);
  } else {
    sqlite3_bind_null(s, i);
  }
}

std::string columnText(sqlite3_stmt* s, int i) {
  const unsigned char* text = sqlite3_column_text(s, i);
  return text ? std::string(reinterpret_cast<const char*>(text),
                            static_cast<size_t>(sqlite3_column_bytes(s, i)))
              : std::string();
}

}  // namespace

bool Store::Impl::writeAlerts(const core::AlertWrites& w) {
  if (w.empty()) return true;
  sqlite3_stmt* fire = prepare(
      "INSERT INTO alerts(fingerprint, region_id, invoke_id, instance_id, command_key, "
      "creation_time, labels, annotations, starts_at, ends_at) VALUES(?,?,?,?,?,?,?,?,?,NULL) "
      "ON CONFLICT DO NOTHING");
  sqlite3_stmt* resolve =
      prepare("UPDATE alerts SET ends_at=? WHERE fingerprint=? AND ends_at IS NULL");
  sqlite3_stmt* notify = prepare(
      "INSERT INTO outbox(receiver, fingerprint, resolved, created_ms, next_attempt_at) "
      "VALUES(?,?,?,?,0)");
  if (!fire || !resolve || !notify) return false;
  for (const auto& a : w.fired) {
    sqlite3_reset(fire);
    bindText(fire, 1, a.fingerprint);
    bindText(fire, 2, a.region_id);
    bindText(fire, 3, a.invoke_id);
    bindText(fire, 4, a.instance_id);
    bindText(fire, 5, a.command_key);
    bindText(fire, 6, a.creation_time);
    bindText(fire, 7, a.labels_json);
    bindText(fire, 8, a.annotations_json);
    sqlite3_bind_int64(fire, 9, a.starts_at);
    if (sqlite3_step(fire) != SQLITE_DONE) return false;
  }
  for (const auto& r : w.resolved) {
    sqlite3_reset(resolve);
    sqlite3_bind_int64(resolve, 1, r.ends_at);
    bindText(resolve, 2, r.fingerprint);
    if (sqlite3_step(resolve) != SQLITE_DONE) return false;
  }
  for (const auto& n : w.notifications) {
    sqlite3_reset(notify);
    bindText(notify, 1, n.receiver);
    bindText(notify, 2, n.fingerprint);
    sqlite3_bind_int(notify, 3, n.resolved ? 1 : 0);
    sqlite3_bind_int64(notify, 4, n.created_ms);
    if (sqlite3_step(notify) != SQLITE_DONE) return false;
  }
  return true;
}

namespace {

// An exclusive, non-blocking lock on "<path>.lock" holding the owner's pid.
std::expected<int, std::string> lockStateFile(const std::string& path) {
  std::string lock_path = path + ".lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
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

}  // namespace

Store::Store(std::string path, std::unique_ptr<Impl> impl)
    : path_(std::move(path)), impl_(std::move(impl)) {}

Store::~Store() = default;

std::expected<std::unique_ptr<Store>, std::string> Store::open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  auto fd = lockStateFile(path);
  if (!fd) return std::unexpected(fd.error());
  impl->lock_fd = *fd;

  bool existed = std::filesystem::exists(path);
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
    sqlite3_stmt* check = impl->prepare("PRAGMA quick_check");
    if (!check) {
      return std::unexpected("state file " + path + " is corrupt or not a SQLite database (" +
                             sqlite3_errmsg(raw) + ")" + corrupt_advice);
    }
    int step = sqlite3_step(check);
    std::string verdict = step == SQLITE_ROW ? columnText(check, 0) : sqlite3_errmsg(raw);
    sqlite3_reset(check);
    if (verdict != "ok") {
      return std::unexpected("state file " + path + " is corrupt (" + verdict + ")" +
                             corrupt_advice);
    }
  }
  if (!impl->exec("PRAGMA journal_mode=WAL") || !impl->exec("PRAGMA synchronous=FULL") ||
      !impl->exec("PRAGMA foreign_keys=ON")) {
    return std::unexpected("cannot configure state file " + path + ": " + sqlite3_errmsg(raw));
  }
  int version = 0;
  {
    sqlite3_stmt* v = impl->prepare("PRAGMA user_version");
    if (v && sqlite3_step(v) == SQLITE_ROW) version = sqlite3_column_int(v, 0);
  }
  if (version > kSchemaVersion) {
    return std::unexpected(
        "state file " + path + " has schema version " + std::to_string(version) +
        ", newer than this build understands (" + std::to_string(kSchemaVersion) +
        "); run the newer swas-invocation-monitor, or point state.path elsewhere");
  }
  if (version == 0 && existed && std::filesystem::file_size(path) > 0) {
    // A SQLite file that is not ours: do not write our tables into somebody else's database.
    sqlite3_stmt* tables = impl->prepare("SELECT count(*) FROM sqlite_master");
    if (tables && sqlite3_step(tables) == SQLITE_ROW && sqlite3_column_int(tables, 0) > 0) {
      return std::unexpected("state file " + path +
                             " is a SQLite database of something else (no schema version); "
                             "point state.path at a file of its own");
    }
  }
  impl->statements.clear();  // no statement may be pending while a migration drops tables
  for (int v = version; v < kSchemaVersion; ++v) {
    std::string script = std::string("BEGIN IMMEDIATE;") + kMigrations[v] +
                         "PRAGMA user_version=" + std::to_string(v + 1) + "; COMMIT;";
    if (sqlite3_exec(raw, script.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      std::string message = sqlite3_errmsg(raw);
      impl->exec("ROLLBACK");
      return std::unexpected("cannot migrate state file " + path + " to schema " +
                             std::to_string(v + 1) + ": " + message);
    }
  }
  return std::unique_ptr<Store>(new Store(path, std::move(impl)));
}

std::expected<RegionSnapshot, core::Error> Store::loadRegion(const std::string& region_id) {
  sqlite3* db = impl_->db.get();
  RegionSnapshot snapshot;
  sqlite3_stmt* inv = impl_->prepare(
      "SELECT invoke_id, overall_status, creation_time, finished FROM invocations WHERE "
      "region_id=?");
  if (!inv) return std::unexpected(storeError(db, "loadRegion"));
  bindText(inv, 1, region_id);
  while (sqlite3_step(inv) == SQLITE_ROW) {
    StoredInvocation& s = snapshot[columnText(inv, 0)];
    s.overall_status = columnText(inv, 1);
    s.creation_time = columnText(inv, 2);
    s.finished = sqlite3_column_int(inv, 3) != 0;
  }
  sqlite3_stmt* inst = impl_->prepare(
      "SELECT invoke_id, instance_id, status, error_code FROM instance_states WHERE region_id=?");
  if (!inst) return std::unexpected(storeError(db, "loadRegion"));
  bindText(inst, 1, region_id);
  while (sqlite3_step(inst) == SQLITE_ROW) {
    auto it = snapshot.find(columnText(inst, 0));
    if (it == snapshot.end()) continue;
    it->second.instances[columnText(inst, 1)] = {columnText(inst, 2), columnText(inst, 3)};
  }
  return snapshot;
}

std::expected<RegionCursor, core::Error> Store::loadCursor(const std::string& region_id) {
  sqlite3_stmt* s =
      impl_->prepare("SELECT last_full_scan, newest_creation FROM regions WHERE region_id=?");
  if (!s) return std::unexpected(storeError(impl_->db.get(), "loadCursor"));
  bindText(s, 1, region_id);
  RegionCursor cursor;
  if (sqlite3_step(s) == SQLITE_ROW) {
    cursor.known = true;
    cursor.last_full_scan =
        std::chrono::system_clock::time_point(std::chrono::seconds(sqlite3_column_int64(s, 0)));
    cursor.newest_creation = columnText(s, 1);
  }
  return cursor;
}

std::expected<void, core::Error> Store::commit(const PollCommit& poll) {
  sqlite3* db = impl_->db.get();
  if (!impl_->exec("BEGIN IMMEDIATE")) return std::unexpected(storeError(db, "begin"));
  auto fail = [&](const char* what) {
    core::Error error = storeError(db, what);
    impl_->exec("ROLLBACK");
    return std::unexpected(error);
  };
  int64_t now = core::unixSeconds(poll.now);
  sqlite3_stmt* inv = impl_->prepare(
      "INSERT INTO invocations(region_id, invoke_id, command_id, command_name, command_type, "
      "creation_time, overall_status, finished, updated_at) VALUES(?,?,?,?,?,?,?,0,?) "
      "ON CONFLICT(region_id, invoke_id) DO UPDATE SET overall_status=excluded.overall_status, "
      "command_id=excluded.command_id, command_name=excluded.command_name, "
      "command_type=excluded.command_type, creation_time=excluded.creation_time, "
      "updated_at=excluded.updated_at");
  sqlite3_stmt* inst = impl_->prepare(
      "INSERT INTO instance_states(region_id, invoke_id, instance_id, status, error_code, "
      "exit_code, finish_time) VALUES(?,?,?,?,?,?,?) ON CONFLICT(region_id, invoke_id, "
      "instance_id) DO UPDATE SET status=excluded.status, error_code=excluded.error_code, "
      "exit_code=excluded.exit_code, finish_time=excluded.finish_time");
  // finished: the overall status and every stored instance (not only the fetched ones).
  sqlite3_stmt* finished = impl_->prepare(
      "UPDATE invocations SET finished = (overall_status IN "
      "('Success','Failed','Stopped','PartialFailed') AND NOT EXISTS (SELECT 1 FROM "
      "instance_states s WHERE s.region_id=invocations.region_id AND "
      "s.invoke_id=invocations.invoke_id AND s.status NOT IN ('Success','Failed','Error',"
      "'Timeout','Invalid','Aborted','Cancelled','Terminated'))) WHERE region_id=? AND "
      "invoke_id=?");
  if (!inv || !inst || !finished) return fail("prepare");
  for (const auto& v : poll.changed) {
    sqlite3_reset(inv);
    bindText(inv, 1, poll.region_id);
    bindText(inv, 2, v.invoke_id);
    bindText(inv, 3, v.command_id);
    bindText(inv, 4, v.command_name);
    bindText(inv, 5, v.command_type);
    bindText(inv, 6, v.creation_time);
    bindText(inv, 7, v.overall_status);
    sqlite3_bind_int64(inv, 8, now);
    if (sqlite3_step(inv) != SQLITE_DONE) return fail("write invocation");
    for (const auto& i : v.instances) {
      sqlite3_reset(inst);
      bindText(inst, 1, poll.region_id);
      bindText(inst, 2, v.invoke_id);
      bindText(inst, 3, i.instance_id);
      bindText(inst, 4, i.status);
      bindText(inst, 5, i.error_code);
      bindOptionalInt(inst, 6, i.exit_code);
      bindText(inst, 7, i.finish_time);
      if (sqlite3_step(inst) != SQLITE_DONE) return fail("write instance state");
    }
    sqlite3_reset(finished);
    bindText(finished, 1, poll.region_id);
    bindText(finished, 2, v.invoke_id);
    if (sqlite3_step(finished) != SQLITE_DONE) return fail("mark finished");
  }
  sqlite3_stmt* tr = impl_->prepare(
      "INSERT INTO transitions(region_id, invoke_id, instance_id, command_id, command_name, "
      "from_status, to_status, error_code, exit_code, creation_time, finish_time, alertable, "
      "observed_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!tr) return fail("prepare");
  for (const auto& t : poll.transitions) {
    sqlite3_reset(tr);
    bindText(tr, 1, poll.region_id);
    bindText(tr, 2, t.invoke_id);
    bindText(tr, 3, t.instance_id);
    bindText(tr, 4, t.command_id);
    bindText(tr, 5, t.command_name);
    bindText(tr, 6, t.from);
    bindText(tr, 7, t.to);
    bindText(tr, 8, t.error_code);
    bindOptionalInt(tr, 9, t.exit_code);
    bindText(tr, 10, t.creation_time);
    bindText(tr, 11, t.finish_time);
    sqlite3_bind_int(tr, 12, t.alertable ? 1 : 0);
    sqlite3_bind_int64(tr, 13, now);
    if (sqlite3_step(tr) != SQLITE_DONE) return fail("write transition");
  }
  if (poll.write_cursor) {
    sqlite3_stmt* cur = impl_->prepare(
        "INSERT INTO regions(region_id, last_full_scan, newest_creation, updated_at) "
        "VALUES(?,?,?,?) ON CONFLICT(region_id) DO UPDATE SET "
        "last_full_scan=excluded.last_full_scan, "
        "newest_creation=excluded.newest_creation, updated_at=excluded.updated_at");
    if (!cur) return fail("prepare");
    bindText(cur, 1, poll.region_id);
    sqlite3_bind_int64(cur, 2, core::unixSeconds(poll.cursor.last_full_scan));
    bindText(cur, 3, poll.cursor.newest_creation);
    sqlite3_bind_int64(cur, 4, now);
    if (sqlite3_step(cur) != SQLITE_DONE) return fail("write cursor");
  }
  if (!impl_->writeAlerts(poll.alerts)) return fail("write alerts");
  if (!impl_->exec("COMMIT")) return fail("commit");
  return {};
}

std::expected<void, core::Error> Store::commitAlerts(const core::AlertWrites& writes) {
  sqlite3* db = impl_->db.get();
  if (!impl_->exec("BEGIN IMMEDIATE")) return std::unexpected(storeError(db, "begin"));
  if (!impl_->writeAlerts(writes) || !impl_->exec("COMMIT")) {
    core::Error error = storeError(db, "write alerts");
    impl_->exec("ROLLBACK");
    return std::unexpected(error);
  }
  return {};
}

namespace {

constexpr const char* kAlertColumns =
    "a.fingerprint, a.region_id, a.invoke_id, a.instance_id, a.command_key, a.creation_time, "
    "a.labels, a.annotations, a.starts_at, a.ends_at";

core::Alert readAlert(sqlite3_stmt* s, int first) {
  core::Alert a;
  a.fingerprint = columnText(s, first);
  a.region_id = columnText(s, first + 1);
  a.invoke_id = columnText(s, first + 2);
  a.instance_id = columnText(s, first + 3);
  a.command_key = columnText(s, first + 4);
  a.creation_time = columnText(s, first + 5);
  a.labels_json = columnText(s, first + 6);
  a.annotations_json = columnText(s, first + 7);
  a.starts_at = sqlite3_column_int64(s, first + 8);
  if (sqlite3_column_type(s, first + 9) != SQLITE_NULL)
    a.ends_at = sqlite3_column_int64(s, first + 9);
  return a;
}

}  // namespace

std::expected<std::vector<core::Transition>, core::Error> Store::latestSuccesses() {
  // SQLite takes the bare columns of a MAX() aggregate from the row holding the maximum.
  sqlite3_stmt* s = impl_->prepare(
      "SELECT i.region_id, s.instance_id, i.command_id, i.command_name, i.invoke_id, "
      "MAX(i.creation_time), s.finish_time FROM instance_states s JOIN invocations i ON "
      "i.region_id = s.region_id AND i.invoke_id = s.invoke_id WHERE s.status = 'Success' "
      "GROUP BY i.region_id, s.instance_id, i.command_id, i.command_name");
  if (!s) return std::unexpected(storeError(impl_->db.get(), "prepare successes"));
  std::vector<core::Transition> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    core::Transition t;
    t.region_id = columnText(s, 0);
    t.instance_id = columnText(s, 1);
    t.command_id = columnText(s, 2);
    t.command_name = columnText(s, 3);
    t.invoke_id = columnText(s, 4);
    t.creation_time = columnText(s, 5);
    t.finish_time = columnText(s, 6);
    t.from = core::kNone;
    t.to = "Success";
    out.push_back(std::move(t));
  }
  if (rc != SQLITE_DONE) return std::unexpected(storeError(impl_->db.get(), "read successes"));
  return out;
}

std::expected<std::vector<core::Alert>, core::Error> Store::alerts(int64_t resolved_since) {
  std::string sql = std::string("SELECT ") + kAlertColumns +
                    " FROM alerts a WHERE a.ends_at IS NULL OR a.ends_at >= ? ORDER BY "
                    "a.starts_at, a.fingerprint";
  sqlite3_stmt* s = impl_->prepare(sql.c_str());
  if (!s) return std::unexpected(storeError(impl_->db.get(), "prepare alerts"));
  sqlite3_bind_int64(s, 1, resolved_since);
  std::vector<core::Alert> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) out.push_back(readAlert(s, 0));
  if (rc != SQLITE_DONE) return std::unexpected(storeError(impl_->db.get(), "read alerts"));
  return out;
}

std::expected<std::vector<PendingNotification>, core::Error> Store::pendingNotifications(
    const std::string& receiver, size_t limit) {
  std::string sql = std::string("SELECT o.id, o.resolved, o.created_ms, o.message_id, ") +
                    "o.attempts, o.next_attempt_at, " + kAlertColumns +
                    " FROM outbox o JOIN alerts a USING(fingerprint) WHERE o.receiver=? "
                    "ORDER BY o.id LIMIT ?";
  sqlite3_stmt* s = impl_->prepare(sql.c_str());
  if (!s) return std::unexpected(storeError(impl_->db.get(), "prepare outbox"));
  bindText(s, 1, receiver);
  sqlite3_bind_int64(s, 2, static_cast<int64_t>(limit));
  std::vector<PendingNotification> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    PendingNotification p;
    p.id = sqlite3_column_int64(s, 0);
    p.alert = readAlert(s, 6);
    p.notification = {receiver, p.alert.fingerprint, sqlite3_column_int(s, 1) != 0,
                      sqlite3_column_int64(s, 2)};
    if (sqlite3_column_type(s, 3) != SQLITE_NULL) p.message_id = sqlite3_column_int64(s, 3);
    p.attempts = sqlite3_column_int(s, 4);
    p.next_attempt_at = sqlite3_column_int64(s, 5);
    out.push_back(std::move(p));
  }
  if (rc != SQLITE_DONE) return std::unexpected(storeError(impl_->db.get(), "read outbox"));
  return out;
}

std::expected<void, core::Error> Store::updateNotifications(const std::vector<int64_t>& ids,
                                                            NotificationUpdate update) {
  sqlite3* db = impl_->db.get();
  const char* sql = nullptr;
  switch (update.kind) {
    case NotificationUpdate::kAssign:
      sql = "UPDATE outbox SET message_id=?1 WHERE id=?3";
      break;
    case NotificationUpdate::kDefer:
      sql = "UPDATE outbox SET attempts=attempts+1, next_attempt_at=?2 WHERE id=?3";
      break;
    case NotificationUpdate::kRemove:
      sql = "DELETE FROM outbox WHERE id=?3";
      break;
  }
  if (!impl_->exec("BEGIN IMMEDIATE")) return std::unexpected(storeError(db, "begin"));
  sqlite3_stmt* s = impl_->prepare(sql);
  bool ok = s != nullptr;
  for (size_t i = 0; ok && i < ids.size(); ++i) {
    sqlite3_reset(s);
    sqlite3_bind_int64(s, 1, update.message_id);
    sqlite3_bind_int64(s, 2, update.next_attempt_at);
    sqlite3_bind_int64(s, 3, ids[i]);
    ok = sqlite3_step(s) == SQLITE_DONE;
  }
  if (!ok || !impl_->exec("COMMIT")) {
    core::Error error = storeError(db, "update outbox");
    impl_->exec("ROLLBACK");
    return std::unexpected(error);
  }
  return {};
}

std::expected<std::map<std::string, int64_t>, core::Error> Store::outboxCounts() {
  sqlite3_stmt* s = impl_->prepare("SELECT receiver, count(*) FROM outbox GROUP BY receiver");
  if (!s) return std::unexpected(storeError(impl_->db.get(), "prepare outbox counts"));
  std::map<std::string, int64_t> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) out[columnText(s, 0)] = sqlite3_column_int64(s, 1);
  if (rc != SQLITE_DONE) return std::unexpected(storeError(impl_->db.get(), "outbox counts"));
  return out;
}

std::expected<size_t, core::Error> Store::evictResolvedAlerts(int64_t ended_before) {
  sqlite3_stmt* s = impl_->prepare(
      "DELETE FROM alerts WHERE ends_at IS NOT NULL AND ends_at < ? AND NOT EXISTS "
      "(SELECT 1 FROM outbox o WHERE o.fingerprint = alerts.fingerprint)");
  if (!s) return std::unexpected(storeError(impl_->db.get(), "prepare evict alerts"));
  sqlite3_bind_int64(s, 1, ended_before);
  if (sqlite3_step(s) != SQLITE_DONE) {
    return std::unexpected(storeError(impl_->db.get(), "evict alerts"));
  }
  return static_cast<size_t>(sqlite3_changes(impl_->db.get()));
}

std::expected<size_t, core::Error> Store::evictFinishedBefore(
    const std::string& region_id, std::chrono::system_clock::time_point cutoff) {
  sqlite3* db = impl_->db.get();
  std::string when = core::formatIso8601(cutoff);
  when.pop_back();  // CreationTime is stored zone-less, and ISO strings of one width sort by time
  if (!impl_->exec("BEGIN IMMEDIATE")) return std::unexpected(storeError(db, "begin"));
  sqlite3_stmt* states = impl_->prepare(
      "DELETE FROM instance_states WHERE region_id=?1 AND invoke_id IN (SELECT invoke_id "
      "FROM invocations WHERE region_id=?1 AND finished=1 AND creation_time < ?2)");
  sqlite3_stmt* invs = impl_->prepare(
      "DELETE FROM invocations WHERE region_id=?1 AND finished=1 AND creation_time < ?2");
  sqlite3_stmt* journal =
      impl_->prepare("DELETE FROM transitions WHERE region_id=?1 AND observed_at < ?2");
  if (!states || !invs || !journal) {
    impl_->exec("ROLLBACK");
    return std::unexpected(storeError(db, "prepare evict"));
  }
  bindText(states, 1, region_id);
  bindText(states, 2, when);
  bindText(invs, 1, region_id);
  bindText(invs, 2, when);
  bindText(journal, 1, region_id);
  sqlite3_bind_int64(journal, 2, core::unixSeconds(cutoff));
  if (sqlite3_step(states) != SQLITE_DONE || sqlite3_step(invs) != SQLITE_DONE) {
    auto error = storeError(db, "evict");
    impl_->exec("ROLLBACK");
    return std::unexpected(error);
  }
  size_t evicted = static_cast<size_t>(sqlite3_changes(db));
  if (sqlite3_step(journal) != SQLITE_DONE || !impl_->exec("COMMIT")) {
    auto error = storeError(db, "evict");
    impl_->exec("ROLLBACK");
    return std::unexpected(error);
  }
  return evicted;
}

std::expected<uint64_t, core::Error> Store::transitionCount() {
  sqlite3_stmt* s = impl_->prepare("SELECT count(*) FROM transitions");
  if (!s || sqlite3_step(s) != SQLITE_ROW) {
    return std::unexpected(storeError(impl_->db.get(), "count"));
  }
  return static_cast<uint64_t>(sqlite3_column_int64(s, 0));
}

}  // namespace swas::state
