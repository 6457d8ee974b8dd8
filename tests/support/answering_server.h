#pragma once

// A server on 127.0.0.1:0 that answers every request with one status and body, on a thread of
// its own: a receiver or an API that says something hostile.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "daemon/http/http_server.h"

namespace swas::testing {

class AnsweringServer {
 public:
  AnsweringServer(int status, std::string body)
      : server_(io_, [status, body](http::ServerRequest, http::Responder respond) {
          respond(http::ServerResponse{status, {{"Content-Type", "application/json"}}, body});
        }) {
    auto port = server_.listen("127.0.0.1", 0);
    if (!port) throw std::runtime_error(port.error());
    port_ = *port;
    thread_ = std::thread([this] { io_.run(); });
  }
  ~AnsweringServer() {
    boost::asio::post(io_, [this] {
      server_.stop();
      work_.reset();
      io_.stop();
    });
    thread_.join();
  }
  AnsweringServer(const AnsweringServer&) = delete;
  AnsweringServer& operator=(const AnsweringServer&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      io_.get_executor()};
  http::HttpServer server_;
  uint16_t port_ = 0;
  std::thread thread_;
};

// ESC, BEL or a C1 control (U+0080..U+009F as UTF-8: C2 80..C2 9F, CSI is C2 9B).
inline bool hasTerminalControl(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == 0x1b || c == 0x07) return true;
    if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      return true;
    }
  }
  return false;
}

}  // namespace swas::testing
