// The one-paragraph summary of a configuration that --check-config prints.

#include <string>

#include "daemon/config/config.h"

namespace swas::config {

namespace {

std::string seconds(Duration d) {
  auto ms = d.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

// "every instance", "2 instance(s)", "instances tagged env=prod named web-*", ...
std::string watching(const RegionSettings& r) {
  if (r.instance_tags.empty() && r.instance_names.empty()) {
    return r.instance_ids.empty() ? std::string("every instance")
                                  : std::to_string(r.instance_ids.size()) + " instance(s)";
  }
  std::string out = "instances";
  for (size_t i = 0; i < r.instance_tags.size(); ++i) {
    out += (i == 0 ? " tagged " : ",") + r.instance_tags[i].first + "=" + r.instance_tags[i].second;
  }
  for (size_t i = 0; i < r.instance_names.size(); ++i) {
    out += (i == 0 ? " named " : "|") + r.instance_names[i];
  }
  if (!r.instance_ids.empty()) out += " and " + std::to_string(r.instance_ids.size()) + " more";
  return out;
}

}  // namespace

namespace {

std::string regionsText(const Config& c, const std::vector<RegionSettings>& regions) {
  std::string out = std::to_string(regions.size()) + " region(s): ";
  for (size_t i = 0; i < regions.size(); ++i) {
    const auto& r = regions[i];
    if (i > 0) out += ", ";
    out += (r.region_id == kAllRegions ? std::string("every region ListRegions returns")
                                       : r.region_id) +
           " (" + watching(r) + ", every " + seconds(c.intervalOf(r));
    if (!r.command_name.empty()) out += ", command " + r.command_name;
    if (!r.command_type.empty()) out += ", type " + r.command_type;
    out += ")";
  }
  return out;
}

std::string credentialsText(const core::CredentialsSettings& k) {
  return !k.access_key_secret_file.empty() ? "an AccessKey from the configuration, secret in a file"
         : !k.access_key_secret.empty()    ? "an AccessKey in the configuration"
         : !k.ecs_ram_role.empty()         ? "the ECS RAM role " + k.ecs_ram_role
         : !k.oidc_role_arn.empty()        ? "the RAM role " + k.oidc_role_arn + " by OIDC token"
                                    : "the default chain (environment, RRSA, credentials file, "
                                      "ECS RAM role)";
}

}  // namespace

std::string summary(const Config& c) {
  std::string out;
  if (c.namedAccounts()) {
    out = std::to_string(c.accounts.size()) + " account(s)";
    for (const auto& a : c.accounts) {
      out += "; account " + a.name + ": " + regionsText(c, a.regions) +
             ", credentials: " + credentialsText(a.credentials);
    }
  } else {
    out = regionsText(c, c.regions);
  }
  out += "; " + std::to_string(c.alerts.receivers.size()) + " receiver(s)";
  for (size_t i = 0; i < c.alerts.receivers.size(); ++i) {
    const auto& r = c.alerts.receivers[i];
    out += (i == 0 ? ": " : ", ") + r.name + " (" + r.type +
           (r.hmac_secret_file.empty() ? "" : ", signed") + ")";
  }
  if (!c.namedAccounts()) out += "; credentials: " + credentialsText(c.credentials);
  out += "; alerting on " + std::to_string(c.alerts.statuses.size()) + " status(es)" +
         (c.alerts.error_codes ? " and any ErrorCode" : "") + "; state in " + c.state.path +
         " (kept " +
         std::to_string(std::chrono::duration_cast<std::chrono::hours>(c.state.retention).count() /
                        24) +
         " days); metrics on http://" + c.http.listen + "/metrics.";
  return out;
}

}  // namespace swas::config
