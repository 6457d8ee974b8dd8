#include "daemon/core/invocation.h"

#include <algorithm>

namespace swas::core {

bool isTerminalInstanceStatus(std::string_view s) {
  return s == "Success" || s == "Failed" || s == "Error" || s == "Timeout" || s == "Invalid" ||
         s == "Aborted" || s == "Cancelled" || s == "Terminated" || s == kVanished;
}

bool isTerminalOverallStatus(std::string_view s) {
  return s == "Success" || s == "Failed" || s == "Stopped" || s == "PartialFailed" ||
         s == kVanished;
}

bool Invocation::finished() const {
  return isTerminalOverallStatus(overall_status) &&
         std::all_of(instances.begin(), instances.end(),
                     [](const InstanceState& i) { return isTerminalInstanceStatus(i.status); });
}

bool AlertCondition::matches(std::string_view status, std::string_view error_code) const {
  if (error_codes && !error_code.empty()) return true;
  return std::find(statuses.begin(), statuses.end(), status) != statuses.end();
}

}  // namespace swas::core
