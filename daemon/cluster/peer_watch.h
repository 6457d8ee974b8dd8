#pragma once

// Who of a key's owners is up, for the notifications that go straight to receivers which do not
// deduplicate (cluster.replicas > 1): each replica probes the others' /healthz, and a
// notification is sent by the first owner that is up. A later owner sends what it queued only
// when every earlier one was seen down after `hold` (a poll interval and a margin: long enough
// for an earlier owner that is up to have polled the same failure and queued it itself), and
// drops it when an earlier owner answered after then (that owner sent it, or will: its outbox
// is on disk).

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
  std::chrono::milliseconds probe_every{5'000};
  std::chrono::milliseconds hold{40'000};
};

// Two probes in a row that failed, the last after a notification's hold, make an owner down
// for it: one lost probe is not a death.
inline constexpr int kDownAfterFailures = 2;

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

  core::Turn turn(const std::string& scope, int64_t queued_ms) const override;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace swas::cluster
