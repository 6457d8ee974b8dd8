// SwasCloudAssistantDown in the Lifecycle: fired and resolved from the inventory's agent watch,
// not from a poll's transitions, through the same writes, outbox and receivers.
#include "daemon/alerting/rules.h"
#include "daemon/core/time.h"

namespace swas::alerting {

void Lifecycle::agentDown(const std::string& region_id, const core::InstanceRecord& instance,
                          int64_t since, std::chrono::system_clock::time_point now,
                          core::AlertWrites& writes) const {
  if (agentsDown(region_id).contains(instance.instance_id)) return;
  core::Alert a = makeAgentDownAlert(region_id, instance, since);
  for (const auto& r : options_.receivers) {
    if (matches(r.match, a)) {
      writes.notifications.push_back({r.name, a.fingerprint, false, core::unixMillis(now)});
    }
  }
  writes.fired.push_back(std::move(a));
}

void Lifecycle::agentBack(const std::string& region_id, const std::string& instance_id,
                          std::chrono::system_clock::time_point now,
                          core::AlertWrites& writes) const {
  for (const auto& [fp, a] : firing_) {
    if (a.scope == region_id && a.instance_id == instance_id && a.command_key == kAgentCommandKey) {
      resolve(a, std::max(core::unixSeconds(now), a.starts_at), core::unixMillis(now), writes);
    }
  }
}

std::map<std::string, int64_t> Lifecycle::agentsDown(const std::string& region_id) const {
  std::map<std::string, int64_t> down;
  for (const auto& [fp, a] : firing_) {
    if (a.scope == region_id && a.command_key == kAgentCommandKey)
      down[a.instance_id] = a.starts_at;
  }
  return down;
}

std::set<std::string> Lifecycle::agentAlertRegions() const {
  std::set<std::string> regions;
  for (const auto& [fp, a] : firing_) {
    if (a.command_key == kAgentCommandKey) regions.insert(a.scope);
  }
  return regions;
}

}  // namespace swas::alerting
