#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace swas::util {

std::string toHex(std::string_view bytes);
std::string base64Encode(std::string_view bytes);
std::optional<std::string> base64Decode(std::string_view text);

std::string sha256Hex(std::string_view data);
std::string hmacSha256Hex(std::string_view key, std::string_view data);
std::string hmacSha256Base64(std::string_view key, std::string_view data);
std::string hmacSha1Base64(std::string_view key, std::string_view data);

}  // namespace swas::util
