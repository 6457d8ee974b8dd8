#include "daemon/app/app.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <ostream>

#include "daemon/app/cli.h"
#include "daemon/app/daemon.h"
#include "daemon/app/logging.h"
#include "daemon/app/options.h"
#include "daemon/config/config.h"
#include "daemon/core/scope.h"
#include "daemon/ops/transition_output.h"
#include "daemon/util/terminal.h"

namespace swas::app {
namespace {

constexpr std::string_view kUsage =
    "usage: swas-invocation-monitor --config FILE [--check-config | --once] [--log-level LEVEL]\n"
    "       swas-invocation-monitor status|alerts|history|test-alert --config FILE [...]\n"
    "       swas-invocation-monitor --version | --help\n"
    "\n"
    "Polls Alibaba Cloud SWAS DescribeCommandInvocations, tracks every command invocation per\n"
    "instance, exports Prometheus metrics and alerts on Failed, Timeout and ErrorCode.\n"
    "  --config FILE     the YAML configuration\n"
    "  --check-config    validate the configuration, print OK or the problems, exit\n"
    "  --once            poll every region once (all pages), print the transitions as JSON lines\n"
    "  --log-level L     trace|debug|info|warn|error, overriding log.level\n";

struct Args {
  std::string config;
  std::string log_level;
  bool check = false;
  bool once = false;
};

// Text from the configuration and its files, line by line through the terminal filter.
std::string safeLines(std::string_view text) {
  std::string out;
  for (size_t at = 0; at <= text.size();) {
    size_t end = std::min(text.size(), text.find('\n', at));
    out += util::terminalSafe(text.substr(at, end - at));
    if (end == text.size()) break;
    out += '\n';
    at = end + 1;
  }
  return out;
}

// --check-config, once the configuration parsed: the receivers built (secret files and templates
// read, templates checked) and each chat receiver's sample message rendered.
int check(const config::Config& config, std::ostream& out, std::ostream& err) {
  auto receivers = makeReceivers(config);
  if (!receivers) {
    err << util::terminalSafe(receivers.error()) << "\n";
    return 2;
  }
  out << "OK\n" << safeLines(config::summary(config)) << "\n";
  for (const auto& line : renderSamples(*receivers)) out << safeLines(line) << "\n";
  return 0;
}

// Tables on a terminal; colour unless NO_COLOR is set and not empty (no-color.org).
Terminal terminalOf(const std::ostream& out) {
  bool tty = &out == &std::cout && ::isatty(STDOUT_FILENO) == 1;
  const char* no_color = std::getenv("NO_COLOR");
  return {.tty = tty, .color = tty && (no_color == nullptr || *no_color == '\0')};
}

}  // namespace

int run(std::span<const std::string_view> argv, std::ostream& out, std::ostream& err) {
  if (!argv.empty() && isCommand(argv[0])) {
    return runCommand(argv[0], argv.subspan(1), out, err, terminalOf(out));
  }
  Args args;
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      return i + 1 < argv.size() ? std::string(argv[++i]) : std::string();
    };
    if (arg == "--version") {
      out << "swas-invocation-monitor " << SWAS_VERSION << " (" << SWAS_REVISION << ")\n";
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      out << kUsage;
      return 0;
    } else if (arg == "--config") {
      args.config = value();
    } else if (arg == "--log-level") {
      args.log_level = value();
    } else if (arg == "--check-config") {
      args.check = true;
    } else if (arg == "--once") {
      args.once = true;
    } else {
      err << "swas-invocation-monitor: unknown argument '" << util::terminalSafe(arg) << "'\n"
          << kUsage;
      return 2;
    }
  }
  if (args.config.empty()) {
    err << "swas-invocation-monitor: --config FILE is required\n" << kUsage;
    return 2;
  }
  if (!args.log_level.empty() && args.log_level != "trace" && args.log_level != "debug" &&
      args.log_level != "info" && args.log_level != "warn" && args.log_level != "error") {
    err << "swas-invocation-monitor: --log-level must be trace, debug, info, warn or error\n";
    return 2;
  }
  util::EnvLookup env = util::processEnvironment();
  auto config = config::loadConfig(args.config, env);
  if (!config) {
    for (const auto& problem : config.error()) err << util::terminalSafe(problem) << "\n";
    return 2;
  }
  for (const auto& w : config->warnings) err << "warning: " << util::terminalSafe(w) << "\n";
  core::Scope::labelProducts(config->anyEcs());
  if (args.check) return check(*config, out, err);
  setupLogging(args.log_level.empty() ? config->log.level : args.log_level, config->log.format);
  Daemon daemon(std::move(*config), env, args.config);
  if (!args.log_level.empty()) daemon.overrideLogLevel(args.log_level);
  ops::JsonLinesSink json(out);
  ops::LogSink log;
  core::TransitionSink& sink = args.once ? static_cast<core::TransitionSink&>(json) : log;
  if (auto ready = daemon.init(sink); !ready) {
    err << "swas-invocation-monitor: " << util::terminalSafe(ready.error()) << "\n";
    return 1;
  }
  return args.once ? daemon.once(err) : daemon.run();
}

}  // namespace swas::app
