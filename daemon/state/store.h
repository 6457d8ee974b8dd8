#pragma once

// The durable state: invocations, per-instance states, the transition journal, per-region
// cursors and the alert outbox, in one SQLite file (WAL, synchronous=FULL). sqlite3.h stays
// inside the state room: its sources see it through sqlite.h and store_impl.h, never a header
// another room includes.

#include <chrono>
#include <cstdint>
#include <expected>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/alert.h"
#include "daemon/core/error.h"
#include "daemon/core/instance.h"
#include "daemon/core/invocation.h"
#include "daemon/state/differ.h"

namespace swas::state {

inline constexpr int kSchemaVersion = 8;

// What the poller remembers of a region between polls and across restarts.
struct RegionCursor {
  bool known = false;  // false: never polled (a cold start)
  std::chrono::system_clock::time_point last_full_scan{};
  std::string newest_creation;  // CreationTime of the newest invocation seen
  bool operator==(const RegionCursor&) const = default;
};

// What the daemon records every few seconds for the operator's `status`.
struct StatusSnapshot {
  int64_t now = 0;  // Unix seconds
  struct Region {
    std::string scope;  // core::Scope::key()
    bool up = false;
    std::string reason;                   // why not up; "" when up
    std::optional<int64_t> last_success;  // Unix seconds
    int64_t calls = 0;                    // API calls since the previous snapshot
    int64_t throttled = 0;                // of which throttled
  };
  std::vector<Region> regions;  // every region polled now (others are forgotten)
  struct Receiver {
    std::string name;
    std::string outcome;  // delivered | failed | dropped
    int64_t at = 0;       // Unix seconds
  };
  std::vector<Receiver> receivers;                // outcomes since the previous snapshot
  std::vector<std::string> configured_receivers;  // others are forgotten
};

// What one region poll produced (or one chunk of a full walk), committed in one transaction.
struct PollCommit {
  std::string scope;  // core::Scope::key()
  std::vector<core::Invocation> changed;
  std::vector<core::Transition> transitions;
  RegionCursor cursor;
  std::chrono::system_clock::time_point now{};
  core::AlertWrites alerts;  // occurrences, resolutions and their notifications
  // False for a chunk of a full walk that is not its last: the stored cursor stays, so a crash
  // mid-walk leaves the region as it was (a cold start stays a cold start).
  bool write_cursor = true;
  // A cold start's walk (no cursor stored yet). The chunks before its last need no fdatasync
  // for their baseline (the old failures it decided not to alert): a power cut that took one
  // back would take every later commit with it (the WAL keeps its order), the cursor's too, and
  // the region would start cold again. The last chunk, which writes the cursor, is synced: an
  // invocation the walk saw young, taken back with it, would be old to a later cold start and
  // its failure never alerted.
  bool cold_start = false;
};

// A notification in the outbox, with the alert it is about.
struct PendingNotification {
  int64_t id = 0;
  core::Notification notification;
  core::Alert alert;
  std::optional<int64_t> message_id;  // set once it went out in a message: retries keep it
  int attempts = 0;
  int64_t next_attempt_at = 0;  // Unix seconds
  bool relayed = false;         // an alert Alertmanager relayed, not the daemon's own
};

// A page of Store::alerts, in (starts_at, fingerprint) order: those after the given key.
struct AlertPage {
  int64_t after_starts_at = std::numeric_limits<int64_t>::min();
  std::string after_fingerprint;
  size_t limit = std::numeric_limits<int64_t>::max();
};

struct NotificationUpdate {
  enum Kind { kAssign, kDefer, kRemove } kind = kRemove;
  int64_t message_id = 0;       // kAssign
  int64_t next_attempt_at = 0;  // kDefer (attempts + 1)
};

class Store {
 public:
  // Opens or creates the file. Refuses, with a message naming the file and what to do, a file
  // that is unreadable, not SQLite, corrupt, from a newer schema, or in use by another daemon.
  static std::expected<std::unique_ptr<Store>, std::string> open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  std::expected<RegionSnapshot, core::Error> loadRegion(const std::string& region_id);
  std::expected<RegionCursor, core::Error> loadCursor(const std::string& region_id);
  // The command of a stored invocation (CommandId, CommandName, CommandType; empty when
  // unknown): what the snapshot does not keep, for the rare record the poller makes itself.
  struct Command {
    std::string id, name, type;
  };
  std::expected<Command, core::Error> invocationCommand(const std::string& region_id,
                                                        const std::string& invoke_id);
  // Writes the changed invocations, the transitions, the alerts and the cursor atomically. Synced
  // when it holds alert writes, a transition not to alert (a baseline, but a cold start's only
  // with its cursor: see PollCommit) or a cold start's cursor; otherwise in the WAL only (a
  // power cut may take it back, and the API tells it again).
  std::expected<void, core::Error> commit(const PollCommit& poll);
  // Forgets the region's finished invocations created before `cutoff`, and its journal entries
  // older than that.
  std::expected<size_t, core::Error> evictFinishedBefore(
      const std::string& region_id, std::chrono::system_clock::time_point cutoff);
  std::expected<uint64_t, core::Error> transitionCount();
  // The newest Success (by CreationTime) of each command on each instance, as first-sighting
  // Success transitions: what resolves alerts of older invocations, kept across restarts.
  std::expected<std::vector<core::Transition>, core::Error> latestSuccesses();

  // Alert writes outside a poll (the resolve timeout).
  std::expected<void, core::Error> commitAlerts(const core::AlertWrites& writes);
  // The daemon's own alerts (not relayed ones): firing, and those resolved at or after
  // `resolved_since` (Unix seconds), oldest first;
  // a page of them at a time when `page` says so.
  std::expected<std::vector<core::Alert>, core::Error> alerts(int64_t resolved_since,
                                                              const AlertPage& page = {});
  // The receiver's oldest `limit` notifications.
  std::expected<std::vector<PendingNotification>, core::Error> pendingNotifications(
      const std::string& receiver, size_t limit);
  // Assigns a message, defers (attempts + 1) or removes (delivered or dropped), atomically.
  std::expected<void, core::Error> updateNotifications(const std::vector<int64_t>& ids,
                                                       NotificationUpdate update);
  // Notifications waiting, by receiver.
  std::expected<std::map<std::string, int64_t>, core::Error> outboxCounts();
  // Forgets resolved alerts that ended before `ended_before` and have nothing left to send, and
  // relayed alerts last relayed before it (Alertmanager repeats a firing one more often).
  std::expected<size_t, core::Error> evictResolvedAlerts(int64_t ended_before);

  // Alerts of one Alertmanager notification for a chat receiver (the relay), kept apart from the
  // daemon's own by their source. Each is queued once per state: a firing alert already relayed
  // as firing (whatever its start: Alertmanager may merge it with an earlier copy), or a
  // resolved one already relayed as resolved with the same start, is a repeat (Alertmanager
  // re-sends a group's alerts with every change of the group and every repeat_interval).
  // Resolved ones are queued only with `send_resolved` (else counted as repeated). Each is
  // marked relayed at `created_ms`, repeats too. One transaction.
  struct RelayCounts {
    size_t queued = 0;
    size_t repeated = 0;
  };
  std::expected<RelayCounts, core::Error> relayAlerts(const std::string& receiver,
                                                      const std::vector<core::Alert>& alerts,
                                                      bool send_resolved, int64_t created_ms);

  // The region's inventory, replaced as a whole by one refresh (`refreshed_at`: Unix seconds).
  std::expected<void, core::Error> replaceInstances(const std::string& region_id,
                                                    const std::vector<core::InstanceRecord>& all,
                                                    int64_t refreshed_at);
  // The regions ListRegions returned last (region_id: all), so a restart polls them at once.
  std::expected<void, core::Error> replaceDiscoveredRegions(
      const std::vector<std::string>& regions);
  std::expected<std::vector<std::string>, core::Error> discoveredRegions();
  // The region's inventory as last stored, by instance ID.
  std::expected<std::vector<core::InstanceRecord>, core::Error> instances(
      const std::string& region_id);

  // One transaction: region health, API calls per minute (the last hour kept), receivers'
  // outcomes (store_status.cc).
  std::expected<void, core::Error> recordStatus(const StatusSnapshot& snapshot);

  const std::string& path() const { return path_; }

 private:
  struct Impl;
  Store(std::string path, std::unique_ptr<Impl> impl);
  std::string path_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swas::state
