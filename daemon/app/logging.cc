#include "daemon/app/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

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

}  // namespace

void setLogFormat(const std::string& format) {
  auto logger = spdlog::default_logger();
  if (format == "json") {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else if (std::getenv("JOURNAL_STREAM")) {
    logger->set_pattern("%l %v");
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
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
