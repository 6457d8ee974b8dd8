#include "daemon/http/http_server.h"

#include <boost/asio/ip/tcp.hpp>
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

constexpr size_t kMaxRequestBody = 8u << 20;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, RequestHandler& handler)
      : stream_(std::move(socket)), handler_(handler) {}

  void start() { read(); }

  void close() {
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBody);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    if (ec) {
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
    // closes the connection.
    handler_(std::move(request), [self = shared_from_this()](ServerResponse response) {
      self->write(std::move(response));
    });
  }

  void write(ServerResponse response) {
    if (response.reset_connection) {
      boost::system::error_code ec;
      stream_.socket().set_option(asio::socket_base::linger(true, 0), ec);
      stream_.socket().close(ec);
      return;
    }
    auto out = std::make_shared<bhttp::response<bhttp::string_body>>();
    out->version(version_);
    out->result(static_cast<unsigned>(response.status));
    for (const auto& [name, value] : response.headers) out->set(name, value);
    out->body() = std::move(response.body);
    out->keep_alive(keep_alive_);
    out->prepare_payload();
    bhttp::async_write(stream_, *out,
                       [self = shared_from_this(), out](beast::error_code ec, size_t) {
                         if (ec || !self->keep_alive_) {
                           self->close();
                           return;
                         }
                         self->read();
                       });
  }

  beast::tcp_stream stream_;
  RequestHandler& handler_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io_context, RequestHandler h)
      : io(io_context), acceptor(io_context), handler(std::move(h)) {}

  void accept() {
    acceptor.async_accept(
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
          if (ec) {
            if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
          } else {
            auto session = std::make_shared<Session>(std::move(socket), self->handler);
            self->sessions.remove_if([](const std::weak_ptr<Session>& w) { return w.expired(); });
            self->sessions.push_back(session);
            session->start();
          }
          self->accept();
        });
  }

  asio::io_context& io;
  tcp::acceptor acceptor;
  RequestHandler handler;
  std::list<std::weak_ptr<Session>> sessions;
};

HttpServer::HttpServer(asio::io_context& io, RequestHandler handler)
    : impl_(std::make_shared<Impl>(io, std::move(handler))) {}

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
  for (auto& weak : impl_->sessions) {
    if (auto session = weak.lock()) session->close();
  }
  impl_->sessions.clear();
}

}  // namespace swas::http
