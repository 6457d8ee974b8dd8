#pragma once

// The account's inventory as the rest of the daemon sees it: a directory of each
// region's instances for the alert rules (names and addresses in alerts), kept in the state file
// so a restart has names at once; the watched set of regions that watch by tag or name; the
// Cloud Assistant agent watch that fires and resolves SwasCloudAssistantDown; and the inventory
// metrics. Fed by the regions' inventory::Refresher.

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/alerting/rules.h"
#include "daemon/core/clock.h"
#include "daemon/core/instance.h"
#include "daemon/inventory/instances.h"
#include "daemon/metrics/inventory_metrics.h"
#include "daemon/metrics/metrics.h"
#include "daemon/poller/region_poller.h"
#include "daemon/state/store.h"

namespace swas::app {

class InstanceInventory final : public core::InstanceDirectory {
 public:
  InstanceInventory(state::Store& store, metrics::InventoryMetrics& inventory_metrics,
                    metrics::Metrics& metrics, const core::Clock& clock,
                    std::chrono::seconds agent_down_after);

  // SwasCloudAssistantDown goes through `lifecycle` (built over this directory, so attached
  // after it).
  void attach(alerting::Lifecycle& lifecycle) { lifecycle_ = &lifecycle; }

  // A region: its stored inventory is loaded and the agents already down are taken from the
  // firing alerts. Returns the watched set `rule` selects from what is stored (nullopt: the rule
  // is empty, every instance), to build the region's poller with, and whether that set must wait
  // for the first refresh (tags or names, and nothing stored).
  struct Watched {
    std::optional<std::set<std::string>> instances;
    bool await_refresh = false;
  };
  Watched addRegion(const std::string& region_id, inventory::WatchRule rule);
  // The region's poller follows the watched set from then on.
  void attachPoller(const std::string& region_id, poller::RegionPoller& poller);
  // A region no longer polled: its instances are forgotten (the stored ones stay) and its
  // SwasCloudAssistantDown alerts resolved.
  void removeRegion(const std::string& region_id);
  // A region that could not be added: forgotten, nothing resolved.
  void forgetRegion(const std::string& region_id);

  // Resolves the SwasCloudAssistantDown alerts of regions not in `polled` (nobody would ever see
  // their agents again), and every one when the alert is off (cloud_assistant_down_after 0).
  void resolveAgentAlerts(const std::set<std::string>& polled);

  // One refresh's instances: stored, published, the watched set and the agents re-evaluated.
  void onInventory(const std::string& region_id, std::vector<inventory::Instance> all);

  std::optional<core::InstanceRecord> find(const std::string& region_id,
                                           const std::string& instance_id) const override;

 private:
  struct Region {
    inventory::WatchRule rule;
    std::optional<std::set<std::string>> watched;
    poller::RegionPoller* poller = nullptr;
    bool awaiting = false;    // the poller waits for the first watched set
    bool empty_once = false;  // the last refresh listed no instance, while some were known
    std::map<std::string, inventory::Instance> by_id;
    inventory::AgentWatch agents{std::chrono::seconds(0)};
  };
  void followWatched(const std::string& region_id, Region& region,
                     const std::vector<inventory::Instance>& all);
  void followAgents(const std::string& region_id, Region& region,
                    const std::vector<inventory::Instance>& all);
  void resolveAgentAlertsOf(const std::string& region_id, std::string_view why);
  std::map<std::string, inventory::AgentWatch::TimePoint> downSince(
      const std::string& region_id) const;
  // Stores `writes` and applies them; false (logged, counted) when they could not be stored.
  bool commitAgentWrites(const std::string& region_id, const core::AlertWrites& writes,
                         std::string_view resolved_why);

  state::Store& store_;
  metrics::InventoryMetrics& inventory_metrics_;
  metrics::Metrics& metrics_;
  const core::Clock& clock_;
  const std::chrono::seconds agent_down_after_;
  alerting::Lifecycle* lifecycle_ = nullptr;
  std::map<std::string, Region> regions_;
};

}  // namespace swas::app
