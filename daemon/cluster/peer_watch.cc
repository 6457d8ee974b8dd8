#include "daemon/cluster/peer_watch.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <limits>

#include "daemon/core/time.h"

namespace swas::cluster {
namespace asio = boost::asio;

struct PeerWatch::Impl : std::enable_shared_from_this<PeerWatch::Impl> {
  struct Peer {
    std::string url;
    int64_t up_ms = std::numeric_limits<int64_t>::min();      // its last 200 from /healthz
    int64_t probed_ms = std::numeric_limits<int64_t>::min();  // its last answer or failure
    int failures = 0;                                         // in a row
    bool in_flight = false;
    bool reported_down = false;
  };

  Impl(asio::io_context& i, http::HttpClient& h, const core::Clock& c, PeerWatchOptions o)
      : io(i), http(h), clock(c), options(std::move(o)), timer(i) {
    for (const auto& url : options.peers) peers.push_back({url});
  }

  void probe() {
    for (size_t i = 0; i < peers.size(); ++i) {
      if (static_cast<int>(i) == options.sharding.shard || peers[i].in_flight) continue;
      peers[i].in_flight = true;
      http::HttpRequest request;
      std::string base = peers[i].url;
      while (!base.empty() && base.back() == '/') base.pop_back();
      request.url = base + "/healthz";
      request.timeout = std::min(options.probe_every, std::chrono::milliseconds(2'000));
      http.send(std::move(request), [self = shared_from_this(), i](http::HttpResult result) {
        self->settle(i, result);
      });
    }
  }

  void settle(size_t i, const http::HttpResult& result) {
    Peer& p = peers[i];
    p.in_flight = false;
    ++answered;
    p.probed_ms = core::unixMillis(clock.now());
    if (result && result->status == 200) {
      p.up_ms = p.probed_ms;
      p.failures = 0;
      if (p.reported_down) {
        spdlog::info("cluster: shard {} ({}) answers /healthz again", i, http::urlForLog(p.url));
        p.reported_down = false;
      }
      return;
    }
    ++p.failures;
    if (p.failures >= kDownAfterFailures && !p.reported_down) {
      p.reported_down = true;
      std::string why = result ? "HTTP " + std::to_string(result->status) : result.error().message;
      spdlog::warn(
          "cluster: shard {} ({}) is down ({}): the next owner of its keys sends what it would "
          "have sent straight to receivers",
          i, http::urlForLog(p.url), why);
    }
  }

  void schedule() {
    if (stopped) return;
    timer.expires_after(options.probe_every);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->stopped) return;
      self->probe();
      self->schedule();
    });
  }

  core::Turn turn(const std::string& scope, int64_t queued_ms) const {
    int64_t deadline = queued_ms + options.hold.count();
    for (int owner : ownersOf(scope, options.sharding)) {
      if (owner == options.sharding.shard) return core::Turn::kMine;
      if (static_cast<size_t>(owner) >= peers.size()) continue;
      const Peer& p = peers[owner];
      if (p.up_ms >= deadline) return core::Turn::kPeers;
      bool down_since = p.failures >= kDownAfterFailures && p.probed_ms >= deadline;
      if (!down_since) return core::Turn::kWait;
    }
    return core::Turn::kMine;  // not an owner (polled before a re-shard): it found it, it sends
  }

  asio::io_context& io;
  http::HttpClient& http;
  const core::Clock& clock;
  PeerWatchOptions options;
  asio::steady_timer timer;
  std::vector<Peer> peers;
  int answered = 0;
  bool stopped = false;
};

PeerWatch::PeerWatch(asio::io_context& io, http::HttpClient& http, const core::Clock& clock,
                     PeerWatchOptions options)
    : impl_(std::make_shared<Impl>(io, http, clock, std::move(options))) {}

PeerWatch::~PeerWatch() { stop(); }

void PeerWatch::start() {
  impl_->stopped = false;
  impl_->probe();
  impl_->schedule();
}

void PeerWatch::stop() {
  impl_->stopped = true;
  impl_->timer.cancel();
}

void PeerWatch::probe() { impl_->probe(); }

int PeerWatch::answered() const { return impl_->answered; }

core::Turn PeerWatch::turn(const std::string& scope, int64_t queued_ms) const {
  return impl_->turn(scope, queued_ms);
}

}  // namespace swas::cluster
