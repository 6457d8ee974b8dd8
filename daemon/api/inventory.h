#pragma once

// The account's inventory operations (swas-inventory-api.md): ListInstances and
// DescribeCloudAssistantStatus, sent as the official SDK sends them (POST, every parameter in
// the query; list filters as a JSON array in one string), and their parsers, which follow the
// page parser's rules: one bad field or record never fails a page, each is counted.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/api/command_invocations.h"
#include "daemon/api/request_signer.h"
#include "daemon/core/error.h"

namespace swas::api {

inline constexpr int kMaxInstancesPageSize = 100;
inline constexpr int kMaxAgentStatusPageSize = 50;
inline constexpr size_t kMaxInstanceIdsPerCall = 100;

// One instance as ListInstances describes it; "" when absent or null.
struct InstanceInfo {
  std::string instance_id;
  std::string instance_name;
  std::string region_id;
  std::string status;      // Pending, Starting, Running, Stopping, Stopped, ...
  std::string public_ip;   // PublicIpAddress, else NetworkAttributes[0].PublicIpAddress
  std::string private_ip;  // InnerIpAddress, else NetworkAttributes[0].PrivateIpAddress
  std::vector<std::pair<std::string, std::string>> tags;  // Tags[] {Key, Value}, in order
};

struct InstancesPage {
  std::string request_id;
  ParseAnomalies anomalies;
  std::optional<int64_t> total_count;
  std::optional<int64_t> page_number;
  std::optional<int64_t> page_size;
  std::vector<InstanceInfo> instances;
};

struct ListInstancesRequest {
  std::string region_id;
  std::vector<std::string> instance_ids;  // at most 100, sent as a JSON array
  std::string instance_name;              // `*` allowed
  std::string status;
  std::vector<std::pair<std::string, std::string>> tags;  // Tag.N.Key / Tag.N.Value, N <= 20
  int page_number = 1;
  int page_size = kMaxInstancesPageSize;
};

ApiCall toApiCall(const ListInstancesRequest& request);

// The Cloud Assistant agent of one instance: online or not.
struct AgentStatus {
  std::string instance_id;
  bool online = false;
};

struct AgentStatusPage {
  std::string request_id;
  ParseAnomalies anomalies;
  std::optional<int64_t> total_count;
  std::optional<int64_t> page_number;
  std::optional<int64_t> page_size;
  std::vector<AgentStatus> statuses;
};

struct DescribeCloudAssistantStatusRequest {
  std::string region_id;
  std::vector<std::string> instance_ids;  // sent as a JSON array
  int page_number = 1;
  int page_size = kMaxAgentStatusPageSize;
};

ApiCall toApiCall(const DescribeCloudAssistantStatusRequest& request);

// ["a","b"]: how the SDK sends a list parameter.
std::string jsonArrayParam(const std::vector<std::string>& values);

// A record that is not an object, or without InstanceId, is skipped and counted; an agent status
// that is not a boolean skips its record (an unknown state must not read as "offline").
std::expected<InstancesPage, core::Error> parseInstancesPage(std::string_view body);
std::expected<AgentStatusPage, core::Error> parseAgentStatusPage(std::string_view body);

}  // namespace swas::api
