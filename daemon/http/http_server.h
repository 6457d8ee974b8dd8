#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>

#include "daemon/http/http_client.h"

namespace boost::asio {
class io_context;
}

namespace swas::http {

struct ServerRequest {
  std::string method;
  std::string target;  // path and query as received
  Headers headers;     // names lower-cased
  std::string body;
  std::string remote;  // "ip:port" of the peer
  std::string_view header(std::string_view name) const;
};

struct ServerResponse {
  int status = 200;
  Headers headers;
  std::string body;
};

// What one listener tolerates. Every connection is bounded in time and size, the number of
// connections is capped, and so is each peer address's share of them: at a cap, the connection
// idle the longest (waiting for a request, or not reading its response) makes room.
struct ServerLimits {
  // A request (head and body) must arrive within this of the read starting, and a kept-alive
  // connection may wait this long for its next request.
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  // A response none of whose bytes the peer took for this long makes its connection evictable
  // (a peer that stops reading must not hold a place until write_timeout).
  std::chrono::milliseconds stalled_after{2'000};
  uint32_t max_header_bytes = 16 * 1024;
  uint64_t max_body_bytes = 64 * 1024;
  size_t max_connections = 64;
  // One peer address (every port of it) holds at most this many of max_connections.
  size_t max_connections_per_peer = 16;
  // Whether a request may bring a body over max_body_bytes, up to max_large_body_bytes: decided
  // from its head alone (method, target, headers; body empty), before a byte of the body is
  // read. Unset: no request may.
  std::function<bool(const ServerRequest&)> large_body;
  uint64_t max_large_body_bytes = 0;
  // Large bodies being read or handled at once; another is answered 503 unread.
  size_t max_large_bodies = 4;
};

// What a listener had to refuse (read from any thread).
struct ServerStats {
  uint64_t accepted = 0;
  uint64_t accept_errors = 0;  // e.g. EMFILE; accepting backs off
  uint64_t evicted = 0;        // idle connections closed to make room at the cap
  uint64_t stalled = 0;        // connections not reading their response, closed to make room
  uint64_t refused = 0;        // at the cap with no idle connection to close
  uint64_t peer_limit = 0;     // refused: the peer address held its share, none of them idle
  uint64_t timed_out = 0;
  uint64_t too_large = 0;
  uint64_t busy = 0;  // large bodies refused (503) while max_large_bodies were in flight
  ServerStats& operator+=(const ServerStats& o) {
    accepted += o.accepted;
    accept_errors += o.accept_errors;
    evicted += o.evicted;
    stalled += o.stalled;
    refused += o.refused;
    peer_limit += o.peer_limit;
    timed_out += o.timed_out;
    too_large += o.too_large;
    busy += o.busy;
    return *this;
  }
};

using Responder = std::function<void(ServerResponse)>;
// Called on the loop thread for each request; answer now or later through the responder (on
// the loop thread). A handler that drops the responder (every copy, on the loop thread) without
// answering aborts the connection with a reset, unless the server was stopped meanwhile.
using RequestHandler = std::function<void(ServerRequest, Responder)>;

// A small HTTP/1.1 server with keep-alive on one io_context.
class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, RequestHandler handler, ServerLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting. Port 0 picks a free port; returns the bound port.
  std::expected<uint16_t, std::string> listen(const std::string& host, uint16_t port);
  // Stops accepting and closes every connection.
  void stop();
  ServerStats stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace swas::http
