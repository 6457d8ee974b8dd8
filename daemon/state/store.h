#pragma once

// The durable state: invocations, per-instance states, the transition journal, per-region
// cursors and the alert outbox, in one SQLite file (WAL, synchronous=FULL). The only place
// that includes sqlite3.h is store.cc.

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/error.h"
#include "daemon/core/invocation.h"
#include "daemon/state/differ.h"

namespace swas::state {

inline constexpr int kSchemaVersion = 1;

// What the poller remembers of a region between polls and across restarts.
struct RegionCursor {
  bool known = false;  // false: never polled (a cold start)
  std::chrono::system_clock::time_point last_full_scan{};
  std::string newest_creation;  // CreationTime of the newest invocation seen
  bool operator==(const RegionCursor&) const = default;
};

// Everything one region poll produced, committed in one transaction.
struct PollCommit {
  std::string region_id;
  std::vector<core::Invocation> changed;
  std::vector<core::Transition> transitions;
  RegionCursor cursor;
  std::chrono::system_clock::time_point now{};
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
  // Writes the changed invocations, the transitions and the cursor atomically.
  std::expected<void, core::Error> commit(const PollCommit& poll);
  // Forgets the region's finished invocations created before `cutoff`, and its journal entries
  // older than that.
  std::expected<size_t, core::Error> evictFinishedBefore(
      const std::string& region_id, std::chrono::system_clock::time_point cutoff);
  std::expected<uint64_t, core::Error> transitionCount();

  const std::string& path() const { return path_; }

 private:
  struct Impl;
  Store(std::string path, std::unique_ptr<Impl> impl);
  std::string path_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swas::state
