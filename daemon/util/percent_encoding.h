#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swas::util {

// Ordered key/value parameters (query or form), as they travel on the wire.
using Params = std::vector<std::pair<std::string, std::string>>;

// RFC 3986 with upper-case hex: A-Z a-z 0-9 - _ . ~ stay, every other byte becomes %XX.
std::string percentEncode(std::string_view text);

// Decodes %XX and, as form encoding does, '+' as space. nullopt on a malformed escape.
std::optional<std::string> percentDecode(std::string_view text);

// Parses "a=1&b=2" into decoded pairs. nullopt if any escape is malformed.
std::optional<Params> parseQuery(std::string_view query);

// "k=v&k2=v2" with both sides percent-encoded, in the given order.
std::string encodeQuery(const Params& params);

// Pairs sorted by encoded key (then encoded value) and joined: the canonical query string of
// both signature versions.
std::string canonicalQuery(const Params& params);

}  // namespace swas::util
