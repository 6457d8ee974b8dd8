#pragma once

// Rate limits: the chat vendors' "at most `count` messages in any `window`", and the token bucket
// that paces API calls.

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

// A token bucket: `rate` tokens per second, burst `rate` (at least 1). take() answers how long to
// wait before the request may go; the caller passes the time in.
class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;
  TokenBucket(double rate, Clock::time_point now);
  // Reserves one token; returns the wait until it is available (zero when at once).
  std::chrono::milliseconds take(Clock::time_point now);

 private:
  void refill(Clock::time_point now);
  double rate_;
  double capacity_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace swas::core
