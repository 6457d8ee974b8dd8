#pragma once

// A rate limit as the chat vendors state theirs: at most `count` messages in any `window`.

#include <chrono>
#include <cstddef>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace swas::core {

struct RateLimit {
  size_t count = 0;
  std::chrono::milliseconds window{0};
  bool operator==(const RateLimit&) const = default;
};

// A `rate_limit` key: "N/s", "N/min" or "N/h", several joined by ",", e.g. "5/s,100/min".
std::expected<std::vector<RateLimit>, std::string> parseRateLimits(std::string_view text);

}  // namespace swas::core
