#pragma once

// The configuration translated into each module's options (the only place that reads
// config::Config for them, so nothing below app sees config).

#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "daemon/alerting/dispatcher.h"
#include "daemon/alerting/receivers.h"
#include "daemon/alerting/rules.h"
#include "daemon/api/swas_client.h"
#include "daemon/cluster/peer_watch.h"
#include "daemon/config/config.h"
#include "daemon/inventory/instances.h"
#include "daemon/inventory/refresher.h"
#include "daemon/metrics/metrics.h"
#include "daemon/poller/region_poller.h"

namespace swas::app {

// `r` of account `a`: its scope core::Scope(a.name, r.region_id), with a's API limits.
poller::RegionOptions regionOptions(const config::Config& c, const config::AccountSettings& a,
                                    const config::RegionSettings& r);
inventory::WatchRule watchRule(const config::RegionSettings& r);
inventory::RefreshOptions refreshOptions(const config::Config& c, const config::AccountSettings& a,
                                         const config::RegionSettings& r);
metrics::MetricsOptions metricsOptions(const config::Config& c);
api::SwasClientOptions clientOptions(const config::AccountSettings& a, core::Product product);
// "swas-invocation-monitor/VERSION", on every HTTP request the daemon makes.
std::string userAgent();
// "1.2.0 (abc1234)": the version and the revision it was built from.
std::string versionString();
// Connections to one API host: every account may poll the same region (one host), each up to
// its max_in_flight, and none may queue behind another's.
long connectionsPerHost(const config::Config& c);
// The shortest poll interval of any region (health's stuck threshold, the heartbeat).
config::Duration shortestInterval(const config::Config& c);
// The receivers, their url_file, hmac_secret_file, secret_file and template_file read and the
// templates checked; an error names the file (a template's as FILE:LINE).
std::expected<std::vector<std::unique_ptr<alerting::Receiver>>, std::string> makeReceivers(
    const config::Config& c);
// --check-config: each chat receiver's message for a sample alert, one line each
// ("receiver oncall (dingtalk): sample message of 612 bytes").
std::vector<std::string> renderSamples(const std::vector<std::unique_ptr<alerting::Receiver>>& r);
alerting::LifecycleOptions lifecycleOptions(const config::Config& c);
alerting::DeliveryOptions deliveryOptions(const config::Config& c);
cluster::Sharding shardingOf(const config::Config& c);
// How long after a replica that is up has what another found (cluster::PeerWatch's hold): 12 of
// the longest poll interval or an inventory refresh, and two probes.
std::chrono::milliseconds peerHold(const config::Config& c);
// What every replica of a cluster must agree on (shards, replicas, peers, the hold, the keys
// configured), as 16 hex digits: /healthz says it in X-Swas-Cluster.
std::string clusterLayout(const config::Config& c);
cluster::PeerWatchOptions peerWatchOptions(const config::Config& c);

}  // namespace swas::app
