#pragma once

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
  // Drop the connection with a TCP reset instead of answering (fault injection).
  bool reset_connection = false;
};

using Responder = std::function<void(ServerResponse)>;
// Called on the loop thread for each request; answer now or later through the responder.
using RequestHandler = std::function<void(ServerRequest, Responder)>;

// A small HTTP/1.1 server with keep-alive on one io_context.
class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, RequestHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting. Port 0 picks a free port; returns the bound port.
  std::expected<uint16_t, std::string> listen(const std::string& host, uint16_t port);
  // Stops accepting and closes every connection.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace swas::http
