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
#include "daemon/util/env.h"

namespace swas::config {

using Duration = std::chrono::milliseconds;

// The signature version of API calls (api.signature).
enum class Signature { kV3, kV1 };

struct ApiSettings {
  std::string endpoint = "https://swas.{region_id}.aliyuncs.com";
  Signature signature = Signature::kV3;
  Duration timeout = std::chrono::seconds(10);
  double rate_limit = 10;
  int max_in_flight = 4;
};

struct PollSettings {
  Duration interval = std::chrono::seconds(30);
  double jitter = 0.1;
  int page_size = 50;
  Duration full_scan_every = std::chrono::hours(1);
  Duration initial_lookback = std::chrono::hours(1);
};

struct RegionSettings {
  std::string region_id;
  std::vector<std::string> instance_ids;  // empty: every instance
  std::string command_type;
  std::string command_name;
  std::optional<Duration> interval;
};

struct StateSettings {
  std::string path = "/var/lib/swas-invocation-monitor/state.db";
  Duration retention = std::chrono::hours(24 * 14);
};

struct HttpSettings {
  std::string listen = "127.0.0.1:9786";
};

struct ReceiverSettings {
  std::string name;
  std::string type;  // webhook | alertmanager
  std::string url;
  std::string url_file;
  std::string hmac_secret_file;
  std::map<std::string, std::string> headers;
  Duration timeout = std::chrono::seconds(5);
  bool send_resolved = true;
  int max_alerts_per_message = 50;
};

struct RetrySettings {
  Duration initial_backoff = std::chrono::seconds(1);
  Duration max_backoff = std::chrono::minutes(5);
  Duration give_up_after = std::chrono::hours(24);
};

struct AlertSettings {
  std::vector<std::string> statuses = {"Failed", "Timeout", "Error", "Invalid", "Aborted"};
  bool error_codes = true;
  bool resolve_on_success = true;
  Duration resolve_timeout = std::chrono::hours(24);
  std::vector<ReceiverSettings> receivers;
  RetrySettings retry;
};

struct LogSettings {
  std::string level = "info";
  std::string format = "text";
};

struct Config {
  core::CredentialsSettings credentials;
  ApiSettings api;
  PollSettings poll;
  std::vector<RegionSettings> regions;
  StateSettings state;
  HttpSettings http;
  AlertSettings alerts;
  LogSettings log;
  // Not errors, but worth an operator's attention: "FILE:LINE:COL: message".
  std::vector<std::string> warnings;

  Duration intervalOf(const RegionSettings& region) const {
    return region.interval.value_or(poll.interval);
  }
};

// Every problem found, each as "FILE:LINE:COL: message"; never a secret's value.
using Problems = std::vector<std::string>;

// One paragraph for --check-config: regions, instances, receivers, where credentials come from,
// state and listener. Never a secret, nor a receiver's URL (it may carry a token).
std::string summary(const Config& config);

std::expected<Config, Problems> loadConfig(const std::string& path, const util::EnvLookup& env);
std::expected<Config, Problems> parseConfig(const std::string& text, const std::string& name,
                                            const util::EnvLookup& env);

// "500ms", "30s", "5m", "2h", "14d"; nullopt without a unit or on junk.
std::optional<Duration> parseDuration(const std::string& text);
// The longest duration any key takes: ten years. Time arithmetic never overflows under it.
inline constexpr Duration kMaxDuration = std::chrono::hours(24 * 3650);

}  // namespace swas::config
