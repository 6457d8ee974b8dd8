#include "daemon/app/cli.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "daemon/app/report_text.h"
#include "daemon/app/table.h"
#include "daemon/config/config.h"
#include "daemon/core/json.h"
#include "daemon/core/scope.h"
#include "daemon/core/time.h"
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

int alerts(state::StateReader& reader, bool table, bool color, std::ostream& out,
           std::ostream& err) {
  auto firing = reader.firingAlerts();
  if (!firing) {
    err << "swas-invocation-monitor: " << util::terminalSafe(firing.error().message) << "\n";
    return 1;
  }
  int64_t now = unixNow();
  if (!table) {
    for (const auto& a : *firing) {
      std::string line;
      core::JsonObject o(line);
      o.num("starts_at", a.starts_at).str("alertname", a.alertname);
      o.str("account", core::accountName(a.region_id))
          .str("region_id", core::splitScope(a.region_id).region_id);
      o.str("instance_id", a.instance_id).str("instance_name", a.instance_name);
      o.str("command_name", a.command_name).str("status", a.status);
      o.str("error_code", a.error_code).str("exit_code", a.exit_code).str("output", a.output);
      o.close();
      out << line << "\n";
    }
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> colors;
  for (const auto& a : *firing) {
    std::string instance = instanceLabel(a.instance_name, a.instance_id);
    std::string what = a.command_name.empty() ? a.alertname : a.command_name;
    rows.push_back({localTime(a.starts_at) + " (" + ago(a.starts_at, now) + ")", a.region_id,
                    instance, what, a.status, a.error_code, a.exit_code, firstLine(a.output)});
    colors.push_back(color ? "\033[31m" : "");
  }
  printTable(out, {"WHEN", "REGION", "INSTANCE", "COMMAND", "STATUS", "ERROR", "EXIT", "OUTPUT"},
             rows, colors);
  if (rows.empty()) out << "no alert is firing\n";
  return 0;
}

int history(state::StateReader& reader, const state::HistoryFilter& filter, bool table, bool color,
            std::ostream& out, std::ostream& err) {
  auto entries = reader.history(filter);
  if (!entries) {
    err << "swas-invocation-monitor: " << util::terminalSafe(entries.error().message) << "\n";
    return 1;
  }
  if (!table) {
    for (const auto& h : *entries) {
      std::string line;
      core::JsonObject o(line);
      o.num("observed_at", h.observed_at).str("account", core::accountName(h.region_id));
      o.str("region_id", core::splitScope(h.region_id).region_id);
      o.str("invoke_id", h.invoke_id).str("instance_id", h.instance_id);
      o.str("instance_name", h.instance_name).str("command_name", h.command_name);
      o.str("from", h.from).str("to", h.to).str("error_code", h.error_code);
      if (h.exit_code) {
        o.num("exit_code", *h.exit_code);
      } else {
        o.null("exit_code");
      }
      o.close();
      out << line << "\n";
    }
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> colors;
  for (const auto& h : *entries) {
    std::string instance = instanceLabel(h.instance_name, h.instance_id);
    rows.push_back({localTime(h.observed_at), h.region_id, instance, h.command_name,
                    h.from + " -> " + h.to, h.error_code,
                    h.exit_code ? std::to_string(*h.exit_code) : "", h.invoke_id});
    bool bad = isFailureStatus(h.to) || !h.error_code.empty();
    colors.push_back(color && bad ? "\033[31m" : "");
  }
  printTable(out, {"SEEN", "REGION", "INSTANCE", "COMMAND", "CHANGE", "ERROR", "EXIT", "INVOKE"},
             rows, colors);
  if (rows.empty()) out << "no transition matches\n";
  return 0;
}

void statusJson(const state::StatusReport& s, std::ostream& out) {
  std::string line;
  core::JsonObject o(line);
  o.num("recorded_at", s.recorded_at);
  o.key("regions");
  line += '[';
  for (size_t i = 0; i < s.regions.size(); ++i) {
    const auto& r = s.regions[i];
    if (i) line += ',';
    core::JsonObject ro(line);
    ro.str("account", core::accountName(r.region_id))
        .str("region_id", core::splitScope(r.region_id).region_id)
        .boolean("up", r.up);
    ro.str("reason", r.reason);
    if (r.last_success) {
      ro.num("last_success", *r.last_success);
    } else {
      ro.null("last_success");
    }
    ro.num("calls_last_hour", r.calls_last_hour).num("throttled_last_hour", r.throttled_last_hour);
    ro.key("invocations");
    core::JsonObject by(line);
    for (const auto& [status, n] : r.invocations) by.num(status, n);
    by.close();
    ro.close();
  }
  line += ']';
  o.num("firing", s.firing);
  o.key("receivers");
  line += '[';
  for (size_t i = 0; i < s.receivers.size(); ++i) {
    const auto& r = s.receivers[i];
    if (i) line += ',';
    core::JsonObject ro(line);
    ro.str("receiver", r.name).num("queued", r.queued).str("last_outcome", r.last_outcome);
    ro.num("last_at", r.last_at);
    ro.close();
  }
  line += ']';
  o.close();
  out << line << "\n";
}

int status(state::StateReader& reader, bool table, bool color, std::ostream& out,
           std::ostream& err) {
  int64_t now = unixNow();
  auto report = reader.status(now);
  if (!report) {
    err << "swas-invocation-monitor: " << util::terminalSafe(report.error().message) << "\n";
    return 1;
  }
  if (!table) {
    statusJson(*report, out);
    return 0;
  }
  if (report->recorded_at == 0) {
    out << "The daemon has not recorded its status in this state file yet.\n";
  } else if (now - report->recorded_at > kStaleStatusSeconds) {
    out << (color ? "\033[33m" : "") << "The daemon last recorded its status "
        << ago(report->recorded_at, now)
        << ": is it running? (systemctl status swas-invocation-monitor)" << (color ? "\033[0m" : "")
        << "\n";
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> colors;
  for (const auto& r : report->regions) {
    rows.push_back({core::accountName(r.region_id), core::splitScope(r.region_id).region_id,
                    r.up ? "up" : "down", r.last_success ? ago(*r.last_success, now) : "never",
                    std::to_string(r.calls_last_hour), std::to_string(r.throttled_last_hour),
                    trackedSummary(r.invocations), r.reason});
    colors.push_back(color && !r.up ? "\033[31m" : "");
  }
  printTable(
      out,
      {"ACCOUNT", "REGION", "STATE", "LAST POLL", "CALLS/1H", "THROTTLED/1H", "TRACKED", "WHY"},
      rows, colors);
  out << "\n" << report->firing << " alert(s) firing\n\n";
  rows.clear();
  colors.clear();
  for (const auto& r : report->receivers) {
    rows.push_back(
        {r.name, std::to_string(r.queued),
         r.last_outcome.empty() ? "none yet" : r.last_outcome + " (" + ago(r.last_at, now) + ")"});
    colors.push_back(color && r.last_outcome != "delivered" && !r.last_outcome.empty() ? "\033[31m"
                                                                                       : "");
  }
  printTable(out, {"RECEIVER", "QUEUED", "LAST DELIVERY"}, rows, colors);
  return 0;
}

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
  bool table = a.output.empty() ? terminal.tty : a.output == "table";
  bool color = table && terminal.color;
  if (command == "status") return status(**reader, table, color, out, err);
  if (command == "alerts") return alerts(**reader, table, color, out, err);
  return history(**reader, a.filter, table, color, out, err);
}

}  // namespace swas::app
