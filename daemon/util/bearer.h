#pragma once

// Shared secrets presented by HTTP clients (the relay's and the event hints' tokens), compared
// so that the time taken says nothing of where a guess differs.

#include <string_view>

namespace swas::util {

// `given` equals `secret` (non-empty), compared in constant time for a given secret.
bool sameSecret(std::string_view given, std::string_view secret);

// The token in `Authorization: Bearer <token>` (the scheme in any case) equals `token`.
bool bearerMatches(std::string_view authorization, std::string_view token);

}  // namespace swas::util
