#pragma once

// Who of a key's owners sends a notification straight to receivers which do not deduplicate
// (cluster.replicas > 1): each replica probes the others' /healthz (whose X-Swas-Started-At
// says since when each runs). The sender is the first owner, in the key's order, that was
// there for it: running by a hold after what it tells of happened (the hold: the longest poll
// interval and two probes), and still answering a hold after this replica queued it (it had
// polled it by then). If none was (all started later), the first owner up now. So a later
// owner sends what an earlier one missed while it was down, and an owner back from an outage
// (or new, with a fresh state) leaves what it finds of that time to the owner that was there.
// Every owner decides from the same facts, so one sends; until the facts are in (no probe a
// hold after), the answer is to wait.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "daemon/cluster/sharding.h"
#include "daemon/core/clock.h"
#include "daemon/core/send_turn.h"
#include "daemon/http/http_client.h"

namespace boost::asio {
class io_context;
}

namespace swas::cluster {

struct PeerWatchOptions {
  Sharding sharding;
  std::vector<std::string> peers;  // every replica's base URL, by shard (its own is not probed)
  int64_t started_ms = 0;          // when this replica started (Unix ms)
  std::chrono::milliseconds probe_every{5'000};
  std::chrono::milliseconds hold{40'000};
  // What every replica of the cluster must agree on (shards, replicas, peers, hold, the keys
  // configured), as a tag: a peer answering with another is taken as down.
  std::string layout;
};

// Two probes in a row that failed, the last after a notification's deadline, make an owner
// down for it: one lost probe is not a death.
inline constexpr int kDownAfterFailures = 2;
// The headers of /healthz saying since when a replica runs (Unix ms), and its cluster layout.
inline constexpr const char* kStartedHeader = "X-Swas-Started-At";
inline constexpr const char* kClusterHeader = "X-Swas-Cluster";

class PeerWatch final : public core::SendTurn {
 public:
  PeerWatch(boost::asio::io_context& io, http::HttpClient& http, const core::Clock& clock,
            PeerWatchOptions options);
  ~PeerWatch() override;
  PeerWatch(const PeerWatch&) = delete;
  PeerWatch& operator=(const PeerWatch&) = delete;

  // Probes every peer now and then every probe_every, until stop().
  void start();
  void stop();
  // Probes every peer not being probed now (the timer's work; tests call it).
  void probe();
  // Probes answered since the start (tests wait for them).
  int answered() const;

  core::Turn turn(const std::string& scope, int64_t happened_ms, int64_t queued_ms) const override;
  // A probe's period: only a probe changes an answer.
  std::chrono::milliseconds recheckEvery() const override;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace swas::cluster
