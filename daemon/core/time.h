#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace swas::core {

using SysSeconds = std::chrono::sys_seconds;

// Reads the API's timestamps: "2023-04-27T10:11:58" (no zone, read as UTC), "...Z", optional
// fractional seconds, and "+hh:mm" offsets. Empty or malformed input gives nullopt.
std::optional<SysSeconds> parseApiTime(std::string_view text);

// "2023-04-27T10:11:58Z": the form of x-acs-date and the V1 Timestamp.
std::string formatIso8601(std::chrono::system_clock::time_point t);

}  // namespace swas::core
