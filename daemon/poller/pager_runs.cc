// The pager's side of ECS's repeating tasks (runs.h): the Timed listing at its cadence, the runs
// read from each task's history, and the unfinished runs of tasks no longer listed.
#include <spdlog/spdlog.h>

#include <boost/asio/use_awaitable.hpp>

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
    pass.tasks.insert_or_assign(item.invoke_id, std::move(shell));
    if (!timed) continue;  // a stopped task: its last runs are in the record itself
    for (const auto& i : item.instances) {
      if (i.run > 0) pass.latest_runs[{item.invoke_id, i.instance_id}] = i.run;
    }
  }
  expandRuns(items);
}

awaitable<core::Done> Pager::followRuns(Pass& pass) {
  if (options_.scope.product() != core::Product::kEcs) co_return core::Done{};
  if (watched_ && watched_->empty()) co_return core::Done{};
  if (!pass.full && ++polls_since_timed_ < kTimedListingEvery) co_return core::Done{};
  auto request = baseRequest();
  request.timed = true;
  Walk to_end;
  if (auto ok = co_await walk(request, to_end, pass); !ok) co_return ok;
  pass.timed_listed = true;
  polls_since_timed_ = 0;
  // A run the listing shows for the first time, or moved on: the runs since are read, the one
  // it knew (maybe unfinished then) included.
  for (const auto& [pair, run] : pass.latest_runs) {
    auto it = last_run_.find(pair);
    if (it != last_run_.end() && it->second == run) continue;
    int64_t known = it == last_run_.end() ? 0 : it->second;
    if (auto ok = co_await readRuns(pair, known, pass); !ok) co_return ok;
  }
  co_return core::Done{};
}

// The runs of one (task, instance) from `known` on, newest first as the history is read; the
// reading stops at a page that holds nothing newer than `known`.
awaitable<core::Done> Pager::readRuns(const std::pair<std::string, std::string>& pair,
                                      int64_t known, Pass& pass) {
  api::DescribeInvocationResultsRequest request{.region_id = options_.scope.regionId(),
                                                .invoke_id = pair.first,
                                                .instance_id = pair.second,
                                                .include_history = true};
  const core::Invocation& task = pass.tasks.at(pair.first);
  for (int page = 1; page <= kMaxHistoryPages; ++page) {
    auto result = co_await gate_.results(request, pass.calls);
    if (!result) co_return std::unexpected(result.error());
    std::string next = std::move(result->next_token);
    bool newer = false;
    for (auto& run :
         runsOf(options_.scope.key(), task, std::move(result->results), options_.alert_condition)) {
      int64_t number = run.instances.front().run;
      newer = newer || number > known;
      if (number >= known) pass.fetched.push_back(std::move(run));
    }
    if (next.empty() || next == request.next_token || !newer) break;
    request.next_token = std::move(next);
  }
  co_return core::Done{};
}

awaitable<void> Pager::fetchOrphanRuns(std::vector<std::string> run_keys, Pass& pass) {
  std::map<std::string, std::vector<std::string>> by_task;
  for (auto& key : run_keys) {
    std::string task(core::splitRunKey(key).invoke_id);
    if (!pass.tasks.contains(task)) by_task[task].push_back(std::move(key));
  }
  for (const auto& [task, keys] : by_task) {
    auto request = baseRequest();
    request.invoke_id = task;
    request.command_type.clear();
    request.command_name.clear();
    PageResult result = co_await gate_.call(request, pass.calls);
    if (!result && (result.error().retryable || gate_.stopping())) continue;
    if (result) {
      auto items = api::toInvocations(options_.scope.key(), request, std::move(result->invocations),
                                      options_.alert_condition);
      takeRuns(items, false, pass);
      std::set<std::string> seen;
      for (const auto& item : items) seen.insert(item.invoke_id);
      take(std::move(items), pass);
      for (const auto& key : keys) {
        if (seen.contains(key)) {
          misses_.erase(key);
        } else {
          miss(key, "its task no longer lists it", pass);
        }
      }
      continue;
    }
    for (const auto& key : keys) miss(key, core::describe(result.error()), pass);
  }
}

}  // namespace swas::poller
