#pragma once

// The state file as the operator's commands read it: opened read-only (SQLite
// mode=ro, a WAL reader beside the running daemon), never the daemon's lock, never a write.

#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/error.h"

namespace swas::state {

// A firing alert as `alerts` shows it.
struct FiringAlert {
  int64_t starts_at = 0;  // Unix seconds
  std::string alertname;
  std::string scope;  // core::Scope::key()
  std::string instance_id;
  std::string instance_name;  // "" when unknown at the occurrence
  std::string command_name;
  std::string status;  // per-instance InvocationStatus
  std::string error_code;
  std::string exit_code;  // "" when none
  std::string output;     // the annotation (the end of the output)
};

// One per-instance transition as `history` shows it.
struct HistoryEntry {
  int64_t observed_at = 0;  // Unix seconds
  std::string scope;        // core::Scope::key()
  std::string invoke_id;
  std::string instance_id;
  std::string instance_name;  // from the inventory as now stored; "" when unknown
  std::string command_name;
  std::string from;
  std::string to;
  std::string error_code;
  std::optional<int64_t> exit_code;
};

// What `status` shows, as the daemon last recorded it (StatusSnapshot) plus what the state holds.
struct StatusReport {
  int64_t recorded_at = 0;  // when the daemon last recorded its status (0: never)
  struct Region {
    std::string scope;  // core::Scope::key()
    bool up = false;
    std::string reason;
    std::optional<int64_t> last_success;
    int64_t calls_last_hour = 0;
    int64_t throttled_last_hour = 0;
    std::map<std::string, int64_t> invocations;  // tracked, by overall status
    // The Cloud Assistant agents of the inventory: online, and offline on a Running instance;
    // the tasks they run (ECS only: nullopt when no agent said).
    int64_t agents_online = 0;
    int64_t agents_offline = 0;
    std::optional<int64_t> active_tasks;
  };
  std::vector<Region> regions;
  // Agents offline on Running instances, by region and instance, at most kOfflineAgentsShown.
  struct OfflineAgent {
    std::string scope;
    std::string instance_id;
    std::string instance_name;
    std::string last_heartbeat;  // ECS's LastHeartbeatTime; "" for SWAS
  };
  static constexpr int64_t kOfflineAgentsShown = 20;
  std::vector<OfflineAgent> agents_offline;
  int64_t firing = 0;
  struct Receiver {
    std::string name;
    int64_t queued = 0;
    std::string last_outcome;  // "" when none yet
    int64_t last_at = 0;
  };
  std::vector<Receiver> receivers;
};

struct HistoryFilter {
  int64_t since = 0;           // Unix seconds
  std::string instance;        // an instance ID or name; "" any
  std::string command;         // a command name; "" any
  std::string status;          // the status reached; "" any
  bool failures_only = false;  // only failures: a status of core::defaults::kAlertStatuses, or an
                               // ErrorCode
  int64_t limit = 100;
};

// Which firing alerts, and how much of each output.
struct FiringQuery {
  int64_t limit = -1;         // newest first; -1 all
  int64_t output_chars = -1;  // the output's last characters; -1 all
};

// Everything the status page shows, read in one snapshot of the state.
struct Overview {
  StatusReport status;
  std::vector<FiringAlert> firing;     // the newest, at most the limit asked for
  std::vector<HistoryEntry> failures;  // the last ones, newest first
};

// What the page asks for: its size stays bounded however many alerts fire.
struct OverviewQuery {
  int64_t now = 0;  // Unix seconds
  FiringQuery firing;
  int64_t failures = 50;
};

class StateReader {
 public:
  // How the file is opened: by a command as it is (a stopped daemon's file read as immutable,
  // creating no -wal or -shm), or by the daemon's own status page beside its writer.
  enum class Beside { kWhateverRuns, kTheWriter };

  // A missing file, one of another program, or a newer schema: the message says which.
  static std::expected<std::unique_ptr<StateReader>, std::string> open(
      const std::string& path, Beside beside = Beside::kWhateverRuns);
  ~StateReader();

  // Newest first.
  std::expected<std::vector<FiringAlert>, core::Error> firingAlerts(FiringQuery query = {});
  std::expected<std::vector<HistoryEntry>, core::Error> history(const HistoryFilter& filter);
  // SQLite's plan for history(filter), one step a line: the failures are found through their
  // index, never by a scan of every transition.
  std::string historyPlanForTest(const HistoryFilter& filter);
  // `now`: Unix seconds, for "the last hour".
  std::expected<StatusReport, core::Error> status(int64_t now);
  // status, firing alerts and the last failures, in one read transaction.
  std::expected<Overview, core::Error> overview(const OverviewQuery& query);

 private:
  struct Impl;
  explicit StateReader(std::unique_ptr<Impl> impl);
  // The agents' counts and the offline ones, into `report` (its regions read already).
  bool readAgents(StatusReport& report);
  std::unique_ptr<Impl> impl_;
};

}  // namespace swas::state
