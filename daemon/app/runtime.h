#pragma once

// Everything built from one configuration, rebuilt on reload: credentials, the API client, the
// inventory, the alert lifecycle and dispatcher, one poller and one inventory refresher per
// region. The event loop, the store, the HTTP
// client, the metrics and the endpoint outlive it.

#include <boost/asio/io_context.hpp>
#include <expected>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "daemon/alerting/dispatcher.h"
#include "daemon/alerting/rules.h"
#include "daemon/api/credentials.h"
#include "daemon/api/swas_client.h"
#include "daemon/config/config.h"
#include "daemon/core/clock.h"
#include "daemon/http/curl_http_client.h"
#include "daemon/inventory/directory.h"
#include "daemon/inventory/inventory.h"
#include "daemon/inventory/refresher.h"
#include "daemon/inventory/region_discovery.h"
#include "daemon/metrics/metrics.h"
#include "daemon/poller/region_poller.h"
#include "daemon/state/store.h"

namespace swas::app {

// Hands each poll's transitions to every consumer in turn.
class FanoutSink final : public core::TransitionSink {
 public:
  explicit FanoutSink(std::vector<core::TransitionSink*> sinks) : sinks_(std::move(sinks)) {}
  void onTransitions(const std::string& region_id, const std::vector<core::Transition>& transitions,
                     const std::vector<core::OverallChange>& overall_changes) override {
    for (auto* sink : sinks_) sink->onTransitions(region_id, transitions, overall_changes);
  }

 private:
  std::vector<core::TransitionSink*> sinks_;
};

// The long-lived parts a runtime is built over.
struct RuntimeDeps {
  boost::asio::io_context& io;
  const core::Clock& clock;
  core::Random& random;
  http::CurlHttpClient& http;
  const util::EnvLookup& env;
  state::Store& store;
  metrics::Metrics& metrics;
  core::AlertObserver& deliveries;  // the dispatcher's observer (metrics, and `status`)
  alerting::UnrecordedOutcomes& unrecorded;
  core::TransitionSink& external_sink;
};

struct Runtime {
  explicit Runtime(const RuntimeDeps& d) : deps(d) {}
  RuntimeDeps deps;
  config::Config config;
  // Each account's credentials and API client (its own signing key, endpoint and timeouts);
  // rate limits and in-flight caps are per region of an account, in each poller's gate.
  struct Account {
    std::string name;  // "" for the single-account form
    std::unique_ptr<api::CredentialsProvider> credentials;
    std::unique_ptr<api::SwasClientImpl> client;
  };
  std::vector<Account> accounts;
  inventory::Directory directory;  // filled by the inventory, read by the lifecycle
  std::unique_ptr<alerting::Lifecycle> lifecycle;
  std::unique_ptr<inventory::InstanceInventory> inventory;  // plans its agent alerts with it
  std::unique_ptr<alerting::Dispatcher> dispatcher;
  std::unique_ptr<FanoutSink> sink;
  std::vector<std::unique_ptr<poller::RegionPoller>> pollers;
  std::vector<std::unique_ptr<inventory::Refresher>> refreshers;  // one per poller, its gate
  // region_id: all (runtime_regions.cc): ListRegions, and the pollers of regions no longer
  // listed, kept until their last poll ends.
  // One per account with region_id: all (index into accounts), with the regions missing from
  // its last ListRegions answer only.
  struct Discovery {
    size_t account = 0;
    std::unique_ptr<inventory::RegionDiscovery> lister;
    std::set<std::string> unlisted_once;
  };
  std::vector<Discovery> discoveries;
  // SwasCloudAssistantDown of regions no longer polled have been resolved (at the build, or
  // once every account of region_id: all knows its regions).
  bool agent_alerts_checked = false;
  std::vector<std::unique_ptr<poller::RegionPoller>> retired_pollers;
  std::vector<std::unique_ptr<inventory::Refresher>> retired_refreshers;
  // The regions polled changed (metrics and readiness follow them).
  std::function<void()> on_regions_changed;
  std::string relay_token;  // http.relay_token_file's; empty: the relay is off
  bool started = false;
  uint64_t credential_failures_seen = 0;  // of every account's credentials, already exported
  // Credential refreshes that failed, over every account.
  uint64_t credentialFailures() const;
  // Where each account's credentials come from, for the log.
  std::string credentialSources() const;

  ~Runtime() { stop(); }
  void start();
  void stop();
  // Stops asking the API (discovery, inventory, polls); delivery goes on.
  void stopPolling();
  // A poll or a delivery is in flight.
  bool busy() const;
  // One line for systemd's STATUS= and the reload log.
  std::string summary() const;
  std::vector<std::string> regionIds() const;

  // A poller and an inventory refresher for `region` of `account` (started when the runtime
  // is), keyed by core::Scope(account, region).key().
  std::expected<void, std::string> addRegion(const Account& account,
                                             const config::AccountSettings& settings,
                                             const config::RegionSettings& region);
  // Stops polling `region_id`; its state is kept.
  void removeRegion(const std::string& region_id);
  // Drops the retired parts whose last call has ended; true when any went (a poll that ended
  // after its region was removed may have published its series again).
  bool reapRetired();
  // A ListRegions answer: regions that appear are polled; a region missing from two answers in
  // a row stops (one odd answer does not blind the daemon); the list is stored for a restart.
  void applyListedRegions(Discovery& discovery, const std::vector<std::string>& listed);
  // region_id: all at start: the regions the last run discovered, then ListRegions.
  std::expected<void, std::string> discoverRegions(size_t account);
  // The regions (bare IDs) polled for accounts[account].
  std::vector<std::string> regionsOf(size_t account) const;
  // An account with region_id: all polls no region yet.
  bool discoveringNothing() const;
  // Each account with region_id: all that polls no region yet, as a scope of its own
  // ("staging/all", or "all"), with why: down in swas_region_up, /readyz and `status`, so one
  // broken account is named, never a silent gap.
  struct Undiscovered {
    std::string key;
    std::string reason;
  };
  std::vector<Undiscovered> undiscovered() const;
};

// What a configuration needs from outside the state file: each account's credentials and API
// client, the receivers (secret files, templates) and the relay's token. Read before anything
// of the running runtime is stopped, so a reload that cannot read them leaves it untouched.
struct PreparedRuntime {
  config::Config config;
  std::vector<Runtime::Account> accounts;
  std::vector<std::unique_ptr<alerting::Receiver>> receivers;
  std::string relay_token;
};
std::expected<PreparedRuntime, std::string> prepareRuntime(const config::Config& config,
                                                           const RuntimeDeps& deps);

// The object graph over `deps` of what was prepared (the state read back); the message says what
// failed.
std::expected<std::unique_ptr<Runtime>, std::string> buildRuntime(PreparedRuntime prepared,
                                                                  const RuntimeDeps& deps);
// Both steps at once (the start, --once).
std::expected<std::unique_ptr<Runtime>, std::string> buildRuntime(const config::Config& config,
                                                                  const RuntimeDeps& deps);

}  // namespace swas::app
