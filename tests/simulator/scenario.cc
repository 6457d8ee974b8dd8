#include "tests/simulator/scenario.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace swas::sim {
namespace {

[[noreturn]] void fail(const std::string& name, const YAML::Node& node, const std::string& what) {
  auto mark = node.Mark();
  throw std::runtime_error(name + ":" + std::to_string(mark.line + 1) + ":" +
                           std::to_string(mark.column + 1) + ": " + what);
}

struct Reader {
  std::string name;

  std::string str(const YAML::Node& node, const char* key, std::string fallback = "") const {
    if (!node[key]) return fallback;
    return node[key].as<std::string>();
  }
  double num(const YAML::Node& node, const char* key, double fallback) const {
    if (!node[key]) return fallback;
    try {
      return node[key].as<double>();
    } catch (const YAML::Exception&) {
      fail(name, node[key], std::string(key) + ": expected a number");
    }
  }
  Seconds dur(const YAML::Node& node, const char* key, Seconds fallback) const {
    if (!node[key]) return fallback;
    auto d = parseDuration(node[key].as<std::string>());
    if (!d) fail(name, node[key], std::string(key) + ": expected a duration such as 30s");
    return *d;
  }
  bool flag(const YAML::Node& node, const char* key, bool fallback) const {
    if (!node[key]) return fallback;
    return node[key].as<bool>();
  }

  Step step(const YAML::Node& node) const {
    Step s;
    s.at = dur(node, "at", Seconds(0));
    s.status = str(node, "status");
    if (s.status.empty()) fail(name, node, "timeline step needs a status");
    if (node["exit_code"]) s.exit_code = node["exit_code"].as<int64_t>();
    s.error_code = str(node, "error_code");
    s.error_info = str(node, "error_info");
    s.output = str(node, "output");
    return s;
  }

  InvocationPlan invocation(const YAML::Node& node, const std::string& region) const {
    InvocationPlan p;
    p.region_id = str(node, "region_id", region);
    p.invoke_id = str(node, "invoke_id");
    if (p.invoke_id.empty()) fail(name, node, "invocation needs an invoke_id");
    p.command_id = str(node, "command_id", "c-" + p.invoke_id.substr(p.invoke_id.find('-') + 1));
    p.command_name = str(node, "command_name", "command");
    p.command_type = str(node, "command_type", p.command_type);
    p.command_content = str(node, "command_content", p.command_content);
    p.created_at = dur(node, "created_at", Seconds(0));
    p.timeout = static_cast<int64_t>(num(node, "timeout", 60));
    p.repeat_mode = str(node, "repeat_mode", p.repeat_mode);
    static const std::set<std::string> kModes = {"Once", "Period", "NextRebootOnly", "EveryReboot"};
    if (!kModes.contains(p.repeat_mode)) {
      fail(name, node["repeat_mode"], "repeat_mode: Once, Period, NextRebootOnly or EveryReboot");
    }
    if (node["stop_at"]) p.stop_at = dur(node, "stop_at", Seconds(0));
    for (const auto& inst : node["instances"]) {
      InstancePlan ip;
      ip.instance_id = str(inst, "instance_id");
      if (ip.instance_id.empty()) fail(name, inst, "instance needs an instance_id");
      for (const auto& s : inst["timeline"]) ip.timeline.push_back(step(s));
      if (ip.timeline.empty()) fail(name, inst, "instance needs a timeline");
      p.instances.push_back(std::move(ip));
    }
    if (p.instances.empty()) fail(name, node, "invocation needs instances");
    return p;
  }

  std::vector<std::pair<std::string, std::string>> tags(const YAML::Node& node) const {
    std::vector<std::pair<std::string, std::string>> out;
    if (!node.IsMap()) fail(name, node, "tags must be a mapping");
    for (const auto& t : node)
      out.emplace_back(t.first.as<std::string>(), t.second.as<std::string>());
    return out;
  }

  InstanceProfile profile(const YAML::Node& node, const std::string& region) const {
    InstanceProfile p;
    p.region_id = region;
    if (node.IsScalar()) {
      p.instance_id = node.as<std::string>();
      return withDefaults(std::move(p));
    }
    p.instance_id = str(node, "instance_id");
    if (p.instance_id.empty()) fail(name, node, "instance needs an instance_id");
    p.name = str(node, "name");
    p.public_ip = str(node, "public_ip");
    p.private_ip = str(node, "private_ip");
    p.status = str(node, "status", p.status);
    p.agent_online = flag(node, "agent_online", true);
    if (node["tags"]) p.tags = tags(node["tags"]);
    for (const auto& c : node["timeline"]) {
      InstanceChange change;
      change.at = dur(c, "at", Seconds(0));
      if (c["status"]) change.status = c["status"].as<std::string>();
      if (c["agent_online"]) change.agent_online = c["agent_online"].as<bool>();
      if (c["name"]) change.name = c["name"].as<std::string>();
      if (c["tags"]) change.tags = tags(c["tags"]);
      p.timeline.push_back(std::move(change));
    }
    return withDefaults(std::move(p));
  }

  void faults(const YAML::Node& node, Faults& f) const {
    if (node["actions"]) {
      f.actions.clear();
      for (const auto& a : node["actions"]) f.actions.push_back(a.as<std::string>());
    }
    f.throttle = num(node, "throttle", f.throttle);
    f.throttle_retry_after_ms =
        static_cast<int64_t>(num(node, "throttle_retry_after_ms", f.throttle_retry_after_ms));
    f.server_error = num(node, "server_error", f.server_error);
    if (node["latency"]) {
      f.latency =
          std::chrono::duration_cast<std::chrono::milliseconds>(dur(node, "latency", Seconds(0)));
    }
    f.malformed = num(node, "malformed", f.malformed);
    f.reset = num(node, "reset", f.reset);
    if (auto n = node["insert_on_later_pages"]; n && n.IsScalar()) {
      f.insert_on_later_pages = n.Scalar() == "true" ? 1
                                : n.Scalar() == "false"
                                    ? 0
                                    : static_cast<int>(num(node, "insert_on_later_pages", 0));
    }
    f.bad_fields = num(node, "bad_fields", f.bad_fields);
    f.bad_records = num(node, "bad_records", f.bad_records);
    f.lying_total = flag(node, "lying_total", f.lying_total);
    f.vanish = num(node, "vanish", f.vanish);
    f.vanish_every = static_cast<int>(num(node, "vanish_every", f.vanish_every));
  }
};

YAML::Node load(const std::string& text, const std::string& name) {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw std::runtime_error(name + ":" + std::to_string(e.mark.line + 1) + ":" +
                             std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

}  // namespace

std::optional<Seconds> parseDuration(const std::string& text) {
  size_t pos = 0;
  double value = 0;
  try {
    value = std::stod(text, &pos);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::string unit = text.substr(pos);
  if (unit == "ms") return Seconds(value / 1000);
  if (unit == "s") return Seconds(value);
  if (unit == "m") return Seconds(value * 60);
  if (unit == "h") return Seconds(value * 3600);
  if (unit == "d") return Seconds(value * 86400);
  return std::nullopt;
}

Scenario parseScenario(const std::string& yaml_text, const std::string& name) {
  YAML::Node root = load(yaml_text, name);
  Scenario s;
  Reader r{name};
  try {
    if (root["accounts"]) {
      s.accounts.clear();
      for (const auto& a : root["accounts"]) {
        s.accounts.push_back({r.str(a, "access_key_id"), r.str(a, "access_key_secret")});
      }
    }
    for (const auto& t : root["sts_tokens"]) {
      s.sts_tokens.push_back(
          {r.str(t, "access_key_id"), r.str(t, "access_key_secret"), r.str(t, "security_token")});
    }
    for (const auto& reg : root["regions"]) {
      RegionPlan plan{r.str(reg, "region_id"), {}};
      plan.listed_from = r.dur(reg, "listed_from", Seconds(0));
      plan.listed_until = r.dur(reg, "listed_until", Seconds(0));
      if (plan.region_id.empty()) fail(name, reg, "region needs a region_id");
      for (const auto& i : reg["instances"]) {
        plan.profiles.push_back(r.profile(i, plan.region_id));
        plan.instances.push_back(plan.profiles.back().instance_id);
      }
      for (const auto& inv : reg["invocations"]) {
        s.invocations.push_back(r.invocation(inv, plan.region_id));
      }
      s.regions.push_back(std::move(plan));
    }
    if (const auto g = root["generator"]) {
      Generator& gen = s.generator;
      gen.enabled = true;
      gen.seed = static_cast<uint64_t>(r.num(g, "seed", 1));
      for (const auto& reg : g["regions"]) gen.regions.push_back(reg.as<std::string>());
      gen.instances = static_cast<int>(r.num(g, "instances", gen.instances));
      gen.retained = static_cast<int>(r.num(g, "retained", 0));
      gen.max_retained = static_cast<int>(r.num(g, "max_retained", 0));
      gen.rate = r.num(g, "rate", 0);
      gen.instances_per_invocation =
          static_cast<int>(r.num(g, "instances_per_invocation", gen.instances_per_invocation));
      if (g["outcomes"]) {
        gen.outcomes.clear();
        for (const auto& o : g["outcomes"]) {
          gen.outcomes.push_back({o.first.as<std::string>(), o.second.as<double>()});
        }
      }
      gen.pending = r.dur(g, "pending", gen.pending);
      gen.duration_min = r.dur(g, "duration_min", gen.duration_min);
      gen.duration_max = r.dur(g, "duration_max", gen.duration_max);
      gen.output_bytes = static_cast<int>(r.num(g, "output_bytes", gen.output_bytes));
      gen.stop_after = r.dur(g, "stop_after", gen.stop_after);
      if (gen.regions.empty()) fail(name, g, "generator needs regions");
      if (gen.instances < 1 || gen.instances_per_invocation < 1) {
        fail(name, g, "generator needs at least one instance");
      }
    }
    if (root["faults"]) r.faults(root["faults"], s.faults);
    if (const auto m = root["metadata"]) {
      s.metadata.role_name = r.str(m, "role_name", s.metadata.role_name);
      s.metadata.credentials_ttl = r.dur(m, "credentials_ttl", s.metadata.credentials_ttl);
      s.metadata.require_token = r.flag(m, "require_token", false);
      s.metadata.disable_token = r.flag(m, "disable_token", false);
      s.metadata.fail = r.flag(m, "fail", false);
    }
    if (const auto o = root["oidc"]) {
      s.oidc = Oidc{r.str(o, "role_arn", ""), r.str(o, "provider_arn", ""), r.str(o, "token", "")};
      s.oidc->credentials_ttl = r.dur(o, "credentials_ttl", s.oidc->credentials_ttl);
      if (s.oidc->role_arn.empty() || s.oidc->provider_arn.empty() || s.oidc->token.empty()) {
        fail(name, o, "oidc needs role_arn, provider_arn and token");
      }
    }
    s.manual_clock = r.str(root, "clock", "real") == "manual";
    s.seed = static_cast<uint64_t>(r.num(root, "seed", 1));
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(name + ":" + std::to_string(e.mark.line + 1) + ":" +
                             std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  return s;
}

// A name and addresses derived from the ID where the scenario gives none.
InstanceProfile withDefaults(InstanceProfile p) {
  size_t h = std::hash<std::string>{}(p.instance_id);
  if (p.name.empty()) p.name = "name-" + p.instance_id;
  if (p.public_ip.empty()) {
    p.public_ip = "47." + std::to_string(h % 250) + "." + std::to_string(h / 250 % 250) + "." +
                  std::to_string(h / 62500 % 250 + 1);
  }
  if (p.private_ip.empty()) {
    p.private_ip = "172.16." + std::to_string(h % 250) + "." + std::to_string(h / 250 % 250 + 1);
  }
  return p;
}

Scenario loadScenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot read scenario");
  std::stringstream text;
  text << in.rdbuf();
  return parseScenario(text.str(), path);
}

InvocationPlan parseInvocation(const std::string& yaml_text) {
  YAML::Node node = load(yaml_text, "request body");
  try {
    return Reader{"request body"}.invocation(node, "");
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(std::string("request body: ") + e.msg);
  }
}

void applyFaults(Faults& faults, const std::string& yaml_text) {
  YAML::Node node = load(yaml_text, "request body");
  try {
    Reader{"request body"}.faults(node, faults);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(std::string("request body: ") + e.msg);
  }
}

}  // namespace swas::sim
