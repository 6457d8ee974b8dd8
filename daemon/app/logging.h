#pragma once

#include <string>

namespace swas::app {

// spdlog to stderr (stdout carries --once output). `format` text: "TIME LEVEL message", without
// the time when journald (JOURNAL_STREAM) adds its own; json: one object per line with ts,
// level and msg.
void setupLogging(const std::string& level, const std::string& format);
// On reload.
void setLogFormat(const std::string& format);

}  // namespace swas::app
