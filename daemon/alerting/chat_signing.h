#pragma once

// The chat robots' request signatures (chat-vendors.md), as pure functions of the secret and
// the time the caller passes in.

#include <cstdint>
#include <string>
#include <string_view>

namespace swas::alerting {

// DingTalk ("加签", secrets start with "SEC"): Base64(HMAC-SHA256(key = secret,
// message = timestamp_ms + "\n" + secret)).
std::string dingtalkSign(std::string_view secret, int64_t timestamp_ms);
// `url` with "timestamp" and "sign" appended as query parameters, the sign percent-encoded
// exactly once (a double-encoded sign is refused with 310000).
std::string dingtalkSignedUrl(std::string_view url, std::string_view secret, int64_t timestamp_ms);

// Feishu/Lark: Base64(HMAC-SHA256(key = timestamp_s + "\n" + secret, message = "")), sent as
// "timestamp" and "sign" in the JSON body.
std::string feishuSign(std::string_view secret, int64_t timestamp_s);

}  // namespace swas::alerting
