#include "daemon/http/http_server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <list>
#include <map>

#include "daemon/http/server_peer.h"
#include "daemon/http/server_session.h"

namespace swas::http {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

using session::Counters;
using session::Session;
using session::Shared;
using session::SteadyTime;

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io_context, RequestHandler h, ServerLimits l)
      : io(io_context),
        acceptor(io_context),
        backoff(io_context),
        shared(std::make_shared<Shared>(std::move(h), std::move(l))),
        limits(shared->limits),
        counters(shared->counters) {}

  void accept() {
    acceptor.async_accept(
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
          if (ec) {
            if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
            // EMFILE and the like: accepting again at once would spin. Wait, longer each time.
            ++self->counters.accept_errors;
            self->accept_delay = std::clamp(self->accept_delay * 2, std::chrono::milliseconds(10),
                                            std::chrono::milliseconds(1000));
            self->backoff.expires_after(self->accept_delay);
            self->backoff.async_wait([self](boost::system::error_code wait_ec) {
              if (!wait_ec && self->acceptor.is_open()) self->accept();
            });
            return;
          }
          self->accept_delay = std::chrono::milliseconds(0);
          self->admit(std::move(socket));
          self->accept();
        });
  }

  // Closes, among those `among` selects, an evictable connection of the peer holding the most
  // connections (a peer that churns connections makes room from its own), the one without
  // progress the longest; false if none is evictable.
  template <typename Pred>
  bool evictOne(Pred among) {
    auto now = std::chrono::steady_clock::now();
    std::map<std::string, size_t> held;
    for (auto& weak : sessions) {
      if (auto s = weak.lock()) ++held[s->peer()];
    }
    std::shared_ptr<Session> oldest;
    std::pair<size_t, SteadyTime> best;  // (connections of its peer, negated by comparison)
    for (auto& weak : sessions) {
      auto s = weak.lock();
      if (!s || !among(*s)) continue;
      auto since = s->evictableSince(now);
      if (!since) continue;
      std::pair<size_t, SteadyTime> rank{held[s->peer()], *since};
      if (!oldest || rank.first > best.first ||
          (rank.first == best.first && rank.second < best.second)) {
        oldest = s;
        best = rank;
      }
    }
    if (!oldest) return false;
    ++(oldest->writing() ? counters.stalled : counters.evicted);
    oldest->close();
    // Gone from the count now, though its handlers finish later.
    sessions.remove_if([&](const std::weak_ptr<Session>& w) { return w.lock() == oldest; });
    return true;
  }

  // A peer at its share makes room among its own connections, or is refused; at the cap, the
  // connection idle or stalled the longest makes room, or the new one goes.
  void admit(tcp::socket socket) {
    ++counters.accepted;
    sessions.remove_if([](const std::weak_ptr<Session>& w) { return w.expired(); });
    boost::system::error_code ec;
    auto remote = socket.remote_endpoint(ec);
    std::string peer = ec ? std::string() : peerKey(remote.address());
    auto refuse = [&](std::atomic<uint64_t>& counter) {
      ++counter;
      boost::system::error_code ignored;
      socket.close(ignored);
    };
    size_t of_peer = std::count_if(sessions.begin(), sessions.end(), [&](const auto& w) {
      auto s = w.lock();
      return s && s->peer() == peer;
    });
    if (of_peer >= limits.max_connections_per_peer &&
        !evictOne([&](const Session& s) { return s.peer() == peer; })) {
      refuse(counters.peer_limit);
      return;
    }
    if (sessions.size() >= limits.max_connections &&
        !evictOne([](const Session&) { return true; })) {
      refuse(counters.refused);
      return;
    }
    auto session = std::make_shared<Session>(std::move(socket), shared, std::move(peer));
    sessions.push_back(session);
    session->start();
  }

  asio::io_context& io;
  tcp::acceptor acceptor;
  asio::steady_timer backoff;
  std::chrono::milliseconds accept_delay{0};
  std::shared_ptr<Shared> shared;
  const ServerLimits& limits;
  Counters& counters;
  // Open connections, those closed to make room removed at once (their handlers finish later).
  std::list<std::weak_ptr<Session>> sessions;
};

HttpServer::HttpServer(asio::io_context& io, RequestHandler handler, ServerLimits limits)
    : impl_(std::make_shared<Impl>(io, std::move(handler), limits)) {}

HttpServer::~HttpServer() { stop(); }

std::expected<uint16_t, std::string> HttpServer::listen(const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return std::unexpected("invalid listen address '" + host + "': " + ec.message());
  tcp::endpoint endpoint(address, port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor.close();
    return std::unexpected("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                           ec.message());
  }
  impl_->accept();
  return acceptor.local_endpoint().port();
}

void HttpServer::stop() {
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  impl_->backoff.cancel();
  for (auto& weak : impl_->sessions) {
    if (auto session = weak.lock()) session->close();
  }
  impl_->sessions.clear();
}

ServerStats HttpServer::stats() const {
  const Counters& c = impl_->counters;
  return {.accepted = c.accepted.load(),
          .accept_errors = c.accept_errors.load(),
          .evicted = c.evicted.load(),
          .stalled = c.stalled.load(),
          .refused = c.refused.load(),
          .peer_limit = c.peer_limit.load(),
          .timed_out = c.timed_out.load(),
          .too_large = c.too_large.load(),
          .busy = c.busy.load()};
}

}  // namespace swas::http
