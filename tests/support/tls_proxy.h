#pragma once

// A TLS front for a plain HTTP server of the tests (the simulator, a receiver): it listens on
// 127.0.0.1:0 with the certificate and key given, and pipes each connection, once its handshake
// is done, to `backend_port` on 127.0.0.1. What production talks to (HTTPS) without teaching the
// servers TLS.

#include <cstdint>
#include <memory>
#include <string>

namespace swas::testing {

class TlsProxy {
 public:
  TlsProxy(const std::string& cert_file, const std::string& key_file, uint16_t backend_port);
  ~TlsProxy();
  TlsProxy(const TlsProxy&) = delete;
  TlsProxy& operator=(const TlsProxy&) = delete;
  // "https://127.0.0.1:PORT"
  std::string url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Test certificates made with the openssl command in `dir`: a CA ("ca.pem"), and server
// certificates it signs ("NAME.pem" and "NAME.key"): for 127.0.0.1 ("good"), for another host
// ("wrong_host"), and one already expired ("expired"); and a self-signed one no CA vouches for
// ("self"). Throws when openssl fails.
void makeTestCertificates(const std::string& dir);

}  // namespace swas::testing
