#include "daemon/cluster/peer_watch.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <limits>
#include <optional>

#include "daemon/core/time.h"

namespace swas::cluster {
namespace asio = boost::asio;
namespace {

// Since when the peer that answered runs, from its header; nullopt when it says nothing.
std::optional<int64_t> startedOf(const http::HttpResponse& response) {
  std::string_view text = response.header(kStartedHeader);
  int64_t ms = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return ms;
}

}  // namespace

struct PeerWatch::Impl : std::enable_shared_from_this<PeerWatch::Impl> {
  struct Peer {
    std::string url;
    int64_t up_ms = std::numeric_limits<int64_t>::min();       // its last 200 from /healthz
    int64_t started_ms = std::numeric_limits<int64_t>::min();  // as that 200 said
    int64_t probed_ms = std::numeric_limits<int64_t>::min();   // its last answer or failure
    int failures = 0;                                          // in a row
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
    std::string mismatch;
    if (result && result->status == 200) {
      std::string_view tag = result->header(kClusterHeader);
      if (tag != options.layout) {
        mismatch = "its cluster layout " + std::string(tag.empty() ? "unknown" : tag) +
                   " is not this one's " + options.layout +
                   " (another shards, replicas, peers, hold or set of keys)";
      }
    }
    if (result && result->status == 200 && mismatch.empty()) {
      // A peer that does not say (a proxy took the header away) runs, as far as is known, since
      // the first answer after a failure: not taken to have been there for anything before.
      if (auto said = startedOf(*result)) {
        p.started_ms = *said;
      } else if (p.failures > 0 || p.up_ms == std::numeric_limits<int64_t>::min()) {
        p.started_ms = p.probed_ms;
      }
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
      std::string why = !mismatch.empty() ? mismatch
                        : result          ? "HTTP " + std::to_string(result->status)
                                          : result.error().message;
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

  enum class Seen { kUp, kDown, kUnknown };
  // Whether `p` was there for a notification: a run of it started by `started_by` (what
  // happened plus the hold), and answering after `seen_after` (when this replica queued it
  // plus the hold: it had polled it by then). There not: failing after `seen_after`, or
  // answering from a run started later.
  static Seen there(const Peer& p, int64_t started_by, int64_t seen_after) {
    if (p.up_ms >= seen_after) return p.started_ms <= started_by ? Seen::kUp : Seen::kDown;
    if (p.failures >= kDownAfterFailures && p.probed_ms >= seen_after) return Seen::kDown;
    return Seen::kUnknown;
  }

  core::Turn turn(const std::string& scope, int64_t happened_ms, int64_t queued_ms) const {
    const int64_t hold = options.hold.count();
    const int64_t started_by = happened_ms + hold;
    const int64_t seen_after = queued_ms + hold;
    const std::vector<int> owners = ownersOf(scope, options.sharding);
    const auto peer = [&](int owner) -> const Peer* {
      return static_cast<size_t>(owner) < peers.size() ? &peers[owner] : nullptr;
    };
    // The first owner that was there. This replica was if this run started by then, or it
    // queued it by then, or a run before this one queued it (the outbox kept it: what a run
    // queued was its to send, and a peer may have dropped it seeing that run up).
    for (int owner : owners) {
      if (owner == options.sharding.shard) {
        if (options.started_ms <= started_by || queued_ms <= started_by ||
            queued_ms < options.started_ms) {
          return core::Turn::kMine;
        }
        continue;
      }
      const Peer* p = peer(owner);
      if (!p) continue;
      switch (there(*p, started_by, seen_after)) {
        case Seen::kUp:
          return core::Turn::kPeers;
        case Seen::kDown:
          continue;
        case Seen::kUnknown:
          return core::Turn::kWait;
      }
    }
    // None was (all started later): the first owner up now.
    for (int owner : owners) {
      if (owner == options.sharding.shard) return core::Turn::kMine;
      const Peer* p = peer(owner);
      if (!p || p->failures >= kDownAfterFailures) continue;
      return p->failures == 0 && p->up_ms >= seen_after ? core::Turn::kPeers : core::Turn::kWait;
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

std::chrono::milliseconds PeerWatch::recheckEvery() const { return impl_->options.probe_every; }

core::Turn PeerWatch::turn(const std::string& scope, int64_t happened_ms, int64_t queued_ms) const {
  return impl_->turn(scope, happened_ms, queued_ms);
}

}  // namespace swas::cluster
