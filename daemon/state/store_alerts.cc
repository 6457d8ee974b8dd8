// Alerts and the outbox: the half of the store the dispatcher and the alert rules use.

#include <algorithm>
#include <limits>

#include "daemon/state/store_impl.h"

namespace swas::state {

bool Store::Impl::writeAlerts(const core::AlertWrites& w) {
  if (w.empty()) return true;
  // One alert per occurrence. The same labels firing again after their alert resolved (Failed,
  // Running, Failed) re-open it: a new start, and no stale end.
  sql::Query fire = db.prepare(
      "INSERT INTO alerts(fingerprint, region_id, invoke_id, instance_id, command_key, "
      "creation_time, labels, annotations, starts_at, ends_at) VALUES(?,?,?,?,?,?,?,?,?,NULL) "
      "ON CONFLICT(fingerprint) DO UPDATE SET starts_at=excluded.starts_at, ends_at=NULL, "
      "annotations=excluded.annotations WHERE alerts.ends_at IS NOT NULL");
  sql::Query resolve =
      db.prepare("UPDATE alerts SET ends_at=? WHERE fingerprint=? AND ends_at IS NULL");
  sql::Query notify = db.prepare(
      "INSERT INTO outbox(receiver, fingerprint, resolved, created_ms, next_attempt_at) "
      "VALUES(?,?,?,?,0)");
  if (!fire || !resolve || !notify) return false;
  for (const auto& a : w.fired) {
    fire.text(1, a.fingerprint).text(2, a.scope).text(3, a.invoke_id).text(4, a.instance_id);
    fire.text(5, a.command_key).text(6, a.creation_time).text(7, a.labels_json);
    fire.text(8, a.annotations_json).integer(9, a.starts_at);
    if (!fire.run()) return false;
  }
  for (const auto& r : w.resolved) {
    if (!resolve.integer(1, r.ends_at).text(2, r.fingerprint).run()) return false;
  }
  for (const auto& n : w.notifications) {
    notify.text(1, n.receiver).text(2, n.fingerprint).integer(3, n.resolved ? 1 : 0);
    if (!notify.integer(4, n.created_ms).run()) return false;
  }
  return true;
}

std::expected<void, core::Error> Store::commitAlerts(const core::AlertWrites& writes) {
  sql::Transaction tx(impl_->db);
  if (!tx.began()) return std::unexpected(impl_->db.error("begin"));
  if (!impl_->writeAlerts(writes) || !tx.commit()) {
    return std::unexpected(impl_->db.error("write alerts"));
  }
  return {};
}

namespace {

constexpr const char* kAlertColumns =
    "a.fingerprint, a.region_id, a.invoke_id, a.instance_id, a.command_key, a.creation_time, "
    "a.labels, a.annotations, a.starts_at, a.ends_at";

core::Alert readAlert(const sql::Query& s, int first) {
  core::Alert a;
  a.fingerprint = s.columnText(first);
  a.scope = s.columnText(first + 1);
  a.invoke_id = s.columnText(first + 2);
  a.instance_id = s.columnText(first + 3);
  a.command_key = s.columnText(first + 4);
  a.creation_time = s.columnText(first + 5);
  a.labels_json = s.columnText(first + 6);
  a.annotations_json = s.columnText(first + 7);
  a.starts_at = s.columnInt(first + 8);
  a.ends_at = s.columnOptional(first + 9);
  return a;
}

}  // namespace

std::expected<std::vector<core::Alert>, core::Error> Store::alerts(int64_t resolved_since,
                                                                   const AlertPage& page) {
  static const std::string kSql =
      std::string("SELECT ") + kAlertColumns +
      " FROM alerts a WHERE a.source='poll' AND (a.ends_at IS NULL OR a.ends_at >= ?) "
      "AND (a.starts_at, a.fingerprint) > (?, ?) ORDER BY "
      "a.starts_at, a.fingerprint LIMIT ?";
  sql::Query s = impl_->db.prepare(kSql.c_str());
  if (!s) return std::unexpected(impl_->db.error("prepare alerts"));
  s.integer(1, resolved_since).integer(2, page.after_starts_at).text(3, page.after_fingerprint);
  s.integer(
      4, static_cast<int64_t>(std::min<size_t>(page.limit, std::numeric_limits<int64_t>::max())));
  std::vector<core::Alert> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(readAlert(s, 0));
  if (rc != SQLITE_DONE) return std::unexpected(impl_->db.error("read alerts"));
  return out;
}

std::expected<std::vector<PendingNotification>, core::Error> Store::pendingNotifications(
    const std::string& receiver, size_t limit) {
  static const std::string kSql =
      std::string("SELECT o.id, o.resolved, o.created_ms, ") +
      "o.message_id, o.attempts, o.next_attempt_at, a.source='relay', " + kAlertColumns +
      " FROM outbox o JOIN alerts a USING(fingerprint) WHERE "
      "o.receiver=? ORDER BY o.id LIMIT ?";
  sql::Query s = impl_->db.prepare(kSql.c_str());
  if (!s) return std::unexpected(impl_->db.error("prepare outbox"));
  s.text(1, receiver).integer(2, static_cast<int64_t>(limit));
  std::vector<PendingNotification> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    PendingNotification p;
    p.id = s.columnInt(0);
    p.relayed = s.columnInt(6) != 0;
    p.alert = readAlert(s, 7);
    p.notification = {receiver, p.alert.fingerprint, s.columnInt(1) != 0, s.columnInt(2)};
    p.message_id = s.columnOptional(3);
    p.attempts = static_cast<int>(s.columnInt(4));
    p.next_attempt_at = s.columnInt(5);
    out.push_back(std::move(p));
  }
  if (rc != SQLITE_DONE) return std::unexpected(impl_->db.error("read outbox"));
  return out;
}

std::expected<void, core::Error> Store::updateNotifications(const std::vector<int64_t>& ids,
                                                            NotificationUpdate update) {
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
  // Only a message's assignment is synced: its contents and Idempotency-Key are fixed before
  // its first attempt, so no key ever carries two bodies. An outcome (delivered, deferred,
  // dropped) taken back by a power cut only sends that message again, under its key; a crash
  // or kill -9 never takes it back, and the next synced commit makes it durable too.
  sql::Transaction tx(impl_->db, update.kind == NotificationUpdate::kAssign ? sql::Sync::kSynced
                                                                            : sql::Sync::kUnsynced);
  if (!tx.began()) return std::unexpected(impl_->db.error("begin"));
  sql::Query s = impl_->db.prepare(sql);
  if (!s) return std::unexpected(impl_->db.error("update outbox"));
  s.integer(1, update.message_id).integer(2, update.next_attempt_at);
  for (int64_t id : ids) {
    if (!s.integer(3, id).run()) return std::unexpected(impl_->db.error("update outbox"));
  }
  if (!tx.commit()) return std::unexpected(impl_->db.error("update outbox"));
  return {};
}

std::expected<std::map<std::string, int64_t>, core::Error> Store::outboxCounts() {
  sql::Query s = impl_->db.prepare("SELECT receiver, count(*) FROM outbox GROUP BY receiver");
  if (!s) return std::unexpected(impl_->db.error("prepare outbox counts"));
  std::map<std::string, int64_t> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out[s.columnText(0)] = s.columnInt(1);
  if (rc != SQLITE_DONE) return std::unexpected(impl_->db.error("outbox counts"));
  return out;
}

std::expected<size_t, core::Error> Store::evictResolvedAlerts(int64_t ended_before) {
  sql::Transaction tx(impl_->db);
  if (!tx.began()) return std::unexpected(impl_->db.error("begin"));
  sql::Query s = impl_->db.prepare(
      "DELETE FROM alerts WHERE (CASE source WHEN 'relay' THEN relayed_at < ?1 ELSE ends_at IS "
      "NOT NULL AND ends_at < ?1 END) AND NOT EXISTS (SELECT 1 FROM outbox o WHERE "
      "o.fingerprint = alerts.fingerprint)");
  if (!s) return std::unexpected(impl_->db.error("prepare evict alerts"));
  if (!s.integer(1, ended_before).run()) {
    return std::unexpected(impl_->db.error("evict alerts"));
  }
  auto evicted = static_cast<size_t>(sqlite3_changes(impl_->db.get()));
  if (!tx.commit()) return std::unexpected(impl_->db.error("evict alerts"));
  return evicted;
}

}  // namespace swas::state
