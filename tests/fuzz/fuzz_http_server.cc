// The HTTP server's request handling, over a real loopback connection: any bytes get an
// answer or a closed connection, within the limits, never a crash.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "daemon/http/http_server.h"

namespace {

struct Server {
  boost::asio::io_context io;
  std::unique_ptr<swas::http::HttpServer> server;
  uint16_t port = 0;
  Server() {
    server = std::make_unique<swas::http::HttpServer>(
        io,
        [](swas::http::ServerRequest request, swas::http::Responder respond) {
          respond({200, {{"Content-Type", "text/plain"}}, request.method + " " + request.target});
        },
        swas::http::ServerLimits{.read_timeout = std::chrono::milliseconds(50),
                                 .max_body_bytes = 4096,
                                 .max_connections = 4});
    port = server->listen("127.0.0.1", 0).value();
  }
};

// libFuzzer's -timeout alarm interrupts a blocking connect (EINTR) while the handshake goes on
// in the kernel: wait for it to finish instead of failing the run.
bool connectLoopback(int fd, const sockaddr_in& addr) {
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return true;
  if (errno != EINTR) return false;
  pollfd p{fd, POLLOUT, 0};
  while (poll(&p, 1, -1) < 0) {
    if (errno != EINTR) return false;
  }
  int error = 0;
  socklen_t length = sizeof error;
  return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Server* s = new Server();
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(s->port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!connectLoopback(fd, addr)) __builtin_trap();
  if (size > 0) (void)send(fd, data, size, MSG_NOSIGNAL);
  shutdown(fd, SHUT_WR);
  // Serve until the server is done with this connection (it closes, or the read times out).
  timeval none{0, 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
  char buffer[4096];
  for (int round = 0; round < 200; ++round) {
    s->io.restart();
    s->io.run_for(std::chrono::milliseconds(1));
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) break;
  }
  // Close with a reset: no TIME_WAIT left behind, so a long run never runs out of ports.
  linger reset{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  close(fd);
  s->io.restart();
  s->io.poll();
  return 0;
}
