#pragma once

// ECS's Cloud Assistant operations (API version 2014-05-26, RPC, signed like SWAS's): where a
// region's calls go, and DescribeInvocations as a request. Its answers are read by
// parseEcsInvocationsPage (response_parser.h) into the same page as SWAS's.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/api/command_invocations.h"
#include "daemon/api/inventory.h"
#include "daemon/api/request_signer.h"
#include "daemon/core/scope.h"

namespace swas::api {

inline constexpr std::string_view kEcsVersion = "2014-05-26";
inline constexpr int kEcsMaxResults = 50;

// "https://<host>" for a region, as the official ECS SDK chooses it: its endpoint map first
// (cn-hangzhou is ecs-cn-hangzhou.aliyuncs.com, the finance and gov regions share hosts), else
// the regional pattern ecs.<region>.aliyuncs.com.
std::string ecsEndpoint(std::string_view region_id);

// Every filter of DescribeInvocations used here; empty strings and unset options are not sent.
struct DescribeInvocationsRequest {
  std::string region_id;
  std::string instance_id;
  std::string invoke_id;
  std::string command_type;
  std::string command_name;     // ignored by the API when instance_id is set
  std::string invoke_status;    // the overall filter (Running, Finished, Failed, ...)
  std::optional<bool> timed;    // true: periodic and reboot tasks not done yet; unset: false
  bool include_output = false;  // needs invoke_id or instance_id
  int max_results = kEcsMaxResults;
  std::string next_token;  // "" for the first page
};

// ContentEncoding=PlainText always: Output and CommandContent as text, never Base64.
ApiCall toApiCall(const DescribeInvocationsRequest& request);

// DescribeInvocationResults: the runs of one invocation (IncludeHistory needs the InvokeId of a
// Period or EveryReboot task), Output as text.
struct DescribeInvocationResultsRequest {
  std::string region_id;
  std::string invoke_id;
  std::string instance_id;
  bool include_history = false;
  int max_results = kEcsMaxResults;
  std::string next_token;
};
ApiCall toApiCall(const DescribeInvocationResultsRequest& request);

// DescribeInstances (names, tags, addresses): the IDs as a JSON array (at most 100), tags as
// Tag.N.Key/Value (N <= 20), MaxResults 10 to 100.
inline constexpr int kEcsMaxInstances = 100;
struct DescribeInstancesRequest {
  std::string region_id;
  std::vector<std::string> instance_ids;
  std::string instance_name;  // `*` allowed
  std::string status;
  std::vector<std::pair<std::string, std::string>> tags;
  int max_results = kEcsMaxInstances;
  std::string next_token;
};
ApiCall toApiCall(const DescribeInstancesRequest& request);

// DescribeCloudAssistantStatus, ECS's flavour: the IDs as InstanceId.N (not a JSON array).
struct EcsAgentStatusRequest {
  std::string region_id;
  std::vector<std::string> instance_ids;  // at most 50 a call
  int max_results = kEcsMaxResults;       // ignored by the API when IDs are given
  std::string next_token;
};
ApiCall toApiCall(const EcsAgentStatusRequest& request);

// DescribeRegions: ECS's regions (Regions.Region[], read by parseRegions).
ApiCall describeRegionsCall();

// The daemon's product-neutral requests (SWAS's shapes) as ECS's: PageSize becomes MaxResults,
// PageNumber is replaced by NextToken, InvocationStatus is InvokeStatus.
DescribeInvocationsRequest toEcs(const DescribeCommandInvocationsRequest& request);
DescribeInstancesRequest toEcs(const ListInstancesRequest& request);
EcsAgentStatusRequest toEcs(const DescribeCloudAssistantStatusRequest& request);

// What each product calls the operations (metrics and logs name the action the API saw).
std::string_view invocationsAction(core::Product product);
std::string_view instancesAction(core::Product product);
std::string_view regionsAction(core::Product product);

}  // namespace swas::api
