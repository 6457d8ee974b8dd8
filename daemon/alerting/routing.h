#pragma once

// `match` on a receiver: which occurrences enter its outbox. Every non-empty list must have a
// pattern (glob: * and ?) that matches the alert's label; an empty list matches everything.

#include <string>
#include <vector>

#include "daemon/core/alert.h"

namespace swas::alerting {

struct Match {
  std::vector<std::string> regions;         // label region_id
  std::vector<std::string> instance_ids;    // label instance_id
  std::vector<std::string> instance_names;  // label instance_name ("" until it is known)
  std::vector<std::string> command_names;   // label command_name
  std::vector<std::string> statuses;        // label invocation_status
  bool empty() const {
    return regions.empty() && instance_ids.empty() && instance_names.empty() &&
           command_names.empty() && statuses.empty();
  }
};

// Whether `alert` (its labels) is for a receiver with `match`.
bool matches(const Match& match, const core::Alert& alert);

}  // namespace swas::alerting
