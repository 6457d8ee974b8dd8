#pragma once

// Whose turn it is to send one of the daemon's own notifications straight to a receiver that
// does not deduplicate (every type but alertmanager) when replicas share a key
// (cluster.replicas > 1): the first owner of the key that was up a hold after what it tells of
// happened (it had polled it by then), else the first owner up now. Implemented by
// cluster::PeerWatch; the dispatcher asks it before a notification's first attempt.

#include <chrono>
#include <cstdint>
#include <string>

namespace swas::core {

enum class Turn {
  kMine,   // send it: this replica's turn
  kPeers,  // another owner's, which sent it or will (its outbox is on disk): drop it
  kWait,   // not known yet: ask again later
};

class SendTurn {
 public:
  virtual ~SendTurn() = default;
  // For a notification of `scope` (core::Scope::key()) telling of what happened at
  // `happened_ms` (an execution's end, a resolution), queued here at `queued_ms` (Unix ms).
  virtual Turn turn(const std::string& scope, int64_t happened_ms, int64_t queued_ms) const = 0;
  // How often a kWait may change: ask again after this.
  virtual std::chrono::milliseconds recheckEvery() const = 0;
};

}  // namespace swas::core
