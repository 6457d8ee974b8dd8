#pragma once

// Everything built from one configuration, rebuilt on reload: credentials, the API clients, the
// inventory, the alert lifecycle and dispatcher, one poller and one inventory refresher per
// region. The event loop, the store, the HTTP client, the metrics and the endpoint outlive it.
// Its parts are its own (runtime_impl.h); the daemon sees this surface only.

#include <boost/asio/io_context.hpp>
#include <expected>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "daemon/alerting/delivery.h"
#include "daemon/alerting/receivers.h"
#include "daemon/api/credentials.h"
#include "daemon/api/swas_client.h"
#include "daemon/config/config.h"
#include "daemon/core/clock.h"
#include "daemon/http/curl_http_client.h"
#include "daemon/metrics/metrics.h"
#include "daemon/poller/region_poller.h"
#include "daemon/state/store.h"

namespace swas::app {

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
  // When this process started (Unix ms), as its /healthz tells its peers (cluster.peers).
  int64_t started_ms = 0;
};

// One account's credentials and API client (its own signing key, endpoint and timeouts); rate
// limits and in-flight caps are per region of an account, in each poller's gate.
struct RuntimeAccount {
  std::string name;  // "" for the single-account form
  std::unique_ptr<api::CredentialsProvider> credentials;
  std::unique_ptr<api::SwasClientImpl> client;      // SWAS's operations
  std::unique_ptr<api::SwasClientImpl> ecs_client;  // ECS's, with the same credentials
  api::SwasClient& clientFor(core::Product product) const {
    return product == core::Product::kEcs ? *ecs_client : *client;
  }
};

// http.relay_token_file's and http.event_token_file's tokens; empty: that door is off.
struct HttpTokens {
  std::string relay;
  std::string event;
};

// What a configuration needs from outside the state file: each account's credentials and API
// client, the receivers (secret files, templates) and the tokens of the relay and the events. Read
// before anything of the running runtime is stopped, so a reload that cannot read them leaves it
// untouched.
struct PreparedRuntime {
  config::Config config;
  std::vector<RuntimeAccount> accounts;
  std::vector<std::unique_ptr<alerting::Receiver>> receivers;
  HttpTokens tokens;
};
std::expected<PreparedRuntime, std::string> prepareRuntime(const config::Config& config,
                                                           const RuntimeDeps& deps);

class Runtime {
 public:
  // The object graph over `deps` of what was prepared (the state read back); the message says
  // what failed.
  static std::expected<std::unique_ptr<Runtime>, std::string> build(PreparedRuntime prepared,
                                                                    const RuntimeDeps& deps);
  ~Runtime();  // stops
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  const config::Config& config() const;
  const HttpTokens& tokens() const;

  void start();
  void stop();
  // Stops asking the API (discovery, inventory, polls); delivery goes on.
  void stopPolling();
  // Shutdown: one last attempt for every pending notification (Dispatcher::drain).
  void drain();
  // A poll or a delivery is in flight.
  bool busy() const;
  // Notifications were stored by someone other than the lifecycle (the relay): deliver them.
  void deliverStored();
  // Called when the regions polled change (ListRegions, a retired poller gone): metrics and
  // readiness follow them.
  void onRegionsChanged(std::function<void()> callback);
  // The heartbeat's work: tells delivery how fresh the alert state is (as of the oldest start
  // of the regions' last successful polls) and drops retired pollers whose last poll ended.
  void tend();

  // The regions polled now, by key.
  std::vector<std::string> regionIds() const;
  // The keys known (configured, or listed by ListRegions), owned by this replica or not.
  size_t knownScopes() const;
  const std::vector<std::unique_ptr<poller::RegionPoller>>& pollers() const;
  // Each account with region_id: all that polls no region yet, as a scope of its own
  // ("staging/all", or "all"), with why: down in swas_region_up, /readyz and `status`, so one
  // broken account is named, never a silent gap.
  struct Undiscovered {
    std::string key;
    std::string reason;
  };
  std::vector<Undiscovered> undiscovered() const;
  // Why the outbox cannot be read or written now (for /readyz); empty while it can.
  std::string storageProblem() const;
  // One line for systemd's STATUS= and the reload log.
  std::string summary() const;
  // Where each account's credentials come from, for the log.
  std::string credentialSources() const;

  // --once: credentials, then one inventory refresh and one poll of every region, on the loop
  // until done; 0 when every region polled, 1 otherwise (the reasons on `err`).
  int once(std::ostream& err);

 private:
  struct Impl;
  explicit Runtime(const RuntimeDeps& deps);
  std::unique_ptr<Impl> impl_;
};

// Both steps at once (the start, --once).
std::expected<std::unique_ptr<Runtime>, std::string> buildRuntime(const config::Config& config,
                                                                  const RuntimeDeps& deps);

}  // namespace swas::app
