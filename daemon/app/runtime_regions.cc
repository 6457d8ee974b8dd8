// The regions a runtime polls: a poller and an inventory refresher per region, and with
// `region_id: all`, regions that appear in and vanish from ListRegions.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "daemon/app/options.h"
#include "daemon/app/runtime.h"
#include "daemon/core/scope.h"

namespace swas::app {

std::vector<std::string> Runtime::regionIds() const {
  std::vector<std::string> ids;
  for (const auto& p : pollers) ids.push_back(p->regionId());
  return ids;
}

std::expected<void, std::string> Runtime::addRegion(const Account& account,
                                                    const config::AccountSettings& settings,
                                                    const config::RegionSettings& region) {
  const std::string key = core::scopeKey(account.name, region.region_id);
  poller::RegionOptions options = regionOptions(config, settings, region);
  auto watched = inventory->addRegion(key, watchRule(region));
  if (watched.instances) options.watched_instances = std::move(watched.instances);
  options.await_watched = watched.await_refresh;
  auto p = std::make_unique<poller::RegionPoller>(deps.io, *account.client, deps.store, *sink,
                                                  *lifecycle, deps.metrics, deps.clock, deps.random,
                                                  std::move(options));
  if (auto ok = p->init(); !ok) {
    inventory->forgetRegion(key);
    return std::unexpected("state of region " + key + ": " + ok.error());
  }
  inventory->attachPoller(key, *p);
  auto r = std::make_unique<inventory::Refresher>(
      deps.io, *account.client, p->gate(), deps.clock, refreshOptions(config, settings, region),
      [directory = inventory.get()](const std::string& region_id,
                                    std::vector<inventory::Instance> all) {
        directory->onInventory(region_id, std::move(all));
      });
  if (started) {
    p->start();
    r->start();
  }
  pollers.push_back(std::move(p));
  refreshers.push_back(std::move(r));
  return {};
}

void Runtime::removeRegion(const std::string& region_id) {
  auto p = std::find_if(pollers.begin(), pollers.end(),
                        [&](const auto& x) { return x->regionId() == region_id; });
  auto r = std::find_if(refreshers.begin(), refreshers.end(),
                        [&](const auto& x) { return x->regionId() == region_id; });
  if (r != refreshers.end()) {
    (*r)->stop();
    retired_refreshers.push_back(std::move(*r));
    refreshers.erase(r);
  }
  if (p != pollers.end()) {
    (*p)->stop();
    retired_pollers.push_back(std::move(*p));
    pollers.erase(p);
  }
  inventory->removeRegion(region_id);
}

bool Runtime::reapRetired() {
  size_t before = retired_pollers.size() + retired_refreshers.size();
  std::erase_if(retired_pollers, [](const auto& x) { return !x->polling(); });
  std::erase_if(retired_refreshers, [](const auto& x) { return !x->refreshing(); });
  return retired_pollers.size() + retired_refreshers.size() < before;
}

void Runtime::applyListedRegions(const std::vector<std::string>& listed) {
  std::set<std::string> polled;
  for (const auto& id : regionIds()) polled.insert(id);
  inventory::RegionChanges changes = inventory::diffRegions(polled, listed);
  bool changed = false;
  // region_id: all is the single-account form's: one account, unnamed.
  config::RegionSettings each = config.regions.front();
  for (const auto& id : changes.added) {
    bool still_polling = std::any_of(retired_pollers.begin(), retired_pollers.end(),
                                     [&](auto& x) { return x->regionId() == id && x->polling(); });
    if (still_polling) continue;  // back while its last poll runs: added from the next answer
    each.region_id = id;
    if (auto ok = addRegion(accounts.front(), config.accounts.front(), each); !ok) {
      spdlog::error("region_id: all: cannot poll region {}: {}", id, ok.error());
      continue;
    }
    spdlog::info("region_id: all: region {} is listed by ListRegions; polling it", id);
    changed = true;
  }
  std::set<std::string> missing(changes.removed.begin(), changes.removed.end());
  for (const auto& id : changes.removed) {
    if (!unlisted_once.contains(id)) continue;  // the second answer in a row without it
    removeRegion(id);
    spdlog::warn(
        "region_id: all: region {} is no longer listed by ListRegions; stopped polling "
        "it (its state is kept)",
        id);
    changed = true;
  }
  unlisted_once = std::move(missing);
  // What is polled now (a region missing from one answer is still polled, and still stored).
  if (auto stored = deps.store.replaceDiscoveredRegions(regionIds()); !stored) {
    deps.metrics.onStateError("inventory");
    spdlog::warn("region_id: all: storing the regions failed: {}", stored.error().message);
  }
  if (changed && on_regions_changed) on_regions_changed();
}

std::expected<void, std::string> Runtime::discoverRegions() {
  auto known = deps.store.discoveredRegions();
  if (!known) return std::unexpected("reading regions from the state: " + known.error().message);
  config::RegionSettings each = config.regions.front();
  for (const auto& id : *known) {
    each.region_id = id;
    if (auto ok = addRegion(accounts.front(), config.accounts.front(), each); !ok) return ok;
  }
  if (!known->empty()) {
    spdlog::info(
        "region_id: all: polling the {} region(s) ListRegions listed before; asking it "
        "again",
        known->size());
  }
  discovery = std::make_unique<RegionDiscovery>(
      deps.io, *accounts.front().client, deps.metrics, deps.clock, config.inventory.refresh,
      [this](const std::vector<std::string>& listed) { applyListedRegions(listed); });
  return {};
}

}  // namespace swas::app
