#include "daemon/api/command_invocations.h"

#include <algorithm>

namespace swas::api {

ApiCall toApiCall(const DescribeCommandInvocationsRequest& r) {
  ApiCall call{"DescribeCommandInvocations", std::string(kSwasVersion), {}};
  auto add = [&call](const char* key, const std::string& value) {
    if (!value.empty()) call.params.emplace_back(key, value);
  };
  add("RegionId", r.region_id);
  add("InstanceId", r.instance_id);
  add("InvokeId", r.invoke_id);
  add("CommandId", r.command_id);
  add("CommandName", r.command_name);
  add("CommandType", r.command_type);
  add("InvocationStatus", r.invocation_status);
  call.params.emplace_back("PageNumber", std::to_string(std::max(1, r.page_number)));
  call.params.emplace_back("PageSize", std::to_string(std::clamp(r.page_size, 1, kMaxPageSize)));
  return call;
}

ApiCall listRegionsCall(std::string_view accept_language) {
  return {
      "ListRegions", std::string(kSwasVersion), {{"AcceptLanguage", std::string(accept_language)}}};
}

}  // namespace swas::api
