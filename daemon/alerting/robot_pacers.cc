#include "daemon/alerting/robot_pacers.h"

namespace swas::alerting {

std::string robotOf(std::string_view url) {
  url = url.substr(0, url.find('#'));
  size_t question = url.find('?');
  if (question == std::string_view::npos) return std::string(url);
  std::string robot(url.substr(0, question));
  std::string_view query = url.substr(question + 1);
  std::vector<std::string_view> kept;
  for (bool more = true; more;) {
    size_t amp = query.find('&');
    more = amp != std::string_view::npos;
    std::string_view param = query.substr(0, amp);
    if (more) query.remove_prefix(amp + 1);
    std::string_view name = param.substr(0, param.find('='));
    if (name == "access_token") return robot + "?" + std::string(param);
    if (!param.empty() && name != "timestamp" && name != "sign") kept.push_back(param);
  }
  for (size_t i = 0; i < kept.size(); ++i) {
    robot += i == 0 ? '?' : '&';
    robot += kept[i];
  }
  return robot;
}

void RobotPacers::configure(const std::vector<std::unique_ptr<Receiver>>& receivers) {
  std::map<std::string, std::vector<core::RateLimit>> limits;
  for (const auto& r : receivers) {
    auto& l = limits[robotOf(r->config().url)];
    l.insert(l.end(), r->config().rate_limits.begin(), r->config().rate_limits.end());
  }
  for (auto& [robot, l] : limits) pacers_[robot].setLimits(std::move(l));
}

Pacer& RobotPacers::of(std::string_view url) { return pacers_[robotOf(url)]; }

}  // namespace swas::alerting
