#include "daemon/alerting/pacer.h"

#include <algorithm>
#include <charconv>

namespace swas::alerting {

using std::chrono::milliseconds;

Pacer::Pacer(std::vector<core::RateLimit> limits) { setLimits(std::move(limits)); }

void Pacer::setLimits(std::vector<core::RateLimit> limits) {
  std::erase_if(limits,
                [](const core::RateLimit& l) { return l.count == 0 || l.window.count() <= 0; });
  std::ranges::sort(limits, [](const core::RateLimit& a, const core::RateLimit& b) {
    return std::pair(a.window, a.count) < std::pair(b.window, b.count);
  });
  limits.erase(std::unique(limits.begin(), limits.end()), limits.end());
  limits_ = std::move(limits);
  longest_ = milliseconds(0);
  for (const auto& l : limits_) longest_ = std::max(longest_, l.window);
}

void Pacer::penalise(TimePoint until) { penalised_until_ = std::max(penalised_until_, until); }

milliseconds Pacer::wait(TimePoint now) const {
  milliseconds longest_wait{0};
  if (penalised_until_ > now) {
    longest_wait = std::chrono::ceil<milliseconds>(penalised_until_ - now);
  }
  for (const auto& limit : limits_) {
    // Sends within (now - window, now]; one more is allowed once fewer than `count` remain, that
    // is once the count-th most recent of them has left the window.
    auto in_window = static_cast<size_t>(
        sent_.end() - std::upper_bound(sent_.begin(), sent_.end(), now - limit.window));
    if (in_window < limit.count) continue;
    TimePoint leaves = sent_[sent_.size() - limit.count] + limit.window;
    auto until = std::chrono::ceil<milliseconds>(leaves - now);
    longest_wait = std::max(longest_wait, until);
  }
  return longest_wait;
}

Pacer::TimePoint Pacer::sent(TimePoint now) {
  if (limits_.empty()) return now;
  TimePoint at = std::max(now, sent_.empty() ? now : sent_.back());
  sent_.push_back(at);
  while (!sent_.empty() && sent_.front() <= now - longest_) sent_.pop_front();
  return at;
}

void Pacer::answered(TimePoint sent_at, TimePoint now) {
  auto it = std::find(sent_.begin(), sent_.end(), sent_at);
  if (it == sent_.end() || now <= sent_at) return;
  sent_.erase(it);
  sent_.insert(std::upper_bound(sent_.begin(), sent_.end(), now), now);
}

std::vector<core::RateLimit> vendorLimits(std::string_view type) {
  using namespace std::chrono_literals;
  if (type == "dingtalk" || type == "wecom") return {{20, 60s}};
  if (type == "feishu") return {{5, 1s}, {100, 60s}};
  if (type == "slack") return {{1, 1s}};
  return {};
}

}  // namespace swas::alerting
