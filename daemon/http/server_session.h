#pragma once

// One connection of the HTTP server (private to the http module, included by http_server.cc
// only): reads a request, hands it to the handler, writes the answer, keeps track of its
// progress in both directions so that the server can tell which connection to evict.

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "daemon/http/http_server.h"

namespace swas::http::session {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

using SteadyTime = std::chrono::steady_clock::time_point;

inline constexpr size_t kReadChunk = 64 * 1024;
inline constexpr size_t kProgressBytes = 16 * 1024;
inline constexpr auto kLinger = std::chrono::seconds(1);
inline constexpr size_t kLingerBytes = 1024 * 1024;

struct Counters {
  std::atomic<uint64_t> accepted{0}, accept_errors{0}, evicted{0}, stalled{0}, refused{0},
      peer_limit{0}, timed_out{0}, too_large{0}, busy{0};
};

// What sessions share with their server; owned jointly, so a session finishing after the
// server is gone touches nothing freed. Touched on the loop thread only (but the counters).
struct Shared {
  RequestHandler handler;
  ServerLimits limits;
  Counters counters;
  size_t large_in_flight = 0;
};

// The head as a request with no body (names lower-cased), for ServerLimits::large_body and the
// handler alike.
inline ServerRequest requestOf(const bhttp::request_parser<bhttp::string_body>::value_type& head) {
  ServerRequest request;
  request.method = std::string(head.method_string());
  request.target = std::string(head.target());
  for (const auto& field : head) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  return request;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Shared> shared, std::string peer)
      : stream_(std::move(socket)),
        shared_(std::move(shared)),
        handler_(shared_->handler),
        limits_(shared_->limits),
        counters_(shared_->counters),
        peer_(std::move(peer)),
        // What the parser has not taken yet: a head, and a read's worth of body. Bounded, so
        // a chunk-size line or trailer that never ends (the body limit counts only chunk data)
        // fails with buffer_overflow instead of growing until the read timeout.
        buffer_(limits_.max_header_bytes + kReadChunk) {}

  // A handler that dropped its responder unanswered: the connection is aborted (a reset), so
  // the client learns at once that this request got no answer.
  ~Session() {
    releaseLarge();
    if (!answering_) return;
    boost::system::error_code ec;
    stream_.socket().set_option(asio::socket_base::linger(true, 0), ec);
    stream_.socket().close(ec);
  }

  void start() { read(); }

  const std::string& peer() const { return peer_; }

  // Since when this connection may be closed to make room: waiting for (or reading) a request,
  // or writing a response the peer has taken nothing of for stalled_after. Never while a
  // request is with the handler.
  std::optional<SteadyTime> evictableSince(SteadyTime now) const {
    if (reading_) return since_;
    if (writing_ && now - since_ >= limits_.stalled_after) return since_;
    return std::nullopt;
  }
  bool writing() const { return writing_; }

  void close() {
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

 private:
  void read() {
    reading_ = true;
    since_ = std::chrono::steady_clock::now();
    parser_.emplace();
    parser_->header_limit(limits_.max_header_bytes);
    // The larger limit until the head says which applies (Content-Length is checked against it
    // as the head is parsed).
    parser_->body_limit(std::max(limits_.max_body_bytes, limits_.max_large_body_bytes));
    stream_.expires_after(limits_.read_timeout);
    // The head first: whether a large body may follow is decided from it alone.
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->onHeader(ec); });
  }

  void onHeader(beast::error_code ec);

  // Some of the body at a time, so that progress is seen (the connection that has waited the
  // longest for a byte is the one evicted).
  void readBody();

  void releaseLarge() {
    if (!large_) return;
    large_ = false;
    --shared_->large_in_flight;
  }

  void onRead(beast::error_code ec);

  std::string remote() const {
    boost::system::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    return ec ? peer_ : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }

  void respondAndClose(int status) {
    keep_alive_ = false;
    linger_ = true;
    ServerResponse response{status, {{"Content-Type", "text/plain; charset=utf-8"}}, {}};
    if (status == 413) {
      response.body = "request body too large\n";
    } else if (status == 431) {
      response.body = "request header too large\n";
    } else {
      response.body = "too many large requests at once; retry\n";
      response.headers.emplace_back("Retry-After", "1");
    }
    write(std::move(response));
  }

  // A piece at a time, so that progress is seen: a peer that takes nothing for stalled_after
  // may be evicted, one that reads slowly but reads may not.
  struct Outgoing {
    bhttp::response<bhttp::string_body> message;
    bhttp::response_serializer<bhttp::string_body> serializer{message};
  };

  void write(ServerResponse response);

  void writeSome(std::shared_ptr<Outgoing> out);

  // After refusing a request whose body is still coming: closing with unread bytes would reset
  // the connection, and the client could lose the answer (413, 431, 503) it should read. So the
  // sending side closes, and what still comes is read and dropped, for at most kLinger and
  // kLingerBytes; the connection stays evictable meanwhile.
  void lingerClose();

  void drain(size_t dropped);

  beast::tcp_stream stream_;
  std::shared_ptr<Shared> shared_;
  RequestHandler& handler_;
  const ServerLimits& limits_;
  Counters& counters_;
  std::string peer_;  // the peer's address, without its port
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool keep_alive_ = true;
  bool linger_ = false;  // refused with its body unread: drain before closing
  std::array<char, 4096> scratch_{};
  bool reading_ = false;
  bool writing_ = false;
  bool answering_ = false;                               // a request is with the handler
  bool large_ = false;                                   // holds one of max_large_bodies
  SteadyTime since_ = std::chrono::steady_clock::now();  // the last progress of a read or write
  size_t taken_ = 0;                                     // of the response since the last progress
  unsigned version_ = 11;
};

}  // namespace swas::http::session
