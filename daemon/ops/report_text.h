#pragma once

// Words shared by the operator's two views of the state (the commands and the status page).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace swas::ops {

// Unix seconds as local time, "2026-12-02 03:04:05 UTC".
std::string localTime(int64_t unix_seconds);
// "12 s ago", "5 min ago", "3 h ago", "2 d ago".
std::string ago(int64_t then, int64_t now);
// Tracked invocations by status: "Failed 1, Success 2", or "none".
std::string trackedSummary(const std::map<std::string, int64_t>& by_status);
// "web-3 (i-abc)" when the name is known, else the ID.
std::string instanceLabel(std::string_view name, std::string_view id);
// A status an execution ended badly with (core::defaults::kAlertStatuses: Failed, Timeout, Error,
// Invalid, Aborted).
bool isFailureStatus(std::string_view status);

// One receiver's answer to test-alert.
struct ReceiverAnswer {
  std::string_view stage;  // "firing" or "resolved"
  std::string_view peer;   // the Alertmanager peer of a receiver with urls:, else ""
  bool delivered = false;
  std::optional<int> http_status;  // none when no HTTP answer came
  std::string_view body;           // the answer's body
  std::string_view reason;         // the verdict's words, shown when not delivered
};
// "firing (am-2:9093): NOT delivered (HTTP 500: <body>): <reason>", one line for a terminal:
// the body (its first 300 bytes) and the reason are the receiver's words, so every control
// character in them (ESC, BEL, C1 CSI, newlines) shows as '?'.
std::string receiverAnswerLine(const ReceiverAnswer& answer);

// After this long without a recorded status, the views ask whether the daemon is running.
constexpr int64_t kStaleStatusSeconds = 60;

}  // namespace swas::ops
