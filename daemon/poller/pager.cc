#include "daemon/poller/pager.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>

#include "daemon/poller/paging.h"

namespace swas::poller {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;

Pager::Pager(asio::io_context& io, RequestGate& gate, Settler& settler, AnomalyLog& anomalies,
             core::PollObserver& observer, const RegionOptions& options)
    : io_(io),
      gate_(gate),
      settler_(settler),
      anomalies_(anomalies),
      observer_(observer),
      options_(options),
      awaiting_watched_(options.await_watched),
      watched_(options.watched_instances) {}

void Pager::setWatched(std::optional<std::set<std::string>> watched) {
  // Applied when the next pass begins: a walk in progress keeps the set it began with.
  pending_watched_ = std::move(watched);
  awaiting_watched_ = false;
}

bool Pager::watches(const std::string& instance_id) const {
  const auto& watched = pending_watched_ ? *pending_watched_ : watched_;
  return !watched || watched->contains(instance_id);
}

void Pager::applyPendingWatched() {
  if (!pending_watched_) return;
  std::optional<std::set<std::string>> watched = std::move(*pending_watched_);
  pending_watched_.reset();
  if (watched == watched_) return;
  if (watched_ && watched) {
    std::set_difference(watched->begin(), watched->end(), watched_->begin(), watched_->end(),
                        std::inserter(cold_, cold_.end()));
  }
  if (!watched) cold_.clear();
  if (watched) {
    // Lists of instances no longer watched are not walked again; their bounds go.
    std::erase_if(list_newest_,
                  [&](const auto& e) { return !e.first.empty() && !watched->contains(e.first); });
    std::erase_if(list_needed_,
                  [&](const auto& e) { return !e.first.empty() && !watched->contains(e.first); });
  }
  watched_ = std::move(watched);
}

Pass Pager::begin(bool force_full, std::chrono::system_clock::time_point wall, bool hinted,
                  bool timed) {
  applyPendingWatched();
  Pass pass;
  pass.wall = wall;
  pass.hinted = hinted;
  pass.timed_wanted = timed;
  pass.full = force_full || !cold_.empty() ||
              fullWalkDue(settler_.cursor(), wall, options_.full_scan_every, order_newest_first_);
  pass.diff_options.cold_start = !settler_.cursor().known;
  pass.diff_options.now = wall;
  pass.diff_options.initial_lookback = options_.initial_lookback;
  pass.diff_options.watched_instances = watched_;
  pass.diff_options.cold_instances = cold_;
  pass.diff_options.alert_condition = options_.alert_condition;
  pass.diff_options.forget_before = wall - options_.retention;
  return pass;
}

api::DescribeCommandInvocationsRequest Pager::baseRequest() const {
  api::DescribeCommandInvocationsRequest r;
  r.region_id = options_.scope.regionId();
  r.command_type = options_.command_type;
  r.command_name = options_.command_name;
  r.page_size = options_.page_size;
  return r;
}

awaitable<core::Done> Pager::walkLists(Pass& pass) {
  if (watched_ && watched_->empty()) co_return core::Done{};  // nothing to watch: no calls
  if (!per_instance_) {
    Walk region = listWalk("", pass);
    if (auto ok = co_await walk(baseRequest(), region, pass); !ok) co_return ok;
    noteNeeded("", region);
    pass.list_newest[""] = region.newest;
    pass.ordered = region.ordered;
    if (pass.full) choose(region.total, pass);
    co_return core::Done{};
  }
  for (const auto& instance : *watched_) {
    auto request = baseRequest();
    request.instance_id = instance;
    Walk one = listWalk(instance, pass);
    if (auto ok = co_await walk(request, one, pass); !ok) co_return ok;
    noteNeeded(instance, one);
    pass.list_newest[instance] = one.newest;
    pass.ordered = pass.ordered && one.ordered;
  }
  if (pass.full) {
    // One call with PageSize 1 tells the region-wide total, to re-check the choice.
    auto request = baseRequest();
    request.page_size = 1;
    PageResult total = co_await gate_.call(request, pass.calls);
    if (total) choose(total->total_count.value_or(-1), pass);
  }
  co_return core::Done{};
}

Pager::Walk Pager::listWalk(const std::string& key, const Pass& pass) const {
  Walk w;
  if (pass.full || !order_newest_first_) return w;
  if (auto it = list_newest_.find(key); it != list_newest_.end()) w.bound = it->second;
  if (w.bound.empty()) return w;
  auto needed = list_needed_.find(key);
  w.first_page = steadyPageSize(
      needed == list_needed_.end() ? std::nullopt : std::optional(needed->second.max()),
      options_.page_size);
  return w;
}

void Pager::noteNeeded(const std::string& key, const Walk& walked) {
  if (walked.needed && !walked.bound.empty()) {
    list_needed_[key].push(*walked.needed);
  } else {
    list_needed_.erase(key);
  }
}

size_t Pager::missedUnfinished(const std::vector<core::Invocation>& page,
                               const std::string& instance_id) const {
  const auto& known = settler_.region().snapshot();
  auto missed = unseenUnfinished(settler_.region().unfinished(), page);
  std::erase_if(missed, [&](const std::string& id) {
    if (core::splitRunKey(id).run) return true;
    auto it = known.find(id);
    return !instance_id.empty() &&
           (it == known.end() || !it->second.instances.contains(instance_id));
  });
  return missed.size();
}

// Walks one list page by page until its end, or until an early stop is allowed (a bound).
// A full walk settles what it fetched every full_walk_chunk invocations.
awaitable<core::Done> Pager::walk(api::DescribeCommandInvocationsRequest request, Walk& walk_state,
                                  Pass& pass) {
  std::string previous_oldest;
  std::vector<std::string> previous_ids, ids;
  const bool by_token = options_.scope.product() == core::Product::kEcs;
  std::set<std::string> tokens;  // every NextToken this walk was given
  const int page_size = request.page_size;
  if (walk_state.first_page > 0) request.page_size = walk_state.first_page;
  const auto no_watched = std::set<std::string>{};
  const auto& watched = watched_ ? *watched_ : no_watched;
  for (int page = 1;; ++page) {
    request.page_number = page;
    PageResult result = co_await gate_.call(request, pass.calls);
    if (!result) co_return std::unexpected(result.error());
    std::string next_token = std::move(result->next_token);
    ids.clear();
    for (const auto& v : result->invocations) ids.push_back(v.invoke_id);
    auto items = api::toInvocations(options_.scope.key(), request, std::move(result->invocations),
                                    options_.alert_condition);
    const auto& known = settler_.region().snapshot();
    bool early = earlyStopAfter(items, known, walk_state.bound, watched);
    int64_t total = result->total_count.value_or(-1);
    PageStep step = by_token
                        ? afterTokenPage(page, ids, previous_ids, next_token, request.next_token)
                        : afterPage(page, request.page_size, ids, previous_ids, total);
    // More changed than the small first page held, or it stopped early without two or more
    // known unfinished ones (fetched by InvokeId, a call each): the walk starts over at the
    // configured size (one call more, this poll only), and this page is dropped unread.
    if (page == 1 && request.page_size < page_size && !step.last &&
        (!early || missedUnfinished(items, request.instance_id) >= 2)) {
      request.page_size = page_size;
      page = 0;
      continue;
    }
    walk_state.needed = page == 1
                            ? std::optional(neededDepth(items, known, walk_state.bound, watched))
                            : std::nullopt;
    walk_state.ordered = walk_state.ordered && newestFirst(items, previous_oldest, previous_ids);
    if (!items.empty()) previous_oldest = items.back().creation_time;
    for (const auto& inv : items)
      walk_state.newest = std::max(walk_state.newest, inv.creation_time);
    if (page == 1) walk_state.total = total;
    if (by_token && !step.last && !tokens.insert(next_token).second) {
      step = {true, "page " + std::to_string(page) +
                        " answered the NextToken of an earlier page; the walk stops there"};
    }
    request.next_token = std::move(next_token);
    if (!step.anomaly.empty()) anomalies_.report("paging", step.anomaly);
    std::swap(previous_ids, ids);
    takeRuns(items, request.timed.value_or(false), pass);
    take(std::move(items), pass);
    if (pass.full && pass.fetched.size() >= options_.full_walk_chunk) {
      if (auto settled = settler_.settle(pass, false); !settled) co_return settled;
    }
    if (step.last || early) co_return core::Done{};
  }
}

void Pager::take(std::vector<core::Invocation>&& items, Pass& pass) {
  for (const auto& inv : items) {
    if (!misses_.empty()) misses_.erase(inv.invoke_id);  // seen: its misses were not in a row
    if (!pass.full || !watched_) continue;
    for (const auto& i : inv.instances) {
      if (watched_->contains(i.instance_id))
        pass.watched_pairs[i.instance_id].insert(inv.invoke_id);
    }
  }
  std::move(items.begin(), items.end(), std::back_inserter(pass.fetched));
}

void Pager::choose(int64_t region_total, const Pass& pass) {
  if (!watched_ || watched_->empty() || region_total < 0) return;
  ListingCost cost = listingCost(region_total, *watched_, pass.watched_pairs, options_.page_size);
  if (cost.per_instance != per_instance_) {
    bool use = cost.per_instance;
    spdlog::info(
        "region={} paging: {} ({} calls per full walk, against {} {})", options_.scope.key(),
        use ? "one list per watched instance" : "one region-wide list filtered locally",
        use ? cost.per_instance_calls : cost.region_calls,
        use ? cost.region_calls : cost.per_instance_calls, use ? "region-wide" : "per instance");
  }
  per_instance_ = cost.per_instance;
}

awaitable<core::Done> Pager::fetchUnfinished(Pass& pass) {
  if (pass.full) co_return core::Done{};
  // Many by InvocationStatus filter, then whatever is still missing (it finished meanwhile) by
  // InvokeId, all at once under the gate.
  auto missing = unseenUnfinished(settler_.region().unfinished(), pass.fetched);
  // Runs of repeating tasks are not fetched by their key (it is ours): they are followed by the
  // Timed listing, and those of tasks it no longer lists by their task.
  std::vector<std::string> runs;
  std::erase_if(missing, [&](const std::string& id) {
    bool run = core::splitRunKey(id).run.has_value();
    if (run) runs.push_back(id);
    return run;
  });
  if (pass.timed_listed && !runs.empty()) co_await fetchOrphanRuns(std::move(runs), pass);
  // Beyond the first pages the walks read: the next ones read as far as configured again.
  if (!missing.empty()) list_needed_.clear();
  if (fetchUnfinishedByStatus(missing.size())) {
    for (std::string_view status : kUnfinishedStatuses) {
      auto request = baseRequest();
      request.invocation_status = std::string(status);
      Walk to_end;
      if (auto ok = co_await walk(request, to_end, pass); !ok) co_return ok;
    }
    missing = unseenUnfinished(settler_.region().unfinished(), pass.fetched);
    std::erase_if(missing, [](const std::string& id) { return core::splitRunKey(id).run; });
  }
  std::vector<std::optional<PageResult>> results(missing.size());
  size_t pending = missing.size();
  std::exception_ptr bug;
  auto done = std::make_shared<asio::steady_timer>(io_, asio::steady_timer::time_point::max());
  api::CallTally& calls = pass.calls;
  for (size_t i = 0; i < missing.size(); ++i) {
    auto request = baseRequest();
    request.invoke_id = missing[i];
    request.command_type.clear();
    request.command_name.clear();
    // The poll waits below for every one of these, so `this` and its locals outlive them.
    asio::co_spawn(
        io_,
        [this, request, i, &results, &calls, &pending, &bug, done]() -> awaitable<void> {
          // Whatever happens, it counts down: a bug's exception ending this detached call
          // silently would leave the poll waiting for it for good. The poll throws it below.
          try {
            results[i] = co_await gate_.call(request, calls);
          } catch (...) {
            if (!bug) bug = std::current_exception();
          }
          if (--pending == 0) done->cancel();
        },
        asio::detached);
  }
  if (pending > 0) {
    boost::system::error_code ec;
    co_await done->async_wait(asio::redirect_error(use_awaitable, ec));
  }
  if (bug) std::rethrow_exception(bug);
  if (gate_.stopping()) co_return std::unexpected(core::Error{.kind = core::ErrorKind::kCancelled});
  for (size_t i = 0; i < missing.size(); ++i) settleFetchById(missing[i], *results[i], pass);
  co_return core::Done{};
}

// The answer to a fetch of one known unfinished invocation by InvokeId. One that no longer
// finds it (empty, or an error answer about it) never fails the region: after
// kVanishAfterMisses of them in a row it is given up, marked Vanished (terminal) and counted.
// Transient failures (throttling, timeouts) are tried again next poll and are no miss.
void Pager::settleFetchById(const std::string& invoke_id, PageResult& result, Pass& pass) {
  bool found = false;
  if (result) {
    for (auto& v : result->invocations) {
      found = found || v.invoke_id == invoke_id;
      pass.fetched.push_back(
          api::toInvocation(options_.scope.key(), std::move(v), options_.alert_condition));
    }
  } else if (result.error().retryable || result.error().kind == core::ErrorKind::kCancelled) {
    return;
  }
  if (found) {
    misses_.erase(invoke_id);
    return;
  }
  miss(invoke_id, result ? std::string("empty answers") : core::describe(result.error()), pass);
}

void Pager::miss(const std::string& key, const std::string& why, Pass& pass) {
  if (++misses_[key] < kVanishAfterMisses) return;
  misses_.erase(key);
  auto gone = settler_.vanished(key);
  if (!gone) return;
  pass.fetched.push_back(std::move(*gone));
  anomalies_.report("vanished", "invocation " + key + " was unfinished and is no longer listed (" +
                                    why + ", " + std::to_string(kVanishAfterMisses) +
                                    " times); marked Vanished");
}

void Pager::noteOrder(const Pass& pass) {
  if (pass.full) {
    if (!pass.ordered && order_newest_first_) observer_.onPagingFallback(options_.scope.key());
    if (!pass.ordered) {
      spdlog::warn(
          "region={} the API did not list invocations newest-first; every poll walks every "
          "page until it does",
          options_.scope.key());
    }
    order_newest_first_ = pass.ordered;
  } else if (!pass.ordered) {
    order_newest_first_ = false;
    observer_.onPagingFallback(options_.scope.key());
  }
}

void Pager::settled(const Pass& pass) {
  for (const auto& [key, newest] : pass.list_newest) {
    auto& bound = list_newest_[key];
    bound = std::max(bound, newest);
  }
  if (pass.full) {
    for (const auto& id : pass.diff_options.cold_instances) cold_.erase(id);
  }
  const auto& unfinished = settler_.region().unfinished();
  std::erase_if(misses_, [&](const auto& m) { return !unfinished.contains(m.first); });
  for (const auto& [pair, run] : pass.latest_runs) {
    if (!pass.unread_runs.contains(pair)) last_run_[pair] = run;
  }
  for (const auto& [id, task] : pass.tasks) {
    if (task.has_history) tasks_.insert_or_assign(id, task);
  }
  if (pass.timed_listed && stored_runs_) stored_runs_->clear();  // last_run_ knows the listed
  if (pass.timed_listed) {  // tasks that left the Timed listing were read a last time
    std::erase_if(last_run_, [&](const auto& e) {
      return !pass.latest_runs.contains(e.first) && !pass.unread_runs.contains(e.first);
    });
    std::erase_if(tasks_, [&](const auto& t) {
      return std::none_of(last_run_.begin(), last_run_.end(),
                          [&](const auto& e) { return e.first.first == t.first; });
    });
  }
}

}  // namespace swas::poller
