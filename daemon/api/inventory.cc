#include "daemon/api/inventory.h"

#include <algorithm>

#include "daemon/core/json.h"

namespace swas::api {

std::string jsonArrayParam(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    core::appendJsonString(out, values[i]);
  }
  return out + "]";
}

void addTagParams(ApiCall& call, const std::vector<std::pair<std::string, std::string>>& tags) {
  for (size_t i = 0; i < tags.size() && i < kMaxTagFilters; ++i) {
    std::string n = std::to_string(i + 1);
    call.params.emplace_back("Tag." + n + ".Key", tags[i].first);
    call.params.emplace_back("Tag." + n + ".Value", tags[i].second);
  }
}

ApiCall toApiCall(const ListInstancesRequest& r) {
  ApiCall call{"ListInstances", std::string(kSwasVersion), {}};
  call.params.emplace_back("RegionId", r.region_id);
  if (!r.instance_ids.empty()) {
    std::vector<std::string> ids(
        r.instance_ids.begin(),
        r.instance_ids.begin() +
            static_cast<std::ptrdiff_t>(std::min(r.instance_ids.size(), kMaxInstanceIdsPerCall)));
    call.params.emplace_back("InstanceIds", jsonArrayParam(ids));
  }
  if (!r.instance_name.empty()) call.params.emplace_back("InstanceName", r.instance_name);
  if (!r.status.empty()) call.params.emplace_back("Status", r.status);
  addTagParams(call, r.tags);
  call.params.emplace_back("PageNumber", std::to_string(std::max(1, r.page_number)));
  call.params.emplace_back("PageSize",
                           std::to_string(std::clamp(r.page_size, 1, kMaxInstancesPageSize)));
  return call;
}

ApiCall toApiCall(const DescribeCloudAssistantStatusRequest& r) {
  ApiCall call{"DescribeCloudAssistantStatus", std::string(kSwasVersion), {}};
  call.params.emplace_back("RegionId", r.region_id);
  if (!r.instance_ids.empty())
    call.params.emplace_back("InstanceIds", jsonArrayParam(r.instance_ids));
  call.params.emplace_back("PageNumber", std::to_string(std::max(1, r.page_number)));
  call.params.emplace_back("PageSize",
                           std::to_string(std::clamp(r.page_size, 1, kMaxAgentStatusPageSize)));
  return call;
}

}  // namespace swas::api
