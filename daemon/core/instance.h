#pragma once

// One instance as the account's inventory describes it (ListInstances and
// DescribeCloudAssistantStatus): kept in the state file so a restart has names at once.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swas::core {

struct InstanceRecord {
  std::string instance_id;
  std::string name;
  std::string public_ip;
  std::string private_ip;
  std::string status;  // Running, Stopped, ...
  std::vector<std::pair<std::string, std::string>> tags;
  std::optional<bool> agent_online;  // unknown until DescribeCloudAssistantStatus said
  // ECS's DescribeCloudAssistantStatus only: the agent's last heartbeat, as the API wrote it,
  // and the tasks it is running.
  std::string agent_heartbeat;
  std::optional<int64_t> agent_active_tasks;
  bool operator==(const InstanceRecord&) const = default;
};

// What the inventory knows of an instance now (the alert rules ask; nullopt: unknown).
class InstanceDirectory {
 public:
  virtual ~InstanceDirectory() = default;
  virtual std::optional<InstanceRecord> find(const std::string& scope,
                                             const std::string& instance_id) const = 0;
};

// What the inventory at work reports, for metrics. Pure virtual: a listener that misses an event
// does not compile. The inventory knows nothing of who listens.
class InventoryObserver {
 public:
  virtual ~InventoryObserver() = default;
  // A region's instances, as loaded from the state and after each refresh (replaces the last).
  virtual void onInventory(const std::string& scope, const std::vector<InstanceRecord>& all) = 0;
  // A region no longer polled (or never added): what was reported of it goes.
  virtual void onInventoryForgotten(const std::string& scope) = 0;
  // A state file read or write failed (`operation`: inventory, alerts).
  virtual void onStateError(std::string_view operation) = 0;
};

}  // namespace swas::core
