#pragma once

// What an alert says and when it ends: pure functions, and the Lifecycle that turns a poll's
// transitions into alert writes (committed with the poll) and keeps the firing set.

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/alerting/routing.h"
#include "daemon/core/alert.h"
#include "daemon/core/defaults.h"
#include "daemon/core/instance.h"
#include "daemon/core/invocation.h"

namespace swas::alerting {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Alertmanager's fingerprint of a label set (FNV-1a 64 over the labels sorted by name, each name
// and value followed by 0xff), as 16 lowercase hex digits, so receivers and Alertmanager agree.
std::string fingerprint(Labels labels);

// The end of a command's Output for an annotation: Base64-decoded when it is Base64 of UTF-8
// text (the API's encoding is UNCONFIRMED), then the last `max_bytes` bytes, cut on a UTF-8
// character boundary.
std::string outputTail(std::string_view output, size_t max_bytes = 1024);

// {"name":"value",...} in the given order.
std::string labelsJson(const Labels& labels);
// The inverse, for stored labels and annotations: the string members of a JSON object (others
// skipped; {} when it is not an object).
std::map<std::string, std::string, std::less<>> parseLabels(std::string_view json);

// The alert of one occurrence; `now` is its start when the instance has no FinishTime.
// `instance`, when the inventory knows it, gives the label instance_name (else "") and the
// annotations public_ip and private_ip, and names the instance in the summary.
core::Alert makeAlert(const core::Transition& t, std::chrono::system_clock::time_point now,
                      const core::InstanceRecord* instance = nullptr);

// The command_key of SwasCloudAssistantDown alerts (no command: the agent itself).
inline constexpr std::string_view kAgentCommandKey = "agent";

// SwasCloudAssistantDown: the agent of a Running instance offline since `since` (Unix seconds).
core::Alert makeAgentDownAlert(const std::string& region_id, const core::InstanceRecord& instance,
                               int64_t since);

struct ReceiverRef {
  std::string name;
  bool send_resolved = true;
  Match match;  // which alerts it gets
};

struct LifecycleOptions {
  std::vector<ReceiverRef> receivers;
  bool resolve_on_success = true;
  std::chrono::seconds resolve_timeout =
      std::chrono::duration_cast<std::chrono::seconds>(core::defaults::kResolveTimeout);
  // Instance names and addresses for new alerts (none: every name is unknown).
  const core::InstanceDirectory* instances = nullptr;
};

// The firing set and the rules that grow and shrink it. plan() is pure with respect to the
// set; committed() applies what the store made durable.
class Lifecycle final : public core::AlertPlanner, public core::AgentAlertPlanner {
 public:
  explicit Lifecycle(LifecycleOptions options);

  // At start, from the store: the firing alerts, and the newest Success of each command on each
  // instance (Store::latestSuccesses).
  void load(const std::vector<core::Alert>& alerts, const std::vector<core::Transition>& successes);
  // Called after committed() changed anything (to wake delivery).
  void onChange(std::function<void()> callback) { on_change_ = std::move(callback); }
  // Called from committed() for each new alert that no receiver's `match` took.
  void onUnrouted(std::function<void(const core::Alert&)> callback) {
    on_unrouted_ = std::move(callback);
  }

  core::AlertWrites plan(const std::vector<core::Transition>& transitions,
                         std::chrono::system_clock::time_point now) override;
  // Delivers at once (the inventory's and housekeeping's writes).
  void committed(const core::AlertWrites& writes) override;
  void committed(const core::AlertWrites& writes, core::Delivery delivery) override;
  // Firing alerts older than resolve_timeout, resolved at starts_at + resolve_timeout (not
  // SwasCloudAssistantDown: it lasts as long as the agent is down).
  core::AlertWrites expire(std::chrono::system_clock::time_point now) const;

  // SwasCloudAssistantDown (agent_alerts.cc): the writes that fire it for `instance` (its agent
  // offline since `since`, Unix seconds) unless it fires already, or resolve the firing one of
  // `instance_id` at `now`; committed through the store like a poll's.
  void agentDown(const std::string& region_id, const core::InstanceRecord& instance, int64_t since,
                 std::chrono::system_clock::time_point now,
                 core::AlertWrites& writes) const override;
  void agentBack(const std::string& region_id, const std::string& instance_id,
                 std::chrono::system_clock::time_point now,
                 core::AlertWrites& writes) const override;
  std::map<std::string, int64_t> agentsDown(const std::string& region_id) const override;
  std::set<std::string> agentAlertRegions() const override;

  size_t firing() const { return firing_.size(); }

 private:
  // The newest Success seen of each command on each instance, loaded from the store at start. A
  // failure of an older invocation that is seen after it (a later chunk of a full walk, or one
  // that simply ran longer) is resolved by it at once, as if both had been seen in one poll.
  // Bounded by the fleet's (instance, command) pairs, not by history.
  struct SeenSuccess {
    std::string invoke_id;
    std::string creation_time;
    int64_t ends_at = 0;
  };

  // Fires and resolves what the store made durable (committed() without the delivery).
  void apply(const core::AlertWrites& writes);
  void remember(const core::Alert& alert);
  // Keeps `t`, a Success, when it is the newest of its command on its instance; returns the key
  // of successes_ it belongs under.
  std::string noteSuccess(const core::Transition& t, std::chrono::system_clock::time_point now);
  // `now_ms` (Unix milliseconds) is when its notifications are queued.
  void resolve(const core::Alert& alert, int64_t ends_at, int64_t now_ms,
               core::AlertWrites& writes) const;

  LifecycleOptions options_;
  std::map<std::string, core::Alert> firing_;     // by fingerprint
  std::map<std::string, SeenSuccess> successes_;  // by region, instance and command key
  std::function<void()> on_change_;
  bool held_ = false;  // committed writes whose delivery waits for the next kNow
  std::function<void(const core::Alert&)> on_unrouted_;
};

}  // namespace swas::alerting
