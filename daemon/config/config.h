#pragma once

// The configuration as validated plain structs, with the contract's defaults. Only the config
// module's sources (config.cc, parser.h) include yaml-cpp.

#include <chrono>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/credentials_settings.h"
#include "daemon/core/defaults.h"
#include "daemon/core/scope.h"
#include "daemon/util/env.h"

namespace swas::config {

using Duration = std::chrono::milliseconds;

// The signature version of API calls (api.signature).
enum class Signature { kV3, kV1 };

struct ApiSettings {
  std::string endpoint{core::defaults::kApiEndpoint};
  Signature signature = Signature::kV3;
  Duration timeout = core::defaults::kApiTimeout;
  double rate_limit = core::defaults::kRateLimit;
  int max_in_flight = core::defaults::kMaxInFlight;
  // CA certificates (PEM) trusted for the API endpoint, besides none: empty, the system store.
  std::string ca_file;
};

struct PollSettings {
  Duration interval = core::defaults::kPollInterval;
  double jitter = core::defaults::kJitter;
  int page_size = core::defaults::kPageSize;
  Duration full_scan_every = core::defaults::kFullScanEvery;
  Duration initial_lookback = core::defaults::kInitialLookback;
  // The shortest time between two polls of a region that events hinted at.
  Duration hint_gap = core::defaults::kHintGap;
};

// `region_id: all`: every region ListRegions returns (alone in the list).
inline constexpr std::string_view kAllRegions = "all";

struct RegionSettings {
  std::string region_id;
  // product: on the entry, else the account's, else the top level's (swas).
  core::Product product = core::Product::kSwas;
  std::vector<std::string> instance_ids;  // empty (and no tags or names): every instance
  // Watch the instances with all these tags, or whose name matches one of the globs (resolved
  // from the inventory at every refresh).
  std::vector<std::pair<std::string, std::string>> instance_tags;
  std::vector<std::string> instance_names;
  std::string command_type;
  std::string command_name;
  std::optional<Duration> interval;
  // `region_id: all`: this product's regions, discovered (ListRegions; ECS: DescribeRegions).
  bool discovers() const { return region_id == kAllRegions; }
};

struct InventorySettings {
  Duration refresh = core::defaults::kInventoryRefresh;
  Duration cloud_assistant_down_after = core::defaults::kCloudAssistantDownAfter;  // 0: off
};

struct StateSettings {
  std::string path = "/var/lib/swas-invocation-monitor/state.db";
  Duration retention = core::defaults::kRetention;
};

// cluster: N replicas share the (account, region) keys; each polls only those it owns
// (cluster::owns). shard may come from the environment ("${POD_INDEX}").
struct ClusterSettings {
  int shards = 1;
  int shard = 0;
  int replicas = 1;  // owners per key (2 for HA), at most shards
  // Every replica's base URL, by shard ("http://swas-invocation-monitor-0.<service>:9786"):
  // with replicas > 1, each probes the others' /healthz, so only the first live owner of a key
  // sends straight to receivers that do not deduplicate (every type but alertmanager).
  std::vector<std::string> peers;
  Duration probe_interval = std::chrono::seconds(5);
};

struct HttpSettings {
  std::string listen = "127.0.0.1:9786";
  // Set: POST /api/alertmanager/webhook/<receiver> relays Alertmanager's notifications to a
  // chat receiver, for requests bearing this file's token.
  std::string relay_token_file;
  // Set: POST /api/eventbridge/cloud-assistant takes ECS's TaskCompleted events bearing this
  // file's token, each a hint that makes the pollers of its region poll at once.
  std::string event_token_file;
  // GET / serves the status page (which shows command Output); false answers 404.
  bool status_page = true;
};

// Which occurrences a receiver gets: every given list must match (globs with * and ?).
struct MatchSettings {
  std::vector<std::string> regions;
  std::vector<std::string> instance_ids;
  std::vector<std::string> instance_names;
  std::vector<std::string> command_names;
  std::vector<std::string> statuses;
};

struct MentionSettings {
  std::vector<std::string> mobiles;
  std::vector<std::string> user_ids;
  bool all = false;
};

struct ReceiverSettings {
  std::string name;
  std::string type;  // webhook | alertmanager | dingtalk | feishu | wecom | slack
  std::string url;
  std::string url_file;
  std::vector<std::string> urls;  // alertmanager: every peer of a cluster
  std::string hmac_secret_file;
  std::map<std::string, std::string> headers;
  Duration timeout = core::defaults::kReceiverTimeout;
  std::string ca_file;  // CA certificates (PEM) trusted for an https URL; empty: the system's
  bool send_resolved = true;
  int max_alerts_per_message = static_cast<int>(core::defaults::kMaxAlertsPerMessage);
  MatchSettings match;
  // Chat receivers
  std::string secret_file;
  MentionSettings mention;
  std::string template_file;
  std::string language = "en";
  std::string rate_limit;  // empty: the vendor's
  // Only what the relay brings (Alertmanager's notifications), none of the daemon's own alerts:
  // two replicas behind Alertmanager must not each send their own to the chat too.
  bool relay_only = false;
};

struct RetrySettings {
  Duration initial_backoff = core::defaults::kInitialBackoff;
  Duration max_backoff = core::defaults::kMaxBackoff;
  Duration give_up_after = core::defaults::kGiveUpAfter;
};

struct AlertSettings {
  std::vector<std::string> statuses{std::begin(core::defaults::kAlertStatuses),
                                    std::end(core::defaults::kAlertStatuses)};
  bool error_codes = true;
  bool resolve_on_success = true;
  Duration resolve_timeout = core::defaults::kResolveTimeout;
  std::vector<ReceiverSettings> receivers;
  RetrySettings retry;
  std::string timezone;  // IANA name; empty: the system's local zone
};

struct LogSettings {
  std::string level = "info";
  std::string format = "text";
};

// One account: its credentials, API settings (the top-level api: with this account's
// overrides) and regions.
struct AccountSettings {
  std::string name;  // "" for the single-account form (account `default`, no label)
  core::CredentialsSettings credentials;
  ApiSettings api;
  std::vector<RegionSettings> regions;
  // Its `region_id: all` entry for `product` (the settings of each region it finds).
  const RegionSettings& discovery(core::Product product) const;
};

// Where a region entry of an account is watched.
inline core::Scope scopeOf(const AccountSettings& a, const RegionSettings& r) {
  return core::Scope(a.name, r.region_id, r.product);
}

struct Config {
  core::CredentialsSettings credentials;
  ApiSettings api;
  PollSettings poll;
  std::vector<RegionSettings> regions;
  // Every account polled: those of `accounts:`, else one unnamed account of the top-level
  // credentials, api and regions.
  std::vector<AccountSettings> accounts;
  InventorySettings inventory;
  StateSettings state;
  HttpSettings http;
  ClusterSettings cluster;
  AlertSettings alerts;
  LogSettings log;
  // Not errors, but worth an operator's attention: "FILE:LINE:COL: message".
  std::vector<std::string> warnings;

  // The regions are `region_id: all`, discovered with ListRegions.
  bool allRegions() const { return regions.size() == 1 && regions[0].region_id == kAllRegions; }
  Duration intervalOf(const RegionSettings& region) const {
    return region.interval.value_or(poll.interval);
  }
  // `accounts:` is used: every region-level series and alert carries `account`.
  bool namedAccounts() const { return !accounts.empty() && !accounts[0].name.empty(); }
  // Some region is watched for ECS: every region-level series and alert carries `product`.
  bool anyEcs() const;
};

// Every problem found, each as "FILE:LINE:COL: message"; never a secret's value.
using Problems = std::vector<std::string>;

// One paragraph for --check-config: regions, instances, receivers, where credentials come from,
// state and listener. Never a secret, nor a receiver's URL (it may carry a token).
std::string summary(const Config& config);

std::expected<Config, Problems> loadConfig(const std::string& path, const util::EnvLookup& env);
// Only state.path (the operator's commands): the rest of the file may name variables and secret
// files only the service can see.
std::expected<std::string, Problems> loadStatePath(const std::string& path,
                                                   const util::EnvLookup& env);
std::expected<Config, Problems> parseConfig(const std::string& text, const std::string& name,
                                            const util::EnvLookup& env);

// Why `next` cannot replace `running` by a reload ("" when it can): state.path changed, or the
// first ECS region came or the last went (every series and alert gains or loses `product`).
std::string needsRestart(const Config& running, const Config& next);

// "500ms", "30s", "5m", "2h", "14d"; nullopt without a unit or on junk.
std::optional<Duration> parseDuration(const std::string& text);
// The longest duration any key takes: ten years. Time arithmetic never overflows under it.
inline constexpr Duration kMaxDuration = std::chrono::hours(24 * 3650);

}  // namespace swas::config
