#include "daemon/app/logging.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

namespace swas::app {
namespace {

TEST(Logging, ControlCharactersAreEscaped) {
  EXPECT_EQ(escapeControlCharacters("a\nb\r\tc\x1b[31m\x7f\x01 é"),
            "a\\nb\\r\\tc\\x1b[31m\\x7f\\x01 é");
  EXPECT_EQ(escapeControlCharacters("\xc2\x9b"
                                    "2J \xc2\xa0 \xc2"),
            "\\u009b2J \xc2\xa0 \xc2")
      << "C1 controls escaped, other two-byte characters kept";
}

// An API error body or a command name with a newline once forged a second log line.
TEST(Logging, TheTextFormatWritesOneLinePerMessage) {
  std::ostringstream captured;
  auto logger = std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(captured));
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  setLogFormat("text");
  spdlog::warn("region=x poll failed: {}",
               "Forbidden\n2026-12-01T00:00:00.000 info all clear\x1b[2J");
  spdlog::set_default_logger(previous);
  std::string line = captured.str();
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
  EXPECT_NE(line.find("Forbidden\\n2026-12-01T00:00:00.000 info all clear\\x1b[2J"),
            std::string::npos)
      << line;
}

}  // namespace
}  // namespace swas::app
