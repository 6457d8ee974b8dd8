#include "daemon/ops/report_text.h"

#include <algorithm>
#include <ctime>

#include "daemon/core/defaults.h"
#include "daemon/util/terminal.h"
#include "daemon/util/utf8.h"

namespace swas::ops {

std::string localTime(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %Z", &tm);
  return buf;
}

std::string ago(int64_t then, int64_t now) {
  int64_t s = std::max<int64_t>(0, now - then);
  if (s < 60) return std::to_string(s) + " s ago";
  if (s < 3600) return std::to_string(s / 60) + " min ago";
  if (s < 86400) return std::to_string(s / 3600) + " h ago";
  return std::to_string(s / 86400) + " d ago";
}

std::string trackedSummary(const std::map<std::string, int64_t>& by_status) {
  std::string out;
  for (const auto& [status, n] : by_status) {
    out += (out.empty() ? "" : ", ") + status + " " + std::to_string(n);
  }
  return out.empty() ? "none" : out;
}

std::string instanceLabel(std::string_view name, std::string_view id) {
  if (name.empty()) return std::string(id);
  return std::string(name) + " (" + std::string(id) + ")";
}

bool isFailureStatus(std::string_view status) {
  return std::find(std::begin(core::defaults::kAlertStatuses),
                   std::end(core::defaults::kAlertStatuses),
                   status) != std::end(core::defaults::kAlertStatuses);
}

std::string receiverAnswerLine(const ReceiverAnswer& answer) {
  std::string line(answer.stage);
  if (!answer.peer.empty()) line += " (" + std::string(answer.peer) + ")";
  line += answer.delivered ? ": delivered" : ": NOT delivered";
  if (answer.http_status) {
    line += " (HTTP " + std::to_string(*answer.http_status);
    std::string_view body = util::utf8Prefix(answer.body, 300);
    if (!body.empty()) line += ": " + std::string(body);
    line += ")";
  }
  if (!answer.delivered) line += ": " + std::string(answer.reason);
  return util::terminalSafe(line);
}

}  // namespace swas::ops
