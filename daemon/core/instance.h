#pragma once

// One instance as the account's inventory describes it (ListInstances and
// DescribeCloudAssistantStatus): kept in the state file so a restart has names at once.

#include <optional>
#include <string>
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
  bool operator==(const InstanceRecord&) const = default;
};

}  // namespace swas::core
