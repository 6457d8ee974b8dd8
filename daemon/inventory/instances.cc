#include "daemon/inventory/instances.h"

#include <fnmatch.h>

#include <algorithm>

namespace swas::inventory {

std::vector<Instance> mergeInventory(const std::vector<api::InstanceInfo>& listed,
                                     const std::vector<api::AgentStatus>& agents) {
  std::map<std::string, const api::AgentStatus*> by_id;
  for (const auto& a : agents) by_id[a.instance_id] = &a;
  std::vector<Instance> out;
  out.reserve(listed.size());
  for (const auto& i : listed) {
    Instance instance{i.instance_id, i.instance_name, i.public_ip, i.private_ip,
                      i.status,      i.tags,          std::nullopt};
    if (auto it = by_id.find(i.instance_id); it != by_id.end()) {
      instance.agent_online = it->second->online;
      instance.agent_heartbeat = it->second->last_heartbeat;
      instance.agent_active_tasks = it->second->active_tasks;
    }
    out.push_back(std::move(instance));
  }
  return out;
}

std::optional<std::set<std::string>> resolveWatched(const WatchRule& rule,
                                                    const std::vector<Instance>& instances) {
  if (rule.empty()) return std::nullopt;
  std::set<std::string> watched(rule.instance_ids.begin(), rule.instance_ids.end());
  if (rule.tags.empty() && rule.name_globs.empty()) return watched;
  for (const auto& i : instances) {
    bool tagged = std::all_of(rule.tags.begin(), rule.tags.end(), [&](const auto& tag) {
      return std::find(i.tags.begin(), i.tags.end(), tag) != i.tags.end();
    });
    bool named =
        rule.name_globs.empty() ||
        std::any_of(rule.name_globs.begin(), rule.name_globs.end(), [&](const std::string& glob) {
          return fnmatch(glob.c_str(), i.name.c_str(), 0) == 0;
        });
    if (tagged && named) watched.insert(i.instance_id);
  }
  return watched;
}

RegionChanges diffRegions(const std::set<std::string>& polled,
                          const std::vector<std::string>& listed) {
  RegionChanges changes;
  std::set<std::string> now(listed.begin(), listed.end());
  now.erase("");
  std::set_difference(now.begin(), now.end(), polled.begin(), polled.end(),
                      std::back_inserter(changes.added));
  std::set_difference(polled.begin(), polled.end(), now.begin(), now.end(),
                      std::back_inserter(changes.removed));
  return changes;
}

std::vector<AgentWatch::Change> AgentWatch::observe(const std::vector<Instance>& instances,
                                                    TimePoint now) {
  std::vector<Change> changes;
  if (down_after_.count() <= 0) return changes;
  std::set<std::string> seen;
  for (const auto& i : instances) {
    seen.insert(i.instance_id);
    bool running = i.status == "Running";
    if (!i.agent_online && running) continue;  // unknown: nothing changes either way
    bool offline = running && !*i.agent_online;
    if (!offline) {
      offline_since_.erase(i.instance_id);
      if (down_.erase(i.instance_id) > 0) changes.push_back({i.instance_id, false, now});
      continue;
    }
    if (down_.contains(i.instance_id)) continue;
    auto [it, first] = offline_since_.try_emplace(i.instance_id, now);
    if (now - it->second >= down_after_) {
      down_[i.instance_id] = it->second;
      changes.push_back({i.instance_id, true, it->second});
      offline_since_.erase(it);
    }
  }
  // Instances that left the inventory: nothing to watch any more.
  std::erase_if(offline_since_, [&](const auto& e) { return !seen.contains(e.first); });
  for (auto it = down_.begin(); it != down_.end();) {
    if (seen.contains(it->first)) {
      ++it;
      continue;
    }
    changes.push_back({it->first, false, now});
    it = down_.erase(it);
  }
  return changes;
}

void AgentWatch::load(const std::map<std::string, TimePoint>& down) { down_ = down; }

}  // namespace swas::inventory
