#include "daemon/metrics/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "daemon/core/scope.h"
#include "daemon/metrics/inventory_metrics.h"

namespace swas::metrics {
namespace {

// A region's labels: region_id, and account when the account is named (core/scope.h).
prometheus::Labels scoped(const std::string& key, prometheus::Labels more = {}) {
  for (auto& [name, value] : core::Scope::fromKey(key).labels()) more[name] = value;
  return more;
}

}  // namespace

namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

// API latency: 5 ms .. 30 s. One poll of a region, all pages: 10 ms .. 5 min.
const Histogram::BucketBoundaries kApiLatencyBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                        0.5,   1,    2.5,   5,    10,  30};
const Histogram::BucketBoundaries kPollDurationBuckets = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                          2.5,  5,     10,   30,  60,   120, 300};

constexpr std::string_view kPolled = " Values come from the daemon's own polling, not per scrape.";

std::string help(std::string_view what) { return std::string(what) + std::string(kPolled); }

using StatusGauges = std::map<std::string, Gauge*, std::less<>>;  // a region's, by status

Gauge& statusGauge(Family<Gauge>& family, StatusGauges& by, const std::string& region_id,
                   std::string_view status) {
  auto it = by.find(status);
  if (it == by.end()) {
    std::string s(status);
    it = by.emplace(s, &family.Add(scoped(region_id, {{"invocation_status", s}}))).first;
  }
  return *it->second;
}

// Sets every status gauge of the region: listed ones to their count, the others to 0.
void setCounts(Family<Gauge>& family, StatusGauges& by, const std::string& region_id,
               const std::map<std::string, int64_t>& counts) {
  for (const auto& [status, n] : counts) statusGauge(family, by, region_id, status);
  for (auto& [status, gauge] : by) {
    auto it = counts.find(status);
    gauge->Set(it == counts.end() ? 0 : static_cast<double>(it->second));
  }
}

}  // namespace

struct Metrics::Impl {
  Impl(prometheus::Registry& r, const core::Clock& c)
      : clock(c),
        invocations(BuildGauge()
                        .Name("swas_invocations")
                        .Help(help("Tracked command invocations by overall InvocationStatus."))
                        .Register(r)),
        instances(BuildGauge()
                      .Name("swas_invocation_instances")
                      .Help(help("Tracked (invocation, instance) pairs by per-instance "
                                 "InvocationStatus."))
                      .Register(r)),
        transitions(BuildCounter()
                        .Name("swas_invocation_transitions_total")
                        .Help(help("Per-instance InvocationStatus changes seen; from=\"none\" for "
                                   "a first sighting."))
                        .Register(r)),
        failures(BuildCounter()
                     .Name("swas_invocation_failures_total")
                     .Help(help("Alerting occurrences: an (invocation, instance) entering one of "
                                "alerts.statuses or getting an ErrorCode, counted once each."))
                     .Register(r)),
        api_requests(BuildCounter()
                         .Name("swas_api_requests_total")
                         .Help(help("Alibaba Cloud API calls by result code: OK, the API's error "
                                    "Code, HTTP_<status>, timeout, connect, tls or parse."))
                         .Register(r)),
        api_duration(BuildHistogram()
                         .Name("swas_api_request_duration_seconds")
                         .Help(help("Latency of one Alibaba Cloud API call, retries counted "
                                    "separately."))
                         .Register(r)),
        poll_duration(BuildHistogram()
                          .Name("swas_poll_duration_seconds")
                          .Help(help("Duration of one poll of a region, all pages and retries."))
                          .Register(r)),
        last_success(BuildGauge()
                         .Name("swas_poll_last_success_timestamp_seconds")
                         .Help(help("Unix time of the region's last complete poll; 0 before the "
                                    "first."))
                         .Register(r)),
        region_up(BuildGauge()
                      .Name("swas_region_up")
                      .Help(help("1 if the region's last poll completed, else 0."))
                      .Register(r)),
        notifications(BuildCounter()
                          .Name("swas_alert_notifications_total")
                          .Help("Alert notification attempts by receiver and outcome: delivered, "
                                "failed (will retry), dropped (gave up or rejected).")
                          .Register(r)),
        queue_length(BuildGauge()
                         .Name("swas_alert_queue_length")
                         .Help("Alert notifications waiting for delivery, by receiver.")
                         .Register(r)),
        alerts_firing(
            BuildGauge().Name("swas_alerts_firing").Help("Alerts currently firing.").Register(r)),
        peer_failures(BuildCounter()
                          .Name("swas_alert_peer_failures_total")
                          .Help("Messages one peer of an alertmanager receiver with urls: did not "
                                "take, by receiver and peer (its URL without user "
                                "information); the other peers were still sent them.")
                          .Register(r)),
        relay_requests(BuildCounter()
                           .Name("swas_relay_requests_total")
                           .Help("Alertmanager notifications POSTed to the chat relay, by the "
                                 "HTTP status answered (200 stored; 401 no or a wrong token; "
                                 "503 not stored, Alertmanager retries).")
                           .Register(r)),
        relayed_alerts(BuildCounter()
                           .Name("swas_relayed_alerts_total")
                           .Help("Alerts of relayed notifications by chat receiver and outcome: "
                                 "queued for the receiver, or repeated (already relayed in "
                                 "that state, or resolved while send_resolved is false).")
                           .Register(r)),
        alerts_unrouted(BuildCounter()
                            .Name("swas_alerts_unrouted_total")
                            .Help("Alerts that no receiver's match took (sent nowhere).")
                            .Register(r)),
        state_errors(BuildCounter()
                         .Name("swas_state_errors_total")
                         .Help("Failed reads or writes of the state file by op: "
                               "poll_commit, evict, outbox, alerts, relay (a full disk, for one).")
                         .Register(r)),
        api_anomalies(BuildCounter()
                          .Name("swas_api_anomalies_total")
                          .Help(help("Wrong API answers worked around, by kind: field (a bad "
                                     "field read as its default), record (a record skipped), "
                                     "paging (paging stopped early), vanished (an unfinished "
                                     "invocation no longer listed, given up), retry_after (a "
                                     "server-requested wait capped)."))
                          .Register(r)),
        skipped_ticks(BuildCounter()
                          .Name("swas_poll_skipped_ticks_total")
                          .Help(help("Scheduled polls of a region skipped because the previous "
                                     "poll overran them."))
                          .Register(r)),
        full_walks(BuildCounter()
                       .Name("swas_poll_full_walks_total")
                       .Help("Successful polls that walked every page: the cold start, every "
                             "poll.full_scan_every (which also forgets finished invocations "
                             "older than state.retention), and paging fallbacks.")
                       .Register(r)),
        paging_fallbacks(BuildCounter()
                             .Name("swas_paging_fallbacks_total")
                             .Help(help("Polls that found the API's list not newest-first, so "
                                        "every poll walks every page until a walk shows it "
                                        "again."))
                             .Register(r)),
        credential_failures(BuildCounter()
                                .Name("swas_credentials_refresh_failures_total")
                                .Help("Failed refreshes of temporary credentials (STS token or "
                                      "ECS RAM role); the last good ones are used meanwhile.")
                                .Register(r)),
        http_closed(BuildCounter()
                        .Name("swas_http_connections_closed_total")
                        .Help("Connections the /metrics listener closed or refused to protect "
                              "itself, by reason: evicted (idle, to make room at a cap), "
                              "stalled (not reading its response, to make room at a cap), "
                              "refused (at the cap, none idle or stalled), peer_limit (one "
                              "address at its share of the cap), busy (a large body refused "
                              "while others were in flight), timed_out, too_large, "
                              "accept_error (e.g. out of file descriptors).")
                        .Register(r)),
        build_info(BuildGauge()
                       .Name("swas_build_info")
                       .Help("Version and git revision of this build; always 1.")
                       .Register(r)) {}

  struct Region {
    Gauge* up = nullptr;
    Gauge* last_success = nullptr;
    Histogram* poll_duration = nullptr;
    StatusGauges invocations;
    StatusGauges instances;
    std::map<std::string, Histogram*, std::less<>> api_duration;  // by action
  };

  Histogram& apiDuration(Region& r, const std::string& region_id, const std::string& action) {
    auto it = r.api_duration.find(action);
    if (it == r.api_duration.end()) {
      auto& h = api_duration.Add(scoped(region_id, {{"action", action}}), kApiLatencyBuckets);
      it = r.api_duration.emplace(action, &h).first;
    }
    return *it->second;
  }

  Region& region(const std::string& id) {
    auto [it, added] = regions.try_emplace(id);
    Region& r = it->second;
    if (added) {
      r.up = &region_up.Add(scoped(id));
      r.last_success = &last_success.Add(scoped(id));
      r.poll_duration = &poll_duration.Add(scoped(id), kPollDurationBuckets);
      for (auto status : core::kOverallStatuses)
        statusGauge(invocations, r.invocations, id, status);
      for (auto status : core::kInstanceStatuses) statusGauge(instances, r.instances, id, status);
    }
    return r;
  }

  const core::Clock& clock;
  Family<Gauge>& invocations;
  Family<Gauge>& instances;
  Family<Counter>& transitions;
  Family<Counter>& failures;
  Family<Counter>& api_requests;
  Family<Histogram>& api_duration;
  Family<Histogram>& poll_duration;
  Family<Gauge>& last_success;
  Family<Gauge>& region_up;
  Family<Counter>& notifications;
  Family<Gauge>& queue_length;
  Family<Gauge>& alerts_firing;
  Family<Counter>& peer_failures;
  Family<Counter>& relay_requests;
  Family<Counter>& relayed_alerts;
  Family<Counter>& alerts_unrouted;
  Family<Counter>& state_errors;
  Family<Counter>& api_anomalies;
  Family<Counter>& skipped_ticks;
  Family<Counter>& full_walks;
  Family<Counter>& paging_fallbacks;
  Family<Counter>& credential_failures;
  Family<Counter>& http_closed;
  Family<Gauge>& build_info;
  std::map<std::string, Region, std::less<>> regions;
  std::vector<std::string> receivers;
};

Metrics::Metrics(prometheus::Registry& registry, const core::Clock& clock,
                 const MetricsOptions& options)
    : impl_(std::make_unique<Impl>(registry, clock)),
      inventory_(std::make_unique<InventoryMetrics>(registry)) {
  follow(options.regions, options.receivers);
  impl_->alerts_firing.Add({});
  impl_->alerts_unrouted.Add({});
  impl_->credential_failures.Add({});
  for (auto reason : {"evicted", "refused", "timed_out", "too_large", "accept_error"}) {
    impl_->http_closed.Add({{"reason", reason}});
  }
  for (auto code : {"200", "400", "401", "404", "503"}) {
    impl_->relay_requests.Add({{"code", code}});
  }
  for (auto operation : {"poll_commit", "evict", "outbox", "alerts", "relay"}) {
    impl_->state_errors.Add({{"op", operation}});
  }
  impl_->build_info.Add({{"version", options.version}, {"revision", options.revision}}).Set(1);
}

Metrics::~Metrics() = default;

void Metrics::follow(const std::vector<std::string>& regions,
                     const std::vector<std::string>& receivers) {
  Impl& m = *impl_;
  inventory_->follow(regions);
  const std::string action = "DescribeCommandInvocations";
  for (const auto& id : regions) {
    m.apiDuration(m.region(id), id, action);
    m.api_requests.Add(scoped(id, {{"action", action}, {"code", "OK"}}));
    m.skipped_ticks.Add(scoped(id));
    m.paging_fallbacks.Add(scoped(id));
    m.full_walks.Add(scoped(id));
  }
  // A region no longer polled loses its gauges and histograms (a frozen swas_region_up would
  // page someone); its counters stay, as counters do.
  for (auto it = m.regions.begin(); it != m.regions.end();) {
    if (std::find(regions.begin(), regions.end(), it->first) != regions.end()) {
      ++it;
      continue;
    }
    Impl::Region& r = it->second;
    m.region_up.Remove(r.up);
    m.last_success.Remove(r.last_success);
    m.poll_duration.Remove(r.poll_duration);
    for (auto& [status, g] : r.invocations) m.invocations.Remove(g);
    for (auto& [status, g] : r.instances) m.instances.Remove(g);
    for (auto& [a, h] : r.api_duration) m.api_duration.Remove(h);
    it = m.regions.erase(it);
  }
  for (const auto& receiver : receivers) {
    for (auto outcome : {core::kDelivered, core::kFailed, core::kDropped, core::kPeer}) {
      m.notifications.Add({{"receiver", receiver}, {"outcome", std::string(outcome)}});
    }
    m.queue_length.Add({{"receiver", receiver}});
  }
  for (const auto& receiver : m.receivers) {
    if (std::find(receivers.begin(), receivers.end(), receiver) == receivers.end()) {
      m.queue_length.Remove(&m.queue_length.Add({{"receiver", receiver}}));
    }
  }
  m.receivers = receivers;
}

void Metrics::onApiRequest(const std::string& region_id, const std::string& action,
                           const std::string& code, double seconds) {
  impl_->api_requests.Add(scoped(region_id, {{"action", action}, {"code", code}})).Increment();
  // A call outside the regions polled (ListRegions of region_id: all, a poll that ended after
  // its region was removed) is counted, but must not bring back a region's gauges: a
  // swas_region_up of 0 for a region nobody polls would page someone.
  auto it = impl_->regions.find(region_id);
  if (it == impl_->regions.end()) return;
  impl_->apiDuration(it->second, region_id, action).Observe(seconds);
}

void Metrics::onPollFinished(const std::string& region_id, bool ok, double seconds, bool full_walk,
                             int /*api_calls*/) {
  Impl::Region& r = impl_->region(region_id);
  r.poll_duration->Observe(seconds);
  r.up->Set(ok ? 1 : 0);
  if (ok && full_walk) impl_->full_walks.Add(scoped(region_id)).Increment();
  if (ok) {
    auto now = impl_->clock.now().time_since_epoch();
    r.last_success->Set(std::chrono::duration<double>(now).count());
  }
  if (poll_listener_) poll_listener_();
}

void Metrics::onTrackedCounts(const std::string& region_id, const core::TrackedCounts& counts) {
  Impl::Region& r = impl_->region(region_id);
  setCounts(impl_->invocations, r.invocations, region_id, counts.invocations);
  setCounts(impl_->instances, r.instances, region_id, counts.instances);
}

void Metrics::onTransitions(const std::string& region_id,
                            const std::vector<core::Transition>& transitions,
                            const std::vector<core::OverallChange>& /*overall_changes*/) {
  for (const auto& t : transitions) {
    if (t.from != t.to) {
      impl_->transitions.Add(scoped(region_id, {{"from", t.from}, {"to", t.to}})).Increment();
    }
    if (t.occurrence) {
      impl_->failures
          .Add(scoped(region_id, {{"instance_id", t.instance_id},
                                  {"invocation_status", t.to},
                                  {"error_code", t.error_code}}))
          .Increment();
    }
  }
}

void Metrics::onNotifications(const std::string& receiver, std::string_view outcome, int count) {
  impl_->notifications.Add({{"receiver", receiver}, {"outcome", std::string(outcome)}})
      .Increment(count);
}

void Metrics::onQueueLength(const std::string& receiver, int64_t waiting) {
  impl_->queue_length.Add({{"receiver", receiver}}).Set(static_cast<double>(waiting));
}

void Metrics::onAlertsFiring(int64_t firing) {
  impl_->alerts_firing.Add({}).Set(static_cast<double>(firing));
}

void Metrics::onUnrouted() { impl_->alerts_unrouted.Add({}).Increment(); }

void Metrics::onPeerFailure(const std::string& receiver, const std::string& peer) {
  impl_->peer_failures.Add({{"receiver", receiver}, {"peer", peer}}).Increment();
}

void Metrics::onRelayRequest(int code) {
  impl_->relay_requests.Add({{"code", std::to_string(code)}}).Increment();
}

void Metrics::onRelayedAlerts(const std::string& receiver, size_t queued, size_t repeated) {
  impl_->relayed_alerts.Add({{"receiver", receiver}, {"outcome", "queued"}})
      .Increment(static_cast<double>(queued));
  impl_->relayed_alerts.Add({{"receiver", receiver}, {"outcome", "repeated"}})
      .Increment(static_cast<double>(repeated));
}

void Metrics::onSkippedTicks(const std::string& region_id, int count) {
  impl_->skipped_ticks.Add(scoped(region_id)).Increment(count);
}

void Metrics::onPagingFallback(const std::string& region_id) {
  impl_->paging_fallbacks.Add(scoped(region_id)).Increment();
}

void Metrics::onCredentialRefreshFailures(uint64_t count) {
  impl_->credential_failures.Add({}).Increment(static_cast<double>(count));
}

void Metrics::onHttpConnectionsClosed(std::string_view reason, uint64_t count) {
  impl_->http_closed.Add({{"reason", std::string(reason)}}).Increment(static_cast<double>(count));
}

void Metrics::onInventory(const std::string& region_id,
                          const std::vector<core::InstanceRecord>& all) {
  inventory_->onInventory(region_id, all);
}

void Metrics::onInventoryForgotten(const std::string& region_id) { inventory_->forget(region_id); }

void Metrics::onStateError(std::string_view operation) {
  impl_->state_errors.Add({{"op", std::string(operation)}}).Increment();
}

void Metrics::onApiAnomaly(const std::string& region_id, std::string_view kind, int count) {
  impl_->api_anomalies.Add(scoped(region_id, {{"kind", std::string(kind)}})).Increment(count);
}

std::string serializeText(prometheus::Registry& registry) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry.Collect());
  return out.str();
}

}  // namespace swas::metrics
