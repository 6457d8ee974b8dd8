#include "daemon/ops/commands.h"

#include <chrono>
#include <string>
#include <vector>

#include "daemon/core/invocation.h"
#include "daemon/core/json.h"
#include "daemon/core/scope.h"
#include "daemon/core/time.h"
#include "daemon/ops/report_text.h"
#include "daemon/ops/table.h"
#include "daemon/util/terminal.h"

namespace swas::ops {
namespace {

int64_t unixNow() { return core::unixSeconds(std::chrono::system_clock::now()); }

// The agents offline on Running instances, with ECS's last heartbeat.
void agentsJson(const state::StatusReport& s, std::string& line, core::JsonObject& o) {
  o.key("agents_offline");
  line += '[';
  for (size_t i = 0; i < s.agents_offline.size(); ++i) {
    const auto& a = s.agents_offline[i];
    core::Scope scope = core::Scope::fromKey(a.scope);
    if (i) line += ',';
    core::JsonObject ao(line);
    ao.str("account", scope.accountName()).str("region_id", scope.regionId());
    ao.str("product", core::productName(scope.product())).str("instance_id", a.instance_id);
    ao.str("instance_name", a.instance_name).str("last_heartbeat", a.last_heartbeat);
    ao.close();
  }
  line += ']';
}

// The offline agents' table, when there are any.
void agentsTable(const state::StatusReport& s, bool color, std::ostream& out) {
  if (s.agents_offline.empty()) return;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> colors;
  for (const auto& a : s.agents_offline) {
    rows.push_back({core::Scope::fromKey(a.scope).shownRegion(),
                    instanceLabel(a.instance_name, a.instance_id),
                    a.last_heartbeat.empty() ? "not reported" : a.last_heartbeat});
    colors.push_back(color ? "\033[31m" : "");
  }
  out << "\n";
  printTable(out, {"REGION", "AGENT OFFLINE ON", "LAST HEARTBEAT"}, rows, colors);
}

// "12 online, 1 offline, 3 tasks": the region's agents (tasks: ECS's ActiveTaskCount).
std::string agentsSummary(const state::StatusReport::Region& r) {
  std::string text = std::to_string(r.agents_online) + " online";
  if (r.agents_offline > 0) text += ", " + std::to_string(r.agents_offline) + " offline";
  if (r.active_tasks) text += ", " + std::to_string(*r.active_tasks) + " tasks";
  return text;
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
    core::Scope scope = core::Scope::fromKey(r.scope);
    ro.str("account", scope.accountName())
        .str("region_id", scope.regionId())
        .str("product", core::productName(scope.product()))
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
    ro.key("agents");
    core::JsonObject agents(line);
    agents.num("online", r.agents_online).num("offline", r.agents_offline);
    if (r.active_tasks) {
      agents.num("active_tasks", *r.active_tasks);
    } else {
      agents.null("active_tasks");
    }
    agents.close();
    ro.close();
  }
  line += ']';
  agentsJson(s, line, o);
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

}  // namespace

int showAlerts(state::StateReader& reader, View view, std::ostream& out, std::ostream& err) {
  const bool table = view.table, color = view.color;
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
      core::Scope scope = core::Scope::fromKey(a.scope);
      o.str("account", scope.accountName())
          .str("region_id", scope.regionId())
          .str("product", core::productName(scope.product()));
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
    rows.push_back({localTime(a.starts_at) + " (" + ago(a.starts_at, now) + ")", a.scope, instance,
                    what, a.status, a.error_code, a.exit_code, firstLine(a.output)});
    colors.push_back(color ? "\033[31m" : "");
  }
  printTable(out, {"WHEN", "REGION", "INSTANCE", "COMMAND", "STATUS", "ERROR", "EXIT", "OUTPUT"},
             rows, colors);
  if (rows.empty()) out << "no alert is firing\n";
  return 0;
}

int showHistory(state::StateReader& reader, const state::HistoryFilter& filter, View view,
                std::ostream& out, std::ostream& err) {
  const bool table = view.table, color = view.color;
  auto entries = reader.history(filter);
  if (!entries) {
    err << "swas-invocation-monitor: " << util::terminalSafe(entries.error().message) << "\n";
    return 1;
  }
  if (!table) {
    for (const auto& h : *entries) {
      std::string line;
      core::JsonObject o(line);
      o.num("observed_at", h.observed_at)
          .str("account", core::Scope::fromKey(h.scope).accountName());
      o.str("region_id", core::Scope::fromKey(h.scope).regionId())
          .str("product", core::productName(core::Scope::fromKey(h.scope).product()));
      auto [invoke_id, run] = core::splitRunKey(h.invoke_id);
      if (run) o.num("run", *run);
      o.str("invoke_id", invoke_id).str("instance_id", h.instance_id);
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
    rows.push_back({localTime(h.observed_at), h.scope, instance, h.command_name,
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

int showStatus(state::StateReader& reader, View view, std::ostream& out, std::ostream& err) {
  const bool table = view.table, color = view.color;
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
    rows.push_back({core::Scope::fromKey(r.scope).accountName(),
                    core::Scope::fromKey(r.scope).shownRegion(), r.up ? "up" : "down",
                    r.last_success ? ago(*r.last_success, now) : "never",
                    std::to_string(r.calls_last_hour), std::to_string(r.throttled_last_hour),
                    trackedSummary(r.invocations), agentsSummary(r), r.reason});
    colors.push_back(color && !r.up ? "\033[31m" : "");
  }
  printTable(out,
             {"ACCOUNT", "REGION", "STATE", "LAST POLL", "CALLS/1H", "THROTTLED/1H", "TRACKED",
              "AGENTS", "WHY"},
             rows, colors);
  agentsTable(*report, color, out);
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

}  // namespace swas::ops
