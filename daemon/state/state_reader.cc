#include "daemon/state/state_reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>

#include "daemon/core/defaults.h"
#include "daemon/state/sqlite.h"
#include "daemon/state/store.h"

namespace swas::state {

struct StateReader::Impl {
  sql::Connection db;
};

StateReader::StateReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StateReader::~StateReader() = default;

namespace {

// A path as a file: URI (RFC 3986 percent-encoding of what a URI path cannot hold).
std::string fileUri(const std::string& path) {
  std::string out = "file:";
  for (unsigned char c : path) {
    if (c == '%' || c == '?' || c == '#' || c < 0x20) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "?mode=ro";
}

// A failure: a status of core::defaults::kAlertStatuses, or an ErrorCode. Word for word the
// condition of the index transitions_failures (store_open.cc, migration 7).
constexpr const char* kFailureCondition =
    "(to_status IN ('Failed', 'Timeout', 'Error', 'Invalid', 'Aborted') OR error_code != '')";

}  // namespace

std::expected<std::unique_ptr<StateReader>, std::string> StateReader::open(const std::string& path,
                                                                           Beside beside) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == EACCES) {
      return std::unexpected("cannot read state file " + path +
                             ": permission denied (run as root, or as the daemon's user)");
    }
    return std::unexpected("state file " + path +
                           " does not exist: the daemon has not run "
                           "with this state.path yet");
  }
  if (st.st_size == 0) return std::unexpected("state file " + path + " is empty");
  auto impl = std::make_unique<Impl>();
  sqlite3* raw = nullptr;
  // Without a WAL file (the daemon stopped cleanly) a read-only connection would still create
  // the -wal and -shm files beside it: read the file as it is instead.
  std::error_code ec;
  bool wal = beside == Beside::kTheWriter || std::filesystem::exists(path + "-wal", ec);
  std::string uri = fileUri(path) + (wal ? "" : "&immutable=1");
  int rc = sqlite3_open_v2(uri.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
  impl->db.reset(raw);
  if (rc != SQLITE_OK) {
    return std::unexpected("cannot read state file " + path + ": " +
                           (raw ? sqlite3_errmsg(raw) : "out of memory") +
                           " (run as the daemon's user)");
  }
  // The daemon's page reads on the endpoint's thread, which /healthz shares: it waits little.
  sqlite3_busy_timeout(raw, beside == Beside::kTheWriter ? 250 : 5000);
  sql::Query v = impl->db.prepare("PRAGMA user_version");
  if (!v || v.step() != SQLITE_ROW) {
    return std::unexpected("cannot read state file " + path + ": " + sqlite3_errmsg(raw));
  }
  int64_t version = v.columnInt(0);
  if (version == 0) return std::unexpected("state file " + path + " is not a state file");
  if (version > kSchemaVersion) {
    return std::unexpected("state file " + path + " has schema version " + std::to_string(version) +
                           ", newer than this build understands (" +
                           std::to_string(kSchemaVersion) + "): use the newer binary");
  }
  if (version < kSchemaVersion) {
    return std::unexpected("state file " + path + " has schema version " + std::to_string(version) +
                           ", older than this build's: start the daemon once to migrate it");
  }
  return std::unique_ptr<StateReader>(new StateReader(std::move(impl)));
}

std::expected<std::vector<FiringAlert>, core::Error> StateReader::firingAlerts(FiringQuery f) {
  sql::Query q = impl_->db.prepare(
      "SELECT starts_at, region_id, instance_id, "
      "coalesce(json_extract(labels, '$.alertname'), ''), "
      "coalesce(json_extract(labels, '$.instance_name'), ''), "
      "coalesce(json_extract(labels, '$.command_name'), ''), "
      "coalesce(json_extract(labels, '$.invocation_status'), ''), "
      "coalesce(json_extract(labels, '$.error_code'), ''), "
      "coalesce(json_extract(annotations, '$.exit_code'), ''), "
      "coalesce(CASE WHEN ?2 < 0 THEN json_extract(annotations, '$.output') "
      "ELSE substr(json_extract(annotations, '$.output'), -?2) END, '') "
      "FROM alerts WHERE ends_at IS NULL AND source = 'poll' ORDER BY starts_at DESC, fingerprint "
      "LIMIT ?1");
  if (!q) return std::unexpected(impl_->db.error("read the alerts"));
  q.integer(1, f.limit).integer(2, f.output_chars);
  std::vector<FiringAlert> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    out.push_back({q.columnInt(0), q.columnText(3), q.columnText(1), q.columnText(2),
                   q.columnText(4), q.columnText(5), q.columnText(6), q.columnText(7),
                   q.columnText(8), q.columnText(9)});
  }
  if (rc != SQLITE_DONE) return std::unexpected(impl_->db.error("read the alerts"));
  return out;
}

namespace {

// history()'s query; failures only: newest first through their own index, never a scan of every
// transition. Otherwise newest first by id until the limit: ids only roughly follow observed_at
// (journal.h), so --since is a condition, never a range of ids.
std::string historySql(bool failures_only) {
  return std::string(
             "SELECT t.observed_at, t.region_id, t.invoke_id, t.instance_id, "
             "coalesce(i.name, ''), t.command_name, t.from_status, t.to_status, t.error_code, "
             "t.exit_code FROM transitions t LEFT JOIN instances i "
             "ON i.region_id = t.region_id AND i.instance_id = t.instance_id "
             "WHERE t.observed_at >= ?1 AND (?2 = '' OR t.instance_id = ?2 OR i.name = ?2) "
             "AND (?3 = '' OR t.command_name = ?3) AND (?4 = '' OR lower(t.to_status) = "
             "lower(?4))") +
         (failures_only ? std::string(" AND ") + kFailureCondition : "") +
         " ORDER BY t.id DESC LIMIT ?5";
}

}  // namespace

std::expected<std::vector<HistoryEntry>, core::Error> StateReader::history(const HistoryFilter& f) {
  sql::Query q = impl_->db.prepare(historySql(f.failures_only).c_str());
  if (!q) return std::unexpected(impl_->db.error("read the history"));
  q.integer(1, f.since).text(2, f.instance).text(3, f.command).text(4, f.status);
  q.integer(5, f.limit);
  std::vector<HistoryEntry> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    out.push_back({q.columnInt(0), q.columnText(1), q.columnText(2), q.columnText(3),
                   q.columnText(4), q.columnText(5), q.columnText(6), q.columnText(7),
                   q.columnText(8), q.columnOptional(9)});
  }
  if (rc != SQLITE_DONE) return std::unexpected(impl_->db.error("read the history"));
  return out;
}

std::string StateReader::historyPlanForTest(const HistoryFilter& f) {
  sql::Query q = impl_->db.prepare(("EXPLAIN QUERY PLAN " + historySql(f.failures_only)).c_str());
  std::string plan;
  while (q && q.step() == SQLITE_ROW) plan += q.columnText(3) + "\n";
  return plan;
}

bool StateReader::readAgents(StatusReport& report) {
  sql::Query counts = impl_->db.prepare(
      "SELECT region_id, coalesce(sum(agent_online = 1), 0), "
      "coalesce(sum(agent_online = 0 AND status = 'Running'), 0), sum(agent_active_tasks) "
      "FROM instances GROUP BY region_id");
  sql::Query offline = impl_->db.prepare(
      "SELECT region_id, instance_id, name, agent_heartbeat FROM instances "
      "WHERE agent_online = 0 AND status = 'Running' ORDER BY region_id, instance_id LIMIT ?1");
  if (!counts || !offline) return false;
  int rc;
  while ((rc = counts.step()) == SQLITE_ROW) {
    std::string region = counts.columnText(0);
    for (auto& r : report.regions) {
      if (r.scope != region) continue;
      r.agents_online = counts.columnInt(1);
      r.agents_offline = counts.columnInt(2);
      r.active_tasks = counts.columnOptional(3);
    }
  }
  if (rc != SQLITE_DONE) return false;
  offline.integer(1, StatusReport::kOfflineAgentsShown);
  while ((rc = offline.step()) == SQLITE_ROW) {
    report.agents_offline.push_back({offline.columnText(0), offline.columnText(1),
                                     offline.columnText(2), offline.columnText(3)});
  }
  return rc == SQLITE_DONE;
}

std::expected<StatusReport, core::Error> StateReader::status(int64_t now) {
  auto fail = [&] { return std::unexpected(impl_->db.error("read the status")); };
  sql::Query regions = impl_->db.prepare(
      "SELECT r.region_id, r.up, r.reason, r.last_success, r.updated_at, "
      "coalesce(sum(c.calls), 0), coalesce(sum(c.throttled), 0) FROM region_status r "
      "LEFT JOIN api_calls c ON c.region_id = r.region_id AND c.minute > ?1 "
      "GROUP BY r.region_id ORDER BY r.region_id");
  sql::Query counts = impl_->db.prepare(
      "SELECT region_id, overall_status, count(*) FROM invocations GROUP BY 1, 2");
  sql::Query firing =
      impl_->db.prepare("SELECT count(*) FROM alerts WHERE ends_at IS NULL AND source = 'poll'");
  sql::Query receivers = impl_->db.prepare(
      "SELECT name, sum(queued), max(outcome), max(at) FROM ("
      " SELECT receiver AS name, count(*) AS queued, '' AS outcome, 0 AS at FROM outbox "
      " GROUP BY receiver UNION ALL "
      " SELECT receiver, 0, outcome, at FROM receiver_status) GROUP BY name ORDER BY name");
  if (!regions || !counts || !firing || !receivers) return fail();
  StatusReport report;
  regions.integer(1, now / 60 - 60);
  int rc;
  while ((rc = regions.step()) == SQLITE_ROW) {
    report.recorded_at = std::max(report.recorded_at, regions.columnInt(4));
    report.regions.push_back({regions.columnText(0),
                              regions.columnInt(1) != 0,
                              regions.columnText(2),
                              regions.columnOptional(3),
                              regions.columnInt(5),
                              regions.columnInt(6),
                              {}});
  }
  if (rc != SQLITE_DONE) return fail();
  while ((rc = counts.step()) == SQLITE_ROW) {
    std::string region = counts.columnText(0);
    for (auto& r : report.regions) {
      if (r.scope == region) r.invocations[counts.columnText(1)] = counts.columnInt(2);
    }
  }
  if (rc != SQLITE_DONE) return fail();
  if (firing.step() != SQLITE_ROW) return fail();
  report.firing = firing.columnInt(0);
  if (!readAgents(report)) return fail();
  sql::Query recorded =
      impl_->db.prepare("SELECT value FROM meta WHERE key = 'status_recorded_at'");
  if (!recorded) return fail();
  if (recorded.step() == SQLITE_ROW) {
    // The daemon wrote it; a damaged value is read as "never", not thrown.
    std::string text = recorded.columnText(0);
    int64_t at = 0;
    std::from_chars(text.data(), text.data() + text.size(), at);
    report.recorded_at = std::max(report.recorded_at, at);
  }
  while ((rc = receivers.step()) == SQLITE_ROW) {
    report.receivers.push_back({receivers.columnText(0), receivers.columnInt(1),
                                receivers.columnText(2), receivers.columnInt(3)});
  }
  if (rc != SQLITE_DONE) return fail();
  return report;
}

std::expected<Overview, core::Error> StateReader::overview(const OverviewQuery& query) {
  // One snapshot: the counts, the alerts and the failures agree with each other.
  if (!impl_->db.run("BEGIN")) return std::unexpected(impl_->db.error("read the state"));
  struct End {
    sql::Connection& db;
    ~End() { db.run("ROLLBACK"); }  // a read: nothing to keep, and no snapshot left open
  } end{impl_->db};
  Overview o;
  auto status_read = status(query.now);
  if (!status_read) return std::unexpected(status_read.error());
  o.status = std::move(*status_read);
  auto firing = firingAlerts(query.firing);
  if (!firing) return std::unexpected(firing.error());
  o.firing = std::move(*firing);
  auto last = history({.failures_only = true, .limit = query.failures});
  if (!last) return std::unexpected(last.error());
  o.failures = std::move(*last);
  return o;
}

}  // namespace swas::state
