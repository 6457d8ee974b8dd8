// The regions a runtime polls: a poller and an inventory refresher per region, and with
// `region_id: all`, regions that appear in and vanish from ListRegions (runtime_impl.h).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "daemon/api/ecs.h"
#include "daemon/app/options.h"
#include "daemon/app/runtime_impl.h"
#include "daemon/core/scope.h"

namespace swas::app {

std::vector<std::string> Runtime::Impl::regionIds() const {
  std::vector<std::string> ids;
  for (const auto& p : pollers) ids.push_back(p->scope().key());
  return ids;
}

std::expected<void, std::string> Runtime::Impl::addRegion(const RuntimeAccount& account,
                                                          const config::AccountSettings& settings,
                                                          const config::RegionSettings& region) {
  const std::string key = config::scopeOf(settings, region).key();
  known_keys.insert(key);
  if (!cluster::owns(key, shardingOf(config))) return {};  // another replica's
  poller::RegionOptions options = regionOptions(config, settings, region);
  auto watched = inventory->addRegion(key, watchRule(region));
  if (watched.instances) options.watched_instances = std::move(watched.instances);
  options.await_watched = watched.await_refresh;
  api::SwasClient& client = account.clientFor(region.product);
  auto p = std::make_unique<poller::RegionPoller>(deps.io, client, deps.store, *sink, *lifecycle,
                                                  deps.metrics, deps.clock, deps.random,
                                                  std::move(options));
  if (auto ok = p->init(); !ok) {
    inventory->forgetRegion(key);
    return std::unexpected("state of region " + key + ": " + ok.error());
  }
  inventory->onWatchedChange(
      key, [poller = p.get()](const auto& watched) { poller->setWatched(watched); });
  auto r = std::make_unique<inventory::Refresher>(
      deps.io, client, p->gate(), deps.clock, refreshOptions(config, settings, region),
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

void Runtime::Impl::removeRegion(const std::string& region_id) {
  auto p = std::find_if(pollers.begin(), pollers.end(),
                        [&](const auto& x) { return x->scope().key() == region_id; });
  auto r = std::find_if(refreshers.begin(), refreshers.end(),
                        [&](const auto& x) { return x->scope().key() == region_id; });
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

bool Runtime::Impl::reapRetired() {
  size_t before = retired_pollers.size() + retired_refreshers.size();
  std::erase_if(retired_pollers, [](const auto& x) { return !x->polling(); });
  std::erase_if(retired_refreshers, [](const auto& x) { return !x->refreshing(); });
  return retired_pollers.size() + retired_refreshers.size() < before;
}

std::vector<std::string> Runtime::Impl::regionsOf(size_t account, core::Product product) const {
  std::vector<std::string> out;
  for (const auto& key : regionIds()) {
    core::Scope scope = core::Scope::fromKey(key);
    if (scope.account() == accounts[account].name && scope.product() == product)
      out.push_back(scope.regionId());
  }
  return out;
}

bool Runtime::Impl::knowsRegionsOf(size_t account, core::Product product) const {
  return std::any_of(known_keys.begin(), known_keys.end(), [&](const std::string& key) {
    core::Scope scope = core::Scope::fromKey(key);
    return scope.account() == accounts[account].name && scope.product() == product;
  });
}

std::vector<Runtime::Undiscovered> Runtime::Impl::undiscovered() const {
  std::vector<Undiscovered> out;
  for (const auto& d : discoveries) {
    if (knowsRegionsOf(d.account, d.product)) continue;
    const std::string& error = d.lister->lastError();
    std::string action(api::regionsAction(d.product));
    out.push_back(
        {core::Scope(accounts[d.account].name, std::string(config::kAllRegions), d.product).key(),
         "region_id: all: no region known yet: " +
             (error.empty() ? action + " has not answered" : action + " failed: " + error)});
  }
  return out;
}

bool Runtime::Impl::discoveringNothing() const {
  return std::any_of(discoveries.begin(), discoveries.end(),
                     [&](const Discovery& d) { return !knowsRegionsOf(d.account, d.product); });
}

void Runtime::Impl::applyListedRegions(Discovery& discovery,
                                       const std::vector<std::string>& listed) {
  const RuntimeAccount& account = accounts[discovery.account];
  const config::AccountSettings& settings = config.accounts[discovery.account];
  std::string whose = account.name.empty() ? "" : " (account " + account.name + ")";
  std::vector<std::string> mine = regionsOf(discovery.account, discovery.product);
  const std::set<std::string> known_before = known_keys;
  std::erase_if(known_keys, [&](const std::string& key) {
    core::Scope scope = core::Scope::fromKey(key);
    return scope.account() == account.name && scope.product() == discovery.product;
  });
  std::vector<std::string> owned;  // of those listed, this replica's
  for (const auto& id : listed) {
    std::string key = core::Scope(account.name, id, discovery.product).key();
    known_keys.insert(key);
    if (cluster::owns(key, shardingOf(config))) owned.push_back(id);
  }
  inventory::RegionChanges changes = inventory::diffRegions({mine.begin(), mine.end()}, owned);
  bool changed = known_keys != known_before;  // swas_owned_scopes_expected follows
  config::RegionSettings each = settings.discovery(discovery.product);
  for (const auto& id : changes.added) {
    std::string key = core::Scope(account.name, id, discovery.product).key();
    bool still_polling = std::any_of(retired_pollers.begin(), retired_pollers.end(), [&](auto& x) {
      return x->scope().key() == key && x->polling();
    });
    if (still_polling) continue;  // back while its last poll runs: added from the next answer
    each.region_id = id;
    if (auto ok = addRegion(account, settings, each); !ok) {
      spdlog::error("region_id: all{}: cannot poll region {}: {}", whose, id, ok.error());
      continue;
    }
    spdlog::info("region_id: all{}: region {} is listed by ListRegions; polling it", whose, id);
    changed = true;
  }
  std::set<std::string> missing(changes.removed.begin(), changes.removed.end());
  for (const auto& id : changes.removed) {
    if (!discovery.unlisted_once.contains(id)) continue;  // the second answer in a row without it
    removeRegion(core::Scope(account.name, id, discovery.product).key());
    spdlog::warn(
        "region_id: all{}: region {} is no longer listed by ListRegions; stopped polling it "
        "(its state is kept)",
        whose, id);
    changed = true;
  }
  discovery.unlisted_once = std::move(missing);
  // What is polled now, every account's (a region missing from one answer is still polled,
  // and still stored); each account reads back its own at the next start.
  if (auto stored = deps.store.replaceDiscoveredRegions(regionIds()); !stored) {
    deps.metrics.onStateError("inventory");
    spdlog::warn("region_id: all: storing the regions failed: {}", stored.error().message);
  }
  // At the build, SwasCloudAssistantDown of regions no longer polled waited for every account
  // of region_id: all to know its regions; now they do.
  if (!agent_alerts_checked && !discoveringNothing()) {
    agent_alerts_checked = true;
    inventory->resolveAgentAlerts(known_keys);  // another replica's are its to resolve
  }
  if (changed && on_regions_changed) on_regions_changed();
}

std::expected<void, std::string> Runtime::Impl::discoverRegions(size_t account,
                                                                core::Product product) {
  auto known = deps.store.discoveredRegions();
  if (!known) return std::unexpected("reading regions from the state: " + known.error().message);
  const config::AccountSettings& settings = config.accounts[account];
  config::RegionSettings each = settings.discovery(product);
  size_t restored = 0;
  for (const auto& key : *known) {
    core::Scope scope = core::Scope::fromKey(key);
    if (scope.account() != accounts[account].name || scope.product() != product) continue;
    each.region_id = scope.regionId();
    if (auto ok = addRegion(accounts[account], settings, each); !ok) return ok;
    ++restored;
  }
  if (restored > 0) {
    spdlog::info(
        "region_id: all: polling the {} region(s) ListRegions listed before; asking it "
        "again",
        restored);
  }
  discoveries.push_back({account, product, nullptr, {}});
  size_t index = discoveries.size() - 1;
  discoveries.back().lister = std::make_unique<inventory::RegionDiscovery>(
      deps.io, accounts[account].clientFor(product), deps.metrics, deps.clock,
      config.inventory.refresh,
      [this, index](const std::vector<std::string>& listed) {
        applyListedRegions(discoveries[index], listed);
      },
      accounts[account].name, product);
  return {};
}

}  // namespace swas::app
