// What the operator's `status` reads, recorded by the daemon every few seconds.
#include "daemon/core/json.h"
#include "daemon/state/store_impl.h"

namespace swas::state {

namespace {

// Deletes the rows whose key is not in `keep`.
bool forgetOthers(sql::Connection& db, const char* table, const char* column,
                  const std::vector<std::string>& keep) {
  std::string array = "[";
  for (size_t i = 0; i < keep.size(); ++i) {
    if (i) array += ',';
    core::appendJsonString(array, keep[i]);
  }
  array += ']';
  std::string sql = std::string("DELETE FROM ") + table + " WHERE " + column +
                    " NOT IN (SELECT value FROM json_each(?1))";
  sql::Query q = db.prepare(sql.c_str());
  return q && q.text(1, array).run();
}

}  // namespace

std::expected<void, core::Error> Store::recordStatus(const StatusSnapshot& s) {
  // Losing the last few seconds of status to a power cut costs nothing. Rows are updated in
  // place, not replaced (a REPLACE is a delete and an insert: a page of the key's index too).
  sql::Transaction tx(impl_->db, sql::Sync::kUnsynced);
  if (!tx.began()) return std::unexpected(impl_->db.error("begin"));
  sql::Query region = impl_->db.prepare(
      "INSERT INTO region_status(region_id, up, reason, last_success, updated_at) "
      "VALUES(?,?,?,?,?) ON CONFLICT(region_id) DO UPDATE SET up=excluded.up, "
      "reason=excluded.reason, last_success=excluded.last_success, updated_at=excluded.updated_at");
  sql::Query calls = impl_->db.prepare(
      "INSERT INTO api_calls(region_id, minute, calls, throttled) VALUES(?,?,?,?) "
      "ON CONFLICT(region_id, minute) DO UPDATE SET calls = calls + excluded.calls, "
      "throttled = throttled + excluded.throttled");
  sql::Query prune = impl_->db.prepare("DELETE FROM api_calls WHERE minute < ?");
  sql::Query receiver = impl_->db.prepare(
      "INSERT INTO receiver_status(receiver, outcome, at) VALUES(?,?,?) ON CONFLICT(receiver) DO "
      "UPDATE SET outcome=excluded.outcome, at=excluded.at");
  sql::Query configured = impl_->db.prepare(
      "INSERT OR IGNORE INTO receiver_status(receiver, outcome, at) VALUES(?, '', 0)");
  sql::Query recorded = impl_->db.prepare(
      "INSERT INTO meta(key, value) VALUES('status_recorded_at', ?) ON "
      "CONFLICT(key) DO UPDATE SET value=excluded.value");
  bool ok = region && calls && prune && receiver && configured && recorded;
  int64_t minute = s.now / 60;
  std::vector<std::string> regions;
  for (const auto& r : s.regions) {
    if (!ok) break;
    regions.push_back(r.scope);
    region.text(1, r.scope).integer(2, r.up ? 1 : 0).text(3, r.reason);
    ok = region.optional(4, r.last_success).integer(5, s.now).run();
    if (ok && (r.calls > 0 || r.throttled > 0)) {
      calls.text(1, r.scope).integer(2, minute).integer(3, r.calls).integer(4, r.throttled);
      ok = calls.run();
    }
  }
  for (const auto& r : s.receivers) {
    if (!ok) break;
    ok = receiver.text(1, r.name).text(2, r.outcome).integer(3, r.at).run();
  }
  for (const auto& name : s.configured_receivers) {
    if (!ok) break;
    ok = configured.text(1, name).run();  // shown as "none yet" until its first outcome
  }
  ok = ok && recorded.text(1, std::to_string(s.now)).run();
  ok = ok && prune.integer(1, minute - 60).run() &&
       forgetOthers(impl_->db, "region_status", "region_id", regions) &&
       forgetOthers(impl_->db, "api_calls", "region_id", regions) &&
       forgetOthers(impl_->db, "receiver_status", "receiver", s.configured_receivers);
  if (!ok || !tx.commit()) return std::unexpected(impl_->db.error("record the status"));
  return {};
}

}  // namespace swas::state
