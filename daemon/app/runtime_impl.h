#pragma once

// The parts of a Runtime (private to runtime*.cc) and the regions' bookkeeping
// (runtime_regions.cc): a poller and an inventory refresher per region, and with
// `region_id: all`, regions that appear in and vanish from ListRegions.

#include <expected>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "daemon/alerting/dispatcher.h"
#include "daemon/alerting/rules.h"
#include "daemon/app/runtime.h"
#include "daemon/cluster/peer_watch.h"
#include "daemon/inventory/directory.h"
#include "daemon/inventory/inventory.h"
#include "daemon/inventory/refresher.h"
#include "daemon/inventory/region_discovery.h"

namespace swas::app {

// Hands each poll's transitions to every consumer in turn.
class FanoutSink final : public core::TransitionSink {
 public:
  explicit FanoutSink(std::vector<core::TransitionSink*> sinks) : sinks_(std::move(sinks)) {}
  void onTransitions(const std::string& scope, const std::vector<core::Transition>& transitions,
                     const std::vector<core::OverallChange>& overall_changes) override {
    for (auto* sink : sinks_) sink->onTransitions(scope, transitions, overall_changes);
  }

 private:
  std::vector<core::TransitionSink*> sinks_;
};

struct Runtime::Impl {
  explicit Impl(const RuntimeDeps& d) : deps(d) {}
  RuntimeDeps deps;
  config::Config config;
  std::vector<RuntimeAccount> accounts;
  inventory::Directory directory;  // filled by the inventory, read by the lifecycle
  std::unique_ptr<alerting::Lifecycle> lifecycle;
  std::unique_ptr<inventory::InstanceInventory> inventory;  // plans its agent alerts with it
  // With replicas sharing keys (cluster.replicas > 1, peers listed): who of a key's owners is
  // up, asked by the dispatcher before sending straight. Outlives the dispatcher.
  std::unique_ptr<cluster::PeerWatch> peers;
  std::unique_ptr<alerting::Dispatcher> dispatcher;
  std::unique_ptr<FanoutSink> sink;
  std::vector<std::unique_ptr<poller::RegionPoller>> pollers;
  std::vector<std::unique_ptr<inventory::Refresher>> refreshers;  // one per poller, its gate
  // One per account with region_id: all (index into accounts), with the regions missing from
  // its last ListRegions answer only.
  struct Discovery {
    size_t account = 0;
    core::Product product = core::Product::kSwas;
    std::unique_ptr<inventory::RegionDiscovery> lister;
    std::set<std::string> unlisted_once;
  };
  std::vector<Discovery> discoveries;
  // SwasCloudAssistantDown of regions no longer polled have been resolved (at the build, or
  // once every account of region_id: all knows its regions).
  bool agent_alerts_checked = false;
  // The pollers and refreshers of regions no longer listed, kept until their last call ends.
  std::vector<std::unique_ptr<poller::RegionPoller>> retired_pollers;
  std::vector<std::unique_ptr<inventory::Refresher>> retired_refreshers;
  // Every key this runtime knows of (configured, or listed by ListRegions), owned or not.
  std::set<std::string> known_keys;
  std::function<void()> on_regions_changed;
  HttpTokens tokens;
  bool started = false;

  // A poller and an inventory refresher for `region` of `account` (started when the runtime
  // is), keyed by core::Scope(account, region).key().
  std::expected<void, std::string> addRegion(const RuntimeAccount& account,
                                             const config::AccountSettings& settings,
                                             const config::RegionSettings& region);
  // Stops polling `key`; its state is kept.
  void removeRegion(const std::string& key);
  // Drops the retired parts whose last call has ended; true when any went (a poll that ended
  // after its region was removed may have published its series again).
  bool reapRetired();
  // A ListRegions answer: regions that appear are polled; a region missing from two answers in
  // a row stops (one odd answer does not blind the daemon); the list is stored for a restart.
  void applyListedRegions(Discovery& discovery, const std::vector<std::string>& listed);
  // region_id: all at start: the regions the last run discovered, then ListRegions.
  std::expected<void, std::string> discoverRegions(size_t account, core::Product product);
  std::vector<std::string> regionIds() const;
  // The regions (bare IDs) polled for accounts[account] and `product`.
  std::vector<std::string> regionsOf(size_t account, core::Product product) const;
  // Any key of accounts[account] and `product` is known (polled here or by another replica).
  bool knowsRegionsOf(size_t account, core::Product product) const;
  // An account with region_id: all knows no region yet.
  bool discoveringNothing() const;
  std::vector<Undiscovered> undiscovered() const;
};

}  // namespace swas::app
