#include "daemon/alerting/routing.h"

#include <fnmatch.h>

#include <algorithm>
#include <map>

#include "daemon/alerting/rules.h"

namespace swas::alerting {
namespace {

bool anyMatches(const std::vector<std::string>& patterns, const std::string& value) {
  if (patterns.empty()) return true;
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
    return fnmatch(p.c_str(), value.c_str(), 0) == 0;
  });
}

}  // namespace

bool matches(const Match& match, const core::Alert& alert) {
  if (match.empty()) return true;
  auto labels = parseLabels(alert.labels_json);
  auto label = [&](std::string_view name) {
    auto it = labels.find(name);
    return it == labels.end() ? std::string() : it->second;
  };
  return anyMatches(match.regions, label("region_id")) &&
         anyMatches(match.instance_ids, label("instance_id")) &&
         anyMatches(match.instance_names, label("instance_name")) &&
         anyMatches(match.command_names, label("command_name")) &&
         anyMatches(match.statuses, label("invocation_status"));
}

}  // namespace swas::alerting
