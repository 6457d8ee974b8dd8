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

std::string runKey(std::string_view invoke_id, int64_t run) {
  return std::string(invoke_id) + "#" + std::to_string(run);
}

RunOf splitRunKey(std::string_view key) {
  size_t hash = key.rfind('#');
  if (hash == std::string_view::npos || hash + 1 == key.size()) return {key, std::nullopt};
  int64_t run = 0;
  for (char c : key.substr(hash + 1)) {
    if (c < '0' || c > '9' || run > 1'000'000'000'000) return {key, std::nullopt};
    run = run * 10 + (c - '0');
  }
  return {key.substr(0, hash), run};
}

bool AlertCondition::matches(std::string_view status, std::string_view error_code) const {
  if (error_codes && !error_code.empty()) return true;
  return std::find(statuses.begin(), statuses.end(), status) != statuses.end();
}

}  // namespace swas::core
