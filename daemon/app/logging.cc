#include "daemon/app/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>

#include "daemon/core/json.h"
#include "daemon/core/time.h"

namespace swas::app {
namespace {

// {"ts":"2026-11-28T12:00:00.123Z","level":"warn","msg":"..."}
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch());
    std::string ts = core::formatIso8601(std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::seconds>(ms)));
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>(ms.count() % 1000));
    ts.insert(ts.size() - 1, frac);
    auto level = spdlog::level::to_string_view(msg.level);
    std::string line;
    core::JsonObject o(line);
    o.str("ts", ts)
        .str("level", std::string_view(level.data(), level.size()))
        .str("msg", std::string_view(msg.payload.data(), msg.payload.size()));
    o.close();
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

// The text format with every control character of the message escaped: API error bodies,
// command names and Output are written by others, and a raw newline or ESC would forge a line
// or drive the operator's terminal.
class EscapingFormatter final : public spdlog::formatter {
 public:
  explicit EscapingFormatter(std::string pattern)
      : pattern_(std::move(pattern)), inner_(pattern_, spdlog::pattern_time_type::local, "\n") {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    std::string escaped = escapeControlCharacters(payload);
    spdlog::details::log_msg copy = msg;
    copy.payload = escaped;
    inner_.format(copy, dest);
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<EscapingFormatter>(pattern_);
  }

 private:
  std::string pattern_;
  spdlog::pattern_formatter inner_;
};

}  // namespace

std::string escapeControlCharacters(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    auto u = static_cast<unsigned char>(c);
    // C1 controls (U+0080..U+009F, UTF-8 C2 80..C2 9F): CSI and friends drive terminals too.
    if (u == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\u%04x", static_cast<unsigned char>(text[++i]));
      out += hex;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", u);
      out += hex;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

namespace {

std::unique_ptr<spdlog::formatter> textFormatter(bool with_time) {
  return std::make_unique<EscapingFormatter>(with_time ? "%Y-%m-%dT%H:%M:%S.%e %l %v" : "%l %v");
}

}  // namespace

void setLogFormat(const std::string& format) {
  auto logger = spdlog::default_logger();
  if (format == "json") {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger->set_formatter(textFormatter(!std::getenv("JOURNAL_STREAM")));
  }
}

void setupLogging(const std::string& level, const std::string& format) {
  auto logger = spdlog::get("swas");
  if (!logger) logger = spdlog::stderr_logger_mt("swas");
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
  setLogFormat(format);
}

}  // namespace swas::app
