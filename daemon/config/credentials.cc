// credentials: the keys, and what they resolve to without the network: the secret file read,
// credentials.profile looked up in the credentials file as the credentials chain will, and who
// each account is, so that two accounts of one identity are refused at load.

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "daemon/config/parser.h"
#include "daemon/util/credentials_file.h"
#include "daemon/util/url.h"

namespace swas::config {
namespace {

std::string keyIdentity(const std::string& access_key_id) { return "key:" + access_key_id; }

std::string roleIdentity(const std::string& role, const std::string& metadata_endpoint) {
  return "role:" + role + "@" + metadata_endpoint;
}

// credentials.profile: the profile must be in the credentials file, complete and of a type the
// chain supports. Returns its identity, "" after a problem.
std::string resolveProfile(Parser& p, const YAML::Node& node, const core::CredentialsSettings& c) {
  const std::string what = "credentials.profile " + c.profile;
  std::optional<std::string> file =
      util::credentialsFilePath([&p](std::string_view name) { return p.env(name); });
  if (!file) {
    p.problem(node, what +
                        ": no credentials file (neither ALIBABA_CLOUD_CREDENTIALS_FILE nor HOME "
                        "is set)");
    return "";
  }
  struct stat st {};
  if (::stat(file->c_str(), &st) != 0) {
    p.problem(node, what + ": no credentials file " + *file + " (" + std::strerror(errno) +
                        "; ALIBABA_CLOUD_CREDENTIALS_FILE names another)");
    return "";
  }
  auto profile = util::readProfile(*file, c.profile);
  if (!profile) {
    p.problem(node, what + ": " + profile.error());
    return "";
  }
  if (!*profile) {
    p.problem(node, what + ": " + *file + " has no profile [" + c.profile + "]");
    return "";
  }
  if ((*profile)->type == util::ProfileCredentials::Type::kEcsRamRole) {
    return roleIdentity((*profile)->role_name, c.metadata_endpoint);
  }
  return keyIdentity((*profile)->access_key_id);
}

// A RAM role assumed with an OIDC token (ACK's RRSA): the three keys together, alone.
std::string parseOidc(Parser& p, const YAML::Node& node, core::CredentialsSettings& c) {
  p.str(node, "oidc_role_arn", c.oidc_role_arn);
  p.str(node, "oidc_provider_arn", c.oidc_provider_arn);
  p.readableFile(node, "oidc_token_file", c.oidc_token_file);
  for (const auto* value : {&c.oidc_role_arn, &c.oidc_provider_arn, &c.oidc_token_file}) {
    if (value->empty()) {
      p.problem(node,
                "credentials: a role assumed with an OIDC token needs oidc_role_arn, "
                "oidc_provider_arn and oidc_token_file, none of them empty");
      return "";
    }
  }
  for (const char* other : {"access_key_id", "access_key_secret", "access_key_secret_file",
                            "security_token", "ecs_ram_role", "profile"}) {
    if (node[other]) {
      p.problem(node["oidc_role_arn"], std::string("credentials: oidc_role_arn is a source of its "
                                                   "own; give it without ") +
                                           other);
      return "";
    }
  }
  return "oidc:" + c.oidc_role_arn;
}

// STS's endpoint and the session name: also for the default chain's RRSA (the variables ACK's
// webhook sets), so without oidc_role_arn too.
void parseSts(Parser& p, const YAML::Node& node, core::CredentialsSettings& c) {
  p.str(node, "role_session_name", c.role_session_name);
  p.str(node, "sts_endpoint", c.sts_endpoint);
  if (!c.sts_endpoint.empty() && !util::isHttpUrl(c.sts_endpoint)) {
    p.problem(node["sts_endpoint"], "credentials.sts_endpoint must be an http:// or https:// URL");
  } else if (c.sts_endpoint.starts_with("http://") &&
             !c.sts_endpoint.starts_with("http://127.0.0.1") &&
             !c.sts_endpoint.starts_with("http://localhost") &&
             !c.sts_endpoint.starts_with("http://[::1]")) {
    p.warning(node["sts_endpoint"],
              "credentials.sts_endpoint is plain http: the OIDC token crosses the network in "
              "clear text");
  }
}

}  // namespace

std::string parseCredentials(Parser& p, const YAML::Node& node, core::CredentialsSettings& c) {
  if (!p.isMap(node, "credentials")) return "";
  p.checkKeys(node,
              {"access_key_id", "access_key_secret", "access_key_secret_file", "security_token",
               "ecs_ram_role", "metadata_endpoint", "profile", "oidc_role_arn", "oidc_provider_arn",
               "oidc_token_file", "role_session_name", "sts_endpoint"},
              "credentials");
  p.str(node, "access_key_id", c.access_key_id);
  p.str(node, "access_key_secret", c.access_key_secret);
  bool secret_file_ok =
      p.secretFile(node, "access_key_secret_file", c.access_key_secret_file).has_value() ||
      c.access_key_secret_file.empty();
  p.str(node, "security_token", c.security_token);
  p.str(node, "ecs_ram_role", c.ecs_ram_role);
  p.str(node, "metadata_endpoint", c.metadata_endpoint);
  p.str(node, "profile", c.profile);
  parseSts(p, node, c);
  if (node["metadata_endpoint"] && !util::isHttpUrl(c.metadata_endpoint)) {
    p.problem(node["metadata_endpoint"],
              "credentials.metadata_endpoint must be an http:// or https:// URL");
  }
  if (!c.profile.empty() && (!c.access_key_id.empty() || !c.ecs_ram_role.empty())) {
    p.problem(node["profile"],
              "credentials: profile reads the credentials file; give it without access_key_id "
              "and ecs_ram_role");
    return "";
  }
  if (!c.access_key_secret.empty() && !c.access_key_secret_file.empty()) {
    p.problem(node, "credentials: give access_key_secret or access_key_secret_file, not both");
    return "";
  }
  if (node["oidc_role_arn"] || node["oidc_provider_arn"] || node["oidc_token_file"]) {
    return parseOidc(p, node, c);
  }
  if (!c.ecs_ram_role.empty()) return roleIdentity(c.ecs_ram_role, c.metadata_endpoint);
  if (!c.profile.empty()) return resolveProfile(p, node["profile"], c);
  // Half a key pair is an error at start (the chain never falls through it): say so now. By
  // the keys given, so that an unset ${VAR} is reported once, as itself.
  bool id_given = static_cast<bool>(node["access_key_id"]);
  bool secret_given = node["access_key_secret"] || node["access_key_secret_file"];
  if (id_given && !secret_given) {
    p.problem(node["access_key_id"],
              "credentials: access_key_id needs access_key_secret or access_key_secret_file");
  } else if (secret_given && !id_given) {
    p.problem(node, "credentials: an access key secret needs access_key_id");
  }
  bool has_secret = !c.access_key_secret.empty() || !c.access_key_secret_file.empty();
  if (c.access_key_id.empty() || !has_secret || !secret_file_ok) return "";
  return keyIdentity(c.access_key_id);
}

void checkDistinctAccounts(Parser& p, const std::vector<AccountIdentity>& accounts) {
  for (size_t i = 0; i < accounts.size(); ++i) {
    if (accounts[i].identity.empty()) continue;
    for (size_t j = 0; j < i; ++j) {
      if (accounts[j].identity != accounts[i].identity) continue;
      const std::string& identity = accounts[i].identity;
      std::string same = identity.starts_with("role:")   ? "the same ECS RAM role"
                         : identity.starts_with("oidc:") ? "the same RAM role, by OIDC"
                                                         : "the same AccessKey ID";
      p.problem(accounts[i].node,
                "account " + accounts[i].account + ": its credentials are account " +
                    accounts[j].account + "'s (" + same +
                    "): one cloud account polled twice alerts twice, under two account labels; "
                    "give each account its own credentials, or list the regions under one");
      break;
    }
  }
}

}  // namespace swas::config
