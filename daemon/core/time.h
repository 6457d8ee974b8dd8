#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace swas::core {

using SysSeconds = std::chrono::sys_seconds;

// Reads the API's timestamps: "2023-04-27T10:11:58" (no zone, read as UTC), "...Z", optional
// fractional seconds, and "+hh:mm" offsets. Empty or malformed input gives nullopt.
std::optional<SysSeconds> parseApiTime(std::string_view text);

// Unix time, as the state file and the alert records keep it.
inline int64_t unixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
inline int64_t unixMillis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// "2023-04-27T10:11:58Z": the form of x-acs-date and the V1 Timestamp.
std::string formatIso8601(std::chrono::system_clock::time_point t);
// "2023-04-27T10:11:58": the API's zone-less CreationTime (UTC). Strings of this one width sort
// as the times do, which the store and the poller compare against.
std::string formatCreationTime(std::chrono::system_clock::time_point t);

}  // namespace swas::core
