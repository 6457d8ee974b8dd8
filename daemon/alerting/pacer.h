#pragma once

// How fast a receiver may send: every limit is "at most `count` messages in any `window`", as
// the chat vendors count them (sliding windows). A token bucket with the same average would let
// a burst through twice in one window and get the robot throttled (DingTalk: for ten minutes),
// so the pacer remembers the send times themselves. Pure: the caller passes the time in.

#include <chrono>
#include <cstddef>
#include <deque>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace swas::alerting {

struct RateLimit {
  size_t count = 0;
  std::chrono::milliseconds window{0};
  bool operator==(const RateLimit&) const = default;
};

class Pacer {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  Pacer() = default;  // no limit
  explicit Pacer(std::vector<RateLimit> limits);

  // How long from `now` until one more message keeps every limit (zero: now).
  std::chrono::milliseconds wait(TimePoint now) const;
  // A message went out at `now`.
  void sent(TimePoint now);
  const std::vector<RateLimit>& limits() const { return limits_; }

 private:
  std::vector<RateLimit> limits_;
  std::chrono::milliseconds longest_{0};
  std::deque<TimePoint> sent_;  // within the longest window, oldest first
};

// The vendor's documented limits by receiver type (none for webhook and alertmanager):
// dingtalk and wecom 20 in any 60 s; feishu 5 in any second and 100 in any 60 s; slack 1 in
// any second.
std::vector<RateLimit> vendorLimits(std::string_view type);

// A `rate_limit` key: "N/s", "N/min" or "N/h", several joined by ",", e.g. "5/s,100/min".
std::expected<std::vector<RateLimit>, std::string> parseRateLimits(std::string_view text);

}  // namespace swas::alerting
