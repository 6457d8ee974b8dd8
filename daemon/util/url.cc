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

bool isHttpUrl(std::string_view url) {
  std::string scheme = urlScheme(url);
  if (scheme != "http" && scheme != "https") return false;
  std::string_view rest = url.substr(scheme.size() + 3);
  // Userinfo ends at the last '@' before the path (a password may hold '/', '?' or '#').
  size_t path = rest.find_first_of("/?#");
  if (size_t at = rest.rfind('@', path); at != std::string_view::npos) {
    rest.remove_prefix(at + 1);
    path = rest.find_first_of("/?#");
  }
  return !rest.substr(0, path).empty();
}

namespace {

// An authority as RFC 3986 has it: host (a name or [IPv6]) and an optional numeric port.
bool wellFormedAuthority(std::string_view authority) {
  size_t port = authority.starts_with('[') ? authority.find(']') : 0;
  if (port == std::string_view::npos) return false;
  port = authority.find(':', port);
  if (port == std::string_view::npos) return true;
  for (char c : authority.substr(port + 1)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string peerName(std::string_view url) {
  size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  std::string name(url);
  size_t authority_end = name.find_first_of("/?#", start);
  size_t at = name.rfind('@', authority_end == std::string::npos ? name.size() : authority_end);
  if (at != std::string::npos && at >= start) {
    name.erase(start, at + 1 - start);
  } else if (size_t last = name.rfind('@');
             last != std::string::npos && last >= start &&
             !wellFormedAuthority(std::string_view(name).substr(
                 start, authority_end == std::string::npos ? name.npos : authority_end - start))) {
    // A password with an unescaped '/', '?' or '#' ends the authority early, in a "port" that
    // is no number: everything up to the last '@' is user information then.
    name.erase(start, last + 1 - start);
  }
  name.erase(std::min(name.size(), name.find_first_of("?#", start)));
  while (name.size() > start && name.back() == '/') name.pop_back();
  return name;
}

}  // namespace swas::util
