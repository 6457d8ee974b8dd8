#include "daemon/app/options.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "daemon/core/scope.h"
#include "daemon/util/env.h"

namespace swas::app {

poller::RegionOptions regionOptions(const config::Config& c, const config::AccountSettings& a,
                                    const config::RegionSettings& r) {
  poller::RegionOptions o;
  o.scope = config::scopeOf(a, r);
  // With tags or names, the IDs are a start: the inventory adds the instances they select.
  if (!r.instance_ids.empty() || !r.instance_tags.empty() || !r.instance_names.empty()) {
    o.watched_instances = std::set<std::string>(r.instance_ids.begin(), r.instance_ids.end());
  }
  o.command_type = r.command_type;
  o.command_name = r.command_name;
  o.interval = c.intervalOf(r);
  o.jitter = c.poll.jitter;
  o.hint_gap = c.poll.hint_gap;
  o.page_size = c.poll.page_size;
  o.full_scan_every = std::chrono::duration_cast<std::chrono::seconds>(c.poll.full_scan_every);
  o.initial_lookback = std::chrono::duration_cast<std::chrono::seconds>(c.poll.initial_lookback);
  o.retention = std::chrono::duration_cast<std::chrono::seconds>(c.state.retention);
  o.rate_limit = a.api.rate_limit;
  o.max_in_flight = a.api.max_in_flight;
  o.alert_condition = {c.alerts.statuses, c.alerts.error_codes};
  return o;
}

inventory::WatchRule watchRule(const config::RegionSettings& r) {
  return {r.instance_ids, r.instance_tags, r.instance_names};
}

inventory::RefreshOptions refreshOptions(const config::Config& c, const config::AccountSettings& a,
                                         const config::RegionSettings& r) {
  return {.scope = config::scopeOf(a, r), .refresh = c.inventory.refresh};
}

metrics::MetricsOptions metricsOptions(const config::Config& c) {
  metrics::MetricsOptions o{.version = SWAS_VERSION, .revision = SWAS_REVISION};
  // With region_id: all the regions come from ListRegions (Daemon::Impl::follow).
  for (const auto& a : c.accounts) {
    for (const auto& r : a.regions) {
      std::string key = config::scopeOf(a, r).key();
      if (!r.discovers() && cluster::owns(key, shardingOf(c))) o.regions.push_back(key);
    }
  }
  for (const auto& r : c.alerts.receivers) o.receivers.push_back(r.name);
  return o;
}

std::string userAgent() { return std::string("swas-invocation-monitor/") + SWAS_VERSION; }

std::string versionString() { return std::string(SWAS_VERSION) + " (" + SWAS_REVISION + ")"; }

api::SwasClientOptions clientOptions(const config::AccountSettings& a, core::Product product) {
  return {.product = product,
          .endpoint = a.api.endpoint,
          .signature = a.api.signature == config::Signature::kV1 ? api::SignatureVersion::kV1
                                                                 : api::SignatureVersion::kV3,
          .timeout = a.api.timeout,
          .user_agent = userAgent(),
          .ca_file = a.api.ca_file};
}

long connectionsPerHost(const config::Config& c) {
  long total = 0;
  for (const auto& a : c.accounts) total += a.api.max_in_flight;
  return std::max<long>(2, total);
}

config::Duration shortestInterval(const config::Config& c) {
  config::Duration shortest = c.poll.interval;
  for (const auto& a : c.accounts) {
    for (const auto& r : a.regions) shortest = std::min(shortest, c.intervalOf(r));
  }
  return shortest;
}

cluster::Sharding shardingOf(const config::Config& c) {
  return {c.cluster.shards, c.cluster.shard, c.cluster.replicas};
}

std::chrono::milliseconds peerHold(const config::Config& c) {
  using std::chrono::milliseconds;
  config::Duration longest = c.poll.interval;
  for (const auto& a : c.accounts) {
    for (const auto& r : a.regions) longest = std::max(longest, c.intervalOf(r));
  }
  // An owner that is up has what the others have by then: an execution within 12 polls (ECS's
  // Timed listing; also a poll stretched by throttling, up to 8), an agent or a region within
  // an inventory refresh; and two probes tell it answered after.
  config::Duration hold =
      std::max(12 * longest, c.inventory.refresh) + 2 * c.cluster.probe_interval;
  return std::chrono::duration_cast<milliseconds>(hold);
}

cluster::PeerWatchOptions peerWatchOptions(const config::Config& c) {
  return {.sharding = shardingOf(c),
          .peers = c.cluster.peers,
          .probe_every =
              std::chrono::duration_cast<std::chrono::milliseconds>(c.cluster.probe_interval),
          .hold = peerHold(c),
          .layout = clusterLayout(c)};
}

std::string clusterLayout(const config::Config& c) {
  std::vector<std::string> keys;
  for (const auto& a : c.accounts) {
    for (const auto& r : a.regions) keys.push_back(config::scopeOf(a, r).key());
  }
  return cluster::layoutTag(shardingOf(c), c.cluster.peers, peerHold(c).count(), std::move(keys));
}

alerting::DeliveryOptions deliveryOptions(const config::Config& c) {
  alerting::DeliveryOptions o;
  o.initial_backoff = c.alerts.retry.initial_backoff;
  o.max_backoff = c.alerts.retry.max_backoff;
  o.give_up_after = c.alerts.retry.give_up_after;
  o.retention = std::chrono::duration_cast<std::chrono::seconds>(c.state.retention);
  // A firing-set re-send waits (at most half an interval more) until every region has polled
  // since it fell due: two replicas, one not yet aware of a resolution, must not reopen it.
  // Half: re-sends stay at most 1.5 intervals apart (Alertmanager expires a firing alert 4
  // minutes after it last heard of it), and a reload's wait still fits.
  o.resend_fresh_wait = o.resend_every / 2;
  // One region polled and nothing relayed: a poll's notifications are committed together and no
  // other poll's come close behind, so the gather window would only delay the message (and wake
  // the loop once more for it: about a tenth of a poll's CPU in the bench's scenario).
  bool one_scope = c.accounts.size() == 1 && c.accounts[0].regions.size() == 1 &&
                   !c.accounts[0].regions[0].discovers();
  if (one_scope && c.http.relay_token_file.empty()) o.gather = std::chrono::milliseconds(0);
  return o;
}

}  // namespace swas::app
