#include "daemon/http/http_server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <list>

namespace swas::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string_view ServerRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return {};
}

namespace {

struct Counters {
  std::atomic<uint64_t> accepted{0}, accept_errors{0}, evicted{0}, refused{0}, timed_out{0},
      too_large{0};
};

// What sessions share with their server; owned jointly, so a session finishing after the
// server is gone touches nothing freed.
struct Shared {
  RequestHandler handler;
  ServerLimits limits;
  Counters counters;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Shared> shared)
      : stream_(std::move(socket)),
        shared_(std::move(shared)),
        handler_(shared_->handler),
        limits_(shared_->limits),
        counters_(shared_->counters) {}

  // A handler that dropped its responder unanswered: the connection is aborted (a reset), so
  // the client learns at once that this request got no answer.
  ~Session() {
    if (!answering_) return;
    boost::system::error_code ec;
    stream_.socket().set_option(asio::socket_base::linger(true, 0), ec);
    stream_.socket().close(ec);
  }

  void start() { read(); }

  // Waiting for a request (not answering one): may be closed to make room.
  bool idle() const { return reading_; }
  std::chrono::steady_clock::time_point since() const { return since_; }

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
    // The head first: a POST under large_body_prefix may bring a larger body.
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->onHeader(ec); });
  }

  void onHeader(beast::error_code ec) {
    if (ec) {
      onRead(ec);
      return;
    }
    const auto& head = parser_->get();
    bool large = !limits_.large_body_prefix.empty() && head.method() == bhttp::verb::post &&
                 std::string_view(head.target()).starts_with(limits_.large_body_prefix);
    if (!large) {
      if (parser_->content_length().value_or(0) > limits_.max_body_bytes) {
        onRead(bhttp::error::body_limit);
        return;
      }
      parser_->body_limit(limits_.max_body_bytes);  // a chunked body, as it comes
    }
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    reading_ = false;
    if (ec) {
      if (ec == beast::error::timeout) ++counters_.timed_out;
      if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
        ++counters_.too_large;
        respondAndClose(ec == bhttp::error::body_limit ? 413 : 431);
        return;
      }
      close();
      return;
    }
    auto message = parser_->release();
    keep_alive_ = message.keep_alive();
    ServerRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request.body = std::move(message.body());
    boost::system::error_code ec_remote;
    auto peer = stream_.socket().remote_endpoint(ec_remote);
    if (!ec_remote) request.remote = peer.address().to_string() + ":" + std::to_string(peer.port());
    version_ = message.version();
    // The responder owns the session until it answers; a handler that drops it unanswered
    // aborts the connection (~Session).
    answering_ = true;
    handler_(std::move(request), [self = shared_from_this()](ServerResponse response) {
      self->write(std::move(response));
    });
  }

  void respondAndClose(int status) {
    keep_alive_ = false;
    ServerResponse response{status, {{"Content-Type", "text/plain; charset=utf-8"}}, {}};
    response.body = status == 413 ? "request body too large\n" : "request header too large\n";
    write(std::move(response));
  }

  void write(ServerResponse response) {
    answering_ = false;
    auto out = std::make_shared<bhttp::response<bhttp::string_body>>();
    out->version(version_);
    out->result(static_cast<unsigned>(response.status));
    for (const auto& [name, value] : response.headers) out->set(name, value);
    out->body() = std::move(response.body);
    out->keep_alive(keep_alive_);
    out->prepare_payload();
    stream_.expires_after(limits_.write_timeout);
    bhttp::async_write(stream_, *out,
                       [self = shared_from_this(), out](beast::error_code ec, size_t) {
                         if (ec == beast::error::timeout) ++self->counters_.timed_out;
                         if (ec || !self->keep_alive_) {
                           self->close();
                           return;
                         }
                         self->read();
                       });
  }

  beast::tcp_stream stream_;
  std::shared_ptr<Shared> shared_;
  RequestHandler& handler_;
  const ServerLimits& limits_;
  Counters& counters_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool keep_alive_ = true;
  bool reading_ = false;
  bool answering_ = false;  // a request is with the handler
  std::chrono::steady_clock::time_point since_ = std::chrono::steady_clock::now();
  unsigned version_ = 11;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io_context, RequestHandler h, ServerLimits l)
      : io(io_context),
        acceptor(io_context),
        backoff(io_context),
        shared(std::make_shared<Shared>(std::move(h), l)),
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

  // At the cap, the connection idle the longest makes room; if none is idle, the new one goes.
  void admit(tcp::socket socket) {
    ++counters.accepted;
    sessions.remove_if([](const std::weak_ptr<Session>& w) { return w.expired(); });
    if (sessions.size() >= limits.max_connections) {
      std::shared_ptr<Session> oldest;
      for (auto& weak : sessions) {
        auto s = weak.lock();
        if (s && s->idle() && (!oldest || s->since() < oldest->since())) oldest = s;
      }
      if (!oldest) {
        ++counters.refused;
        boost::system::error_code ignored;
        socket.close(ignored);
        return;
      }
      ++counters.evicted;
      oldest->close();
    }
    auto session = std::make_shared<Session>(std::move(socket), shared);
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
  return {c.accepted.load(), c.accept_errors.load(), c.evicted.load(),
          c.refused.load(),  c.timed_out.load(),     c.too_large.load()};
}

}  // namespace swas::http
