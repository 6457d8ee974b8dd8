#include "daemon/app/runtime.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <tuple>

#include "daemon/app/options.h"
#include "daemon/app/runtime_impl.h"
#include "daemon/util/env.h"

namespace swas::app {

Runtime::Runtime(const RuntimeDeps& deps) : impl_(std::make_unique<Impl>(deps)) {}

Runtime::~Runtime() { stop(); }

const config::Config& Runtime::config() const { return impl_->config; }

const HttpTokens& Runtime::tokens() const { return impl_->tokens; }

void Runtime::start() {
  Impl& r = *impl_;
  r.started = true;
  if (r.peers) r.peers->start();
  r.dispatcher->start();
  for (auto& p : r.pollers) p->start();
  for (auto& f : r.refreshers) f->start();
  for (auto& d : r.discoveries) d.lister->start();
}

void Runtime::stopPolling() {
  Impl& r = *impl_;
  r.started = false;
  for (auto& d : r.discoveries) d.lister->stop();
  for (auto& f : r.refreshers) f->stop();
  for (auto& p : r.pollers) p->stop();
}

void Runtime::stop() {
  stopPolling();
  if (impl_->dispatcher) impl_->dispatcher->stop();
  if (impl_->peers) impl_->peers->stop();
}

void Runtime::drain() { impl_->dispatcher->drain(); }

bool Runtime::busy() const {
  const Impl& r = *impl_;
  auto polling = [](const auto& p) { return p->polling(); };
  auto refreshing = [](const auto& f) { return f->refreshing(); };
  return std::ranges::any_of(r.pollers, polling) ||
         std::ranges::any_of(r.retired_pollers, polling) ||
         std::ranges::any_of(r.refreshers, refreshing) ||
         std::ranges::any_of(r.retired_refreshers, refreshing) ||
         std::ranges::any_of(r.discoveries, [](const auto& d) { return d.lister->busy(); }) ||
         (r.dispatcher && !r.dispatcher->idle());
}

void Runtime::deliverStored() { impl_->dispatcher->kick(); }

void Runtime::onRegionsChanged(std::function<void()> callback) {
  impl_->on_regions_changed = std::move(callback);
}

void Runtime::tend() {
  Impl& r = *impl_;
  std::optional<std::chrono::system_clock::time_point> fresh;
  for (const auto& p : r.pollers) {
    auto at = p->lastSuccessStarted();
    if (!at) {
      fresh.reset();
      break;
    }
    fresh = fresh ? std::min(*fresh, *at) : *at;
  }
  if (fresh) r.dispatcher->stateFresh(*fresh);
  if (r.reapRetired() && r.on_regions_changed) r.on_regions_changed();
}

std::vector<std::string> Runtime::regionIds() const { return impl_->regionIds(); }

size_t Runtime::knownScopes() const { return impl_->known_keys.size(); }

const std::vector<std::unique_ptr<poller::RegionPoller>>& Runtime::pollers() const {
  return impl_->pollers;
}

std::vector<Runtime::Undiscovered> Runtime::undiscovered() const { return impl_->undiscovered(); }

std::string Runtime::storageProblem() const { return impl_->dispatcher->storageProblem(); }

std::string Runtime::credentialSources() const {
  std::string out;
  for (const auto& a : impl_->accounts) {
    if (!out.empty()) out += ", ";
    out += a.name.empty() ? a.credentials->source() : a.name + ": " + a.credentials->source();
  }
  return out;
}

std::string Runtime::summary() const {
  const Impl& r = *impl_;
  size_t up = std::ranges::count_if(r.pollers, [](const auto& p) { return p->up(); });
  return std::to_string(up) + " of " + std::to_string(r.pollers.size()) + " region(s) up, " +
         std::to_string(r.lifecycle->firing()) + " alert(s) firing, " +
         std::to_string(r.config.alerts.receivers.size()) + " receiver(s)";
}

namespace {

std::expected<HttpTokens, std::string> readTokens(const config::HttpSettings& http) {
  HttpTokens tokens;
  for (auto [path, key, token] :
       {std::tuple{&http.relay_token_file, "http.relay_token_file", &tokens.relay},
        std::tuple{&http.event_token_file, "http.event_token_file", &tokens.event}}) {
    if (path->empty()) continue;
    auto read = util::readSecretFile(*path, key);
    if (!read) return std::unexpected(read.error());
    *token = std::move(*read);
  }
  return tokens;
}

}  // namespace

std::expected<PreparedRuntime, std::string> prepareRuntime(const config::Config& config,
                                                           const RuntimeDeps& deps) {
  PreparedRuntime prepared;
  prepared.config = config;
  auto tokens = readTokens(config.http);
  if (!tokens) return std::unexpected(tokens.error());
  prepared.tokens = std::move(*tokens);
  for (const auto& a : config.accounts) {
    auto credentials = api::makeCredentialsProvider(a.credentials, deps.env, deps.http, deps.clock);
    if (!credentials) {
      return std::unexpected(a.name.empty() ? credentials.error()
                                            : "account " + a.name + ": " + credentials.error());
    }
    RuntimeAccount account{a.name, std::move(*credentials), nullptr, nullptr};
    account.client =
        std::make_unique<api::SwasClientImpl>(deps.http, *account.credentials, deps.clock,
                                              deps.random, clientOptions(a, core::Product::kSwas));
    account.ecs_client =
        std::make_unique<api::SwasClientImpl>(deps.http, *account.credentials, deps.clock,
                                              deps.random, clientOptions(a, core::Product::kEcs));
    prepared.accounts.push_back(std::move(account));
  }
  auto receivers = makeReceivers(config);
  if (!receivers) return std::unexpected(receivers.error());
  prepared.receivers = std::move(*receivers);
  return prepared;
}

std::expected<std::unique_ptr<Runtime>, std::string> buildRuntime(const config::Config& config,
                                                                  const RuntimeDeps& deps) {
  auto prepared = prepareRuntime(config, deps);
  if (!prepared) return std::unexpected(prepared.error());
  return Runtime::build(std::move(*prepared), deps);
}

std::expected<std::unique_ptr<Runtime>, std::string> Runtime::build(PreparedRuntime prepared,
                                                                    const RuntimeDeps& deps) {
  std::unique_ptr<Runtime> built(new Runtime(deps));
  Impl* rt = built->impl_.get();
  rt->config = std::move(prepared.config);
  const config::Config& config = rt->config;
  rt->tokens = std::move(prepared.tokens);
  rt->accounts = std::move(prepared.accounts);
  // Each failed credential refresh is counted as it happens.
  for (auto& a : rt->accounts) {
    a.credentials->onRefreshFailure(
        [&metrics = deps.metrics] { metrics.onCredentialRefreshFailures(1); });
  }
  alerting::LifecycleOptions lifecycle_options = lifecycleOptions(config);
  lifecycle_options.instances = &rt->directory;
  rt->lifecycle = std::make_unique<alerting::Lifecycle>(std::move(lifecycle_options));
  auto firing = deps.store.alerts(std::numeric_limits<int64_t>::max());
  if (!firing) return std::unexpected("reading alerts from the state: " + firing.error().message);
  auto successes = deps.store.latestSuccesses();
  if (!successes) {
    return std::unexpected("reading successes from the state: " + successes.error().message);
  }
  rt->lifecycle->load(*firing, *successes);
  rt->inventory = std::make_unique<inventory::InstanceInventory>(
      deps.store, rt->directory, *rt->lifecycle, deps.metrics, deps.clock,
      // Rounded up: 500ms must not read as 0 (off).
      std::chrono::ceil<std::chrono::seconds>(config.inventory.cloud_assistant_down_after));
  alerting::DeliveryOptions delivery = deliveryOptions(config);
  if (config.cluster.shards > 1) delivery.owned = cluster::ownedBy(shardingOf(config));
  if (config.cluster.replicas > 1 && !config.cluster.peers.empty()) {
    cluster::PeerWatchOptions watch = peerWatchOptions(config);
    watch.started_ms = deps.started_ms;
    rt->peers = std::make_unique<cluster::PeerWatch>(deps.io, deps.http, deps.clock, watch);
    delivery.send_turn = rt->peers.get();
  }
  rt->dispatcher = std::make_unique<alerting::Dispatcher>(
      deps.io, deps.http, deps.store, *rt->lifecycle, deps.deliveries, deps.clock, deps.random,
      std::move(prepared.receivers), delivery, deps.unrecorded);
  rt->sink = std::make_unique<FanoutSink>(
      std::vector<core::TransitionSink*>{&deps.metrics, &deps.external_sink});
  for (size_t i = 0; i < config.accounts.size(); ++i) {
    for (const auto& region : config.accounts[i].regions) {
      auto ok = region.discovers() ? rt->discoverRegions(i, region.product)
                                   : rt->addRegion(rt->accounts[i], config.accounts[i], region);
      if (!ok) return std::unexpected(ok.error());
    }
  }
  // SwasCloudAssistantDown of regions this configuration no longer polls would fire for ever.
  // With region_id: all and no region known yet, nothing is known to be gone.
  // Another replica's (a key known but not owned here) are its to resolve.
  if (!rt->discoveringNothing() || config.inventory.cloud_assistant_down_after.count() <= 0) {
    rt->inventory->resolveAgentAlerts(rt->known_keys);
    rt->agent_alerts_checked = true;
  }
  return built;
}

}  // namespace swas::app
