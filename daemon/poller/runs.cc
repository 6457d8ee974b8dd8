#include "daemon/poller/runs.h"

#include <algorithm>
#include <map>

namespace swas::poller {
namespace {

// A run's overall status, by the API's aggregation rules.
std::string overallOf(const std::vector<core::InstanceState>& instances) {
  size_t success = 0, stopped = 0;
  for (const auto& i : instances) {
    if (!core::isTerminalInstanceStatus(i.status)) return "Running";
    if (i.status == "Success") ++success;
    if (i.status == "Cancelled" || i.status == "Terminated") ++stopped;
  }
  if (success == instances.size()) return "Success";
  if (success > 0) return "PartialFailed";
  return stopped == instances.size() ? "Stopped" : "Failed";
}

core::Invocation runOf(const core::Invocation& task, int64_t run,
                       std::vector<core::InstanceState> instances) {
  core::Invocation out{task.scope,           core::runKey(task.invoke_id, run),
                       task.command_id,      task.command_name,
                       task.command_type,    task.creation_time,
                       overallOf(instances), std::move(instances)};
  // Created when it started (a task created weeks ago runs today): the cold start's lookback
  // and retention see the run's age, not the task's.
  for (const auto& i : out.instances) {
    if (i.started_at.empty()) continue;
    if (auto started = core::parseApiTime(i.started_at)) {
      out.creation_time = i.started_at;
      out.created = started;
      break;
    }
  }
  if (!out.created) out.created = task.created;
  return out;
}

}  // namespace

std::vector<core::Invocation> asRuns(core::Invocation&& invocation) {
  std::vector<core::Invocation> out;
  if (!invocation.repeating) {
    out.push_back(std::move(invocation));
    return out;
  }
  std::map<int64_t, std::vector<core::InstanceState>> by_run;
  for (auto& i : invocation.instances) {
    // Waiting for its next run (Scheduled), or not started (Pending): no outcome of a run yet,
    // and the last run (finished) must not read as unfinished again.
    if (i.run > 0 && i.status != "Scheduled" && i.status != "Pending") {
      by_run[i.run].push_back(std::move(i));
    }
  }
  for (auto& [run, instances] : by_run) out.push_back(runOf(invocation, run, std::move(instances)));
  return out;
}

void expandRuns(std::vector<core::Invocation>& items) {
  if (std::none_of(items.begin(), items.end(), [](const auto& i) { return i.repeating; })) return;
  std::vector<core::Invocation> out;
  out.reserve(items.size());
  for (auto& item : items) {
    for (auto& run : asRuns(std::move(item))) out.push_back(std::move(run));
  }
  items = std::move(out);
}

std::vector<core::Invocation> runsOf(const std::string& scope, const core::Invocation& task,
                                     std::vector<api::InvocationResult>&& results,
                                     const core::AlertCondition& alerting) {
  std::vector<core::Invocation> out;
  for (auto& r : results) {
    api::InvokeInstance& i = r.instance;
    int64_t run = i.repeats.value_or(0);
    if (run <= 0 || r.invoke_id != task.invoke_id) continue;
    bool may_alert = alerting.matches(i.invocation_status, i.error_code);
    core::InstanceState state{std::move(i.instance_id),
                              std::move(i.invocation_status),
                              std::move(i.error_code),
                              may_alert ? std::move(i.error_info) : std::string(),
                              i.exit_code,
                              std::move(i.finish_time),
                              may_alert ? std::move(i.output) : std::string()};
    state.finished = core::parseApiTime(state.finish_time);
    state.run = run;
    state.started_at = std::move(i.start_time);
    core::Invocation shell = task;
    shell.scope = scope;
    shell.instances.clear();
    out.push_back(runOf(shell, run, {std::move(state)}));
  }
  return out;
}

}  // namespace swas::poller
