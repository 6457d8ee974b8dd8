#include "daemon/ops/status_page.h"

#include <mstch/mstch.hpp>

#include "daemon/core/scope.h"
#include "daemon/core/time.h"
#include "daemon/ops/report_text.h"
#include "daemon/util/html.h"

namespace swas::ops {
namespace {

// Triple mustaches only: every value is escaped by htmlEscape when the view is built. mstch's
// own {{escape}} goes through one process-wide function that the chat templates swap on the
// event loop's thread while this page renders on the endpoint's.
constexpr const char* kTemplate = R"html(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="15">
<title>{{{title}}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:80rem;padding:.5rem 1rem;color:#1b1f24;background:#fff}
h1{font-size:1.3rem;margin:.5rem 0}h2{font-size:1.05rem;margin:1.2rem 0 .4rem}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #d0d7de;vertical-align:top}
th{background:#f6f8fa}th,td{white-space:nowrap}td.wrap{white-space:normal;min-width:12rem}
.up{color:#1a7f37;font-weight:600}.down{color:#cf222e;font-weight:600}
tr.bad td:first-child{border-left:3px solid #cf222e}
pre{margin:0;white-space:pre-wrap;word-break:break-word;max-height:12rem;overflow:auto;font-size:.8rem;background:#f6f8fa;padding:.3rem}
.note{padding:.5rem;background:#fff8c5;border:1px solid #d4a72c}.muted{color:#57606a}
footer{margin:1.5rem 0;font-size:.8rem;color:#57606a}
</style></head>
<body>
<h1>swas-invocation-monitor</h1>
<p class="muted" id="summary">{{{summary}}}</p>
{{#stale}}<p class="note" id="stale">{{{stale}}}</p>{{/stale}}
<section id="regions"><h2>Regions</h2><div class="scroll"><table>
<thead><tr><th>Account</th><th>Region</th><th>State</th><th>Last poll</th><th>Calls / 1 h</th><th>Throttled / 1 h</th><th>Tracked</th><th>Why</th></tr></thead><tbody>
{{#regions}}<tr class="region" data-region="{{{region_id}}}"><td>{{{account}}}</td><td>{{{region_id}}}</td><td class="{{{state}}}">{{{state}}}</td><td>{{{last_poll}}}</td><td>{{{calls}}}</td><td>{{{throttled}}}</td><td class="wrap">{{{tracked}}}</td><td class="wrap">{{{reason}}}</td></tr>
{{/regions}}{{#no_regions}}<tr><td colspan="8">No region recorded yet.</td></tr>{{/no_regions}}
</tbody></table></div></section>
<section id="alerts"><h2>Firing alerts ({{{firing_count}}})</h2>{{#more_alerts}}<p class="note" id="more-alerts">{{{more_alerts}}}</p>{{/more_alerts}}<div class="scroll"><table>
<thead><tr><th>Since</th><th>Region</th><th>Instance</th><th>Command</th><th>Status</th><th>Error</th><th>Exit</th><th>Output (end)</th></tr></thead><tbody>
{{#alerts}}<tr class="alert bad"><td class="when">{{{when}}}<br><span class="muted">{{{ago}}}</span></td><td>{{{region_id}}}</td><td class="instance">{{{instance}}}</td><td class="command">{{{command}}}</td><td>{{{status}}}</td><td>{{{error_code}}}</td><td>{{{exit_code}}}</td><td class="wrap"><pre class="output">{{{output}}}</pre></td></tr>
{{/alerts}}{{#no_alerts}}<tr><td colspan="8">No alert is firing.</td></tr>{{/no_alerts}}
</tbody></table></div></section>
<section id="failures"><h2>Recent failures (the last {{{failures_limit}}})</h2><div class="scroll"><table>
<thead><tr><th>Seen</th><th>Region</th><th>Instance</th><th>Command</th><th>Change</th><th>Error</th><th>Exit</th><th>Invocation</th></tr></thead><tbody>
{{#failures}}<tr class="failure bad"><td class="when">{{{when}}}<br><span class="muted">{{{ago}}}</span></td><td>{{{region_id}}}</td><td class="instance">{{{instance}}}</td><td class="command">{{{command}}}</td><td>{{{change}}}</td><td>{{{error_code}}}</td><td>{{{exit_code}}}</td><td>{{{invoke_id}}}</td></tr>
{{/failures}}{{#no_failures}}<tr><td colspan="8">No failure recorded.</td></tr>{{/no_failures}}
</tbody></table></div></section>
<section id="receivers"><h2>Receivers</h2><div class="scroll"><table>
<thead><tr><th>Receiver</th><th>Queued</th><th>Last delivery</th></tr></thead><tbody>
{{#receivers}}<tr class="receiver{{#bad}} bad{{/bad}}"><td>{{{name}}}</td><td>{{{queued}}}</td><td>{{{last}}}</td></tr>
{{/receivers}}{{#no_receivers}}<tr><td colspan="3">No receiver configured.</td></tr>{{/no_receivers}}
</tbody></table></div></section>
<footer>swas-invocation-monitor <span id="version">{{{version}}}</span> · {{{rendered}}} · refreshes every 15 s · <a href="/metrics">/metrics</a> · <a href="/healthz">/healthz</a> · <a href="/readyz">/readyz</a></footer>
</body></html>
)html";

constexpr const char* kProblemTemplate = R"html(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="15"><title>swas-invocation-monitor: state unreadable</title></head>
<body><h1>swas-invocation-monitor</h1><p id="problem">{{{problem}}}</p>
<footer>swas-invocation-monitor {{{version}}} · <a href="/metrics">/metrics</a> · <a href="/readyz">/readyz</a></footer>
</body></html>
)html";

// The end of a command's output as a cell shows it: its last kPageOutputChars characters,
// after "..." when there was more.
std::string outputEnd(std::string_view output) {
  size_t chars = 0, at = output.size();
  while (at > 0) {
    size_t start = at - 1;
    while (start > 0 && (static_cast<unsigned char>(output[start]) & 0xC0) == 0x80) --start;
    if (++chars > static_cast<size_t>(kPageOutputChars))
      return "..." + std::string(output.substr(at));
    at = start;
  }
  return std::string(output);
}

std::string e(std::string_view text) { return htmlEscape(text); }

mstch::array regionRows(const state::StatusReport& s, int64_t now) {
  mstch::array rows;
  for (const auto& r : s.regions) {
    rows.emplace_back(mstch::map{
        {"account", e(core::Scope::fromKey(r.scope).accountName())},
        {"region_id", e(core::Scope::fromKey(r.scope).shownRegion())},
        {"state", std::string(r.up ? "up" : "down")},
        {"last_poll", e(r.last_success ? ago(*r.last_success, now) : "never")},
        {"calls", std::to_string(r.calls_last_hour)},
        {"throttled", std::to_string(r.throttled_last_hour)},
        {"tracked", e(trackedSummary(r.invocations))},
        {"reason", e(r.reason)},
    });
  }
  return rows;
}

mstch::array alertRows(const std::vector<state::FiringAlert>& firing, int64_t now) {
  mstch::array rows;
  for (const auto& a : firing) {
    rows.emplace_back(mstch::map{
        {"when", e(localTime(a.starts_at))},
        {"ago", e(ago(a.starts_at, now))},
        {"region_id", e(a.scope)},
        {"instance", e(instanceLabel(a.instance_name, a.instance_id))},
        {"command", e(a.command_name.empty() ? a.alertname : a.command_name)},
        {"status", e(a.status)},
        {"error_code", e(a.error_code)},
        {"exit_code", e(a.exit_code)},
        {"output", e(outputEnd(a.output))},
    });
  }
  return rows;
}

mstch::array failureRows(const std::vector<state::HistoryEntry>& failures, int64_t now) {
  mstch::array rows;
  for (const auto& h : failures) {
    rows.emplace_back(mstch::map{
        {"when", e(localTime(h.observed_at))},
        {"ago", e(ago(h.observed_at, now))},
        {"region_id", e(h.scope)},
        {"instance", e(instanceLabel(h.instance_name, h.instance_id))},
        {"command", e(h.command_name)},
        {"change", e(h.from + " -> " + h.to)},
        {"error_code", e(h.error_code)},
        {"exit_code", e(h.exit_code ? std::to_string(*h.exit_code) : "")},
        {"invoke_id", e(h.invoke_id)},
    });
  }
  return rows;
}

mstch::array receiverRows(const state::StatusReport& s, int64_t now) {
  mstch::array rows;
  for (const auto& r : s.receivers) {
    std::string last =
        r.last_outcome.empty() ? "none yet" : r.last_outcome + " (" + ago(r.last_at, now) + ")";
    rows.emplace_back(mstch::map{
        {"name", e(r.name)},
        {"queued", std::to_string(r.queued)},
        {"last", e(last)},
        {"bad", !r.last_outcome.empty() && r.last_outcome != "delivered"},
    });
  }
  return rows;
}

// When more alerts fire than the page lists.
std::string moreAlerts(const state::Overview& o) {
  auto listed = static_cast<int64_t>(o.firing.size());
  if (o.status.firing <= listed) return "";
  return "The newest " + std::to_string(listed) + " are listed, and " +
         std::to_string(o.status.firing - listed) +
         " more fire: swas-invocation-monitor alerts lists them all.";
}

std::string stalenessNote(const state::StatusReport& s, int64_t now) {
  if (s.recorded_at == 0) return "The daemon has not recorded its status yet.";
  if (now - s.recorded_at > kStaleStatusSeconds) {
    return "The status was last recorded " + ago(s.recorded_at, now) + ": the daemon may be stuck.";
  }
  return "";
}

}  // namespace

std::string htmlEscape(std::string_view text) {
  return util::escapeHtml(text, util::Quotes::kEscape);
}

std::string renderStatusHtml(const state::Overview& o, const PageContext& c) {
  const auto& s = o.status;
  int64_t down = std::count_if(s.regions.begin(), s.regions.end(), [](auto& r) { return !r.up; });
  std::string summary = std::to_string(s.regions.size()) + " region(s), " + std::to_string(down) +
                        " down; " + std::to_string(s.firing) + " alert(s) firing";
  std::string title = "swas-invocation-monitor";
  if (s.firing > 0) title += ": " + std::to_string(s.firing) + " firing";
  mstch::map view{
      {"title", e(title)},
      {"summary", e(summary)},
      {"stale", e(stalenessNote(s, c.now))},
      {"regions", regionRows(s, c.now)},
      {"no_regions", s.regions.empty()},
      {"firing_count", std::to_string(s.firing)},
      {"alerts", alertRows(o.firing, c.now)},
      {"more_alerts", e(moreAlerts(o))},
      {"no_alerts", o.firing.empty()},
      {"failures_limit", std::to_string(kPageFailures)},
      {"failures", failureRows(o.failures, c.now)},
      {"no_failures", o.failures.empty()},
      {"receivers", receiverRows(s, c.now)},
      {"no_receivers", s.receivers.empty()},
      {"version", e(c.version)},
      {"rendered", e("rendered " + localTime(c.now))},
  };
  return mstch::render(kTemplate, view);
}

std::string renderProblemHtml(const std::string& problem, const PageContext& c) {
  return mstch::render(kProblemTemplate,
                       mstch::map{{"problem", e(problem)}, {"version", e(c.version)}});
}

StatusPage::StatusPage(std::string state_path, std::string version, const core::Clock& clock)
    : state_path_(std::move(state_path)), version_(std::move(version)), clock_(clock) {}

StatusPage::~StatusPage() = default;

Page StatusPage::render() {
  std::lock_guard lock(mutex_);
  if (rendered_at_ != std::chrono::steady_clock::time_point{} &&
      clock_.steadyNow() - rendered_at_ < std::chrono::seconds(1)) {
    return cached_;
  }
  PageContext context{.version = version_, .now = core::unixSeconds(clock_.now())};
  std::string problem;
  auto reader = state::StateReader::open(state_path_, state::StateReader::Beside::kTheWriter);
  if (!reader) {
    problem = reader.error();
  } else {
    auto overview = (*reader)->overview({.now = context.now,
                                         // one more character: "..." when there was more
                                         .firing = {kPageAlerts, kPageOutputChars + 1},
                                         .failures = kPageFailures});
    if (!overview) {
      problem = overview.error().message;
    } else {
      try {
        cached_ = {200, renderStatusHtml(*overview, context)};
      } catch (const std::exception& ex) {  // the endpoint's thread must not end on a page
        problem = std::string("rendering failed: ") + ex.what();
      }
    }
  }
  if (!problem.empty()) {
    cached_ = {503, renderProblemHtml("Cannot read the state: " + problem, context)};
  }
  rendered_at_ = clock_.steadyNow();
  return cached_;
}

}  // namespace swas::ops
