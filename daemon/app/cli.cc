#include "daemon/app/cli.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "daemon/config/config.h"
#include "daemon/core/scope.h"
#include "daemon/core/time.h"
#include "daemon/ops/commands.h"
#include "daemon/state/state_reader.h"
#include "daemon/util/env.h"
#include "daemon/util/terminal.h"

namespace swas::app {
namespace {

struct Args {
  std::string config;
  std::string output;  // table | json; "" = table on a terminal
  state::HistoryFilter filter;
  std::string since = "24h";
  std::string receiver;  // test-alert
  std::string state;     // --state PATH instead of the configuration's state.path
  bool help = false;
};

constexpr std::string_view kUsage =
    "They read the state file (state.path of --config, or --state PATH) read-only; run them as\n"
    "root or the daemon's user.\n"
    "usage: swas-invocation-monitor status  --config FILE [--output table|json]\n"
    "       swas-invocation-monitor alerts  --config FILE [--output table|json]\n"
    "       swas-invocation-monitor history --config FILE [--since 24h] [--instance ID|NAME]\n"
    "                               [--command NAME] [--status S] [--failures] [--limit N]\n"
    "                               [--output table|json]\n"
    "       swas-invocation-monitor test-alert --config FILE --receiver NAME\n";

int64_t unixNow() { return core::unixSeconds(std::chrono::system_clock::now()); }

// The arguments; "" or the problem.
std::string parse(std::string_view command, std::span<const std::string_view> argv, Args& a) {
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      a.help = true;
      return "";
    }
    if (command == "history" && arg == "--failures") {
      a.filter.failures_only = true;
      continue;
    }
    if (i + 1 >= argv.size()) return "missing the value of " + std::string(arg);
    std::string value(argv[++i]);
    if (arg == "--config") {
      a.config = value;
    } else if (arg == "--state" && command != "test-alert") {
      a.state = value;
    } else if (arg == "--output") {
      if (value != "table" && value != "json") return "--output must be table or json";
      a.output = value;
    } else if (command == "test-alert" && arg == "--receiver") {
      a.receiver = value;
    } else if (command == "history" && arg == "--since") {
      a.since = value;
    } else if (command == "history" && arg == "--instance") {
      a.filter.instance = value;
    } else if (command == "history" && arg == "--command") {
      a.filter.command = value;
    } else if (command == "history" && arg == "--status") {
      a.filter.status = value;
    } else if (command == "history" && arg == "--limit") {
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), a.filter.limit);
      if (ec != std::errc() || end != value.data() + value.size() || a.filter.limit < 1) {
        return "--limit must be a positive whole number";
      }
    } else {
      return "unknown argument '" + std::string(arg) + "' for " + std::string(command);
    }
  }
  if (a.config.empty() && (a.state.empty() || command == "test-alert")) {
    return "--config FILE is required";
  }
  if (command == "test-alert" && a.receiver.empty()) return "--receiver NAME is required";
  auto since = config::parseDuration(a.since);
  if (!since) return "--since: '" + a.since + "' is not a duration with a unit (30m, 24h, 7d)";
  a.filter.since = unixNow() - std::chrono::duration_cast<std::chrono::seconds>(*since).count();
  return "";
}

}  // namespace

bool isCommand(std::string_view word) {
  return word == "status" || word == "alerts" || word == "history" || word == "test-alert";
}

int runCommand(std::string_view command, std::span<const std::string_view> argv, std::ostream& out,
               std::ostream& err, Terminal terminal) {
  Args a;
  if (std::string problem = parse(command, argv, a); !problem.empty()) {
    err << util::terminalSafe("swas-invocation-monitor " + std::string(command) + ": " + problem)
        << "\n"
        << kUsage;
    return 2;
  }
  if (a.help) {
    out << kUsage;
    return 0;
  }
  util::EnvLookup env = util::processEnvironment();
  if (command == "test-alert") {
    // The receiver's URL and secrets: the whole configuration, as the service sees it.
    auto config = config::loadConfig(a.config, env);
    if (!config) {
      for (const auto& problem : config.error()) err << util::terminalSafe(problem) << "\n";
      return 2;
    }
    core::Scope::labelProducts(config->anyEcs());
    return testAlert(*config, a.receiver, out, err);
  }
  // Only state.path: the credentials' variables and files are the service's, not the shell's.
  std::string state_path = a.state;
  if (state_path.empty()) {
    auto path = config::loadStatePath(a.config, env);
    if (!path) {
      for (const auto& problem : path.error()) err << util::terminalSafe(problem) << "\n";
      return 2;
    }
    state_path = *path;
  }
  auto reader = state::StateReader::open(state_path);
  if (!reader) {
    err << "swas-invocation-monitor: " << util::terminalSafe(reader.error()) << "\n";
    return 1;
  }
  ops::View view{.table = a.output.empty() ? terminal.tty : a.output == "table"};
  view.color = view.table && terminal.color;
  if (command == "status") return ops::showStatus(**reader, view, out, err);
  if (command == "alerts") return ops::showAlerts(**reader, view, out, err);
  return ops::showHistory(**reader, a.filter, view, out, err);
}

}  // namespace swas::app
