#include "daemon/app/runtime.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <set>

#include "daemon/app/options.h"
#include "daemon/util/env.h"

namespace swas::app {

void Runtime::start() {
  started = true;
  dispatcher->start();
  for (auto& p : pollers) p->start();
  for (auto& r : refreshers) r->start();
  for (auto& d : discoveries) d.lister->start();
}

void Runtime::stopPolling() {
  started = false;
  for (auto& d : discoveries) d.lister->stop();
  for (auto& r : refreshers) r->stop();
  for (auto& p : pollers) p->stop();
}

void Runtime::stop() {
  stopPolling();
  if (dispatcher) dispatcher->stop();
}

bool Runtime::busy() const {
  auto polling = [](const auto& p) { return p->polling(); };
  auto refreshing = [](const auto& r) { return r->refreshing(); };
  return std::any_of(pollers.begin(), pollers.end(), polling) ||
         std::any_of(retired_pollers.begin(), retired_pollers.end(), polling) ||
         std::any_of(refreshers.begin(), refreshers.end(), refreshing) ||
         std::any_of(retired_refreshers.begin(), retired_refreshers.end(), refreshing) ||
         std::any_of(discoveries.begin(), discoveries.end(),
                     [](const auto& d) { return d.lister->busy(); }) ||
         (dispatcher && !dispatcher->idle());
}

uint64_t Runtime::credentialFailures() const {
  uint64_t total = 0;
  for (const auto& a : accounts) total += a.credentials->refreshFailures();
  return total;
}

std::string Runtime::credentialSources() const {
  std::string out;
  for (const auto& a : accounts) {
    if (!out.empty()) out += ", ";
    out += a.name.empty() ? a.credentials->source() : a.name + ": " + a.credentials->source();
  }
  return out;
}

std::string Runtime::summary() const {
  size_t up = std::count_if(pollers.begin(), pollers.end(), [](const auto& p) { return p->up(); });
  return std::to_string(up) + " of " + std::to_string(pollers.size()) + " region(s) up, " +
         std::to_string(lifecycle->firing()) + " alert(s) firing, " +
         std::to_string(config.alerts.receivers.size()) + " receiver(s)";
}

namespace {

// http.relay_token_file's token; empty when the relay is off.
std::expected<std::string, std::string> relayToken(const config::Config& config) {
  if (config.http.relay_token_file.empty()) return "";
  return util::readSecretFile(config.http.relay_token_file, "http.relay_token_file");
}

}  // namespace

std::expected<PreparedRuntime, std::string> prepareRuntime(const config::Config& config,
                                                           const RuntimeDeps& deps) {
  PreparedRuntime prepared;
  prepared.config = config;
  auto token = relayToken(config);
  if (!token) return std::unexpected(token.error());
  prepared.relay_token = std::move(*token);
  for (const auto& a : config.accounts) {
    auto credentials = api::makeCredentialsProvider(a.credentials, deps.env, deps.http, deps.clock);
    if (!credentials) {
      return std::unexpected(a.name.empty() ? credentials.error()
                                            : "account " + a.name + ": " + credentials.error());
    }
    Runtime::Account account{a.name, std::move(*credentials), nullptr};
    account.client = std::make_unique<api::SwasClientImpl>(
        deps.http, *account.credentials, deps.clock, deps.random, clientOptions(a));
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
  return buildRuntime(std::move(*prepared), deps);
}

std::expected<std::unique_ptr<Runtime>, std::string> buildRuntime(PreparedRuntime prepared,
                                                                  const RuntimeDeps& deps) {
  auto rt = std::make_unique<Runtime>(deps);
  rt->config = std::move(prepared.config);
  const config::Config& config = rt->config;
  rt->relay_token = std::move(prepared.relay_token);
  rt->accounts = std::move(prepared.accounts);
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
  rt->dispatcher = std::make_unique<alerting::Dispatcher>(
      deps.io, deps.http, deps.store, *rt->lifecycle, deps.deliveries, deps.clock, deps.random,
      std::move(prepared.receivers), deliveryOptions(config), deps.unrecorded);
  rt->sink = std::make_unique<FanoutSink>(
      std::vector<core::TransitionSink*>{&deps.metrics, &deps.external_sink});
  for (size_t i = 0; i < config.accounts.size(); ++i) {
    if (config.accounts[i].allRegions()) {
      if (auto ok = rt->discoverRegions(i); !ok) return std::unexpected(ok.error());
      continue;
    }
    for (const auto& region : config.accounts[i].regions) {
      auto ok = rt->addRegion(rt->accounts[i], config.accounts[i], region);
      if (!ok) return std::unexpected(ok.error());
    }
  }
  // SwasCloudAssistantDown of regions this configuration no longer polls would fire for ever.
  // With region_id: all and no region known yet, nothing is known to be gone.
  std::vector<std::string> polled = rt->regionIds();
  if (!rt->discoveringNothing() || config.inventory.cloud_assistant_down_after.count() <= 0) {
    rt->inventory->resolveAgentAlerts({polled.begin(), polled.end()});
    rt->agent_alerts_checked = true;
  }
  return rt;
}

}  // namespace swas::app
