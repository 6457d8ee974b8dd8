#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/core/error.h"

namespace swas::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  std::chrono::milliseconds timeout{10'000};
  // The CA certificates (PEM) that may vouch for an https server; empty: the client's (the
  // system trust store). Verification is never off.
  std::string ca_file;
};

struct HttpResponse {
  int status = 0;
  Headers headers;  // names lower-cased, in arrival order
  std::string body;

  // The first value of a header (name compared case-insensitively), or "" when absent.
  std::string_view header(std::string_view name) const;
};

using HttpResult = std::expected<HttpResponse, core::Error>;
using HttpCallback = std::function<void(HttpResult)>;

// Asynchronous HTTP. The callback runs on the client's event loop, never inside send().
// Any HTTP status is a response; errors are transport failures only (timeout, connect, tls,
// too large, cancelled).
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual void send(HttpRequest request, HttpCallback callback) = 0;
};

bool iequals(std::string_view a, std::string_view b);

// A URL as logs may show it: scheme and host only. Userinfo is a password, the query of a
// signed request carries its signature and token, and a webhook's path often is its secret.
std::string urlForLog(std::string_view url);

struct ListenAddress {
  std::string host;  // an IP address literal
  uint16_t port = 0;
};
// "HOST:PORT" or "[IPV6]:PORT", where HOST is an IP address and PORT 0..65535 (0 = any free
// port). The message says what is wrong.
std::expected<ListenAddress, std::string> parseListenAddress(std::string_view text);

}  // namespace swas::http
