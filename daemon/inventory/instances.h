#pragma once

// The account's inventory as the daemon uses it: what each instance is called, where
// it is, and whether its Cloud Assistant agent is up. Pure functions of the inventory and the
// time passed in: which instances a region watches, and when an agent counts as down.

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "daemon/api/inventory.h"
#include "daemon/core/instance.h"

namespace swas::inventory {

using Instance = core::InstanceRecord;

// One region's instances from ListInstances pages and DescribeCloudAssistantStatus pages (an
// instance the agent pages do not mention keeps an unknown agent).
std::vector<Instance> mergeInventory(const std::vector<api::InstanceInfo>& listed,
                                     const std::vector<api::AgentStatus>& agents);

// Which instances a region watches: `instance_ids` as given, plus, when `tags` or `name_globs`
// are given, every instance that has all the tags and whose name matches one of the globs (`*`,
// `?`). nullopt: no rule at all, every instance is watched.
struct WatchRule {
  std::vector<std::string> instance_ids;
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<std::string> name_globs;
  bool empty() const { return instance_ids.empty() && tags.empty() && name_globs.empty(); }
};
std::optional<std::set<std::string>> resolveWatched(const WatchRule& rule,
                                                    const std::vector<Instance>& instances);

// Regions ListRegions added and removed, against the ones polled now.
struct RegionChanges {
  std::vector<std::string> added;
  std::vector<std::string> removed;
};
RegionChanges diffRegions(const std::set<std::string>& polled,
                          const std::vector<std::string>& listed);

// When an agent is down: its instance is Running and the agent has been seen offline for
// `down_after` (counted from the first refresh that saw it offline). It is back when the agent
// is seen online, or the instance stops running or leaves the inventory. `down_after` zero: off.
class AgentWatch {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  explicit AgentWatch(std::chrono::seconds down_after) : down_after_(down_after) {}

  struct Change {
    std::string instance_id;
    bool down = false;  // true: it went down now; false: it is back
    TimePoint since;    // down: when it was first seen offline; back: now
    bool operator==(const Change&) const = default;
  };
  // One refresh of the region's inventory at `now`; the changes it brings.
  std::vector<Change> observe(const std::vector<Instance>& instances, TimePoint now);
  // After a restart: instances whose agent-down alert is firing.
  void load(const std::map<std::string, TimePoint>& down);
  bool isDown(const std::string& instance_id) const { return down_.contains(instance_id); }

 private:
  std::chrono::seconds down_after_;
  std::map<std::string, TimePoint> offline_since_;  // Running, agent offline, not yet down
  std::map<std::string, TimePoint> down_;           // down (alert firing), since
};

}  // namespace swas::inventory
