#pragma once

// What is known of each region's instances now: names and addresses for the alert rules. The
// inventory at work fills it (from the state file at start, then from each refresh); the alert
// rules only read it, so neither needs the other to be built first.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/instance.h"

namespace swas::inventory {

class Directory final : public core::InstanceDirectory {
 public:
  using Instances = std::map<std::string, core::InstanceRecord>;  // by instance ID

  std::optional<core::InstanceRecord> find(const std::string& region_id,
                                           const std::string& instance_id) const override;
  // The region's instances (empty when none or the region is unknown).
  const Instances& of(const std::string& region_id) const;
  void replace(const std::string& region_id, const std::vector<core::InstanceRecord>& all);
  void forget(const std::string& region_id);

 private:
  std::map<std::string, Instances> regions_;
};

}  // namespace swas::inventory
