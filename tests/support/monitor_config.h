#pragma once

#include <map>
#include <string>
#include <vector>

#include "tests/support/recorder.h"

namespace swas::testing {

// The daemon's configuration as the end-to-end tests use it: the simulator's endpoint and
// test AccessKey, 100 ms polls, a fast rate limit, the state file, a free port, and one webhook
// receiver "ops" with quick retries.
struct MonitorConfig {
  std::string sim_url;
  std::string state_path;
  std::vector<std::string> regions = {"cn-hangzhou"};
  std::string webhook_url;
  std::string alerts_extra;    // lines under alerts:, indented by two spaces
  std::string receiver_extra;  // lines under the receiver, indented by six spaces
  std::string yaml() const;
};

// Firing notices in messages the receiver accepted, counted by "region/invoke/instance/status".
std::map<std::string, int> acceptedFiring(const Recorder& recorder);

}  // namespace swas::testing
