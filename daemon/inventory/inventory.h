#pragma once

// The account's inventory at work: each region's instances go into the Directory the alert rules
// read (names and addresses in alerts) and into the state file (so a restart has names at once);
// the watched set of regions that watch by tag or name follows them; the Cloud Assistant agent
// watch fires and resolves SwasCloudAssistantDown through the AgentAlertPlanner. Fed by the
// regions' Refresher; reports through core::InventoryObserver.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/core/alert.h"
#include "daemon/core/clock.h"
#include "daemon/core/instance.h"
#include "daemon/inventory/directory.h"
#include "daemon/inventory/instances.h"
#include "daemon/state/store.h"

namespace swas::inventory {

class InstanceInventory {
 public:
  // `agents` plans SwasCloudAssistantDown; `directory` is the one the alert rules read.
  InstanceInventory(state::Store& store, Directory& directory, core::AgentAlertPlanner& agents,
                    core::InventoryObserver& observer, const core::Clock& clock,
                    std::chrono::seconds agent_down_after);

  // A region: its stored inventory is loaded and the agents already down are taken from the
  // firing alerts. Returns the watched set `rule` selects from what is stored (nullopt: the rule
  // is empty, every instance), to build the region's poller with, and whether that set must wait
  // for the first refresh (tags or names, and nothing stored).
  struct Watched {
    std::optional<std::set<std::string>> instances;
    bool await_refresh = false;
  };
  Watched addRegion(const std::string& region_id, WatchRule rule);
  // Called with the region's watched set each time a refresh changes it (its poller follows it).
  using WatchedChanged = std::function<void(const std::optional<std::set<std::string>>& watched)>;
  void onWatchedChange(const std::string& region_id, WatchedChanged callback);
  // A region no longer polled: its instances are forgotten (the stored ones stay) and its
  // SwasCloudAssistantDown alerts resolved.
  void removeRegion(const std::string& region_id);
  // A region that could not be added: forgotten, nothing resolved.
  void forgetRegion(const std::string& region_id);

  // Resolves the SwasCloudAssistantDown alerts of regions not in `polled` (nobody would ever see
  // their agents again), and every one when the alert is off (cloud_assistant_down_after 0).
  void resolveAgentAlerts(const std::set<std::string>& polled);

  // One refresh's instances: stored, published, the watched set and the agents re-evaluated.
  void onInventory(const std::string& region_id, std::vector<Instance> all);

 private:
  struct Region {
    WatchRule rule;
    std::optional<std::set<std::string>> watched;
    WatchedChanged watched_changed;
    bool awaiting = false;    // the poller waits for the first watched set
    bool empty_once = false;  // the last refresh listed no instance, while some were known
    AgentWatch agents{std::chrono::seconds(0)};
  };
  void followWatched(const std::string& region_id, Region& region,
                     const std::vector<Instance>& all);
  void followAgents(const std::string& region_id, Region& region, const std::vector<Instance>& all);
  void resolveAgentAlertsOf(const std::string& region_id, std::string_view why);
  std::map<std::string, AgentWatch::TimePoint> downSince(const std::string& region_id) const;
  // Stores `writes` and applies them; false (logged, counted) when they could not be stored.
  bool commitAgentWrites(const std::string& region_id, const core::AlertWrites& writes,
                         std::string_view resolved_why);

  state::Store& store_;
  Directory& directory_;
  core::AgentAlertPlanner& agents_;
  core::InventoryObserver& observer_;
  const core::Clock& clock_;
  const std::chrono::seconds agent_down_after_;
  std::map<std::string, Region> regions_;
};

}  // namespace swas::inventory
