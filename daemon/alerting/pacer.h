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

#include "daemon/core/rate_limit.h"

namespace swas::alerting {

using core::parseRateLimits;
using core::RateLimit;

class Pacer {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  Pacer() = default;  // no limit
  explicit Pacer(std::vector<RateLimit> limits);

  // How long from `now` until one more message keeps every limit (zero: now).
  std::chrono::milliseconds wait(TimePoint now) const;
  // A message went out at `now` (counted at once, so two senders sharing the pacer never pass
  // together).
  // Returns the time recorded (never before an earlier send's).
  TimePoint sent(TimePoint now);
  // The message sent at `sent_at` was answered at `now`: it is counted from then, an upper bound
  // of when the vendor saw it, so a slow request cannot let a later one into its window.
  void answered(TimePoint sent_at, TimePoint now);
  // New limits (the union of every receiver's on one robot); the send times are kept.
  void setLimits(std::vector<RateLimit> limits);
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

}  // namespace swas::alerting
