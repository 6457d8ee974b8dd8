#include "daemon/inventory/inventory.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "daemon/core/time.h"

namespace swas::inventory {
namespace {

// " (a,b,c)", " (the first 10 of N: ...)" or "".
std::string listed(const std::vector<std::string>& ids) {
  if (ids.empty()) return "";
  constexpr size_t kShown = 10;
  std::string out = ids.size() > kShown ? " (the first 10: " : " (";
  for (size_t i = 0; i < std::min(ids.size(), kShown); ++i) out += (i ? "," : "") + ids[i];
  return out + ")";
}

}  // namespace

InstanceInventory::InstanceInventory(state::Store& store, Directory& directory,
                                     core::AgentAlertPlanner& agents,
                                     core::InventoryObserver& observer, const core::Clock& clock,
                                     std::chrono::seconds agent_down_after)
    : store_(store),
      directory_(directory),
      agents_(agents),
      observer_(observer),
      clock_(clock),
      agent_down_after_(agent_down_after) {}

InstanceInventory::Watched InstanceInventory::addRegion(const std::string& region_id,
                                                        WatchRule rule) {
  Region& r = regions_[region_id];
  r.rule = std::move(rule);
  r.agents = AgentWatch(agent_down_after_);
  std::vector<Instance> stored;
  if (auto loaded = store_.instances(region_id); loaded) {
    stored = std::move(*loaded);
  } else {
    observer_.onStateError("inventory");
    spdlog::warn(
        "region={} inventory: reading the stored instances failed ({}); names are "
        "unknown until the first refresh",
        region_id, loaded.error().message);
  }
  directory_.replace(region_id, stored);
  if (!stored.empty()) observer_.onInventory(region_id, stored);
  r.agents.load(downSince(region_id));
  r.watched = resolveWatched(r.rule, stored);
  r.awaiting = (!r.rule.tags.empty() || !r.rule.name_globs.empty()) && stored.empty();
  return {r.watched, r.awaiting};
}

void InstanceInventory::onWatchedChange(const std::string& region_id, WatchedChanged callback) {
  regions_[region_id].watched_changed = std::move(callback);
}

void InstanceInventory::removeRegion(const std::string& region_id) {
  forgetRegion(region_id);
  resolveAgentAlertsOf(region_id, "the region is no longer polled");
}

void InstanceInventory::forgetRegion(const std::string& region_id) {
  regions_.erase(region_id);
  directory_.forget(region_id);
  observer_.onInventoryForgotten(region_id);
}

void InstanceInventory::onInventory(const std::string& region_id, std::vector<Instance> all) {
  auto found = regions_.find(region_id);
  if (found == regions_.end()) return;  // removed while its refresh was in flight
  Region& r = found->second;
  const Directory::Instances& known = directory_.of(region_id);
  if (all.empty() && !known.empty() && !r.empty_once) {
    // One empty answer where instances were known is not believed at once: it would unwatch
    // every instance and resolve every agent alert. The next refresh decides.
    r.empty_once = true;
    spdlog::warn(
        "region={} inventory: ListInstances listed no instance where {} were known; "
        "keeping them until the next refresh says the same",
        region_id, known.size());
    return;
  }
  r.empty_once = false;
  auto now = clock_.now();
  if (auto stored = store_.replaceInstances(region_id, all, core::unixSeconds(now)); !stored) {
    observer_.onStateError("inventory");
    spdlog::warn(
        "region={} inventory: storing {} instance(s) failed ({}); they are used, but a "
        "restart would start from the previous ones",
        region_id, all.size(), stored.error().message);
  }
  directory_.replace(region_id, all);
  observer_.onInventory(region_id, all);
  followWatched(region_id, r, all);
  followAgents(region_id, r, all);
}

void InstanceInventory::followWatched(const std::string& region_id, Region& r,
                                      const std::vector<Instance>& all) {
  if (r.rule.empty()) return;
  auto watched = resolveWatched(r.rule, all);
  if (watched == r.watched && !r.awaiting) return;
  std::vector<std::string> added, removed;
  const std::set<std::string> none;
  const auto& before = r.watched ? *r.watched : none;
  const auto& after = watched ? *watched : none;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(added));
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(removed));
  spdlog::info("region={} watching {} instance(s) by tag or name: {} added{}, {} removed{}",
               region_id, after.size(), added.size(), listed(added), removed.size(),
               listed(removed));
  r.watched = std::move(watched);
  r.awaiting = false;
  if (r.watched_changed) r.watched_changed(r.watched);
}

void InstanceInventory::followAgents(const std::string& region_id, Region& r,
                                     const std::vector<Instance>& all) {
  auto now = clock_.now();
  auto changes = r.agents.observe(all, now);
  if (changes.empty()) return;
  core::AlertWrites writes;
  for (const auto& c : changes) {
    if (!c.down) {
      agents_.agentBack(region_id, c.instance_id, now, writes);
    } else if (auto instance = directory_.find(region_id, c.instance_id)) {
      agents_.agentDown(region_id, *instance, core::unixSeconds(c.since), now, writes);
    }
  }
  if (commitAgentWrites(region_id, writes, "agent(s) back (or instance stopped)")) return;
  // Not stored: the watch restarts from the firing set, so the changes come again.
  r.agents = AgentWatch(agent_down_after_);
  r.agents.load(downSince(region_id));
}

std::map<std::string, AgentWatch::TimePoint> InstanceInventory::downSince(
    const std::string& region_id) const {
  std::map<std::string, AgentWatch::TimePoint> down;
  for (const auto& [id, since] : agents_.agentsDown(region_id)) {
    down[id] = AgentWatch::TimePoint(std::chrono::seconds(since));
  }
  return down;
}

bool InstanceInventory::commitAgentWrites(const std::string& region_id,
                                          const core::AlertWrites& writes,
                                          std::string_view resolved_why) {
  if (writes.empty()) return true;
  if (auto ok = store_.commitAlerts(writes); !ok) {
    observer_.onStateError("alerts");
    spdlog::error(
        "region={} SwasCloudAssistantDown: storing {} change(s) failed ({}); they are "
        "looked at again from the next refresh or start",
        region_id, writes.fired.size() + writes.resolved.size(), ok.error().message);
    return false;
  }
  for (const auto& a : writes.fired) {
    spdlog::warn(
        "region={} instance={} SwasCloudAssistantDown: the Cloud Assistant agent has "
        "been offline since {}",
        region_id, a.instance_id,
        core::formatIso8601(
            std::chrono::system_clock::time_point(std::chrono::seconds(a.starts_at))));
  }
  if (!writes.resolved.empty()) {
    spdlog::info("region={} SwasCloudAssistantDown: {} resolved: {}", region_id,
                 writes.resolved.size(), resolved_why);
  }
  agents_.committed(writes);
  return true;
}

void InstanceInventory::resolveAgentAlerts(const std::set<std::string>& polled) {
  for (const auto& region_id : agents_.agentAlertRegions()) {
    bool off = agent_down_after_.count() <= 0;
    if (polled.contains(region_id) && !off) continue;
    resolveAgentAlertsOf(region_id, off ? "cloud_assistant_down_after is 0 (the alert is off)"
                                        : "the region is no longer polled");
  }
}

void InstanceInventory::resolveAgentAlertsOf(const std::string& region_id, std::string_view why) {
  auto now = clock_.now();
  core::AlertWrites writes;
  for (const auto& [id, since] : agents_.agentsDown(region_id)) {
    agents_.agentBack(region_id, id, now, writes);
  }
  // Not stored: the next start resolves them (the region is not polled, or the alert is off).
  commitAgentWrites(region_id, writes, why);
}

}  // namespace swas::inventory
