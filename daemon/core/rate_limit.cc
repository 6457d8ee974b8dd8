#include "daemon/core/rate_limit.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace swas::core {

std::expected<std::vector<RateLimit>, std::string> parseRateLimits(std::string_view text) {
  using namespace std::chrono_literals;
  std::vector<RateLimit> out;
  if (text.empty()) return out;
  for (;;) {
    size_t comma = text.find(',');
    std::string_view one = text.substr(0, comma);
    while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
    while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
    auto bad = [&] {
      return std::unexpected("rate_limit: '" + std::string(one) +
                             "' is not N/s, N/min or N/h with N at least 1");
    };
    size_t slash = one.find('/');
    if (slash == std::string_view::npos) return bad();
    size_t count = 0;
    auto [end, ec] = std::from_chars(one.data(), one.data() + slash, count);
    if (ec != std::errc() || end != one.data() + slash || count == 0) return bad();
    std::string_view unit = one.substr(slash + 1);
    if (unit == "s") {
      out.push_back({count, 1s});
    } else if (unit == "min") {
      out.push_back({count, 60s});
    } else if (unit == "h") {
      out.push_back({count, 3600s});
    } else {
      return bad();
    }
    if (comma == std::string_view::npos) return out;
    text = text.substr(comma + 1);
  }
}

TokenBucket::TokenBucket(double rate, Clock::time_point now)
    : rate_(rate), capacity_(std::max(1.0, rate)), tokens_(capacity_), last_(now) {}

void TokenBucket::refill(Clock::time_point now) {
  if (now > last_) {
    double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(capacity_, tokens_ + elapsed * rate_);
    last_ = now;
  }
}

std::chrono::milliseconds TokenBucket::take(Clock::time_point now) {
  refill(now);
  tokens_ -= 1.0;  // a reservation: later callers queue behind it
  if (tokens_ >= 0.0 || rate_ <= 0.0) return std::chrono::milliseconds::zero();
  return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(-tokens_ / rate_ * 1000.0)));
}

}  // namespace swas::core
