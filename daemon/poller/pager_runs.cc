// The pager's side of ECS's repeating tasks (runs.h): the Timed listing at its cadence, the runs
// read from each task's history, and the unfinished runs of tasks no longer listed.
#include <spdlog/spdlog.h>

#include <boost/asio/use_awaitable.hpp>
#include <limits>

#include "daemon/poller/pager.h"
#include "daemon/poller/paging.h"

namespace swas::poller {
namespace asio = boost::asio;
using asio::awaitable;

namespace {

// A task's history is read at most this many pages (of 50 runs) at a time: runs older than that
// are beyond any lookback worth alerting on.
constexpr int kMaxHistoryPages = 20;

}  // namespace

void Pager::takeRuns(std::vector<core::Invocation>& items, bool timed, Pass& pass) {
  for (const auto& item : items) {
    if (!item.repeating) continue;
    core::Invocation shell{
        item.scope,        item.invoke_id,     item.command_id,     item.command_name,
        item.command_type, item.creation_time, item.overall_status, {}};
    shell.created = item.created;
    shell.repeating = true;
    shell.has_history = item.has_history;
    pass.tasks.insert_or_assign(item.invoke_id, std::move(shell));
    if (!timed) continue;  // a stopped task: its last runs are in the record itself
    for (const auto& i : item.instances) {
      if (watched_ && !watched_->contains(i.instance_id)) continue;
      if (i.run > 0) pass.latest_runs[{item.invoke_id, i.instance_id}] = i.run;
    }
  }
  expandRuns(items);
}

const core::Invocation* Pager::taskOf(const std::string& invoke_id, const Pass& pass) const {
  if (auto it = pass.tasks.find(invoke_id); it != pass.tasks.end()) return &it->second;
  auto it = tasks_.find(invoke_id);
  return it == tasks_.end() ? nullptr : &it->second;
}

awaitable<core::Done> Pager::followRuns(Pass& pass) {
  if (options_.scope.product() != core::Product::kEcs) co_return core::Done{};
  if (watched_ && watched_->empty()) co_return core::Done{};
  // Hinted polls leave the cadence alone: a stream of events must not turn it into a Timed
  // listing every few seconds.
  bool due = pass.full || pass.timed_wanted ||
             (!pass.hinted && ++polls_since_timed_ >= kTimedListingEvery);
  if (!due) co_return core::Done{};
  if (!stored_runs_) {
    stored_runs_.emplace();
    for (const auto& [key, stored] : settler_.region().snapshot()) {
      auto [task, run] = core::splitRunKey(key);
      if (!run) continue;
      for (const auto& [instance, state] : stored.instances) {
        int64_t& last = (*stored_runs_)[{std::string(task), instance}];
        last = std::max(last, *run);
      }
    }
  }
  auto request = baseRequest();
  request.timed = true;
  Walk to_end;
  if (auto ok = co_await walk(request, to_end, pass); !ok) co_return ok;
  pass.timed_listed = true;
  // Read: the runs of a (task, instance) whose latest run is new or moved (the one it knew,
  // maybe unfinished then, included), and a last time those of tasks that left the listing
  // (stopped: what ran since the last listing is only in the history).
  std::vector<std::pair<std::pair<std::string, std::string>, int64_t>> reads;
  for (const auto& [pair, run] : pass.latest_runs) {
    auto it = last_run_.find(pair);
    std::optional<int64_t> known;
    if (it != last_run_.end()) {
      known = it->second;
    } else if (auto s = stored_runs_->find(pair); s != stored_runs_->end()) {
      known = s->second;
    }
    if (known != run) reads.push_back({pair, known.value_or(0)});
  }
  for (const auto& [pair, run] : last_run_) {
    if (!pass.latest_runs.contains(pair)) reads.push_back({pair, run});
  }
  for (const auto& [pair, known] : reads) {
    const core::Invocation* task = taskOf(pair.first, pass);
    if (task == nullptr || !task->has_history) continue;  // NextRebootOnly: one run, listed
    if (!co_await readRuns(pair, known, *task, pass)) pass.unread_runs.insert(pair);
    if (gate_.stopping())
      co_return std::unexpected(core::Error{.kind = core::ErrorKind::kCancelled});
  }
  polls_since_timed_ = 0;
  co_return core::Done{};
}

// The runs of one (task, instance) from `known` on (0: all it keeps, up to kMaxHistoryPages).
// The order of the history is not documented: the reading stops early only at a page that is
// newest-first and reaches `known`. A failed read fails only this pair (counted; read again
// at the next Timed pass), never the poll.
awaitable<bool> Pager::readRuns(const std::pair<std::string, std::string>& pair, int64_t known,
                                const core::Invocation& task, Pass& pass) {
  api::DescribeInvocationResultsRequest request{.region_id = options_.scope.regionId(),
                                                .invoke_id = pair.first,
                                                .instance_id = pair.second,
                                                .include_history = true};
  std::set<std::string> tokens;
  for (int page = 1; page <= kMaxHistoryPages; ++page) {
    auto result = co_await gate_.results(request, pass.calls);
    if (!result) {
      anomalies_.report("runs", "the runs of task " + pair.first + " on " + pair.second +
                                    " could not be read: " + core::describe(result.error()));
      co_return false;
    }
    std::string next = std::move(result->next_token);
    bool newest_first = true;
    int64_t previous = std::numeric_limits<int64_t>::max(), lowest = previous;
    for (const auto& r : result->results) {
      int64_t number = r.instance.repeats.value_or(0);
      newest_first = newest_first && number <= previous;
      previous = number;
      lowest = std::min(lowest, number);
    }
    for (auto& run :
         runsOf(options_.scope.key(), task, std::move(result->results), options_.alert_condition)) {
      if (run.instances.front().run >= known) pass.fetched.push_back(std::move(run));
    }
    bool reached = newest_first && lowest <= known;
    if (next.empty() || reached || !tokens.insert(next).second) break;
    request.next_token = std::move(next);
  }
  co_return true;
}

awaitable<void> Pager::fetchOrphanRuns(std::vector<std::string> run_keys, Pass& pass) {
  std::map<std::string, std::vector<std::string>> by_task;
  for (auto& key : run_keys) {
    std::string task(core::splitRunKey(key).invoke_id);
    by_task[task].push_back(std::move(key));
  }
  auto seen = [&](const std::string& key) {
    return std::any_of(pass.fetched.begin(), pass.fetched.end(),
                       [&](const core::Invocation& i) { return i.invoke_id == key; });
  };
  for (const auto& [task_id, keys] : by_task) {
    const core::Invocation* task = taskOf(task_id, pass);
    if (task != nullptr && task->has_history) {
      // Its history has the run: read it for the run's unfinished instances.
      for (const auto& key : keys) {
        auto stored = settler_.region().snapshot().find(key);
        if (stored == settler_.region().snapshot().end()) continue;
        int64_t run = core::splitRunKey(key).run.value_or(0);
        // Copied first: nothing of the snapshot is held across a wait.
        std::vector<std::string> unfinished;
        for (const auto& [instance, state] : stored->second.instances) {
          if (!core::isTerminalInstanceStatus(state.status)) unfinished.push_back(instance.str());
        }
        for (const auto& instance : unfinished) {
          co_await readRuns({task_id, instance}, run, *task, pass);
        }
      }
    } else if (task == nullptr) {
      // Not listed this pass, and its history unknown: fetched by InvokeId (a stopped task is
      // listed again with Timed=false, with its last runs).
      auto request = baseRequest();
      request.invoke_id = task_id;
      request.command_type.clear();
      request.command_name.clear();
      PageResult result = co_await gate_.call(request, pass.calls);
      if (!result && (result.error().retryable || gate_.stopping())) continue;
      if (result) {
        auto items = api::toInvocations(options_.scope.key(), request,
                                        std::move(result->invocations), options_.alert_condition);
        takeRuns(items, false, pass);
        take(std::move(items), pass);
      }
    }
    for (const auto& key : keys) {
      if (seen(key)) {
        misses_.erase(key);
      } else {
        miss(key, "neither its task nor its history lists it", pass);
      }
    }
  }
}

}  // namespace swas::poller
