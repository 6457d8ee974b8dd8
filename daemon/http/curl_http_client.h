#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "daemon/http/http_client.h"

namespace boost::asio {
class io_context;
}

namespace swas::http {

struct CurlHttpClientOptions {
  std::string ca_file;  // empty: the system trust store
  std::string ca_path;
  bool verify_tls = true;
  size_t max_response_bytes = 32u << 20;
  std::string user_agent;
  long max_connections_per_host = 8;
  // Proxies come from the usual environment variables (http_proxy, https_proxy, no_proxy),
  // which libcurl reads itself; `proxy` overrides them when set.
  std::string proxy;
};

// HttpClient on libcurl's multi-socket API, driven by one Boost.Asio io_context: no thread per
// request, no blocking call on the loop. Connections are reused across requests (the multi
// handle's cache). Must be used and destroyed on the loop's thread.
class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient(boost::asio::io_context& io, CurlHttpClientOptions options);
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  void send(HttpRequest request, HttpCallback callback) override;

  // Completes every in-flight request with a kCancelled error.
  void cancelAll();
  // A new cap of connections per host, for the transfers started from now on (a reload).
  void setMaxConnectionsPerHost(long max);
  size_t inFlight() const;
  // Finished transfers' handles kept for the next ones.
  size_t idleHandles() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// curl_global_init, once per process, from main() or a test's setup.
void globalInitCurl();

}  // namespace swas::http
