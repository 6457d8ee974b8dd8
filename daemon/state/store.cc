#include "daemon/state/store.h"

#include <algorithm>

#include "daemon/core/time.h"
#include "daemon/state/journal.h"
#include "daemon/state/store_impl.h"

namespace swas::state {
namespace {

// `finished`: the overall status (?7) and every stored instance of invocation ?2 in region ?1
// terminal (core's definition). Computed in the invocation's own upsert, after its instances'.
std::string finishedSql() {
  // Appended piece by piece: GCC 12 reports a false -Wrestrict on "literal" + std::string here.
  auto list = [](const auto& statuses, auto terminal) {
    std::string out;
    out.append("'").append(core::kVanished).append("'");
    for (std::string_view s : statuses) {
      if (terminal(s)) out.append(",'").append(s).append("'");
    }
    return out;
  };
  std::string sql = "(?7 IN (";
  sql.append(list(core::kOverallStatuses, core::isTerminalOverallStatus));
  sql.append(
      ") AND NOT EXISTS (SELECT 1 FROM instance_states s WHERE s.region_id=?1 AND "
      "s.invoke_id=?2 AND s.status NOT IN (");
  sql.append(list(core::kInstanceStatuses, core::isTerminalInstanceStatus));
  sql.append(")))");
  return sql;
}

}  // namespace

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
  // One statement an invocation, its `finished` included (an UPDATE after it was one more).
  static const std::string kInvocation =
      "INSERT INTO invocations(region_id, invoke_id, command_id, command_name, command_type, "
      "creation_time, overall_status, finished, updated_at) VALUES(?1,?2,?3,?4,?5,?6,?7," +
      finishedSql() +
      ",?8) ON CONFLICT(region_id, invoke_id) DO UPDATE SET "
      "overall_status=excluded.overall_status, "
      "command_id=coalesce(nullif(excluded.command_id,''),command_id), "
      "command_name=coalesce(nullif(excluded.command_name,''),command_name), "
      "command_type=coalesce(nullif(excluded.command_type,''),command_type), "
      "creation_time=excluded.creation_time, finished=excluded.finished, "
      "updated_at=excluded.updated_at";
  sql::Query inv = db.prepare(kInvocation.c_str());
  sql::Query inst = db.prepare(
      "INSERT INTO instance_states(region_id, invoke_id, instance_id, status, error_code, "
      "exit_code, finish_time) VALUES(?,?,?,?,?,?,?) ON CONFLICT(region_id, invoke_id, "
      "instance_id) DO UPDATE SET status=excluded.status, error_code=excluded.error_code, "
      "exit_code=excluded.exit_code, finish_time=excluded.finish_time");
  if (!inv || !inst) return false;
  inv.text(1, poll.scope).integer(8, now);
  inst.text(1, poll.scope);
  for (const auto& v : poll.changed) {
    inst.text(2, v.invoke_id);
    for (const auto& i : v.instances) {
      inst.text(3, i.instance_id).text(4, i.status).text(5, i.error_code);
      inst.optional(6, i.exit_code).text(7, i.finish_time);
      if (!inst.run()) return false;
    }
    inv.text(2, v.invoke_id).text(3, v.command_id).text(4, v.command_name);
    inv.text(5, v.command_type).text(6, v.creation_time).text(7, v.overall_status);
    if (!inv.run()) return false;
  }
  return true;
}

bool writeTransitions(sql::Connection& db, const PollCommit& poll, int64_t now) {
  sql::Query tr = db.prepare(
      "INSERT INTO transitions(region_id, invoke_id, instance_id, command_id, command_name, "
      "from_status, to_status, error_code, exit_code, creation_time, finish_time, alertable, "
      "observed_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!tr) return false;
  tr.text(1, poll.scope).integer(13, now);
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
  cur.text(1, poll.scope).integer(2, core::unixSeconds(poll.cursor.last_full_scan));
  return cur.text(3, poll.cursor.newest_creation).integer(4, now).run();
}

}  // namespace

std::expected<void, core::Error> Store::commit(const PollCommit& poll) {
  // Synced when it promises something: alert writes (the dispatcher may send them next), a
  // transition it decided not to alert (a newly watched instance's baseline: taken back by a
  // power cut, a later walk would see those failures as new and alert them), or the cursor
  // that ends a cold start (see PollCommit for why its earlier chunks are not). Otherwise it is
  // what the API tells again after a power cut: invocations, transitions, cursor.
  bool baseline = std::ranges::any_of(poll.transitions, [](const auto& t) { return !t.alertable; });
  bool promises = !poll.alerts.empty() || (baseline && !poll.cold_start) ||
                  (poll.cold_start && poll.write_cursor);
  sql::Transaction tx(impl_->db, promises ? sql::Sync::kSynced : sql::Sync::kUnsynced);
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
  // The journal up to where the cutoff begins (journal.h), and in it only what is older.
  auto from = firstObservedFrom(impl_->db, core::unixSeconds(cutoff));
  sql::Query journal = impl_->db.prepare(
      "DELETE FROM transitions WHERE id < ?3 AND region_id=?1 AND observed_at < ?2");
  if (!from || !states || !invs || !journal) {
    return std::unexpected(impl_->db.error("prepare evict"));
  }
  if (!states.text(1, region_id).text(2, when).run() ||
      !invs.text(1, region_id).text(2, when).run()) {
    return std::unexpected(impl_->db.error("evict"));
  }
  auto evicted = static_cast<size_t>(sqlite3_changes(impl_->db.get()));
  journal.text(1, region_id).integer(2, core::unixSeconds(cutoff)).integer(3, *from);
  if (!journal.run() || !tx.commit()) {
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
    t.scope = s.columnText(0);
    t.instance_id = s.columnText(1);
    t.command_id = s.columnText(2);
    t.command_name = s.columnText(3);
    t.invoke_id = s.columnText(4);
    t.creation_time = s.columnText(5);
    t.finish_time = s.columnText(6);
    t.finished_at = core::parseApiTime(t.finish_time);
    t.from = core::kNone;
    t.to = "Success";
    out.push_back(std::move(t));
  }
  if (rc != SQLITE_DONE) return std::unexpected(impl_->db.error("read successes"));
  return out;
}

}  // namespace swas::state
