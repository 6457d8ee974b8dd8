#pragma once

// Whose turn it is to send one of the daemon's own notifications straight to a receiver that
// does not deduplicate (every type but alertmanager) when replicas share a key
// (cluster.replicas > 1): the first live owner's. Implemented by cluster::PeerWatch; the
// dispatcher asks it before a notification's first attempt.

#include <cstdint>
#include <string>

namespace swas::core {

enum class Turn {
  kMine,   // send it: this replica is the key's first owner, or every earlier one is down
  kPeers,  // an earlier owner was up long enough after it was queued to have sent it: drop it
  kWait,   // not known yet: ask again later
};

class SendTurn {
 public:
  virtual ~SendTurn() = default;
  // For a notification of `scope` (core::Scope::key()) queued at `queued_ms` (Unix ms).
  virtual Turn turn(const std::string& scope, int64_t queued_ms) const = 0;
};

}  // namespace swas::core
