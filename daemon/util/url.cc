#include "daemon/util/url.h"

#include <algorithm>
#include <cctype>

namespace swas::util {

std::string urlScheme(std::string_view url) {
  size_t end = url.find("://");
  if (end == std::string_view::npos || end == 0) return "";
  std::string scheme;
  for (char c : url.substr(0, end)) {
    auto u = static_cast<unsigned char>(c);
    // RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ); anything else is no scheme.
    if (!std::isalnum(u) && c != '+' && c != '-' && c != '.') return "";
    scheme.push_back(static_cast<char>(std::tolower(u)));
  }
  return std::isalpha(static_cast<unsigned char>(scheme.front())) ? scheme : "";
}

namespace {

// RFC 3986: the authority runs from "://" to the first '/', '?' or '#' (as libcurl reads it);
// its user information ends at its last '@'.
struct Parts {
  std::string_view scheme_sep;  // "scheme://"
  std::string_view userinfo;    // with its '@'
  std::string_view host_port;
  std::string_view rest;  // path, query, fragment
};

Parts partsOf(std::string_view url) {
  size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  size_t end = std::min(url.size(), url.find_first_of("/?#", start));
  std::string_view authority = url.substr(start, end - start);
  size_t at = authority.rfind('@');
  size_t host = at == std::string_view::npos ? 0 : at + 1;
  return {url.substr(0, start), authority.substr(0, host), authority.substr(host), url.substr(end)};
}

}  // namespace

bool isHttpUrl(std::string_view url) {
  std::string scheme = urlScheme(url);
  if (scheme != "http" && scheme != "https") return false;
  return !partsOf(url).host_port.empty();
}

bool ambiguousAt(std::string_view url) {
  return partsOf(url).rest.find('@') != std::string_view::npos;
}

std::string peerName(std::string_view url) {
  Parts p = partsOf(url);
  std::string_view path = p.rest.substr(0, p.rest.find_first_of("?#"));
  // A path with an '@' may be a password another parser would read as user information.
  if (path.find('@') != std::string_view::npos) path = {};
  std::string name = std::string(p.scheme_sep) + std::string(p.host_port) + std::string(path);
  while (name.size() > p.scheme_sep.size() && name.back() == '/') name.pop_back();
  return name;
}

}  // namespace swas::util
