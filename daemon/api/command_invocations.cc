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

// Output and ErrorInfo only matter for an alert, so an instance that cannot alert does not keep
// them: a full walk of 100,000 pairs would otherwise hold every Output at once.
core::Invocation toInvocation(const std::string& scope, CommandInvocation&& v,
                              const core::AlertCondition& alerting) {
  core::Invocation out{scope,
                       std::move(v.invoke_id),
                       std::move(v.command_id),
                       std::move(v.command_name),
                       std::move(v.command_type),
                       std::move(v.creation_time),
                       std::move(v.invocation_status),
                       {}};
  out.created = core::parseApiTime(out.creation_time);
  out.has_history = v.repeat_mode == "Period" || v.repeat_mode == "EveryReboot";
  out.repeating = out.has_history || v.repeat_mode == "NextRebootOnly";
  out.instances.reserve(v.instances.size());
  for (auto& i : v.instances) {
    bool may_alert = alerting.matches(i.invocation_status, i.error_code);
    out.instances.push_back(core::InstanceState{
        std::move(i.instance_id), std::move(i.invocation_status), std::move(i.error_code),
        may_alert ? std::move(i.error_info) : std::string(), i.exit_code, std::move(i.finish_time),
        may_alert ? std::move(i.output) : std::string()});
    core::InstanceState& state = out.instances.back();
    state.finished = core::parseApiTime(state.finish_time);
    if (out.repeating) {
      state.run = i.repeats.value_or(0);
      state.started_at = std::move(i.start_time);
    }
  }
  return out;
}

std::vector<core::Invocation> toInvocations(const std::string& scope,
                                            const DescribeCommandInvocationsRequest& request,
                                            std::vector<CommandInvocation>&& records,
                                            const core::AlertCondition& alerting) {
  std::vector<core::Invocation> out;
  out.reserve(records.size());
  for (auto& record : records) {
    if (!request.command_name.empty() && record.command_name != request.command_name) continue;
    out.push_back(toInvocation(scope, std::move(record), alerting));
  }
  return out;
}

}  // namespace swas::api
