#include "daemon/alerting/chat/templates.h"

#include <algorithm>
#include <set>
#include <string_view>

#include "daemon/util/utf8.h"

namespace swas::alerting {
namespace {

// {{x}} is escaped for the medium (daemon/util/markup_escape.h): every value that comes from the
// cloud API or a relayed alert is, Output included (not every vendor has code blocks). {{{x}}} is
// raw and only for what the daemon itself writes: the vendor's markup, mentions from the
// configuration, and the tag ("[FIRING:2, RESOLVED:1]").
const std::string kEnglish =
    R"({{#single}}{{#alerts}}{{#show_title}}{{{heading}}}{{{tag}}} {{/show_title}}{{{b}}}{{command}}{{{b}}} on {{{b}}}{{instance}}{{{b}}} ({{region}}): {{{open}}}{{invocation_status}}{{{close}}}{{#has_error_code}}, {{error_code}}{{/has_error_code}}{{#has_exit_code}}, exit code {{exit_code}}{{/has_exit_code}}

{{#resolved}}Resolved at {{ends_local}}, after firing for {{firing_for}}.

{{/resolved}}{{#has_error_info}}{{error_info}}

{{/has_error_info}}{{#has_output}}```
{{output}}
```

{{/has_output}}Started {{starts_local}} · invoke {{invoke_id}} · command {{command_id}}
{{/alerts}}{{/single}}{{#several}}{{#show_title}}{{{heading}}}{{title}}

{{/show_title}}{{#groups}}{{{b}}}{{command}}{{{b}}}: {{counts}}
{{#alerts}}- {{{open}}}{{invocation_status}}{{{close}}} {{instance}} ({{region}}){{#has_error_code}} {{error_code}}{{/has_error_code}}{{#has_exit_code}}, exit code {{exit_code}}{{/has_exit_code}}{{#resolved}}, resolved after {{firing_for}}{{/resolved}}, {{starts_local}}
{{/alerts}}
{{/groups}}{{/several}}{{#has_more}}And {{more}} more: {{more_summary}}
{{/has_more}}{{{mentions}}}
)";

const std::string kChinese =
    R"({{#single}}{{#alerts}}{{#show_title}}{{{heading}}}{{{tag}}} {{/show_title}}{{{b}}}{{command}}{{{b}}} 在 {{{b}}}{{instance}}{{{b}}}（{{region}}）：{{{open}}}{{invocation_status}}{{{close}}}{{#has_error_code}}，{{error_code}}{{/has_error_code}}{{#has_exit_code}}，退出码 {{exit_code}}{{/has_exit_code}}

{{#resolved}}已于 {{ends_local}} 恢复，持续告警 {{firing_for}}。

{{/resolved}}{{#has_error_info}}{{error_info}}

{{/has_error_info}}{{#has_output}}```
{{output}}
```

{{/has_output}}开始于 {{starts_local}} · 调用 {{invoke_id}} · 命令 {{command_id}}
{{/alerts}}{{/single}}{{#several}}{{#show_title}}{{{heading}}}{{title}}

{{/show_title}}{{#groups}}{{{b}}}{{command}}{{{b}}}：{{counts}}
{{#alerts}}- {{{open}}}{{invocation_status}}{{{close}}} {{instance}}（{{region}}）{{#has_error_code}} {{error_code}}{{/has_error_code}}{{#has_exit_code}}，退出码 {{exit_code}}{{/has_exit_code}}{{#resolved}}，{{firing_for}} 后恢复{{/resolved}}，{{starts_local}}
{{/alerts}}
{{/groups}}{{/several}}{{#has_more}}另有 {{more}} 条：{{more_summary}}
{{/has_more}}{{{mentions}}}
)";

// The data model's names (view.cc), at any level: Mustache looks a name up through every
// enclosing section.
const std::set<std::string, std::less<>> kNames = {
    // message
    "title", "tag", "status", "firing", "resolved", "receiver", "count", "firing_count",
    "resolved_count", "single", "several", "alerts", "groups", "more", "has_more", "more_summary",
    "other_commands", "mentions", "show_title", "heading", "b",
    // alert
    "open", "close", "command", "instance", "instance_id", "region", "invocation_status",
    "error_code", "has_error_code", "exit_code", "has_exit_code", "error_info", "has_error_info",
    "output", "has_output", "summary", "starts_local", "ends_local", "firing_for", "invoke_id",
    "command_id", "labels", "annotations", "account",
    // group
    "counts", "total"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool knownName(std::string_view name) {
  if (name == ".") return true;
  std::string_view first = name.substr(0, name.find('.'));
  if (name.find('.') != std::string_view::npos && first != "labels" && first != "annotations") {
    return false;
  }
  return kNames.contains(first);
}

}  // namespace

const std::string& builtinTemplate(const std::string& language) {
  return language == "zh" ? kChinese : kEnglish;
}

std::vector<std::string> checkTemplate(const std::string& text, const std::string& file) {
  std::vector<std::string> problems;
  if (!util::validUtf8(text)) return {file + ":1: not UTF-8 text (save the template as UTF-8)"};
  std::vector<std::pair<std::string, int>> open;  // section name, line
  auto line_at = [&](size_t pos) {
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
  };
  auto problem = [&](size_t pos, const std::string& what) {
    problems.push_back(file + ":" + std::to_string(line_at(pos)) + ": " + what);
  };
  for (size_t at = text.find("{{"); at != std::string::npos; at = text.find("{{", at)) {
    bool triple = text.compare(at, 3, "{{{") == 0;
    std::string closing = triple ? "}}}" : "}}";
    size_t end = text.find(closing, at + closing.size());
    if (end == std::string::npos) {
      problem(at, std::string("a tag opened with ") + (triple ? "{{{" : "{{") + " is never closed");
      break;
    }
    std::string_view tag =
        trim(std::string_view(text).substr(at + closing.size(), end - at - closing.size()));
    at = end + closing.size();
    char kind = tag.empty() ? ' ' : tag.front();
    if (kind == '!') continue;
    if (kind == '>' || kind == '=') {
      problem(at, std::string(kind == '>' ? "partials" : "changing the delimiters") +
                      " is not supported");
      continue;
    }
    bool sigil = !triple && (kind == '#' || kind == '^' || kind == '/' || kind == '&');
    std::string name(trim(sigil ? tag.substr(1) : tag));
    if (name.empty()) {
      problem(at, "an empty tag");
    } else if (!knownName(name)) {
      problem(at, "unknown name '" + name + "' (the data model is in the README)");
    }
    if (!triple && (kind == '#' || kind == '^')) open.emplace_back(name, line_at(at));
    if (!triple && kind == '/') {
      if (open.empty()) {
        problem(at, "{{/" + name + "}} closes no section");
      } else if (open.back().first != name) {
        problem(at, "{{/" + name + "}} closes section '" + open.back().first + "' opened on line " +
                        std::to_string(open.back().second));
        open.pop_back();
      } else {
        open.pop_back();
      }
    }
  }
  for (const auto& [name, line] : open) {
    problems.push_back(file + ":" + std::to_string(line) + ": section '" + name +
                       "' is never closed");
  }
  return problems;
}

}  // namespace swas::alerting
