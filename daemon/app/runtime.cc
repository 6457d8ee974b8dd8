#include "daemon/app/runtime.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <set>

#include "daemon/app/options.h"

namespace swas::app {

void Runtime::start() {
  delivering = true;
  dispatcher->start();
  for (auto& p : pollers) p->start();
}

void Runtime::stop() {
  for (auto& p : pollers) p->stop();
  if (dispatcher) dispatcher->stop();
  delivering = false;
}

bool Runtime::busy() const {
  return std::any_of(pollers.begin(), pollers.end(), [](const auto& p) { return p->polling(); }) ||
         (dispatcher && !dispatcher->idle());
}

std::string Runtime::summary() const {
  size_t up = std::count_if(pollers.begin(), pollers.end(), [](const auto& p) { return p->up(); });
  return std::to_string(up) + " of " + std::to_string(pollers.size()) + " region(s) up, " +
         std::to_string(lifecycle->firing()) + " alert(s) firing, " +
         std::to_string(config.alerts.receivers.size()) + " receiver(s)";
}

std::expected<std::unique_ptr<Runtime>, std::string> buildRuntime(const config::Config& config,
                                                                  const RuntimeDeps& deps) {
  auto rt = std::make_unique<Runtime>();
  rt->config = config;
  auto credentials =
      api::makeCredentialsProvider(config.credentials, deps.env, deps.http, deps.clock);
  if (!credentials) return std::unexpected(credentials.error());
  rt->credentials = std::move(*credentials);
  rt->client = std::make_unique<api::SwasClientImpl>(deps.http, *rt->credentials, deps.clock,
                                                     deps.random, clientOptions(config));
  rt->lifecycle = std::make_unique<alerting::Lifecycle>(lifecycleOptions(config));
  auto firing = deps.store.alerts(std::numeric_limits<int64_t>::max());
  if (!firing) return std::unexpected("reading alerts from the state: " + firing.error().message);
  auto successes = deps.store.latestSuccesses();
  if (!successes) {
    return std::unexpected("reading successes from the state: " + successes.error().message);
  }
  rt->lifecycle->load(*firing, *successes);
  auto receivers = makeReceivers(config);
  if (!receivers) return std::unexpected(receivers.error());
  rt->dispatcher = std::make_unique<alerting::Dispatcher>(
      deps.io, deps.http, deps.store, *rt->lifecycle, deps.metrics, deps.clock, deps.random,
      std::move(*receivers), deliveryOptions(config), deps.unrecorded);
  Runtime* raw = rt.get();
  rt->lifecycle->onChange([raw] {
    if (raw->delivering) raw->dispatcher->kick();
  });
  rt->lifecycle->onUnrouted([&metrics = deps.metrics,
                             logged = std::set<std::string>()](const core::Alert& a) mutable {
    metrics.onUnrouted();
    if (logged.insert(a.command_key).second) {
      spdlog::warn(
          "alerts: an alert of command {} ({}, instance {}) matched no receiver's match and was "
          "sent nowhere (counted in swas_alerts_unrouted_total; logged once per command)",
          a.command_key.substr(a.command_key.find(':') + 1), a.region_id, a.instance_id);
    }
  });
  rt->sink = std::make_unique<FanoutSink>(
      std::vector<core::TransitionSink*>{&deps.metrics, &deps.external_sink});
  for (const auto& region : config.regions) {
    auto p = std::make_unique<poller::RegionPoller>(deps.io, *rt->client, deps.store, *rt->sink,
                                                    *rt->lifecycle, deps.metrics, deps.clock,
                                                    deps.random, regionOptions(config, region));
    if (auto ok = p->init(); !ok) {
      return std::unexpected("state of region " + region.region_id + ": " + ok.error());
    }
    rt->pollers.push_back(std::move(p));
  }
  return rt;
}

}  // namespace swas::app
