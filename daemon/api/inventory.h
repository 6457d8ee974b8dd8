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

// One instance as ListInstances (or ECS's DescribeInstances) describes it; "" when absent or
// null.
struct InstanceInfo {
  std::string instance_id;
  std::string instance_name;
  std::string region_id;
  std::string status;  // Pending, Starting, Running, Stopping, Stopped, ...
  // SWAS: PublicIpAddress, else NetworkAttributes[0].PublicIpAddress. ECS: EipAddress.IpAddress
  // when not empty, else PublicIpAddress.IpAddress[0].
  std::string public_ip;
  // SWAS: InnerIpAddress, else NetworkAttributes[0].PrivateIpAddress. ECS:
  // VpcAttributes.PrivateIpAddress.IpAddress[0], else InnerIpAddress.IpAddress[0].
  std::string private_ip;
  // Tags[] {Key, Value} (ECS: Tags.Tag[] {TagKey, TagValue}), in order.
  std::vector<std::pair<std::string, std::string>> tags;
};

struct InstancesPage {
  std::string request_id;
  ParseAnomalies anomalies;
  std::optional<int64_t> total_count;
  std::optional<int64_t> page_number;
  std::optional<int64_t> page_size;
  std::string next_token;  // ECS: "" on the last page
  std::vector<InstanceInfo> instances;
};

struct ListInstancesRequest {
  std::string region_id;
  std::vector<std::string> instance_ids;  // at most 100, sent as a JSON array
  std::string instance_name;              // `*` allowed
  std::string status;
  std::vector<std::pair<std::string, std::string>> tags;  // Tag.N.Key / Tag.N.Value, N <= 20
  int page_number = 1;                                    // SWAS; ECS pages by next_token instead
  int page_size = kMaxInstancesPageSize;
  std::string next_token;  // ECS: "" for the first page
};

ApiCall toApiCall(const ListInstancesRequest& request);

// The Cloud Assistant agent of one instance: online or not, and what ECS adds.
struct AgentStatus {
  std::string instance_id;
  bool online = false;
  std::string last_heartbeat;           // ECS: LastHeartbeatTime ("" for SWAS)
  std::optional<int64_t> active_tasks;  // ECS: ActiveTaskCount
};

struct AgentStatusPage {
  std::string request_id;
  ParseAnomalies anomalies;
  std::optional<int64_t> total_count;
  std::optional<int64_t> page_number;
  std::optional<int64_t> page_size;
  std::string next_token;  // ECS: "" on the last page
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
// Tag.N.Key / Tag.N.Value for N = 1 .. 20 (both products filter by tags so).
inline constexpr size_t kMaxTagFilters = 20;
void addTagParams(ApiCall& call, const std::vector<std::pair<std::string, std::string>>& tags);

// A record that is not an object, or without InstanceId, is skipped and counted; an agent status
// that is not a boolean skips its record (an unknown state must not read as "offline"). Both read
// SWAS's answers and ECS's (DescribeInstances; DescribeCloudAssistantStatus, whose status is the
// string "true"/"false" in InstanceCloudAssistantStatusSet), lists bare or wrapped.
std::expected<InstancesPage, core::Error> parseInstancesPage(std::string_view body);
std::expected<AgentStatusPage, core::Error> parseAgentStatusPage(std::string_view body);

}  // namespace swas::api
