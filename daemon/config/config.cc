#include "daemon/config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "daemon/config/parser.h"
#include "daemon/core/invocation.h"
#include "daemon/core/scope.h"
#include "daemon/http/endpoint.h"
#include "daemon/http/http_client.h"

namespace swas::config {
namespace {

// Bearer tokens (http.relay_token_file, http.event_token_file) are at least this long, as the
// contract says.
constexpr size_t kMinTokenBytes = 16;

void parseApi(Parser& p, const YAML::Node& node, ApiSettings& a) {
  if (!p.isMap(node, "api")) return;
  p.checkKeys(node, {"endpoint", "signature", "timeout", "rate_limit", "max_in_flight", "ca_file"},
              "api");
  p.str(node, "endpoint", a.endpoint);
  p.readableFile(node, "ca_file", a.ca_file);
  if (a.endpoint.find('@') != std::string::npos) {
    // The parser's message quotes the URL, and user information is a password.
    p.problem(node["endpoint"],
              "api.endpoint: user information (user:password@) has no place in an API endpoint");
  } else if (auto ep = http::parseEndpoint(http::endpointForRegion(a.endpoint, "cn-hangzhou"));
             !ep) {
    p.problem(node["endpoint"] ? node["endpoint"] : node, "api.endpoint: " + ep.error());
  }
  std::string signature;
  p.str(node, "signature", signature);
  if (signature == "v1")
    a.signature = Signature::kV1;
  else if (!signature.empty() && signature != "v3")
    p.problem(node["signature"], "api.signature must be v3 or v1");
  p.dur(node, "timeout", a.timeout);
  p.number(node, "rate_limit", a.rate_limit, 0.01, 10000);
  p.integer(node, "max_in_flight", a.max_in_flight, 1, 64);
}

void parsePoll(Parser& p, const YAML::Node& node, PollSettings& s) {
  if (!p.isMap(node, "poll")) return;
  p.checkKeys(
      node, {"interval", "jitter", "page_size", "full_scan_every", "initial_lookback", "hint_gap"},
      "poll");
  p.dur(node, "interval", s.interval);
  p.number(node, "jitter", s.jitter, 0, 1);
  p.integer(node, "page_size", s.page_size, 1, 50);
  p.dur(node, "full_scan_every", s.full_scan_every);
  p.dur(node, "initial_lookback", s.initial_lookback, false);
  p.dur(node, "hint_gap", s.hint_gap);
  if (node["hint_gap"] && s.hint_gap < std::chrono::milliseconds(200)) {
    p.problem(node["hint_gap"],
              "poll.hint_gap must be at least 200ms: every hinted poll is an "
              "API call, and events come in bursts");
  }
}

// instance_tags {key: value} and instance_names [glob]; an ID list means nothing on `all`.
void parseWatchRule(Parser& p, const YAML::Node& item, RegionSettings& r) {
  if (const auto tags = item["instance_tags"]; tags && !tags.IsNull()) {
    if (p.isMap(tags, "instance_tags")) {
      for (const auto& t : tags) {
        std::string key = t.first.as<std::string>("");
        if (key.empty()) p.problem(t.first, "instance_tags: a tag key must not be empty");
        if (p.scalar(t.second, "instance_tags." + key))
          r.instance_tags.emplace_back(key, p.substitute(t.second, t.second.Scalar()));
      }
    }
  }
  p.list(item, "instance_names", r.instance_names);
  for (const auto& glob : r.instance_names) {
    if (glob.empty()) p.problem(item["instance_names"], "instance_names: a name must not be empty");
  }
  if (r.region_id == kAllRegions && !r.instance_ids.empty()) {
    p.problem(item["instance_ids"],
              "instance_ids cannot be given with region_id: all (an instance belongs to one "
              "region); use instance_tags or instance_names");
  }
}

// product: swas or ecs (unchanged when absent).
void parseProduct(Parser& p, const YAML::Node& node, core::Product& product) {
  if (!node["product"]) return;
  std::string name;
  p.str(node, "product", name);
  if (name == "swas") {
    product = core::Product::kSwas;
  } else if (name == "ecs") {
    product = core::Product::kEcs;
  } else {
    p.problem(node["product"], "product must be swas or ecs, not '" + name + "'");
  }
}

void parseRegions(Parser& p, const YAML::Node& node, std::vector<RegionSettings>& regions,
                  core::Product product) {
  if (!node.IsSequence() || node.size() == 0) {
    p.problem(node, "regions must be a list with at least one region");
    return;
  }
  std::set<std::pair<core::Product, std::string>> seen;
  for (const auto& item : node) {
    if (!p.isMap(item, "a region")) continue;
    p.checkKeys(item,
                {"region_id", "product", "instance_ids", "instance_tags", "instance_names",
                 "command_type", "command_name", "interval"},
                "regions[]");
    RegionSettings r{.product = product};
    p.str(item, "region_id", r.region_id);
    parseProduct(p, item, r.product);
    if (r.region_id.empty()) {
      p.problem(item, "region_id is required and must not be empty");
    } else if (r.region_id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") !=
               std::string::npos) {
      p.problem(item["region_id"], "region_id " + r.region_id +
                                       " is not a region ID (a-z, 0-9 and -, as cn-hangzhou)");
    } else if (!seen.insert({r.product, r.region_id}).second) {
      bool ecs = r.product == core::Product::kEcs;
      p.problem(item["region_id"],
                "region " + r.region_id + " is listed twice" + (ecs ? " for ecs" : ""));
    }
    p.list(item, "instance_ids", r.instance_ids);
    parseWatchRule(p, item, r);
    p.str(item, "command_type", r.command_type);
    p.str(item, "command_name", r.command_name);
    if (item["interval"]) {
      Duration d{};
      p.dur(item, "interval", d);
      if (d.count() > 0) r.interval = d;
    }
    regions.push_back(std::move(r));
  }
  for (core::Product each : {core::Product::kSwas, core::Product::kEcs}) {
    auto of = [&](const RegionSettings& r) { return r.product == each; };
    if (seen.contains({each, std::string(kAllRegions)}) && std::ranges::count_if(regions, of) > 1) {
      p.problem(node,
                "region_id: all stands alone for its product: it polls every region " +
                    std::string(each == core::Product::kEcs ? "DescribeRegions" : "ListRegions") +
                    " returns, so list no other " + std::string(core::productName(each)) +
                    " region beside it");
    }
  }
}

// accounts: [{name, credentials, api, regions}]: each account's api starts from the top-level
// one. Names are label values and part of state keys: [a-z0-9_-], unique.
void parseAccounts(Parser& p, const YAML::Node& node, const ApiSettings& api, core::Product product,
                   std::vector<AccountSettings>& accounts) {
  if (!node.IsSequence() || node.size() == 0) {
    p.problem(node, "accounts must be a list with at least one account");
    return;
  }
  std::set<std::string> names;
  std::vector<AccountIdentity> identities;
  for (const auto& item : node) {
    if (!p.isMap(item, "an account")) continue;
    p.checkKeys(item, {"name", "credentials", "api", "product", "regions"}, "accounts[]");
    AccountSettings a{.api = api};
    core::Product account_product = product;
    parseProduct(p, item, account_product);
    p.str(item, "name", a.name);
    if (a.name.empty() || a.name.size() > 63 ||
        a.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos) {
      p.problem(item["name"] ? item["name"] : item,
                "account name must be 1 to 63 of a-z, 0-9, _ and - (it is the account label)");
    } else if (a.name == core::kDefaultAccount) {
      p.problem(item["name"], "account name default is the single-account form's; name it");
    } else if (!names.insert(a.name).second) {
      p.problem(item["name"], "account " + a.name + " is listed twice");
    }
    // Without its own, an account would poll with the process's default chain: whichever
    // account that is, its invocations alerted again under this account's label.
    if (const auto credentials = item["credentials"]; !credentials) {
      p.problem(item, "account " + a.name +
                          ": credentials is required with accounts: (access_key_id with "
                          "access_key_secret or access_key_secret_file, ecs_ram_role, "
                          "oidc_role_arn, or profile)");
    } else {
      std::string identity = parseCredentials(p, credentials, a.credentials);
      bool names_source = false;
      for (const char* key : {"access_key_id", "access_key_secret", "access_key_secret_file",
                              "ecs_ram_role", "profile", "oidc_role_arn"}) {
        names_source = names_source || (credentials.IsMap() && credentials[key]);
      }
      if (credentials.IsMap() && !names_source) {
        p.problem(credentials, "account " + a.name +
                                   ": credentials names no source (access_key_id, ecs_ram_role, "
                                   "oidc_role_arn or profile); the default chain is for the "
                                   "single form only");
      }
      identities.push_back({a.name, std::move(identity), credentials});
    }
    if (item["api"]) parseApi(p, item["api"], a.api);
    if (item["regions"]) {
      parseRegions(p, item["regions"], a.regions, account_product);
    } else {
      p.problem(item, "account " + a.name + ": regions is required");
    }
    accounts.push_back(std::move(a));
  }
  checkDistinctAccounts(p, identities);
}

// accounts:, else the single account of the top-level credentials, api and regions.
void parseWhatToPoll(Parser& p, const YAML::Node& root, Config& c) {
  core::Product product = core::Product::kSwas;
  parseProduct(p, root, product);
  if (root["accounts"]) {
    for (const char* key : {"credentials", "regions"}) {
      if (root[key]) {
        p.problem(root[key],
                  std::string(key) + " cannot be given with accounts: each account has its own");
      }
    }
    parseAccounts(p, root["accounts"], c.api, product, c.accounts);
  } else if (root["regions"]) {
    parseRegions(p, root["regions"], c.regions, product);
    c.accounts.push_back({"", c.credentials, c.api, c.regions});
  } else {
    p.problem(root, "regions is required: list at least one region_id (or accounts)");
  }
}

// A bearer token's file: a short token is guessed, so it is refused rather than used.
void parseToken(Parser& p, const YAML::Node& http, const char* key, std::string& path) {
  auto token = p.secretFile(http, key, path);
  if (token && token->size() < kMinTokenBytes) {
    p.problem(http[key], "http." + std::string(key) + ": the token in " + path +
                             " is shorter than " + std::to_string(kMinTokenBytes) +
                             " bytes; tokens shorter than that are refused (make one with "
                             "`openssl rand -hex 32`)");
  }
}

void parseInventory(Parser& p, const YAML::Node& node, InventorySettings& s) {
  if (!p.isMap(node, "inventory")) return;
  p.checkKeys(node, {"refresh", "cloud_assistant_down_after"}, "inventory");
  p.dur(node, "refresh", s.refresh);
  p.dur(node, "cloud_assistant_down_after", s.cloud_assistant_down_after, false);
  if (node["refresh"] && s.refresh < std::chrono::minutes(1)) {
    p.warning(node["refresh"],
              "inventory.refresh under 1m: every refresh costs ListInstances and "
              "DescribeCloudAssistantStatus calls per region, out of the polls' rate_limit");
  }
}

void parseAlerts(Parser& p, const YAML::Node& node, AlertSettings& a) {
  if (!p.isMap(node, "alerts")) return;
  p.checkKeys(node,
              {"statuses", "error_codes", "resolve_on_success", "resolve_timeout", "receivers",
               "retry", "timezone"},
              "alerts");
  p.list(node, "statuses", a.statuses);
  for (const auto& s : a.statuses) {
    if (std::find(std::begin(core::kInstanceStatuses), std::end(core::kInstanceStatuses), s) ==
        std::end(core::kInstanceStatuses)) {
      p.problem(node["statuses"],
                "alerts.statuses: '" + s + "' is not a per-instance InvocationStatus");
    }
  }
  p.boolean(node, "error_codes", a.error_codes);
  p.boolean(node, "resolve_on_success", a.resolve_on_success);
  p.dur(node, "resolve_timeout", a.resolve_timeout);
  if (const auto retry = node["retry"]; retry && p.isMap(retry, "alerts.retry")) {
    p.checkKeys(retry, {"initial_backoff", "max_backoff", "give_up_after"}, "alerts.retry");
    p.dur(retry, "initial_backoff", a.retry.initial_backoff);
    p.dur(retry, "max_backoff", a.retry.max_backoff);
    p.dur(retry, "give_up_after", a.retry.give_up_after);
  }
  p.str(node, "timezone", a.timezone);
  if (!a.timezone.empty() && !knownTimeZone(a.timezone)) {
    p.problem(node["timezone"], "alerts.timezone: unknown time zone '" + a.timezone +
                                    "' (an IANA name such as Asia/Shanghai; see "
                                    "/usr/share/zoneinfo)");
  }
  parseReceivers(p, node["receivers"], a.receivers);
}

}  // namespace

const RegionSettings& AccountSettings::discovery(core::Product product) const {
  auto it = std::ranges::find_if(
      regions, [&](const auto& r) { return r.discovers() && r.product == product; });
  return it != regions.end() ? *it : regions.front();
}

std::string needsRestart(const Config& running, const Config& next) {
  if (next.state.path != running.state.path) {
    return "state.path changed (" + running.state.path + " -> " + next.state.path + ")";
  }
  if (next.anyEcs() != running.anyEcs()) {
    std::string what =
        next.anyEcs() ? "the first ECS region is added" : "the last ECS region is removed";
    return what + " (every series and alert gains or loses its product label)";
  }
  return "";
}

bool Config::anyEcs() const {
  return std::ranges::any_of(accounts, [](const AccountSettings& a) {
    return std::ranges::any_of(
        a.regions, [](const RegionSettings& r) { return r.product == core::Product::kEcs; });
  });
}

std::optional<Duration> parseDuration(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
    ++digits;
  }
  if (digits == 0 || digits == text.size()) return std::nullopt;
  double value = 0;
  try {
    value = std::stod(text.substr(0, digits));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::string unit = text.substr(digits);
  double ms = 0;
  if (!std::isfinite(value)) return std::nullopt;
  if (unit == "ms")
    ms = value;
  else if (unit == "s")
    ms = value * 1e3;
  else if (unit == "m")
    ms = value * 60e3;
  else if (unit == "h")
    ms = value * 3600e3;
  else if (unit == "d")
    ms = value * 86400e3;
  else
    return std::nullopt;
  // Beyond this no double-to-integer conversion is defined; far beyond kMaxDuration anyway.
  if (ms >= 9e15) return std::nullopt;
  return Duration(static_cast<int64_t>(ms));
}

std::expected<Config, Problems> parseConfig(const std::string& text, const std::string& name,
                                            const util::EnvLookup& env) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    return std::unexpected(Problems{name + ":" + std::to_string(e.mark.line + 1) + ":" +
                                    std::to_string(e.mark.column + 1) + ": " + e.msg});
  }
  Parser p(name, env);
  Config c;
  if (!root.IsMap()) {
    return std::unexpected(Problems{name + ":1:1: the configuration must be a YAML mapping"});
  }
  p.checkKeys(root,
              {"credentials", "api", "poll", "product", "regions", "accounts", "inventory", "state",
               "http", "alerts", "log", "cluster"},
              "the configuration");
  if (root["credentials"]) parseCredentials(p, root["credentials"], c.credentials);
  if (root["api"]) parseApi(p, root["api"], c.api);
  if (root["poll"]) parsePoll(p, root["poll"], c.poll);
  parseWhatToPoll(p, root, c);
  if (root["inventory"]) parseInventory(p, root["inventory"], c.inventory);
  if (root["cluster"]) parseCluster(p, root["cluster"], c.cluster);
  if (const auto s = root["state"]; s && p.isMap(s, "state")) {
    p.checkKeys(s, {"path", "retention"}, "state");
    p.str(s, "path", c.state.path);
    p.dur(s, "retention", c.state.retention);
  }
  if (const auto h = root["http"]; h && p.isMap(h, "http")) {
    p.checkKeys(h, {"listen", "status_page", "relay_token_file", "event_token_file"}, "http");
    p.str(h, "listen", c.http.listen);
    p.boolean(h, "status_page", c.http.status_page);
    parseToken(p, h, "relay_token_file", c.http.relay_token_file);
    parseToken(p, h, "event_token_file", c.http.event_token_file);
    if (auto address = http::parseListenAddress(c.http.listen); h["listen"] && !address) {
      p.problem(h["listen"], "http.listen: " + address.error());
    }
  }
  if (root["alerts"]) parseAlerts(p, root["alerts"], c.alerts);
  if (root["cluster"] && root["cluster"].IsMap()) checkClusterReceivers(p, root, c);
  if (const auto l = root["log"]; l && p.isMap(l, "log")) {
    p.checkKeys(l, {"level", "format"}, "log");
    p.str(l, "level", c.log.level);
    p.str(l, "format", c.log.format);
    static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
    if (!kLevels.contains(c.log.level))
      p.problem(l["level"], "log.level must be trace, debug, info, warn or error");
    if (c.log.format != "text" && c.log.format != "json")
      p.problem(l["format"], "log.format must be text or json");
  }
  if (!p.problems.empty()) return std::unexpected(p.problems);
  c.warnings = std::move(p.warnings);
  return c;
}

std::expected<std::string, Problems> loadStatePath(const std::string& path,
                                                   const util::EnvLookup& env) {
  std::ifstream in(path);
  if (!in) return std::unexpected(Problems{path + ":1:1: cannot read the configuration file"});
  std::stringstream text;
  text << in.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::ParserException& e) {
    return std::unexpected(Problems{path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                    std::to_string(e.mark.column + 1) + ": " + e.msg});
  }
  Parser p(path, env);
  StateSettings state;
  if (root.IsMap()) {
    if (const auto s = root["state"]; s && s.IsMap()) p.str(s, "path", state.path);
  }
  if (!p.problems.empty()) return std::unexpected(p.problems);
  return state.path;
}

std::expected<Config, Problems> loadConfig(const std::string& path, const util::EnvLookup& env) {
  std::ifstream in(path);
  if (!in) return std::unexpected(Problems{path + ":1:1: cannot read the configuration file"});
  std::stringstream text;
  text << in.rdbuf();
  return parseConfig(text.str(), path, env);
}

}  // namespace swas::config
