#include "daemon/alerting/chat/view.h"

#include <algorithm>
#include <set>

#include "daemon/alerting/chat/view_model.h"
#include "daemon/alerting/rules.h"
#include "daemon/util/markup_escape.h"
#include "daemon/util/utf8.h"

namespace swas::alerting {
namespace {

// "9,000"
std::string count(size_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// An Output excerpt cannot close the code block the built-in templates show it in. It is escaped
// for the medium as well ({{output}}): DingTalk and WeCom markdown have no code blocks to rely on,
// and an operator's template may show it outside one.
std::string fenced(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  for (size_t at = 0; (at = text.find("```", at)) != std::string::npos;) text.replace(at, 3, "'''");
  return text;
}

std::string statusKey(const ChatAlert& a, bool zh) {
  if (a.resolved) return zh ? "已恢复" : "Resolved";
  return a.status();
}

struct Group {
  std::string command;
  std::vector<size_t> members;  // indexes into the message's alerts
};

// By command, largest first (first seen first among equals).
std::vector<Group> groupsOf(const std::vector<ChatAlert>& alerts) {
  std::vector<Group> groups;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < alerts.size(); ++i) {
    auto [it, added] = index.emplace(alerts[i].command(), groups.size());
    if (added) groups.push_back({alerts[i].command(), {}});
    groups[it->second].members.push_back(i);
  }
  std::stable_sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) {
    return a.members.size() > b.members.size();
  });
  return groups;
}

// "Failed 9,000 on 120 instances, Timeout 950 on 3 instances" over `members`.
std::string tally(const std::vector<ChatAlert>& alerts, const std::vector<size_t>& members,
                  bool zh) {
  std::vector<std::string> order;
  std::map<std::string, std::pair<size_t, std::set<std::string>>> by_status;
  for (size_t i : members) {
    std::string key = statusKey(alerts[i], zh);
    if (!by_status.contains(key)) order.push_back(key);
    auto& [n, instances] = by_status[key];
    ++n;
    instances.insert(alerts[i].label("instance_id"));
  }
  std::string out;
  for (const auto& key : order) {
    const auto& [n, instances] = by_status[key];
    if (!out.empty()) out += zh ? "，" : ", ";
    out += key + " " + count(n);
    if (zh) {
      out += "（" + count(instances.size()) + " 台实例）";
    } else {
      out +=
          " on " + count(instances.size()) + (instances.size() == 1 ? " instance" : " instances");
    }
  }
  return out;
}

mstch::map alertView(const ChatAlert& a, const ViewContext& c, const Detail& d) {
  std::string error_code = util::singleLine(a.label("error_code"));
  std::string exit_code = util::singleLine(a.annotation("exit_code"));
  std::string info(util::utf8Prefix(a.annotation("error_info"), d.info_bytes));
  std::string output =
      fenced(std::string(util::utf8Suffix(a.annotation("output"), d.output_bytes)));
  mstch::map labels(a.labels.begin(), a.labels.end());
  mstch::map annotations(a.annotations.begin(), a.annotations.end());
  int64_t ends = a.ends_at.value_or(a.starts_at);
  const Markup& m = c.markup;
  return mstch::map{
      {"status", std::string(a.resolved ? "resolved" : "firing")},
      {"firing", !a.resolved},
      {"resolved", a.resolved},
      {"open", a.resolved ? m.resolved_open : m.firing_open},
      {"close", a.resolved ? m.resolved_close : m.firing_close},
      {"command", a.command()},
      {"instance", a.instance()},
      {"instance_id", util::singleLine(a.label("instance_id"))},
      {"region", a.where()},
      {"account", util::singleLine(a.label("account"))},
      {"invocation_status", a.status()},
      {"error_code", error_code},
      {"has_error_code", !error_code.empty()},
      {"exit_code", exit_code},
      {"has_exit_code", !exit_code.empty()},
      {"error_info", info},
      {"has_error_info", !info.empty()},
      {"output", output},
      {"has_output", !output.empty()},
      {"summary", a.annotation("summary")},
      {"starts_local", c.time->format(a.starts_at)},
      {"ends_local", c.time->format(ends)},
      {"firing_for", humanDuration(ends - a.starts_at, c.zh)},
      {"invoke_id", util::singleLine(a.label("invoke_id"))},
      {"command_id", util::singleLine(a.label("command_id"))},
      {"labels", labels},
      {"annotations", annotations},
  };
}

}  // namespace

std::string ChatAlert::label(const std::string& name) const {
  auto it = labels.find(name);
  return it == labels.end() ? "" : it->second;
}

std::string ChatAlert::annotation(const std::string& name) const {
  auto it = annotations.find(name);
  return it == annotations.end() ? "" : it->second;
}

// Relayed alerts need not be the daemon's (a Prometheus rule's, say): they show their alertname,
// instance and summary where a command, an instance ID and a status would be. Each is one line
// (titles and list items are), whatever line breaks the API or a relayed label put in it.
std::string ChatAlert::command() const {
  std::string name = label("command_name");
  if (name.empty()) name = label("command_id");
  return util::singleLine(name.empty() ? label("alertname") : name);
}

std::string ChatAlert::instance() const {
  std::string id = label("instance_id");
  if (id.empty()) return util::singleLine(label("instance"));
  std::string name = label("instance_name");
  return util::singleLine(name.empty() ? id : name + " (" + id + ")");
}

std::string ChatAlert::where() const {
  std::string account = label("account");
  std::string region = label("region_id") + (label("product") == "ecs" ? " (ECS)" : "");
  return util::singleLine(account.empty() ? region : account + "/" + region);
}

std::string ChatAlert::status() const {
  std::string status = label("invocation_status");
  return util::singleLine(status.empty() ? annotation("summary") : status);
}

std::vector<ChatAlert> chatAlerts(const std::vector<MessageItem>& items) {
  std::vector<ChatAlert> out;
  out.reserve(items.size());
  for (const auto& item : items) {
    out.push_back({item.resolved, parseLabels(item.alert->labels_json),
                   parseLabels(item.alert->annotations_json), item.alert->starts_at,
                   item.alert->ends_at});
  }
  return out;
}

bool anyFiring(const std::vector<ChatAlert>& alerts) {
  return std::any_of(alerts.begin(), alerts.end(), [](const ChatAlert& a) { return !a.resolved; });
}

std::string chatTag(const std::vector<ChatAlert>& alerts, bool zh) {
  size_t firing =
      std::count_if(alerts.begin(), alerts.end(), [](const ChatAlert& a) { return !a.resolved; });
  size_t resolved = alerts.size() - firing;
  std::string tag = "[";
  if (firing > 0) tag += (zh ? "告警" : "FIRING") + (alerts.size() > 1 ? ":" + count(firing) : "");
  if (firing > 0 && resolved > 0) tag += ", ";
  if (resolved > 0) {
    tag += (zh ? "已恢复" : "RESOLVED") + (alerts.size() > 1 ? ":" + count(resolved) : "");
  }
  return tag + "]";
}

std::string chatTitle(const std::vector<ChatAlert>& alerts, bool zh) {
  std::string tag = chatTag(alerts, zh) + " ";
  if (alerts.size() == 1) {
    const ChatAlert& a = alerts.front();
    std::string where = a.instance();
    if (!where.empty()) where = (zh ? " 在 " : " on ") + where;
    return tag + a.command() + where + " (" + a.where() + "): " + a.status();
  }
  auto groups = groupsOf(alerts);
  std::string head = groups.front().command;
  if (groups.size() > 1) {
    head += zh ? " 等 " + count(groups.size()) + " 个命令"
               : " and " + count(groups.size() - 1) + " more command(s)";
  }
  return tag + head;
}

mstch::map chatView(const std::vector<ChatAlert>& alerts, const ViewContext& c, const Detail& d) {
  auto groups = groupsOf(alerts);
  mstch::array group_views;
  mstch::array listed_views;
  size_t listed = 0;
  std::vector<size_t> unlisted;
  for (size_t g = 0; g < groups.size(); ++g) {
    mstch::array members;
    for (size_t i : groups[g].members) {
      if (g < d.groups && listed < d.listed) {
        auto view = alertView(alerts[i], c, d);
        members.push_back(view);
        listed_views.push_back(view);
        ++listed;
      } else {
        unlisted.push_back(i);
      }
    }
    if (g >= d.groups) continue;
    group_views.push_back(mstch::map{
        {"command", groups[g].command},
        {"counts", tally(alerts, groups[g].members, c.zh)},
        {"total", count(groups[g].members.size())},
        {"alerts", members},
    });
  }
  std::sort(unlisted.begin(), unlisted.end());
  bool firing = anyFiring(alerts);
  size_t firing_count =
      std::count_if(alerts.begin(), alerts.end(), [](const ChatAlert& a) { return !a.resolved; });
  return mstch::map{
      {"title", chatTitle(alerts, c.zh)},
      {"tag", chatTag(alerts, c.zh)},
      {"status", std::string(firing ? "firing" : "resolved")},
      {"firing", firing},
      {"resolved", !firing},
      {"receiver", c.receiver},
      {"count", count(alerts.size())},
      {"firing_count", count(firing_count)},
      {"resolved_count", count(alerts.size() - firing_count)},
      {"single", alerts.size() == 1},
      {"several", alerts.size() > 1},
      {"alerts", listed_views},
      {"groups", group_views},
      {"more", count(unlisted.size())},
      {"has_more", !unlisted.empty()},
      {"more_summary", tally(alerts, unlisted, c.zh)},
      {"other_commands", count(groups.size() > d.groups ? groups.size() - d.groups : 0)},
      {"mentions", firing ? c.markup.mentions : std::string()},
      {"show_title", c.markup.title_in_text},
      {"heading", c.markup.heading},
      {"b", c.markup.bold},
  };
}

std::vector<ChatAlert> sampleChatAlerts() {
  ChatAlert a;
  a.labels = {{"alertname", "SwasInvocationFailed"},
              {"command_id", "c-sample"},
              {"command_name", "deploy-app"},
              {"error_code", "ExitCodeNonzero"},
              {"instance_id", "ace0706b2ac4454d984295a94213a1f2"},
              {"instance_name", "web-3"},
              {"invocation_status", "Failed"},
              {"invoke_id", "t-sample"},
              {"region_id", "cn-hangzhou"},
              {"severity", "critical"}};
  a.annotations = {{"summary", "deploy-app failed on web-3 (cn-hangzhou): Failed, exit code 1"},
                   {"error_info", "the command exited with code 1"},
                   {"exit_code", "1"},
                   {"output", "npm ERR! missing script: build\n"}};
  a.starts_at = 1'764'331'212;
  return {a};
}

}  // namespace swas::alerting
