#pragma once

// Alerts and their notifications as the poller commits them and the store keeps them. The
// rules that make them live in daemon/alerting; the poller only carries them into its
// transaction through AlertPlanner.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/instance.h"
#include "daemon/core/invocation.h"

namespace swas::core {

// One occurrence's alert. Labels and annotations are kept as the JSON objects that are sent,
// so a message re-built after a restart is byte-for-byte the same.
struct Alert {
  std::string fingerprint;  // 16 lowercase hex digits
  std::string scope;        // core::Scope::key()
  std::string invoke_id;
  std::string instance_id;
  std::string command_key;    // CommandId, else CommandName: what a later Success resolves
  std::string creation_time;  // of the invocation, as the API sends it
  std::string labels_json;
  std::string annotations_json;
  int64_t starts_at = 0;           // Unix seconds
  std::optional<int64_t> ends_at;  // Unix seconds; set once resolved
};

// One alert's firing or resolved news for one receiver, waiting in the outbox.
struct Notification {
  std::string receiver;
  std::string fingerprint;
  bool resolved = false;
  int64_t created_ms = 0;  // Unix milliseconds: when it was queued
};

struct Resolution {
  std::string fingerprint;
  int64_t ends_at = 0;
};

// What a poll (or the resolve timeout) adds to the alert state, committed atomically with it.
struct AlertWrites {
  std::vector<Alert> fired;
  std::vector<Resolution> resolved;
  std::vector<Notification> notifications;
  bool empty() const { return fired.empty() && resolved.empty() && notifications.empty(); }
};

// When committed notifications go out: now (with any held before), or held for the next commit
// that delivers (a full walk's chunks: their alerts go out a few pages at a time, not a page's).
enum class Delivery { kNow, kHeld };

// Turns a poll's transitions into alert writes, which the poller commits in the same
// transaction as the transitions.
class AlertPlanner {
 public:
  virtual ~AlertPlanner() = default;
  virtual AlertWrites plan(const std::vector<Transition>& transitions,
                           std::chrono::system_clock::time_point now) = 0;
  // The writes are durable: fire and resolve, and deliver as `delivery` says.
  virtual void committed(const AlertWrites& writes, Delivery delivery) = 0;
};

// SwasCloudAssistantDown's rules, for the inventory that watches the agents: the writes that fire
// and resolve it, and the firing set they are decided against. The inventory stores the writes
// (in one transaction) and then hands them back through committed().
class AgentAlertPlanner {
 public:
  virtual ~AgentAlertPlanner() = default;
  // Fires for `instance` (its agent offline since `since`, Unix seconds) unless it fires already.
  virtual void agentDown(const std::string& scope, const InstanceRecord& instance, int64_t since,
                         std::chrono::system_clock::time_point now, AlertWrites& writes) const = 0;
  // Resolves the firing one of `instance_id` at `now`, if any.
  virtual void agentBack(const std::string& scope, const std::string& instance_id,
                         std::chrono::system_clock::time_point now, AlertWrites& writes) const = 0;
  // The region's instances whose SwasCloudAssistantDown fires, with its start (after a restart).
  virtual std::map<std::string, int64_t> agentsDown(const std::string& scope) const = 0;
  // The regions with a SwasCloudAssistantDown firing.
  virtual std::set<std::string> agentAlertRegions() const = 0;
  // The writes are durable: fire, resolve and deliver.
  virtual void committed(const AlertWrites& writes) = 0;
};

// Outcomes of notifications (swas_alert_notifications_total{outcome}).
inline constexpr std::string_view kDelivered = "delivered";
inline constexpr std::string_view kFailed = "failed";
inline constexpr std::string_view kDropped = "dropped";
// Left to an earlier owner of its key, which was up to send it (cluster.replicas > 1).
inline constexpr std::string_view kPeer = "peer";

// What alert delivery reports, for metrics. Outcomes: "delivered", "failed" (will retry),
// "dropped" (gave up or rejected); `count` notifications at once.
class AlertObserver {
 public:
  virtual ~AlertObserver() = default;
  virtual void onNotifications(const std::string& receiver, std::string_view outcome,
                               int count) = 0;
  virtual void onQueueLength(const std::string& receiver, int64_t waiting) = 0;
  virtual void onAlertsFiring(int64_t firing) = 0;
  // A new alert that no receiver's `match` took (swas_alerts_unrouted_total).
  virtual void onUnrouted() = 0;
  // A state file read or write failed (`operation`: outbox, alerts).
  virtual void onStateError(std::string_view operation) = 0;
  // One peer of an alertmanager receiver with `urls:` did not take a message
  // (swas_alert_peer_failures_total); `peer` is named as util::peerName names it: its URL
  // without user information, query or trailing slash ("http://am-1:9093").
  virtual void onPeerFailure(const std::string& receiver, const std::string& peer) = 0;
};

// What the chat relay reports, for metrics: the answer to each request
// (swas_relay_requests_total{code}), each stored notification's alerts
// (swas_relayed_alerts_total), and a store that failed (swas_state_errors_total, "relay").
class RelayObserver {
 public:
  virtual ~RelayObserver() = default;
  virtual void onRelayRequest(int code) = 0;
  virtual void onRelayedAlerts(const std::string& receiver, size_t queued, size_t repeated) = 0;
  virtual void onStateError(std::string_view operation) = 0;
};

}  // namespace swas::core
