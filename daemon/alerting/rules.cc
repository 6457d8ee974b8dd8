#include "daemon/alerting/rules.h"

#include <simdjson.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <set>

#include "daemon/core/json.h"
#include "daemon/core/scope.h"
#include "daemon/core/time.h"
#include "daemon/util/crypto.h"
#include "daemon/util/utf8.h"

namespace swas::alerting {
namespace {

// Text a person can read: well-formed UTF-8 without control characters other than whitespace.
bool validUtf8Text(std::string_view s) {
  if (!util::validUtf8(s)) return false;
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 && c != '\n' && c != '\r' && c != '\t';
  });
}

std::string commandKey(const core::Transition& t) {
  return t.command_id.empty() ? "name:" + t.command_name : "id:" + t.command_id;
}

std::string successKey(const std::string& region_id, const std::string& instance_id,
                       const std::string& command_key) {
  return region_id + '\n' + instance_id + '\n' + command_key;
}

// "web-3 (ace07...)" when the inventory names the instance, else its ID.
std::string instanceText(const std::string& instance_id, const core::InstanceRecord* instance) {
  if (!instance || instance->name.empty()) return instance_id;
  return instance->name + " (" + instance_id + ")";
}

std::string summary(const core::Transition& t, const core::InstanceRecord* instance) {
  std::string command = t.command_name.empty() ? t.command_id : t.command_name;
  std::string what;
  if (t.to == "Timeout") {
    what = "timed out";
  } else if (t.to == "Failed" || t.to == "Error" || t.to == "Invalid" || t.to == "Aborted") {
    what = "failed";
  } else {
    what = "reported " + t.error_code;
  }
  std::string out = command + " " + what + " on " + instanceText(t.instance_id, instance) + " (" +
                    t.scope + "): " + t.to;
  if (!t.error_code.empty()) out += ", " + t.error_code;
  if (t.exit_code) out += ", exit code " + std::to_string(*t.exit_code);
  return out;
}

std::string description(const core::Transition& t) {
  auto [invoke_id, run] = core::splitRunKey(t.invoke_id);
  std::string out = (run ? "Run " + std::to_string(*run) + " of task " : "Invocation ") +
                    std::string(invoke_id) + " of command " +
                    (t.command_name.empty() ? t.command_id : t.command_name);
  if (!t.command_id.empty() && !t.command_name.empty()) out += " (" + t.command_id + ")";
  out += ", created " + t.creation_time + " UTC, is " + t.to + " on instance " + t.instance_id +
         " in " + t.scope;
  if (!t.finish_time.empty()) out += " since " + t.finish_time;
  out += ".";
  if (!t.error_code.empty()) out += " ErrorCode " + t.error_code;
  if (!t.error_info.empty()) out += (t.error_code.empty() ? " " : ": ") + t.error_info;
  if ((!t.error_code.empty() || !t.error_info.empty()) && out.back() != '.') out += ".";
  if (t.exit_code) out += " Exit code " + std::to_string(*t.exit_code) + ".";
  core::Scope scope = core::Scope::fromKey(t.scope);
  out += " The output annotation holds the last 1 KiB of output; all of it: aliyun " +
         std::string(scope.product() == core::Product::kEcs
                         ? "ecs DescribeInvocationResults --ContentEncoding PlainText"
                         : "swas-open DescribeCommandInvocations") +
         " --RegionId " + scope.regionId() + " --InvokeId " + std::string(invoke_id) +
         " --InstanceId " + t.instance_id + (run ? " --IncludeHistory true" : "");
  return out;
}

}  // namespace

std::string fingerprint(Labels labels) {
  std::sort(labels.begin(), labels.end());
  uint64_t hash = 14695981039346656037ULL;
  auto add = [&](std::string_view bytes) {
    for (unsigned char c : bytes) {
      hash ^= c;
      hash *= 1099511628211ULL;
    }
  };
  for (const auto& [name, value] : labels) {
    add(name);
    add("\xff");
    add(value);
    add("\xff");
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016" PRIx64, hash);
  return out;
}

std::string outputTail(std::string_view output, size_t max_bytes) {
  std::string text(output);
  if (output.size() % 4 == 0) {
    if (auto decoded = util::base64Decode(output); decoded && validUtf8Text(*decoded)) {
      text = std::move(*decoded);
    }
  }
  if (text.size() <= max_bytes) return text;
  size_t start = text.size() - max_bytes;
  while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xc0) == 0x80) ++start;
  return text.substr(start);
}

std::string labelsJson(const Labels& labels) {
  std::string out;
  core::JsonObject o(out);
  for (const auto& [name, value] : labels) o.str(name, value);
  o.close();
  return out;
}

std::map<std::string, std::string, std::less<>> parseLabels(std::string_view json) {
  std::map<std::string, std::string, std::less<>> out;
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(json.data(), json.size()).get(object)) return out;
  for (auto field : object) {
    std::string_view value;
    if (!field.value.get(value)) out.emplace(field.key, value);
  }
  return out;
}

namespace {

// The region's labels (region_id, and account when named) among the others, in name order.
void addScope(Labels& labels, const std::string& key) {
  for (auto& label : core::Scope::fromKey(key).labels()) labels.push_back(std::move(label));
  std::sort(labels.begin(), labels.end());
}

}  // namespace

core::Alert makeAlert(const core::Transition& t, std::chrono::system_clock::time_point now,
                      const core::InstanceRecord* instance) {
  Labels labels = {
      {"alertname", t.to == "Timeout" ? "SwasInvocationTimeout" : "SwasInvocationFailed"},
      {"command_id", t.command_id},
      {"command_name", t.command_name},
      {"error_code", t.error_code},
      {"instance_id", t.instance_id},
      {"instance_name", instance ? instance->name : ""},
      {"invocation_status", t.to},
      {"invoke_id", std::string(core::splitRunKey(t.invoke_id).invoke_id)},
      {"severity", "critical"},
  };
  // A run of a repeating task (ECS) is its own occurrence: `run` tells them apart.
  if (auto run = core::splitRunKey(t.invoke_id).run)
    labels.emplace_back("run", std::to_string(*run));
  addScope(labels, t.scope);
  Labels annotations = {
      {"summary", summary(t, instance)},
      {"description", description(t)},
      {"error_info", t.error_info},
      {"exit_code", t.exit_code ? std::to_string(*t.exit_code) : ""},
      {"output", outputTail(t.output)},
      {"creation_time", t.creation_time},
      {"finish_time", t.finish_time},
      {"public_ip", instance ? instance->public_ip : ""},
      {"private_ip", instance ? instance->private_ip : ""},
  };
  core::Alert a;
  a.fingerprint = fingerprint(labels);
  a.scope = t.scope;
  a.invoke_id = t.invoke_id;
  a.instance_id = t.instance_id;
  a.command_key = commandKey(t);
  a.creation_time = t.creation_time;
  a.labels_json = labelsJson(labels);
  a.annotations_json = labelsJson(annotations);
  a.starts_at = t.finished_at ? t.finished_at->time_since_epoch().count() : core::unixSeconds(now);
  return a;
}

core::Alert makeAgentDownAlert(const std::string& region_id, const core::InstanceRecord& instance,
                               int64_t since) {
  Labels labels = {
      {"alertname", "SwasCloudAssistantDown"},
      {"instance_id", instance.instance_id},
      {"instance_name", instance.name},
      {"severity", "warning"},
  };
  addScope(labels, region_id);
  std::string where = instanceText(instance.instance_id, &instance) + " (" + region_id + ")";
  std::string since_text =
      core::formatIso8601(std::chrono::system_clock::time_point(std::chrono::seconds(since)));
  Labels annotations = {
      {"summary", "The Cloud Assistant agent on " + where +
                      " is offline: commands sent to it "
                      "fail (ClientNotRunning). Start the agent."},
      {"description",
       "The instance is Running, but DescribeCloudAssistantStatus has reported its Cloud "
       "Assistant agent offline since " +
           since_text +
           ". Commands sent to it fail with "
           "ClientNotRunning or ClientNotResponse until the agent runs again: log in and start it "
           "(Alibaba Cloud's guide \"Start, stop, or uninstall the Cloud Assistant Agent\"), or "
           "reinstall it."},
      {"public_ip", instance.public_ip},
      {"private_ip", instance.private_ip},
  };
  core::Alert a;
  a.fingerprint = fingerprint(labels);
  a.scope = region_id;
  a.instance_id = instance.instance_id;
  a.command_key = std::string(kAgentCommandKey);
  a.labels_json = labelsJson(labels);
  a.annotations_json = labelsJson(annotations);
  a.starts_at = since;
  return a;
}

Lifecycle::Lifecycle(LifecycleOptions options) : options_(std::move(options)) {}

void Lifecycle::load(const std::vector<core::Alert>& alerts,
                     const std::vector<core::Transition>& successes) {
  for (const auto& a : alerts) {
    if (!a.ends_at) remember(a);
  }
  for (const auto& t : successes) noteSuccess(t, {});
}

std::string Lifecycle::noteSuccess(const core::Transition& t,
                                   std::chrono::system_clock::time_point now) {
  SeenSuccess success{
      t.invoke_id, t.creation_time,
      t.finished_at ? t.finished_at->time_since_epoch().count() : core::unixSeconds(now)};
  std::string key = successKey(t.scope, t.instance_id, commandKey(t));
  auto [it, inserted] = successes_.try_emplace(key, success);
  if (!inserted && it->second.creation_time < success.creation_time) it->second = success;
  return key;
}

void Lifecycle::remember(const core::Alert& a) {
  // What resolution, expiry and routing need; the annotations stay in the store.
  core::Alert slim = a;
  slim.annotations_json.clear();
  firing_[a.fingerprint] = std::move(slim);
}

void Lifecycle::resolve(const core::Alert& alert, int64_t ends_at, int64_t now_ms,
                        core::AlertWrites& writes) const {
  writes.resolved.push_back({alert.fingerprint, ends_at});
  for (const auto& r : options_.receivers) {
    if (r.send_resolved && matches(r.match, alert)) {
      writes.notifications.push_back({r.name, alert.fingerprint, true, now_ms});
    }
  }
}

core::AlertWrites Lifecycle::plan(const std::vector<core::Transition>& transitions,
                                  std::chrono::system_clock::time_point now) {
  core::AlertWrites writes;
  std::map<std::string, core::Alert> fired;
  for (const auto& t : transitions) {
    if (!t.occurrence) continue;
    std::optional<core::InstanceRecord> instance;
    if (options_.instances) instance = options_.instances->find(t.scope, t.instance_id);
    core::Alert a = makeAlert(t, now, instance ? &*instance : nullptr);
    if (firing_.contains(a.fingerprint) || fired.contains(a.fingerprint)) continue;
    for (const auto& r : options_.receivers) {
      if (matches(r.match, a)) {
        writes.notifications.push_back({r.name, a.fingerprint, false, core::unixMillis(now)});
      }
    }
    fired.emplace(a.fingerprint, a);
    writes.fired.push_back(std::move(a));
  }
  if (!options_.resolve_on_success) return writes;
  // The batch's successes first; then each alert they may concern, and each new one, meets the
  // newest success of its command on its instance, from this batch or before.
  std::set<std::string> touched;
  for (const auto& t : transitions) {
    if (t.to == "Success" && t.from != "Success") touched.insert(noteSuccess(t, now));
  }
  auto resolve_if_superseded = [&](const core::Alert& a) {
    auto it = successes_.find(successKey(a.scope, a.instance_id, a.command_key));
    if (it == successes_.end()) return;
    const SeenSuccess& s = it->second;
    // A later invocation of the same command on the same instance.
    if (a.invoke_id == s.invoke_id || s.creation_time < a.creation_time) return;
    resolve(a, std::max(s.ends_at, a.starts_at), core::unixMillis(now), writes);
  };
  if (!touched.empty()) {
    for (const auto& [fp, a] : firing_) {
      if (touched.contains(successKey(a.scope, a.instance_id, a.command_key)))
        resolve_if_superseded(a);
    }
  }
  for (const auto& [fp, a] : fired) resolve_if_superseded(a);
  return writes;
}

void Lifecycle::committed(const core::AlertWrites& writes) {
  committed(writes, core::Delivery::kNow);
}

void Lifecycle::committed(const core::AlertWrites& writes, core::Delivery delivery) {
  if (!writes.empty()) apply(writes);
  held_ = held_ || !writes.empty();
  if (delivery == core::Delivery::kNow && held_) {
    held_ = false;
    if (on_change_) on_change_();
  }
}

void Lifecycle::apply(const core::AlertWrites& writes) {
  if (on_unrouted_ && !writes.fired.empty()) {
    std::set<std::string> routed;
    for (const auto& n : writes.notifications) {
      if (!n.resolved) routed.insert(n.fingerprint);
    }
    for (const auto& a : writes.fired) {
      if (!routed.contains(a.fingerprint)) on_unrouted_(a);
    }
  }
  for (const auto& a : writes.fired) remember(a);
  for (const auto& r : writes.resolved) firing_.erase(r.fingerprint);
}

core::AlertWrites Lifecycle::expire(std::chrono::system_clock::time_point now) const {
  core::AlertWrites writes;
  int64_t limit = core::unixSeconds(now) - options_.resolve_timeout.count();
  for (const auto& [fp, a] : firing_) {
    if (a.starts_at <= limit && a.command_key != kAgentCommandKey) {
      resolve(a, a.starts_at + options_.resolve_timeout.count(), core::unixMillis(now), writes);
    }
  }
  return writes;
}

}  // namespace swas::alerting
