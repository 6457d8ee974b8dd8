#include "daemon/inventory/directory.h"

namespace swas::inventory {

std::optional<core::InstanceRecord> Directory::find(const std::string& region_id,
                                                    const std::string& instance_id) const {
  const Instances& instances = of(region_id);
  auto it = instances.find(instance_id);
  if (it == instances.end()) return std::nullopt;
  return it->second;
}

const Directory::Instances& Directory::of(const std::string& region_id) const {
  static const Instances kNone;
  auto it = regions_.find(region_id);
  return it == regions_.end() ? kNone : it->second;
}

void Directory::replace(const std::string& region_id,
                        const std::vector<core::InstanceRecord>& all) {
  Instances& instances = regions_[region_id];
  instances.clear();
  for (const auto& i : all) instances[i.instance_id] = i;
}

void Directory::forget(const std::string& region_id) { regions_.erase(region_id); }

}  // namespace swas::inventory
