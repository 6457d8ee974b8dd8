#include "daemon/util/bearer.h"

#include <cctype>
#include <cstddef>

namespace swas::util {

bool sameSecret(std::string_view given, std::string_view secret) {
  if (secret.empty()) return false;
  // Every byte compared whatever differs.
  unsigned char diff = given.size() == secret.size() ? 0 : 1;
  for (size_t i = 0; i < secret.size(); ++i) {
    diff |= static_cast<unsigned char>(secret[i] ^ (i < given.size() ? given[i] : 0));
  }
  return diff == 0;
}

bool bearerMatches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return false;
  }
  return sameSecret(authorization.substr(kScheme.size()), token);
}

}  // namespace swas::util
