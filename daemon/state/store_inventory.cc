// The account's inventory in the state file: one region's instances and their tags, replaced as
// a whole by each refresh.

#include "daemon/state/store_impl.h"

namespace swas::state {

std::expected<void, core::Error> Store::replaceInstances(
    const std::string& region_id, const std::vector<core::InstanceRecord>& all,
    int64_t refreshed_at) {
  sql::Transaction tx(impl_->db);
  if (!tx.began()) return std::unexpected(impl_->db.error("begin"));
  sql::Query clear = impl_->db.prepare("DELETE FROM instances WHERE region_id=?");
  sql::Query clear_tags = impl_->db.prepare("DELETE FROM instance_tags WHERE region_id=?");
  sql::Query add = impl_->db.prepare(
      "INSERT OR REPLACE INTO instances(region_id, instance_id, name, public_ip, private_ip, "
      "status, agent_online, refreshed_at, agent_heartbeat, agent_active_tasks) "
      "VALUES(?,?,?,?,?,?,?,?,?,?)");
  sql::Query tag = impl_->db.prepare(
      "INSERT OR REPLACE INTO instance_tags(region_id, instance_id, position, key, value) "
      "VALUES(?,?,?,?,?)");
  bool ok = clear && clear_tags && add && tag && clear.text(1, region_id).run() &&
            clear_tags.text(1, region_id).run();
  for (size_t i = 0; ok && i < all.size(); ++i) {
    const auto& r = all[i];
    std::optional<int64_t> agent;
    if (r.agent_online) agent = *r.agent_online ? 1 : 0;
    add.text(1, region_id).text(2, r.instance_id).text(3, r.name).text(4, r.public_ip);
    add.text(5, r.private_ip).text(6, r.status).optional(7, agent).integer(8, refreshed_at);
    add.text(9, r.agent_heartbeat).optional(10, r.agent_active_tasks);
    ok = add.run();
    for (size_t t = 0; ok && t < r.tags.size(); ++t) {
      tag.text(1, region_id).text(2, r.instance_id).integer(3, static_cast<int64_t>(t));
      ok = tag.text(4, r.tags[t].first).text(5, r.tags[t].second).run();
    }
  }
  if (!ok || !tx.commit()) return std::unexpected(impl_->db.error("store the inventory"));
  return {};
}

std::expected<std::vector<core::InstanceRecord>, core::Error> Store::instances(
    const std::string& region_id) {
  sql::Query s = impl_->db.prepare(
      "SELECT instance_id, name, public_ip, private_ip, status, agent_online, agent_heartbeat, "
      "agent_active_tasks FROM instances WHERE region_id=? ORDER BY instance_id");
  sql::Query t = impl_->db.prepare(
      "SELECT instance_id, key, value FROM instance_tags WHERE region_id=? "
      "ORDER BY instance_id, position");
  if (!s || !t) return std::unexpected(impl_->db.error("prepare inventory"));
  std::vector<core::InstanceRecord> out;
  s.text(1, region_id);
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    core::InstanceRecord r{s.columnText(0), s.columnText(1), s.columnText(2),
                           s.columnText(3), s.columnText(4), {},
                           std::nullopt};
    if (auto agent = s.columnOptional(5)) r.agent_online = *agent != 0;
    r.agent_heartbeat = s.columnText(6);
    r.agent_active_tasks = s.columnOptional(7);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return std::unexpected(impl_->db.error("read the inventory"));
  t.text(1, region_id);
  size_t at = 0;  // both are ordered by instance ID
  while ((rc = t.step()) == SQLITE_ROW) {
    std::string id = t.columnText(0);
    while (at < out.size() && out[at].instance_id < id) ++at;
    if (at < out.size() && out[at].instance_id == id) {
      out[at].tags.emplace_back(t.columnText(1), t.columnText(2));
    }
  }
  if (rc != SQLITE_DONE) return std::unexpected(impl_->db.error("read the inventory's tags"));
  return out;
}

// One line per region in meta's "discovered_regions".
std::expected<void, core::Error> Store::replaceDiscoveredRegions(
    const std::vector<std::string>& regions) {
  std::string joined;
  for (const auto& r : regions) joined += r + "\n";
  sql::Transaction tx(impl_->db);
  sql::Query s =
      impl_->db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES('discovered_regions', ?)");
  if (!tx.began() || !s || !s.text(1, joined).run() || !tx.commit()) {
    return std::unexpected(impl_->db.error("store the discovered regions"));
  }
  return {};
}

std::expected<std::vector<std::string>, core::Error> Store::discoveredRegions() {
  sql::Query s = impl_->db.prepare("SELECT value FROM meta WHERE key='discovered_regions'");
  if (!s) return std::unexpected(impl_->db.error("read the discovered regions"));
  std::vector<std::string> out;
  int rc = s.step();
  if (rc == SQLITE_ROW) {
    std::string joined = s.columnText(0);
    for (size_t at = 0, end; (end = joined.find('\n', at)) != std::string::npos; at = end + 1) {
      if (end > at) out.push_back(joined.substr(at, end - at));
    }
  } else if (rc != SQLITE_DONE) {
    return std::unexpected(impl_->db.error("read the discovered regions"));
  }
  return out;
}

}  // namespace swas::state
