#include "tests/support/monitor_config.h"

#include <simdjson.h>

#include "tests/support/sim_process.h"

namespace swas::testing {

namespace {

std::string section(const std::string& name, const std::map<std::string, std::string>& keys,
                    const std::string& first = "") {
  if (keys.empty() && first.empty()) return "";
  std::string out = name + ":\n" + first;
  for (const auto& [key, value] : keys) out += "  " + key + ": " + value + "\n";
  return out;
}

std::string receiver(const MonitorConfig::Receiver& r) {
  std::string out = "    - name: " + r.name + "\n      type: " + r.type + "\n";
  if (!r.url.empty()) out += "      url: \"" + r.url + "\"\n";
  return out + r.extra;
}

}  // namespace

std::string MonitorConfig::yaml() const {
  std::string out;
  if (accounts.empty()) {
    out +=
        "credentials:\n  access_key_id: testid\n  access_key_secret: " + access_key_secret + "\n";
  }
  out += section("api", api, "  endpoint: \"" + sim_url + "\"\n");
  out += section("poll", poll);
  out += accounts.empty() ? "regions:\n" : accounts;
  for (const auto& r : accounts.empty() ? regions : std::vector<std::string>{}) {
    out += "  - region_id: " + r + "\n";
    if (auto it = instance_ids.find(r); it != instance_ids.end()) {
      std::string list;
      for (const auto& id : it->second) list += (list.empty() ? "" : ", ") + id;
      out += "    instance_ids: [" + list + "]\n";
    }
    if (auto it = region_extra.find(r); it != region_extra.end()) out += it->second;
  }
  out += section("state", state, "  path: " + state_path + "\n");
  out += "http:\n  listen: " + listen + "\n";
  if (!relay_token_file.empty()) out += "  relay_token_file: " + relay_token_file + "\n";
  if (!event_token_file.empty()) out += "  event_token_file: " + event_token_file + "\n";
  std::vector<Receiver> all;
  if (!webhook_url.empty()) all.push_back({"ops", "webhook", webhook_url, receiver_extra});
  all.insert(all.end(), receivers.begin(), receivers.end());
  if (!all.empty() || !alerts_extra.empty()) {
    out += "alerts:\n" + alerts_extra;
    if (!all.empty()) {
      out += "  receivers:\n";
      for (const auto& r : all) out += receiver(r);
      if (!retry.empty()) {
        out += "  retry:\n";
        for (const auto& [key, value] : retry) out += "    " + key + ": " + value + "\n";
      }
    }
  }
  if (!log_level.empty()) out += "log:\n  level: " + log_level + "\n";
  return out + extra;
}

std::string MonitorConfig::write(const std::string& name) const {
  return writeTempFile(name, yaml());
}

std::map<std::string, int> acceptedFiring(const Recorder& recorder) {
  std::map<std::string, int> out;
  simdjson::dom::parser parser;
  for (const auto& r : recorder.requests()) {
    if (r.answered != 200) continue;
    simdjson::dom::array alerts;  // none: another receiver's request (a chat robot's)
    if (parser.parse(r.request.body)["alerts"].get(alerts)) continue;
    for (simdjson::dom::element a : alerts) {
      if (std::string_view(a["status"].get_string().value()) != "firing") continue;
      auto l = a["labels"];
      ++out[std::string(l["region_id"].get_string().value()) + "/" +
            std::string(l["invoke_id"].get_string().value()) + "/" +
            std::string(l["instance_id"].get_string().value()) + "/" +
            std::string(l["invocation_status"].get_string().value())];
    }
  }
  return out;
}

}  // namespace swas::testing
