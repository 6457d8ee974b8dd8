// Alerts relayed from Alertmanager to a chat receiver: stored beside the daemon's own alerts
// (source 'relay'), under a key of their own per receiver, and queued once per state.

#include "daemon/state/store_impl.h"

namespace swas::state {

std::expected<Store::RelayCounts, core::Error> Store::relayAlerts(
    const std::string& receiver, const std::vector<core::Alert>& alerts, bool send_resolved,
    int64_t created_ms) {
  const int64_t now = created_ms / 1000;
  sql::Connection& db = impl_->db;
  sql::Transaction tx(db);
  if (!tx.began()) return std::unexpected(db.error("begin"));
  sql::Query known = db.prepare("SELECT starts_at, ends_at FROM alerts WHERE fingerprint=?");
  sql::Query seen = db.prepare("UPDATE alerts SET relayed_at=? WHERE fingerprint=?");
  // A key per receiver: two receivers relaying the same alert each get it once.
  sql::Query upsert = db.prepare(
      "INSERT INTO alerts(fingerprint, region_id, invoke_id, instance_id, command_key, "
      "creation_time, labels, annotations, starts_at, ends_at, source, relayed_at) "
      "VALUES(?1,?2,?3,?4,'','',?5,?6,?7,?8,'relay',?9) ON CONFLICT(fingerprint) DO UPDATE SET "
      "labels=?5, annotations=?6, starts_at=?7, ends_at=?8, relayed_at=?9");
  sql::Query notify = db.prepare(
      "INSERT INTO outbox(receiver, fingerprint, resolved, created_ms, next_attempt_at) "
      "VALUES(?,?,?,?,0)");
  if (!known || !seen || !upsert || !notify) return std::unexpected(db.error("prepare relay"));
  RelayCounts counts;
  for (const auto& a : alerts) {
    std::string key = "relay:" + receiver + ":" + a.fingerprint;
    known.text(1, key);
    int rc = known.step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return std::unexpected(db.error("read relay"));
    bool stored_firing = rc == SQLITE_ROW && !known.columnOptional(1);
    bool stored_resolved = rc == SQLITE_ROW && !stored_firing;
    bool repeat = a.ends_at ? stored_resolved && known.columnInt(0) == a.starts_at : stored_firing;
    known.rewind();
    if (repeat) {
      if (!seen.integer(1, now).text(2, key).run()) return std::unexpected(db.error("write relay"));
      ++counts.repeated;
      continue;
    }
    upsert.text(1, key).text(2, a.scope).text(3, a.invoke_id).text(4, a.instance_id);
    upsert.text(5, a.labels_json).text(6, a.annotations_json).integer(7, a.starts_at);
    upsert.optional(8, a.ends_at).integer(9, now);
    if (!upsert.run()) return std::unexpected(db.error("write relay"));
    if (a.ends_at && !send_resolved) {
      ++counts.repeated;  // nothing to send: as good as told
      continue;
    }
    notify.text(1, receiver).text(2, key).integer(3, a.ends_at ? 1 : 0).integer(4, created_ms);
    if (!notify.run()) return std::unexpected(db.error("write relay"));
    ++counts.queued;
  }
  if (!tx.commit()) return std::unexpected(db.error("commit relay"));
  return counts;
}

}  // namespace swas::state
