#pragma once

// The inventory's metrics: swas_instance_info{region_id,instance_id,instance_name,
// status} (always 1, for joins by instance_id) and swas_cloud_assistant_up{region_id,
// instance_id} (1/0; absent while the agent's state is unknown). Each refresh replaces a region's
// series, so an instance that left or was renamed leaves no stale series behind.

#include <memory>
#include <string>
#include <vector>

#include "daemon/core/instance.h"

namespace prometheus {
class Registry;
}

namespace swas::metrics {

class InventoryMetrics {
 public:
  explicit InventoryMetrics(prometheus::Registry& registry);
  ~InventoryMetrics();
  InventoryMetrics(const InventoryMetrics&) = delete;
  InventoryMetrics& operator=(const InventoryMetrics&) = delete;

  void onInventory(const std::string& region_id, const std::vector<core::InstanceRecord>& all);
  // A region no longer polled loses its series.
  void forget(const std::string& region_id);
  // Only these regions keep their series (after a reload).
  void follow(const std::vector<std::string>& regions);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swas::metrics
