#include <algorithm>
#include <cctype>
#include <charconv>

#include "daemon/http/http_client.h"

namespace swas::http {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string urlForLog(std::string_view url) {
  auto scheme = url.find("://");
  size_t host = scheme == std::string_view::npos ? 0 : scheme + 3;
  // Userinfo ends at the last '@': a password may hold '#', '?' or '/' (invalid, but it must
  // not leak). An '@' in a path only costs the log the right host.
  if (auto at = url.rfind('@'); at != std::string_view::npos && at >= host) host = at + 1;
  auto end = url.find_first_of("/?#", host);
  return std::string(url.substr(0, scheme == std::string_view::npos ? 0 : scheme + 3)) +
         std::string(url.substr(host, end == std::string_view::npos ? url.npos : end - host));
}

std::string_view HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return {};
}

std::expected<ListenAddress, std::string> parseListenAddress(std::string_view text) {
  std::string quoted(1, '\'');
  quoted.append(text).push_back('\'');
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return std::unexpected(quoted + " is not HOST:PORT (e.g. 127.0.0.1:9786)");
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return std::unexpected(quoted + ": write an IPv6 address as [ADDR]:PORT");
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return std::unexpected(quoted + ": port must be a number 0..65535");
  }
  std::string h(host);
  bool ip = !h.empty() && (h.find_first_not_of("0123456789.") == std::string::npos ||
                           h.find_first_not_of("0123456789abcdefABCDEF:.") == std::string::npos);
  if (!ip) {
    return std::unexpected(quoted +
                           ": the host must be an IP address such as 127.0.0.1 or 0.0.0.0");
  }
  return ListenAddress{std::move(h), static_cast<uint16_t>(value)};
}

}  // namespace swas::http
