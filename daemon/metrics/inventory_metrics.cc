#include "daemon/metrics/inventory_metrics.h"

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "daemon/core/scope.h"

namespace swas::metrics {
namespace {

// A region's labels: region_id, and account when the account is named (core/scope.h).
prometheus::Labels scoped(const std::string& key, prometheus::Labels more = {}) {
  for (auto& [name, value] : core::Scope::fromKey(key).labels()) more[name] = value;
  return more;
}

}  // namespace

using prometheus::BuildGauge;
using prometheus::Family;
using prometheus::Gauge;

struct InventoryMetrics::Impl {
  explicit Impl(prometheus::Registry& r)
      : info(BuildGauge()
                 .Name("swas_instance_info")
                 .Help("Instances in the account's inventory (always 1; join on instance_id for "
                       "names).")
                 .Register(r)),
        agent_up(BuildGauge()
                     .Name("swas_cloud_assistant_up")
                     .Help("1 if the instance's Cloud Assistant agent is online, else 0 (absent "
                           "while unknown).")
                     .Register(r)) {}

  void forget(const std::string& region_id) {
    auto it = series.find(region_id);
    if (it == series.end()) return;
    for (Gauge* g : it->second.info) info.Remove(g);
    for (Gauge* g : it->second.up) agent_up.Remove(g);
    series.erase(it);
  }

  Family<Gauge>& info;
  Family<Gauge>& agent_up;
  struct Series {
    std::vector<Gauge*> info;
    std::vector<Gauge*> up;
  };
  std::map<std::string, Series> series;  // by region
};

InventoryMetrics::InventoryMetrics(prometheus::Registry& registry)
    : impl_(std::make_unique<Impl>(registry)) {}

InventoryMetrics::~InventoryMetrics() = default;

void InventoryMetrics::onInventory(const std::string& region_id,
                                   const std::vector<core::InstanceRecord>& all) {
  impl_->forget(region_id);
  Impl::Series& s = impl_->series[region_id];
  for (const auto& i : all) {
    Gauge& info = impl_->info.Add(
        scoped(region_id,
               {{"instance_id", i.instance_id}, {"instance_name", i.name}, {"status", i.status}}));
    info.Set(1);
    s.info.push_back(&info);
    if (!i.agent_online) continue;
    Gauge& up = impl_->agent_up.Add(scoped(region_id, {{"instance_id", i.instance_id}}));
    up.Set(*i.agent_online ? 1 : 0);
    s.up.push_back(&up);
  }
}

void InventoryMetrics::forget(const std::string& region_id) { impl_->forget(region_id); }

void InventoryMetrics::follow(const std::vector<std::string>& regions) {
  std::vector<std::string> gone;
  for (const auto& [region, s] : impl_->series) {
    if (std::find(regions.begin(), regions.end(), region) == regions.end()) gone.push_back(region);
  }
  for (const auto& region : gone) impl_->forget(region);
}

}  // namespace swas::metrics
