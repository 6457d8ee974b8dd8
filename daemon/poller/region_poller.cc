#include "daemon/poller/region_poller.h"

#include <spdlog/spdlog.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <map>

#include "daemon/api/api_error.h"
#include "daemon/core/time.h"
#include "daemon/poller/paging.h"

namespace swas::poller {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;

namespace {

using PageResult = std::expected<api::CommandInvocationPage, core::Error>;

// Adapts the callback client to co_await. A plain function, not a coroutine: GCC 12 destroys
// temporaries inside a coroutine's co_await expression twice, so nothing is captured there.
auto describe(api::SwasClient& client, api::DescribeCommandInvocationsRequest request) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(PageResult)>(
      [&client](auto handler, api::DescribeCommandInvocationsRequest r) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        client.describeCommandInvocations(
            r, [shared](PageResult result) { (*shared)(std::move(result)); });
      },
      use_awaitable, std::move(request));
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

struct RegionPoller::Impl : std::enable_shared_from_this<RegionPoller::Impl> {
  Impl(asio::io_context& io_context, api::SwasClient& c, state::Store& s, core::TransitionSink& k,
       core::AlertPlanner& p, core::PollObserver& o, const core::Clock& cl, core::Random& r,
       RegionOptions opts)
      : io(io_context),
        client(c),
        store(s),
        sink(k),
        planner(p),
        observer(o),
        clock(cl),
        random(r),
        options(std::move(opts)),
        bucket(options.rate_limit, cl.steadyNow()),
        schedule_timer(io_context) {}

  asio::io_context& io;
  api::SwasClient& client;
  state::Store& store;
  core::TransitionSink& sink;
  core::AlertPlanner& planner;
  core::PollObserver& observer;
  const core::Clock& clock;
  core::Random& random;
  RegionOptions options;

  TokenBucket bucket;
  int in_flight = 0;
  std::deque<std::shared_ptr<asio::steady_timer>> waiting_for_slot;
  asio::steady_timer schedule_timer;
  std::vector<std::weak_ptr<asio::steady_timer>> backoff_timers;

  state::TrackedRegion region;
  state::RegionCursor cursor;
  bool order_newest_first = false;  // trusted only once a walk has shown it
  bool per_instance_mode = false;
  double stretch = 1.0;
  bool stopping = false;
  bool busy = false;
  bool completed_one = false;
  bool is_up = false;
  std::string down_reason;  // why the last poll failed; empty until one fails
  std::string last_logged_error;
  std::set<std::string> logged_anomalies;  // kind|message already logged
  std::map<std::string, int> misses;       // unfinished invoke id -> empty by-id answers in a row

  // A wrong API answer worked around: counted, and logged once per distinct message.
  void anomaly(std::string_view kind, const std::string& what, int count = 1) {
    observer.onApiAnomaly(options.region_id, kind, count);
    if (logged_anomalies.size() > 256) logged_anomalies.clear();
    if (logged_anomalies.insert(std::string(kind) + "|" + what).second) {
      spdlog::warn(
          "region={} action=DescribeCommandInvocations worked around a wrong answer "
          "({}): {}",
          options.region_id, kind, what);
    }
  }

  void noteAnomalies(const api::ParseAnomalies& a) {
    if (a.fields > 0) anomaly("field", a.first_field, a.fields);
    if (a.records > 0) anomaly("record", a.first_record, a.records);
  }

  awaitable<bool> sleep(Duration d) {
    if (d <= Duration::zero()) co_return !stopping;
    auto timer = std::make_shared<asio::steady_timer>(io, d);
    std::erase_if(backoff_timers, [](const auto& weak) { return weak.expired(); });
    backoff_timers.push_back(timer);
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(use_awaitable, ec));
    co_return !stopping;
  }

  // The region's gate: the token bucket, then a slot under max_in_flight.
  awaitable<bool> acquire() {
    if (!co_await sleep(bucket.take(clock.steadyNow()))) co_return false;
    while (in_flight >= options.max_in_flight) {
      auto timer = std::make_shared<asio::steady_timer>(io, asio::steady_timer::time_point::max());
      waiting_for_slot.push_back(timer);
      boost::system::error_code ec;
      co_await timer->async_wait(asio::redirect_error(use_awaitable, ec));
      if (stopping) co_return false;
    }
    ++in_flight;
    co_return true;
  }

  void release() {
    --in_flight;
    if (!waiting_for_slot.empty()) {
      waiting_for_slot.front()->cancel();
      waiting_for_slot.pop_front();
    }
  }

  // One API call with bounded retries: full-jitter backoff honouring retry-after.
  awaitable<PageResult> call(api::DescribeCommandInvocationsRequest request, PollOutcome& outcome) {
    core::Error last{.kind = core::ErrorKind::kCancelled, .message = "stopping"};
    for (int attempt = 0; attempt < options.max_attempts; ++attempt) {
      if (!co_await acquire()) co_return std::unexpected(last);
      auto started = clock.steadyNow();
      PageResult result = co_await describe(client, request);
      release();
      ++outcome.api_calls;
      observer.onApiRequest(options.region_id, "DescribeCommandInvocations",
                            result ? "OK" : core::metricCode(result.error()),
                            seconds(clock.steadyNow() - started));
      if (result) {
        noteAnomalies(result->anomalies);
        co_return result;
      }
      last = result.error();
      if (last.code.find("Throttling") != std::string::npos) outcome.throttled = true;
      if (!last.retryable || stopping) break;
      if (last.retry_after && *last.retry_after > kMaxRetryAfterInPoll) {
        // Not slept through: the poll ends as throttled and the stretched schedule decides.
        outcome.throttled = true;
        anomaly("retry_after", "the API asked to wait " +
                                   std::to_string(last.retry_after->count() / 1000) +
                                   " s; the poll ends here and the schedule backs off");
        break;
      }
      spdlog::debug("region={} action=DescribeCommandInvocations attempt {} failed: {}",
                    options.region_id, attempt + 1, core::describe(last));
      Duration delay = backoffDelay(attempt, options.backoff_initial, options.backoff_cap,
                                    random.uniform(), last.retry_after);
      if (!co_await sleep(delay)) break;
    }
    co_return std::unexpected(last);
  }

  api::DescribeCommandInvocationsRequest baseRequest() const {
    api::DescribeCommandInvocationsRequest r;
    r.region_id = options.region_id;
    r.command_type = options.command_type;
    r.command_name = options.command_name;
    r.page_size = options.page_size;
    return r;
  }

  // What one poll gathers as it walks.
  struct Pass {
    bool full = false;
    std::chrono::system_clock::time_point wall{};
    state::DiffOptions diff_options;
    std::vector<core::Invocation> fetched;  // not yet diffed
    std::string newest_creation;            // over everything fetched, diffed or not
    // Full walks with instance_ids: the invocations seen per watched instance.
    std::map<std::string, std::set<std::string>> watched_pairs;
    PollOutcome outcome;
  };

  // Walks one list (the region, or one instance) page by page until its end, or until an
  // early stop is allowed (never with `to_end`). Appends what it sees to pass.fetched; a full
  // walk settles it every full_walk_chunk invocations. nullopt on success.
  struct Walk {
    bool ordered = true;
    int64_t total = -1;  // TotalCount of the first page
  };
  awaitable<std::optional<core::Error>> walk(api::DescribeCommandInvocationsRequest request,
                                             bool to_end, Walk& walk_state, Pass& pass) {
    std::string previous_oldest;
    std::vector<std::string> previous_ids, ids;
    for (int page = 1;; ++page) {
      request.page_number = page;
      PageResult result = co_await call(request, pass.outcome);
      if (!result) co_return result.error();
      std::vector<core::Invocation> items;
      items.reserve(result->invocations.size());
      ids.clear();
      for (auto& v : result->invocations) {
        ids.push_back(v.invoke_id);
        items.push_back(
            api::toInvocation(options.region_id, std::move(v), options.alert_condition));
      }
      walk_state.ordered = walk_state.ordered && newestFirst(items, previous_oldest);
      if (!items.empty()) previous_oldest = items.back().creation_time;
      bool early = !to_end && order_newest_first &&
                   earlyStopAfter(items, region.snapshot(), cursor.newest_creation,
                                  options.watched_instances);
      int64_t total = result->total_count.value_or(-1);
      if (page == 1) walk_state.total = total;
      PageStep step = afterPage(page, request.page_size, ids, previous_ids, total);
      if (!step.anomaly.empty()) anomaly("paging", step.anomaly);
      std::swap(previous_ids, ids);
      // The API ignores CommandName with InstanceId: per-instance lists are filtered here.
      if (!options.command_name.empty()) {
        std::erase_if(items, [&](const core::Invocation& inv) {
          return inv.command_name != options.command_name;
        });
      }
      if (pass.full && !options.watched_instances.empty()) {
        for (const auto& inv : items) {
          for (const auto& i : inv.instances) {
            if (options.watched_instances.contains(i.instance_id))
              pass.watched_pairs[i.instance_id].insert(inv.invoke_id);
          }
        }
      }
      std::move(items.begin(), items.end(), std::back_inserter(pass.fetched));
      if (pass.full && pass.fetched.size() >= options.full_walk_chunk) {
        if (auto settled = settle(pass, false); !settled) co_return settled.error();
      }
      if (step.last || early) co_return std::nullopt;
    }
  }

  // Diffs what the pass fetched against the snapshot, commits the changes, transitions and
  // alerts in one transaction (with the new cursor when `last`), then applies them to the
  // snapshot and hands the transitions to the sink: nothing reaches the sink before it is
  // durable. A full walk settles in chunks, so it never holds more than one chunk at a time;
  // only its last chunk moves the cursor.
  std::expected<void, core::Error> settle(Pass& pass, bool last) {
    for (const auto& inv : pass.fetched) {
      if (inv.creation_time > pass.newest_creation) pass.newest_creation = inv.creation_time;
      if (!misses.empty()) misses.erase(inv.invoke_id);  // seen: its misses were not in a row
    }
    state::RegionCursor next = cursor;
    if (last) {
      next.known = true;
      if (pass.full) next.last_full_scan = pass.wall;
      next.newest_creation = std::max(next.newest_creation, pass.newest_creation);
    }
    state::DiffResult diff =
        state::diff(region.snapshot(), std::move(pass.fetched), pass.diff_options);
    pass.fetched.clear();
    // A poll that changed nothing and moved no cursor writes nothing (no fsync per idle poll).
    if (diff.changed.empty() && diff.transitions.empty() && next == cursor) return {};
    state::PollCommit commit{options.region_id, std::move(diff.changed),
                             std::move(diff.transitions), next, pass.wall};
    commit.write_cursor = last;
    // Alerts and their notifications go into the same transaction as the transitions.
    commit.alerts = planner.plan(commit.transitions, pass.wall);
    if (auto committed = store.commit(commit); !committed) {
      // Nothing was applied: the next poll fetches and diffs it all again (a full disk loses
      // nothing, it only delays).
      observer.onStateError("poll_commit");
      return committed;
    }
    planner.committed(commit.alerts);
    region.apply(commit.changed);
    cursor = next;
    pass.outcome.transitions += commit.transitions.size();
    if (!commit.transitions.empty() || !diff.overall_changes.empty()) {
      sink.onTransitions(options.region_id, commit.transitions, diff.overall_changes);
    }
    // The gauges last: a scrape that shows the new state has its transitions counted.
    if (!commit.changed.empty()) observer.onTrackedCounts(options.region_id, region.counts());
    return {};
  }

  // With instance_ids, per-instance lists (InstanceId filter) or one region-wide walk filtered
  // locally, whichever costs fewer calls; decided from the counts a full walk observed.
  void chooseStrategy(int64_t region_total,
                      const std::map<std::string, std::set<std::string>>& watched_pairs) {
    if (options.watched_instances.empty() || region_total < 0) return;
    auto pages = [&](int64_t n) {
      return std::max<int64_t>(1, (n + options.page_size - 1) / options.page_size);
    };
    int64_t per_cost = 0;
    for (const auto& id : options.watched_instances) {
      auto it = watched_pairs.find(id);
      per_cost += pages(it == watched_pairs.end() ? 0 : static_cast<int64_t>(it->second.size()));
    }
    int64_t region_cost = pages(region_total);
    bool use = per_cost < region_cost;
    if (use != per_instance_mode) {
      spdlog::info("region={} paging: {} ({} calls per full walk, against {} {})",
                   options.region_id,
                   use ? "one list per watched instance" : "one region-wide list filtered locally",
                   use ? per_cost : region_cost, use ? region_cost : per_cost,
                   use ? "region-wide" : "per instance");
    }
    per_instance_mode = use;
  }

  awaitable<PollOutcome> poll(bool force_full) {
    auto started = clock.steadyNow();
    Pass pass;
    pass.wall = clock.now();
    pass.full =
        force_full || fullWalkDue(cursor, pass.wall, options.full_scan_every, order_newest_first);
    pass.outcome.full_walk = pass.full;
    pass.diff_options.cold_start = !cursor.known;
    pass.diff_options.now = pass.wall;
    pass.diff_options.initial_lookback = options.initial_lookback;
    pass.diff_options.watched_instances = options.watched_instances;
    pass.diff_options.alert_condition = options.alert_condition;
    pass.diff_options.forget_before = pass.wall - options.retention;
    bool full = pass.full;
    Walk walk_state;
    if (!per_instance_mode) {
      if (auto error = co_await walk(baseRequest(), full, walk_state, pass)) {
        co_return fail(pass, *error, started);
      }
      if (full) chooseStrategy(walk_state.total, pass.watched_pairs);
    } else {
      for (const auto& instance : options.watched_instances) {
        auto request = baseRequest();
        request.instance_id = instance;
        request.command_name.clear();  // the API ignores CommandName with InstanceId
        Walk one;
        if (auto error = co_await walk(request, full, one, pass)) {
          co_return fail(pass, *error, started);
        }
        walk_state.ordered = walk_state.ordered && one.ordered;
      }
      if (full) {
        // One call with PageSize 1 tells the region-wide total, to re-check the choice.
        auto request = baseRequest();
        request.page_size = 1;
        PageResult total = co_await call(request, pass.outcome);
        if (total) chooseStrategy(total->total_count.value_or(-1), pass.watched_pairs);
      }
    }
    bool ordered = walk_state.ordered;
    if (!full) {
      // Known unfinished invocations the walk did not reach: many by InvocationStatus filter,
      // then whatever is still missing (it finished meanwhile) by InvokeId.
      auto missing = unseenUnfinished(region.unfinished(), pass.fetched);
      if (fetchUnfinishedByStatus(missing.size())) {
        for (std::string_view status : kUnfinishedStatuses) {
          auto request = baseRequest();
          request.invocation_status = std::string(status);
          Walk ignored;
          if (auto error = co_await walk(request, true, ignored, pass)) {
            co_return fail(pass, *error, started);
          }
        }
        missing = unseenUnfinished(region.unfinished(), pass.fetched);
      }
      std::vector<std::optional<PageResult>> results(missing.size());
      size_t pending = missing.size();
      auto done_timer =
          std::make_shared<asio::steady_timer>(io, asio::steady_timer::time_point::max());
      PollOutcome& outcome = pass.outcome;
      for (size_t i = 0; i < missing.size(); ++i) {
        auto request = baseRequest();
        request.invoke_id = missing[i];
        request.command_type.clear();
        request.command_name.clear();
        asio::co_spawn(
            io,
            [self = shared_from_this(), request, i, &results, &outcome, &pending,
             done_timer]() -> awaitable<void> {
              results[i] = co_await self->call(request, outcome);
              if (--pending == 0) done_timer->cancel();
            },
            asio::detached);
      }
      if (pending > 0) {
        boost::system::error_code ec;
        co_await done_timer->async_wait(asio::redirect_error(use_awaitable, ec));
      }
      if (stopping) co_return fail(pass, {.kind = core::ErrorKind::kCancelled}, started);
      for (size_t i = 0; i < missing.size(); ++i) settleFetchById(missing[i], *results[i], pass);
    }
    if (full) {
      if (!ordered && order_newest_first) observer.onPagingFallback(options.region_id);
      if (!ordered) {
        spdlog::warn(
            "region={} the API did not list invocations newest-first; every poll walks "
            "every page until it does",
            options.region_id);
      }
      order_newest_first = ordered;
    } else if (!ordered) {
      order_newest_first = false;
      observer.onPagingFallback(options.region_id);
    }

    if (auto settled = settle(pass, true); !settled) co_return fail(pass, settled.error(), started);
    std::erase_if(misses, [&](const auto& m) { return !region.unfinished().contains(m.first); });
    if (full) evict(pass.wall);
    pass.outcome.ok = true;
    co_return finish(pass.outcome, started);
  }

  // The answer to a fetch of one known unfinished invocation by InvokeId. One that no longer
  // finds it (empty, or an error answer about it) never fails the region: after
  // kVanishAfterMisses of them in a row it is given up, marked Vanished (terminal) and counted.
  // Transient failures (throttling, timeouts) are tried again next poll and are no miss.
  void settleFetchById(const std::string& invoke_id, PageResult& result, Pass& pass) {
    bool found = false;
    if (result) {
      for (auto& v : result->invocations) {
        found = found || v.invoke_id == invoke_id;
        pass.fetched.push_back(
            api::toInvocation(options.region_id, std::move(v), options.alert_condition));
      }
    } else if (result.error().retryable || result.error().kind == core::ErrorKind::kCancelled) {
      return;
    }
    if (found) {
      misses.erase(invoke_id);
      return;
    }
    if (++misses[invoke_id] < kVanishAfterMisses) return;
    misses.erase(invoke_id);
    auto stored = region.snapshot().find(invoke_id);
    if (stored == region.snapshot().end()) return;
    auto command = store.invocationCommand(options.region_id, invoke_id);
    if (!command) observer.onStateError("poll_commit");
    core::Invocation gone = vanishedMarker(options.region_id, invoke_id, stored->second,
                                           command ? *command : state::Store::Command{});
    pass.fetched.push_back(std::move(gone));
    anomaly("vanished",
            "invocation " + invoke_id + " was unfinished and is no longer listed (" +
                (result ? std::string("empty answers") : core::describe(result.error())) + ", " +
                std::to_string(kVanishAfterMisses) + " times); marked Vanished");
  }

  // A failed poll. Chunks a full walk already settled stay: they are durable and were reported.
  PollOutcome fail(Pass& pass, core::Error error, Clock::time_point started) {
    pass.outcome.error = std::move(error);
    return finish(pass.outcome, started);
  }

  void evict(std::chrono::system_clock::time_point wall) {
    auto cutoff = wall - options.retention;
    auto evicted = store.evictFinishedBefore(options.region_id, cutoff);
    if (!evicted) {
      observer.onStateError("evict");
      spdlog::warn("region={} evicting old state failed: {}", options.region_id,
                   evicted.error().message);
      return;
    }
    if (region.forgetFinishedBefore(core::formatCreationTime(cutoff)) > 0)
      observer.onTrackedCounts(options.region_id, region.counts());
  }

  PollOutcome finish(PollOutcome outcome, Clock::time_point started) {
    spdlog::debug("poll region={} ok={} full_walk={} api_calls={} transitions={}",
                  options.region_id, outcome.ok, outcome.full_walk, outcome.api_calls,
                  outcome.transitions);
    observer.onPollFinished(options.region_id, outcome.ok, seconds(clock.steadyNow() - started),
                            outcome.full_walk, outcome.api_calls);
    completed_one = completed_one || outcome.ok;
    if (outcome.ok) {
      if (!is_up && !last_logged_error.empty()) {
        spdlog::info("region={} polling again after: {}", options.region_id, last_logged_error);
      }
      is_up = true;
      down_reason.clear();
      last_logged_error.clear();
    } else if (outcome.error.kind != core::ErrorKind::kCancelled) {
      is_up = false;
      down_reason = core::describe(outcome.error);
      std::string key = outcome.error.code + "|" + outcome.error.message;
      if (key != last_logged_error) {  // once per distinct error
        spdlog::warn("region={} action=DescribeCommandInvocations poll failed: {}",
                     options.region_id, down_reason);
        last_logged_error = key;
      }
    }
    return outcome;
  }

  awaitable<void> run() {
    auto base = clock.steadyNow();
    while (!stopping) {
      busy = true;
      PollOutcome outcome = co_await poll(false);
      busy = false;
      if (stopping) break;
      stretch = nextStretch(stretch, outcome.throttled);
      Tick tick = nextTick(base, clock.steadyNow(), options.interval, stretch, options.jitter,
                           random.uniform());
      if (tick.skipped > 0) observer.onSkippedTicks(options.region_id, tick.skipped);
      base = tick.base;
      schedule_timer.expires_at(tick.at);
      boost::system::error_code ec;
      co_await schedule_timer.async_wait(asio::redirect_error(use_awaitable, ec));
    }
  }
};

RegionPoller::RegionPoller(asio::io_context& io, api::SwasClient& client, state::Store& store,
                           core::TransitionSink& sink, core::AlertPlanner& planner,
                           core::PollObserver& observer, const core::Clock& clock,
                           core::Random& random, RegionOptions options)
    : impl_(std::make_shared<Impl>(io, client, store, sink, planner, observer, clock, random,
                                   std::move(options))) {}

RegionPoller::~RegionPoller() { stop(); }

std::expected<void, std::string> RegionPoller::init() {
  auto snapshot = impl_->store.loadRegion(impl_->options.region_id);
  if (!snapshot) return std::unexpected(snapshot.error().message);
  auto cursor = impl_->store.loadCursor(impl_->options.region_id);
  if (!cursor) return std::unexpected(cursor.error().message);
  impl_->region = state::TrackedRegion(std::move(*snapshot));
  impl_->cursor = *cursor;
  impl_->observer.onTrackedCounts(impl_->options.region_id, impl_->region.counts());
  return {};
}

void RegionPoller::start() {
  asio::co_spawn(
      impl_->io, [impl = impl_]() { return impl->run(); }, asio::detached);
}

void RegionPoller::stop() {
  impl_->stopping = true;
  impl_->schedule_timer.cancel();
  for (auto& weak : impl_->backoff_timers) {
    if (auto timer = weak.lock()) timer->cancel();
  }
  impl_->backoff_timers.clear();
  for (auto& timer : impl_->waiting_for_slot) timer->cancel();
  impl_->waiting_for_slot.clear();
}

void RegionPoller::pollOnce(bool force_full, std::function<void(PollOutcome)> done) {
  asio::co_spawn(
      impl_->io,
      [impl = impl_, force_full, done = std::move(done)]() -> awaitable<void> {
        impl->busy = true;
        PollOutcome outcome = co_await impl->poll(force_full);
        impl->busy = false;
        done(std::move(outcome));
      },
      asio::detached);
}

const std::string& RegionPoller::regionId() const { return impl_->options.region_id; }
bool RegionPoller::completedOnePoll() const { return impl_->completed_one; }
bool RegionPoller::up() const { return impl_->is_up; }
const std::string& RegionPoller::downReason() const { return impl_->down_reason; }
bool RegionPoller::polling() const { return impl_->busy; }

}  // namespace swas::poller
