#pragma once

#include <string>
#include <string_view>

namespace swas::app {

// spdlog to stderr (stdout carries --once output). `format` text: "TIME LEVEL message", without
// the time when journald (JOURNAL_STREAM) adds its own; json: one object per line with ts,
// level and msg.
void setupLogging(const std::string& level, const std::string& format);
// On reload.
void setLogFormat(const std::string& format);

// Control characters as escapes (\n, \r, \t, \xNN): one logged value is one line of text.
// The text format applies it to every message.
std::string escapeControlCharacters(std::string_view text);

}  // namespace swas::app
