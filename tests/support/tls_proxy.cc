#include "tests/support/tls_proxy.h"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace swas::testing {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// One proxied connection: TLS on one side, plain TCP on the other, bytes both ways.
class Pipe : public std::enable_shared_from_this<Pipe> {
 public:
  Pipe(tcp::socket client, ssl::context& tls, asio::io_context& io, uint16_t backend)
      : tls_(std::move(client), tls), backend_(io), port_(backend) {}

  void start() {
    tls_.async_handshake(ssl::stream_base::server, [self = shared_from_this()](auto ec) {
      if (ec) return;  // a client that refused our certificate: what the tests expect
      self->backend_.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), self->port_),
                                   [self](auto ec2) {
                                     if (ec2) return;
                                     self->fromClient();
                                     self->fromBackend();
                                   });
    });
  }

 private:
  void fromClient() {
    tls_.async_read_some(asio::buffer(up_), [self = shared_from_this()](auto ec, size_t n) {
      if (ec) return self->close();
      asio::async_write(self->backend_, asio::buffer(self->up_, n), [self](auto ec2, size_t) {
        if (ec2) return self->close();
        self->fromClient();
      });
    });
  }
  void fromBackend() {
    backend_.async_read_some(asio::buffer(down_), [self = shared_from_this()](auto ec, size_t n) {
      if (ec) return self->close();
      asio::async_write(self->tls_, asio::buffer(self->down_, n), [self](auto ec2, size_t) {
        if (ec2) return self->close();
        self->fromBackend();
      });
    });
  }
  void close() {
    boost::system::error_code ignored;
    backend_.close(ignored);
    tls_.lowest_layer().close(ignored);
  }

  ssl::stream<tcp::socket> tls_;
  tcp::socket backend_;
  uint16_t port_;
  std::array<char, 16384> up_{}, down_{};
};

void run(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) {
    throw std::runtime_error("failed: " + command);
  }
}

}  // namespace

struct TlsProxy::Impl {
  asio::io_context io;
  ssl::context tls{ssl::context::tls_server};
  tcp::acceptor acceptor{io};
  uint16_t backend = 0;
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      std::make_shared<Pipe>(std::move(socket), tls, io, backend)->start();
      accept();
    });
  }
};

TlsProxy::TlsProxy(const std::string& cert_file, const std::string& key_file, uint16_t backend_port)
    : impl_(std::make_unique<Impl>()) {
  impl_->backend = backend_port;
  impl_->tls.use_certificate_chain_file(cert_file);
  impl_->tls.use_private_key_file(key_file, ssl::context::pem);
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

TlsProxy::~TlsProxy() {
  asio::post(impl_->io, [this] { impl_->io.stop(); });
  impl_->thread.join();
}

std::string TlsProxy::url() const {
  return "https://127.0.0.1:" + std::to_string(impl_->acceptor.local_endpoint().port());
}

void makeTestCertificates(const std::string& dir) {
  run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=swas-test-ca -keyout " + dir +
      "/ca.key -out " + dir + "/ca.pem");
  auto sign = [&](const std::string& name, const std::string& san, const std::string& days) {
    run("openssl req -newkey rsa:2048 -nodes -subj /CN=" + name + " -keyout " + dir + "/" + name +
        ".key -out " + dir + "/" + name + ".csr");
    std::ofstream(dir + "/" + name + ".ext") << "subjectAltName=" << san << "\n";
    run("openssl x509 -req -in " + dir + "/" + name + ".csr -CA " + dir + "/ca.pem -CAkey " + dir +
        "/ca.key -CAcreateserial -days " + days + " -extfile " + dir + "/" + name + ".ext -out " +
        dir + "/" + name + ".pem");
  };
  sign("good", "IP:127.0.0.1", "2");
  sign("wrong_host", "DNS:elsewhere.example", "2");
  // Valid until the moment it is made: expired by the time anyone checks it.
  sign("expired", "IP:127.0.0.1", "0");
  run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      dir + "/self.key -out " + dir + "/self.pem");
}

}  // namespace swas::testing
