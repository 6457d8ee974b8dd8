#include "tests/simulator/ecs.h"

#include <algorithm>
#include <optional>
#include <set>

#include "daemon/core/json.h"
#include "daemon/core/time.h"
#include "daemon/util/crypto.h"

namespace swas::sim {
namespace {

using core::JsonObject;
using Answer = std::expected<std::string, InventoryError>;

std::optional<int> number(const std::string& text) {
  if (text.empty() || text.size() > 9 || !std::all_of(text.begin(), text.end(), ::isdigit))
    return std::nullopt;
  return std::stoi(text);
}

// The world's key of the call's region.
std::expected<std::string, InventoryError> regionOf(const util::Params& params) {
  std::string region = param(params, "RegionId");
  if (region.empty()) {
    return std::unexpected(
        InventoryError{400, "MissingRegionId", "RegionId is mandatory for this action."});
  }
  return std::string(kEcsPrefix) + region;
}

std::expected<bool, InventoryError> flag(const util::Params& params, std::string_view key) {
  std::string text = param(params, key);
  if (text.empty() || text == "false") return false;
  if (text == "true") return true;
  return invalid("The specified parameter " + std::string(key) + " is not valid.");
}

// ContentEncoding: PlainText, or Base64 (the default).
std::expected<bool, InventoryError> plainText(const util::Params& params) {
  std::string encoding = param(params, "ContentEncoding");
  if (encoding == "PlainText") return true;
  if (encoding.empty() || encoding == "Base64") return false;
  return invalid("The specified parameter ContentEncoding is not valid.");
}

// One page of a list whose items have `keys`, in order: by NextToken (a cursor after the last
// item returned), or by the deprecated PageNumber, never both.
struct Window {
  size_t begin = 0;
  size_t end = 0;
  int size = 10;
  int number = 1;
  std::string next_token;
};

std::string token(size_t index, const std::string& key) {
  return util::base64Encode(std::to_string(index) + "|" + key);
}

std::expected<Window, InventoryError> window(const util::Params& params,
                                             const std::vector<std::string>& keys, int max,
                                             int min = 1) {
  std::string next = param(params, "NextToken");
  std::string page = param(params, "PageNumber");
  if (!next.empty() && !page.empty()) {
    return invalid("NextToken and PageNumber cannot be used together.");
  }
  Window w;
  std::string size_text = param(params, "MaxResults");
  if (size_text.empty()) size_text = param(params, "PageSize");
  if (!size_text.empty()) {
    auto size = number(size_text);
    if (!size || *size < 1 || *size > max) {
      return invalid("The specified parameter MaxResults is not valid: it must be 1 to " +
                     std::to_string(max) + ".");
    }
    w.size = std::max(*size, min);
  }
  size_t begin = 0;
  if (!next.empty()) {
    auto decoded = util::base64Decode(next);
    size_t bar = decoded ? decoded->find('|') : std::string::npos;
    auto index = bar == std::string::npos ? std::nullopt : number(decoded->substr(0, bar));
    if (!index) return invalid("The specified parameter NextToken is not valid.");
    auto it = std::find(keys.begin(), keys.end(), decoded->substr(bar + 1));
    begin =
        it != keys.end() ? static_cast<size_t>(it - keys.begin()) + 1 : static_cast<size_t>(*index);
  } else if (!page.empty()) {
    auto n = number(page);
    if (!n || *n < 1) return invalid("The specified parameter PageNumber is not valid.");
    w.number = *n;
    begin = static_cast<size_t>(*n - 1) * static_cast<size_t>(w.size);
  }
  w.begin = std::min(begin, keys.size());
  w.end = std::min(keys.size(), w.begin + static_cast<size_t>(w.size));
  if (w.end < keys.size()) w.next_token = token(w.end, keys[w.end - 1]);
  return w;
}

// {"Key":{"Inner":[ each item ]}}
template <typename Each>
void wrapped(std::string& body, JsonObject& parent, const char* key, const char* inner,
             size_t count, Each each) {
  parent.key(key);
  JsonObject o(body);
  o.key(inner);
  body += '[';
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) body += ',';
    each(i);
  }
  body += ']';
  o.close();
}

void paging(JsonObject& o, size_t total, const Window& w) {
  o.num("TotalCount", static_cast<int64_t>(total))
      .num("PageNumber", w.number)
      .num("PageSize", w.size)
      .str("NextToken", w.next_token);
}

bool statusMatches(const std::string& status, const std::string& filter) {
  if (filter.empty()) return true;
  if (filter == "Finished")
    return isTerminal(status) || status == "Stopped" || status == "PartialFailed";
  return status == filter;
}

// The legacy InvokeStatus of an overall status.
std::string legacyStatus(const std::string& overall) {
  if (overall == "Success" || overall == "Failed" || overall == "PartialFailed") return "Finished";
  return overall;
}

std::string encode(const std::string& text, bool plain) {
  return plain ? text : util::base64Encode(text);
}

void emptyTags(std::string& body, JsonObject& o) {
  wrapped(body, o, "Tags", "Tag", 0, [](size_t) {});
}

// One InvokeInstance of DescribeInvocations.
void invokeInstance(std::string& body, const SimInvocation& inv, const SimInstance& i, bool output,
                    bool plain) {
  JsonObject o(body);
  o.str("InstanceId", i.instance_id)
      .str("InvocationStatus", i.status)
      .str("InstanceInvokeStatus", legacyStatus(i.status))
      .str("CreationTime", core::formatIso8601(inv.creation_time))
      .str("StartTime", i.start_time)
      .str("FinishTime", i.finish_time)
      .str("StopTime", i.stop_time)
      .str("UpdateTime", i.finish_time.empty() ? i.start_time : i.finish_time)
      .str("ErrorCode", i.error_code)
      .str("ErrorInfo", i.error_info)
      .num("Dropped", 0)
      .num("Repeats", i.repeats)
      .boolean("Timed", isTimed(inv));
  if (i.exit_code) o.num("ExitCode", *i.exit_code);
  if (output) o.str("Output", encode(i.output, plain));
  o.close();
}

void invocationJson(std::string& body, const SimInvocation& inv, const std::string& instance_id,
                    bool output, bool plain) {
  std::string overall = overallStatus(inv);
  JsonObject o(body);
  o.str("InvokeId", inv.invoke_id)
      .str("CommandId", inv.command_id)
      .str("CommandName", inv.command_name)
      .str("CommandType", inv.command_type)
      .str("CommandDescription", "")
      .str("CommandContent", encode(inv.command_content, plain))
      .str("Parameters", "{}")
      .str("CreationTime", core::formatIso8601(inv.creation_time))
      .str("InvocationStatus", overall)
      .str("InvokeStatus", legacyStatus(overall))
      .str("RepeatMode", inv.repeat_mode)
      .boolean("Timed", isTimed(inv))
      .str("Frequency", inv.repeat_mode == "Period" ? "0 */5 * * * *" : "")
      .num("Timeout", inv.timeout)
      .str("Username", "root")
      .str("WorkingDir", "/root")
      .str("TerminationMode", "Process");
  emptyTags(body, o);
  std::vector<const SimInstance*> shown;
  for (const auto& i : inv.instances) {
    if (instance_id.empty() || i.instance_id == instance_id) shown.push_back(&i);
  }
  wrapped(body, o, "InvokeInstances", "InvokeInstance", shown.size(),
          [&](size_t k) { invokeInstance(body, inv, *shown[k], output, plain); });
  o.close();
}

// One InvocationResult: a run of `inv` on an instance.
void resultJson(std::string& body, const SimInvocation& inv, const SimInstance& run, bool plain) {
  JsonObject o(body);
  o.str("InvokeId", inv.invoke_id)
      .str("InstanceId", run.instance_id)
      .str("CommandId", inv.command_id)
      .str("InvocationStatus", run.status)
      .str("InvokeRecordStatus", legacyStatus(run.status))
      .str("ErrorCode", run.error_code)
      .str("ErrorInfo", run.error_info)
      .str("Output", encode(run.output, plain))
      .num("Dropped", 0)
      .num("Repeats", run.repeats)
      .str("StartTime", run.start_time)
      .str("FinishedTime", run.finish_time)
      .str("StopTime", run.stop_time)
      .str("Username", "root")
      .str("TerminationMode", "Process");
  if (run.exit_code) o.num("ExitCode", *run.exit_code);
  emptyTags(body, o);
  o.close();
}

}  // namespace

bool EcsApi::knows(const std::string& action) {
  static const std::set<std::string> kActions = {"DescribeInvocations", "DescribeInvocationResults",
                                                 "DescribeInstances",
                                                 "DescribeCloudAssistantStatus", "DescribeRegions"};
  return kActions.contains(action);
}

Answer EcsApi::answer(const std::string& action, const util::Params& params, Seconds now,
                      const std::string& request_id,
                      const std::vector<std::string>& regions) const {
  if (action == "DescribeInvocations") return invocations(params, request_id);
  if (action == "DescribeInvocationResults") return results(params, request_id);
  if (action == "DescribeInstances") return instances(params, now, request_id);
  if (action == "DescribeCloudAssistantStatus") return agentStatus(params, now, request_id);
  std::string body;
  JsonObject root(body);
  root.str("RequestId", request_id);
  wrapped(body, root, "Regions", "Region", regions.size(), [&](size_t k) {
    JsonObject(body)
        .str("RegionId", regions[k])
        .str("LocalName", regions[k])
        .str("RegionEndpoint", "ecs." + regions[k] + ".aliyuncs.com")
        .str("Status", "available")
        .close();
  });
  root.close();
  return body;
}

Answer EcsApi::invocations(const util::Params& params, const std::string& request_id) const {
  auto region = regionOf(params);
  if (!region) return std::unexpected(region.error());
  auto plain = plainText(params);
  auto output = flag(params, "IncludeOutput");
  auto timed = flag(params, "Timed");
  if (!plain) return std::unexpected(plain.error());
  if (!output) return std::unexpected(output.error());
  if (!timed) return std::unexpected(timed.error());
  Query q{.region_id = *region,
          .instance_id = param(params, "InstanceId"),
          .invoke_id = param(params, "InvokeId"),
          .command_id = param(params, "CommandId"),
          .command_name = param(params, "CommandName"),
          .command_type = param(params, "CommandType")};
  if (*output && q.instance_id.empty() && q.invoke_id.empty()) {
    return invalid("IncludeOutput=true requires InvokeId or InstanceId.");
  }
  std::string status = param(params, "InvokeStatus");
  std::string mode = param(params, "RepeatMode");
  auto matches = world_.query(q);
  // Timed (false unless sent) applies to every listing, by InvokeId too: a repeating task that
  // has not been stopped is listed only with Timed=true.
  std::erase_if(matches, [&](const SimInvocation* inv) {
    return isTimed(*inv) != *timed || (!mode.empty() && inv->repeat_mode != mode) ||
           !statusMatches(overallStatus(*inv), status);
  });
  std::vector<std::string> keys;
  for (const auto* inv : matches) keys.push_back(inv->invoke_id);
  auto w = window(params, keys, 50);
  if (!w) return std::unexpected(w.error());
  std::string body;
  JsonObject root(body);
  root.str("RequestId", request_id);
  paging(root, matches.size(), *w);
  wrapped(body, root, "Invocations", "Invocation", w->end - w->begin, [&](size_t k) {
    invocationJson(body, *matches[w->begin + k], q.instance_id, *output, *plain);
  });
  root.close();
  return body;
}

Answer EcsApi::results(const util::Params& params, const std::string& request_id) const {
  auto region = regionOf(params);
  if (!region) return std::unexpected(region.error());
  auto plain = plainText(params);
  auto history = flag(params, "IncludeHistory");
  if (!plain) return std::unexpected(plain.error());
  if (!history) return std::unexpected(history.error());
  Query q{.region_id = *region,
          .instance_id = param(params, "InstanceId"),
          .invoke_id = param(params, "InvokeId"),
          .command_id = param(params, "CommandId")};
  auto matches = world_.query(q);
  if (*history &&
      (q.invoke_id.empty() || matches.size() != 1 ||
       (matches[0]->repeat_mode != "Period" && matches[0]->repeat_mode != "EveryReboot"))) {
    return invalid("IncludeHistory=true requires the InvokeId of a Period or EveryReboot task.");
  }
  std::string status = param(params, "InvokeRecordStatus");
  // Each run, the newest first: an instance's current run, then (with history) its earlier ones.
  std::vector<std::pair<const SimInvocation*, const SimInstance*>> runs;
  std::vector<std::string> keys;
  auto add = [&](const SimInvocation* inv, const SimInstance& run) {
    if (!statusMatches(run.status, status)) return;
    runs.emplace_back(inv, &run);
    keys.push_back(inv->invoke_id + "/" + run.instance_id + "/" + std::to_string(run.repeats));
  };
  for (const auto* inv : matches) {
    for (const auto& i : inv->instances) {
      if (!q.instance_id.empty() && i.instance_id != q.instance_id) continue;
      add(inv, i);
      if (!*history) continue;
      for (auto h = i.history.rbegin(); h != i.history.rend(); ++h) add(inv, *h);
    }
  }
  auto w = window(params, keys, 50);
  if (!w) return std::unexpected(w.error());
  std::string body;
  JsonObject root(body);
  root.str("RequestId", request_id).key("Invocation");
  JsonObject invocation(body);
  paging(invocation, runs.size(), *w);
  wrapped(body, invocation, "InvocationResults", "InvocationResult", w->end - w->begin,
          [&](size_t k) {
            const auto& [inv, run] = runs[w->begin + k];
            resultJson(body, *inv, *run, *plain);
          });
  invocation.close();
  root.close();
  return body;
}

Answer EcsApi::instances(const util::Params& params, Seconds now,
                         const std::string& request_id) const {
  auto region = regionOf(params);
  if (!region) return std::unexpected(region.error());
  auto ids = instanceIdsParam(params, 100);
  if (!ids) return std::unexpected(ids.error());
  std::vector<InstanceProfile> matches;
  for (auto& i : inventory_.at(*region, now)) {
    bool wanted =
        !*ids || std::find((*ids)->begin(), (*ids)->end(), i.instance_id) != (*ids)->end();
    if (wanted && passesFilters(i, params)) matches.push_back(std::move(i));
  }
  std::vector<std::string> keys;
  for (const auto& i : matches) keys.push_back(i.instance_id);
  auto w = window(params, keys, 100, 10);  // MaxResults below 10 is taken as 10
  if (!w) return std::unexpected(w.error());
  std::string body;
  JsonObject root(body);
  root.str("RequestId", request_id);
  paging(root, matches.size(), *w);
  wrapped(body, root, "Instances", "Instance", w->end - w->begin, [&](size_t k) {
    const InstanceProfile& i = matches[w->begin + k];
    JsonObject o(body);
    o.str("InstanceId", i.instance_id)
        .str("InstanceName", i.name)
        .str("HostName", i.name)
        .str("Status", i.status)
        .str("RegionId", region->substr(kEcsPrefix.size()))
        .str("OSType", "linux");
    wrapped(body, o, "Tags", "Tag", i.tags.size(), [&](size_t t) {
      JsonObject(body).str("TagKey", i.tags[t].first).str("TagValue", i.tags[t].second).close();
    });
    wrapped(body, o, "PublicIpAddress", "IpAddress", 0, [](size_t) {});
    wrapped(body, o, "InnerIpAddress", "IpAddress", 0, [](size_t) {});
    o.key("VpcAttributes");
    JsonObject vpc(body);
    vpc.str("VpcId", "vpc-sim").str("VSwitchId", "vsw-sim").str("NatIpAddress", "");
    wrapped(body, vpc, "PrivateIpAddress", "IpAddress", i.private_ip.empty() ? 0 : 1,
            [&](size_t) { core::appendJsonString(body, i.private_ip); });
    vpc.close();
    o.key("EipAddress");
    JsonObject(body).str("IpAddress", i.public_ip).str("AllocationId", "eip-sim").close();
    o.close();
  });
  root.close();
  return body;
}

Answer EcsApi::agentStatus(const util::Params& params, Seconds now,
                           const std::string& request_id) const {
  auto region = regionOf(params);
  if (!region) return std::unexpected(region.error());
  std::vector<std::string> ids;
  for (int n = 1; n <= 51; ++n) {
    std::string id = param(params, "InstanceId." + std::to_string(n));
    if (!id.empty()) ids.push_back(id);
  }
  if (ids.size() > 50) return invalid("The specified parameter InstanceId exceeds 50.");
  std::vector<InstanceProfile> matches;
  for (auto& i : inventory_.at(*region, now)) {
    if (ids.empty() || std::find(ids.begin(), ids.end(), i.instance_id) != ids.end())
      matches.push_back(std::move(i));
  }
  std::vector<std::string> keys;
  for (const auto& i : matches) keys.push_back(i.instance_id);
  util::Params paged = params;
  if (!ids.empty()) std::erase_if(paged, [](const auto& p) { return p.first == "MaxResults"; });
  auto w = window(paged, keys, 50);
  if (!w) return std::unexpected(w.error());
  if (!ids.empty()) {  // MaxResults is ignored
    w->end = matches.size();
    w->next_token.clear();
  }
  auto wall = epoch_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(now);
  std::string body;
  JsonObject root(body);
  root.str("RequestId", request_id);
  paging(root, matches.size(), *w);
  wrapped(body, root, "InstanceCloudAssistantStatusSet", "InstanceCloudAssistantStatus",
          w->end - w->begin, [&](size_t k) {
            const InstanceProfile& i = matches[w->begin + k];
            int64_t active = 0;
            for (const auto* inv :
                 world_.query(Query{.region_id = *region, .instance_id = i.instance_id})) {
              for (const auto& run : inv->instances) {
                if (run.instance_id == i.instance_id && !isTerminal(run.status)) ++active;
              }
            }
            // The heartbeat is every minute while the agent is online; silent for 5 otherwise.
            auto beat =
                wall - (i.agent_online ? std::chrono::seconds(20) : std::chrono::minutes(5));
            JsonObject(body)
                .str("InstanceId", i.instance_id)
                .str("CloudAssistantStatus", i.agent_online ? "true" : "false")
                .str("CloudAssistantVersion", "2.2.3.398")
                .str("LastHeartbeatTime", core::formatIso8601(beat))
                .num("ActiveTaskCount", active)
                .num("InvocationCount", 0)
                .str("OSType", "Linux")
                .boolean("SupportSessionManager", true)
                .close();
          });
  root.close();
  return body;
}

}  // namespace swas::sim
