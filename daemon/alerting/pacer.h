#pragma once

// How fast a receiver may send: every limit is "at most `count` messages in any `window`", as
// the chat vendors count them (sliding windows). A token bucket with the same average would let
// a burst through twice in one window and get the robot throttled (DingTalk: for ten minutes),
// so the pacer remembers the send times themselves. A robot that answered "throttled" anyway
// (sent to by another program too, or a window lost in a restart) is held back as a whole until
// its penalty ends: the pacer belongs to the robot, not to a message. Pure: the caller passes the
// time in.

#include <chrono>
#include <cstddef>
#include <deque>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/rate_limit.h"

namespace swas::alerting {

class Pacer {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  Pacer() = default;  // no limit
  explicit Pacer(std::vector<core::RateLimit> limits);

  // How long from `now` until one more message keeps every limit and the robot's penalty has
  // ended (zero: now).
  std::chrono::milliseconds wait(TimePoint now) const;
  // A message went out at `now` (counted at once, so two senders sharing the pacer never pass
  // together).
  // Returns the time recorded (never before an earlier send's).
  TimePoint sent(TimePoint now);
  // The message sent at `sent_at` was answered at `now`: it is counted from then, an upper bound
  // of when the vendor saw it, so a slow request cannot let a later one into its window.
  void answered(TimePoint sent_at, TimePoint now);
  // The robot answered "throttled": nothing more is sent to it until `until` (a later penalty
  // already in force is kept). Limits or none, every sender sharing the pacer waits.
  void penalise(TimePoint until);
  // New limits (the union of every receiver's on one robot); the send times and the penalty are
  // kept.
  void setLimits(std::vector<core::RateLimit> limits);
  const std::vector<core::RateLimit>& limits() const { return limits_; }

 private:
  std::vector<core::RateLimit> limits_;
  std::chrono::milliseconds longest_{0};
  std::deque<TimePoint> sent_;  // within the longest window, oldest first
  TimePoint penalised_until_{};
};

// The vendor's documented limits by receiver type (none for webhook and alertmanager):
// dingtalk and wecom 20 in any 60 s; feishu 5 in any second and 100 in any 60 s; slack 1 in
// any second.
std::vector<core::RateLimit> vendorLimits(std::string_view type);

}  // namespace swas::alerting
