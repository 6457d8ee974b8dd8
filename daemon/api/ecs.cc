#include "daemon/api/ecs.h"

#include <algorithm>
#include <utility>

#include "daemon/api/inventory.h"

namespace swas::api {
namespace {

// @alicloud/ecs20140526 7.11.6's _endpointMap (src/client.ts), verbatim.
constexpr std::pair<std::string_view, std::string_view> kEndpointMap[] = {
    {"cn-hangzhou", "ecs-cn-hangzhou.aliyuncs.com"},
    {"cn-shanghai-finance-1", "ecs-cn-hangzhou.aliyuncs.com"},
    {"cn-shenzhen-finance-1", "ecs-cn-hangzhou.aliyuncs.com"},
    {"cn-north-2-gov-1", "ecs.aliyuncs.com"},
    {"ap-northeast-2-pop", "ecs.aliyuncs.com"},
    {"cn-beijing-finance-pop", "ecs.aliyuncs.com"},
    {"cn-beijing-gov-1", "ecs.aliyuncs.com"},
    {"cn-beijing-nu16-b01", "ecs-cn-hangzhou.aliyuncs.com"},
    {"cn-edge-1", "ecs.cn-qingdao-nebula.aliyuncs.com"},
    {"cn-fujian", "ecs-cn-hangzhou.aliyuncs.com"},
    {"cn-haidian-cm12-c01", "ecs-cn-hangzhou.aliyuncs.com"},
    {"cn-hangzhou-bj-b01", "ecs-cn-hangzhou.aliyuncs.com"},
    {"cn-hangzhou-finance", "ecs.aliyuncs.com"},
    {"cn-hangzhou-internal-prod-1", "ecs-cn-hangzhou.aliyuncs.com"},
    {"cn-hangzhou-internal-test-1", "ecs-cn-hangzhou.aliyuncs.com"},
    {"cn-hangzhou-internal-test-2", "ecs-cn-hangzhou.aliyuncs.com"},
    {"cn-hangzhou-internal-test-3", "ecs-cn-hangzhou.aliyuncs.com"},
    {"cn-hangzhou-test-306", "ecs-cn-hangzhou.aliyuncs.com"},
    {"cn-hongkong-finance-pop", "ecs.aliyuncs.com"},
    {"cn-huhehaote-nebula-1", "ecs.cn-qingdao-nebula.aliyuncs.com"},
    {"cn-shanghai-et15-b01", "ecs-cn-hangzhou.aliyuncs.com"},
    {"cn-shanghai-et2-b01", "ecs-cn-hangzhou.aliyuncs.com"},
    {"cn-shanghai-inner", "ecs.aliyuncs.com"},
    {"cn-shanghai-internal-test-1", "ecs-cn-hangzhou.aliyuncs.com"},
    {"cn-shenzhen-inner", "ecs.aliyuncs.com"},
    {"cn-shenzhen-st4-d01", "ecs-cn-hangzhou.aliyuncs.com"},
    {"cn-shenzhen-su18-b01", "ecs-cn-hangzhou.aliyuncs.com"},
    {"cn-wuhan", "ecs.aliyuncs.com"},
    {"cn-yushanfang", "ecs.aliyuncs.com"},
    {"cn-zhangbei", "ecs.aliyuncs.com"},
    {"cn-zhangbei-na61-b01", "ecs-cn-hangzhou.aliyuncs.com"},
    {"cn-zhangjiakou-na62-a01", "ecs.cn-zhangjiakou.aliyuncs.com"},
    {"cn-zhengzhou-nebula-1", "ecs.cn-qingdao-nebula.aliyuncs.com"},
    {"eu-west-1-oxs", "ecs.cn-shenzhen-cloudstone.aliyuncs.com"},
    {"rus-west-1-pop", "ecs.aliyuncs.com"},
};

}  // namespace

std::string ecsEndpoint(std::string_view region_id) {
  for (const auto& [region, host] : kEndpointMap) {
    if (region == region_id) return "https://" + std::string(host);
  }
  return "https://ecs." + std::string(region_id) + ".aliyuncs.com";
}

ApiCall toApiCall(const DescribeInvocationsRequest& r) {
  ApiCall call{"DescribeInvocations", std::string(kEcsVersion), {}};
  auto add = [&call](const char* key, const std::string& value) {
    if (!value.empty()) call.params.emplace_back(key, value);
  };
  add("RegionId", r.region_id);
  add("InstanceId", r.instance_id);
  add("InvokeId", r.invoke_id);
  add("CommandType", r.command_type);
  add("CommandName", r.command_name);
  add("InvokeStatus", r.invoke_status);
  call.params.emplace_back("ContentEncoding", "PlainText");
  if (r.include_output) call.params.emplace_back("IncludeOutput", "true");
  if (r.timed) call.params.emplace_back("Timed", *r.timed ? "true" : "false");
  call.params.emplace_back("MaxResults",
                           std::to_string(std::clamp(r.max_results, 1, kEcsMaxResults)));
  add("NextToken", r.next_token);
  return call;
}

ApiCall toApiCall(const DescribeInvocationResultsRequest& r) {
  ApiCall call{"DescribeInvocationResults", std::string(kEcsVersion), {}};
  call.params.emplace_back("RegionId", r.region_id);
  if (!r.invoke_id.empty()) call.params.emplace_back("InvokeId", r.invoke_id);
  if (!r.instance_id.empty()) call.params.emplace_back("InstanceId", r.instance_id);
  if (r.include_history) call.params.emplace_back("IncludeHistory", "true");
  call.params.emplace_back("ContentEncoding", "PlainText");
  call.params.emplace_back("MaxResults",
                           std::to_string(std::clamp(r.max_results, 1, kEcsMaxResults)));
  if (!r.next_token.empty()) call.params.emplace_back("NextToken", r.next_token);
  return call;
}

ApiCall toApiCall(const DescribeInstancesRequest& r) {
  ApiCall call{"DescribeInstances", std::string(kEcsVersion), {}};
  call.params.emplace_back("RegionId", r.region_id);
  if (!r.instance_ids.empty()) {
    size_t n = std::min(r.instance_ids.size(), static_cast<size_t>(kEcsMaxInstances));
    call.params.emplace_back("InstanceIds",
                             jsonArrayParam({r.instance_ids.begin(), r.instance_ids.begin() + n}));
  }
  if (!r.instance_name.empty()) call.params.emplace_back("InstanceName", r.instance_name);
  if (!r.status.empty()) call.params.emplace_back("Status", r.status);
  addTagParams(call, r.tags);
  call.params.emplace_back("MaxResults",
                           std::to_string(std::clamp(r.max_results, 10, kEcsMaxInstances)));
  if (!r.next_token.empty()) call.params.emplace_back("NextToken", r.next_token);
  return call;
}

ApiCall toApiCall(const EcsAgentStatusRequest& r) {
  ApiCall call{"DescribeCloudAssistantStatus", std::string(kEcsVersion), {}};
  call.params.emplace_back("RegionId", r.region_id);
  for (size_t i = 0; i < r.instance_ids.size() && i < kEcsMaxResults; ++i) {
    call.params.emplace_back("InstanceId." + std::to_string(i + 1), r.instance_ids[i]);
  }
  call.params.emplace_back("MaxResults",
                           std::to_string(std::clamp(r.max_results, 1, kEcsMaxResults)));
  if (!r.next_token.empty()) call.params.emplace_back("NextToken", r.next_token);
  return call;
}

ApiCall describeRegionsCall() { return {"DescribeRegions", std::string(kEcsVersion), {}}; }

DescribeInvocationsRequest toEcs(const DescribeCommandInvocationsRequest& r) {
  return {.region_id = r.region_id,
          .instance_id = r.instance_id,
          .invoke_id = r.invoke_id,
          .command_type = r.command_type,
          .command_name = r.command_name,
          .invoke_status = r.invocation_status,
          .timed = r.timed,
          .max_results = r.page_size,
          .next_token = r.next_token};
}

DescribeInstancesRequest toEcs(const ListInstancesRequest& r) {
  return {.region_id = r.region_id,
          .instance_ids = r.instance_ids,
          .instance_name = r.instance_name,
          .status = r.status,
          .tags = r.tags,
          .max_results = r.page_size,
          .next_token = r.next_token};
}

EcsAgentStatusRequest toEcs(const DescribeCloudAssistantStatusRequest& r) {
  return {.region_id = r.region_id, .instance_ids = r.instance_ids, .max_results = r.page_size};
}

std::string_view invocationsAction(core::Product product) {
  return product == core::Product::kEcs ? "DescribeInvocations" : "DescribeCommandInvocations";
}

std::string_view instancesAction(core::Product product) {
  return product == core::Product::kEcs ? "DescribeInstances" : "ListInstances";
}

std::string_view regionsAction(core::Product product) {
  return product == core::Product::kEcs ? "DescribeRegions" : "ListRegions";
}

}  // namespace swas::api
