#pragma once

// The vocabulary of what the daemon tracks: invocations, their per-instance states, and the
// transitions between them. Standard library only.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/defaults.h"
#include "daemon/core/time.h"

namespace swas::core {

inline constexpr std::string_view kNone = "none";  // `from` of a first sighting
// Ours, not the API's: an unfinished invocation the API stopped returning, given up on. Terminal.
inline constexpr std::string_view kVanished = "Vanished";

// Per-instance statuses that never change again.
bool isTerminalInstanceStatus(std::string_view status);
// Overall statuses that never change again.
bool isTerminalOverallStatus(std::string_view status);

inline constexpr std::string_view kOverallStatuses[] = {
    "Pending", "Running", "Success", "Failed", "Stopping", "Stopped", "PartialFailed"};
inline constexpr std::string_view kInstanceStatuses[] = {
    "Pending", "Invalid", "Aborted",   "Running",  "Success",   "Failed",
    "Error",   "Timeout", "Cancelled", "Stopping", "Terminated"};

struct InstanceState {
  std::string instance_id;
  std::string status;
  std::string error_code;
  std::string error_info;
  std::optional<int64_t> exit_code;
  std::string finish_time;  // as the API sends it
  std::string output;
  std::optional<SysSeconds> finished;  // finish_time, read once where it came in (none: unreadable)
  // ECS's repeating tasks only: the run this state is of (Repeats; 0 before the first run) and
  // when it started, as the API sends it.
  int64_t run = 0;
  std::string started_at;
};

struct Invocation {
  std::string scope;  // core::Scope::key(): the account's region it was listed in
  std::string invoke_id;
  std::string command_id;
  std::string command_name;
  std::string command_type;
  std::string creation_time;  // as the API sends it: zone-less UTC
  std::string overall_status;
  std::vector<InstanceState> instances;
  std::optional<SysSeconds>
      created;  // creation_time, read once where it came in (none: unreadable)
  // ECS: a Period, EveryReboot or NextRebootOnly task, whose runs are tracked each as its own
  // invocation (runKey); the runs of the first two can be read back (IncludeHistory).
  bool repeating = false;
  bool has_history = false;

  // True when the overall status and every instance are terminal.
  bool finished() const;
};

// A run of a repeating task is tracked, stored and alerted on as an invocation of its own, keyed
// "<InvokeId>#<run>" ('#' is never in an InvokeId); labels and text show the InvokeId and `run`.
std::string runKey(std::string_view invoke_id, int64_t run);
struct RunOf {
  std::string_view invoke_id;  // the API's InvokeId
  std::optional<int64_t> run;  // none: not a run key
};
RunOf splitRunKey(std::string_view key);

// One per-instance change: a status change (from != to), or an ErrorCode appearing on the same
// status. `from` is "none" on a first sighting.
struct Transition {
  std::string scope;  // core::Scope::key()
  std::string invoke_id;
  std::string instance_id;
  std::string command_id;
  std::string command_name;
  std::string from;
  std::string to;
  std::string error_code;
  std::string error_info;
  std::optional<int64_t> exit_code;
  std::string creation_time;
  std::string finish_time;
  std::string output;
  // False for history seen on a cold start that is older than poll.initial_lookback: it is
  // recorded and counted, but never alerted on.
  bool alertable = true;
  // This transition starts an alert occurrence: the (region, invocation, instance) meets the
  // AlertCondition now and did not before, and it is alertable. At most once per triple.
  bool occurrence = false;
  std::optional<SysSeconds> finished_at;  // the instance's finish_time, read once (none: unread)
};

// When a per-instance state alerts (config `alerts.statuses` and `alerts.error_codes`).
struct AlertCondition {
  std::vector<std::string> statuses{std::begin(defaults::kAlertStatuses),
                                    std::end(defaults::kAlertStatuses)};
  bool error_codes = true;
  bool matches(std::string_view status, std::string_view error_code) const;
};

struct OverallChange {
  std::string scope;  // core::Scope::key()
  std::string invoke_id;
  std::string from;  // "none" on a first sighting
  std::string to;
};

// Where the poller hands what it saw, after it is durably stored. Metrics and alerting
// implement this; the poller knows nothing of them.
class TransitionSink {
 public:
  virtual ~TransitionSink() = default;
  virtual void onTransitions(const std::string& scope, const std::vector<Transition>& transitions,
                             const std::vector<OverallChange>& overall_changes) = 0;
};

}  // namespace swas::core
