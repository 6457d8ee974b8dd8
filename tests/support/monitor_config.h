#pragma once

#include <map>
#include <string>
#include <vector>

#include "tests/support/recorder.h"

namespace swas::testing {

// The daemon's configuration for every test and bench that runs it: the simulator's endpoint and
// test AccessKey, 100 ms polls, a fast rate limit, the state file, a free port, and receivers
// with quick retries. Each section's keys are a map: a test sets what it needs and clears what it
// wants left to the daemon's defaults; an empty section is left out.
struct MonitorConfig {
  std::string sim_url;
  std::string state_path;
  std::vector<std::string> regions = {"cn-hangzhou"};
  std::string webhook_url;     // when set, a webhook receiver "ops" at this URL
  std::string alerts_extra;    // lines under alerts:, indented by two spaces
  std::string receiver_extra;  // lines under receiver "ops", indented by six spaces

  struct Receiver {
    std::string name;
    std::string type = "webhook";
    std::string url;    // "" when `extra` gives url_file
    std::string extra;  // lines under it, indented by six spaces
  };
  std::vector<Receiver> receivers;  // besides "ops"
  std::string access_key_secret = "testsecret";
  std::map<std::string, std::string> api = {{"rate_limit", "1000"}};  // besides the endpoint
  std::map<std::string, std::string> poll = {{"interval", "100ms"}, {"initial_lookback", "1h"}};
  std::map<std::string, std::vector<std::string>> instance_ids;  // by region, when watched
  std::map<std::string, std::string> region_extra;  // by region: lines under it, indented by 4
  std::map<std::string, std::string> state;         // besides the path
  std::string listen = "127.0.0.1:0";
  std::string relay_token_file;  // http.relay_token_file, when set
  std::string event_token_file;  // http.event_token_file, when set
  // alerts.retry, when there is a receiver.
  std::map<std::string, std::string> retry = {{"initial_backoff", "50ms"},
                                              {"max_backoff", "300ms"}};
  std::string log_level;  // log.level, when set
  std::string extra;      // top-level lines at the end
  // When set: the `accounts:` section (its lines, from "accounts:"), instead of the top-level
  // credentials and regions.
  std::string accounts;

  std::string yaml() const;
  // yaml() in a fresh file under the test's temp dir (`name`); its path.
  std::string write(const std::string& name) const;
};

// Firing notices in messages the receiver accepted, counted by "region/invoke/instance/status".
std::map<std::string, int> acceptedFiring(const Recorder& recorder);

}  // namespace swas::testing
