#include "daemon/poller/region_poller.h"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "daemon/api/ecs.h"
#include "daemon/poller/pager.h"
#include "daemon/poller/paging.h"
#include "daemon/poller/request_gate.h"
#include "daemon/poller/settle.h"

namespace swas::poller {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;

namespace {

api::GateOptions gateOptions(const RegionOptions& o) {
  return {.scope = o.scope.key(),
          .rate_limit = o.rate_limit,
          .max_in_flight = o.max_in_flight,
          .max_attempts = o.max_attempts,
          .backoff_initial = o.backoff_initial,
          .backoff_cap = o.backoff_cap,
          .max_retry_after = kMaxRetryAfterInPoll};
}

}  // namespace

// The region's schedule and up/down state. A poll is: begin a pass, walk the lists, fetch the
// unfinished the walk did not reach, note the order, settle, evict (after a full walk).
struct RegionPoller::Impl {
  Impl(asio::io_context& io_context, api::SwasClient& client, state::Store& store,
       core::TransitionSink& sink, core::AlertPlanner& planner, core::PollObserver& o,
       const core::Clock& cl, core::Random& r, RegionOptions opts)
      : io(io_context),
        observer(o),
        clock(cl),
        random(r),
        options(std::move(opts)),
        anomalies(o, options.scope.key(), api::invocationsAction(options.scope.product())),
        call_gate(std::make_shared<api::CallGate>(io_context, o, cl, r, gateOptions(options))),
        gate(*call_gate, client, anomalies, api::invocationsAction(options.scope.product())),
        settler(store, sink, planner, o, options.scope.key(), options.full_walk_delivery),
        pager(io_context, gate, settler, anomalies, o, options),
        schedule_timer(io_context) {}

  asio::io_context& io;
  core::PollObserver& observer;
  const core::Clock& clock;
  core::Random& random;
  const RegionOptions options;
  AnomalyLog anomalies;
  std::shared_ptr<api::CallGate> call_gate;  // shared with the region's inventory
  RequestGate gate;
  Settler settler;
  Pager pager;
  asio::steady_timer schedule_timer;

  double stretch = 1.0;
  Clock::time_point due;         // the next scheduled poll
  Clock::time_point last_ended;  // the last poll, scheduled or hinted
  bool hinted = false;           // a hinted poll is pending
  bool hint_timed = false;       // ... and lists Timed=true
  bool wake = false;             // poll at once (the first watched set)
  bool stopping = false;
  bool busy = false;
  bool completed_one = false;
  bool is_up = false;
  std::string down_reason;  // why the last poll failed; empty until one fails
  std::string last_logged_error;
  std::optional<std::chrono::system_clock::time_point> last_success;
  std::optional<std::chrono::system_clock::time_point> last_success_started;

  awaitable<PollOutcome> poll(bool force_full, bool hinted_poll = false, bool timed = false) {
    if (pager.awaitingWatched()) {
      // Not a failure of the API, not a success either: the region is not watched yet.
      down_reason = "waiting for the first inventory to resolve instance_tags/instance_names";
      co_return PollOutcome{.error = {.kind = core::ErrorKind::kCancelled, .message = down_reason}};
    }
    auto started = clock.steadyNow();
    Pass pass = pager.begin(force_full, clock.now(), hinted_poll, timed);
    std::exception_ptr bug;
    try {
      co_return co_await walk(pass, started);
    } catch (...) {
      bug = std::current_exception();
    }
    co_return failedInternally(pass, core::whatOf(bug), started);
  }

  awaitable<PollOutcome> walk(Pass& pass, Clock::time_point started) {
    if (auto ok = co_await pager.walkLists(pass); !ok) co_return finish(pass, ok, started);
    if (auto ok = co_await pager.followRuns(pass); !ok) co_return finish(pass, ok, started);
    if (auto ok = co_await pager.fetchUnfinished(pass); !ok) co_return finish(pass, ok, started);
    pager.noteOrder(pass);
    // A failed settle keeps what a full walk's earlier chunks settled: committed and reported.
    if (auto settled = settler.settle(pass, true); !settled) {
      co_return finish(pass, settled, started);
    }
    pager.settled(pass);
    if (pass.full) settler.evictFinishedBefore(pass.wall - options.retention);
    co_return finish(pass, {}, started);
  }

  // A bug threw inside the poll (escaping the region's loop, it would have ended the region's
  // polling for good, silently): that poll fails, loudly, and the region's state is read
  // again from the state file, which holds every commit whole, so the next poll diffs against
  // what is stored whatever the exception left half done in memory.
  PollOutcome failedInternally(const Pass& pass, const std::string& what,
                               Clock::time_point started) {
    spdlog::error(
        "region={} a poll failed on an internal error (a bug: please report it): {}; the region's "
        "state is read again from the state file and polling goes on",
        options.scope.key(), what);
    if (auto reloaded = settler.load(); !reloaded) {
      spdlog::error("region={} cannot read its state again: {}", options.scope.key(),
                    reloaded.error());
    }
    return finish(pass,
                  std::unexpected(core::Error{.kind = core::ErrorKind::kInternal, .message = what}),
                  started);
  }

  PollOutcome finish(const Pass& pass, const core::Done& done, Clock::time_point started) {
    if (pass.full) settler.deliverHeld();
    PollOutcome outcome{.ok = done.has_value(),
                        .throttled = pass.calls.throttled,
                        .full_walk = pass.full,
                        .api_calls = pass.calls.api_calls,
                        .transitions = pass.transitions,
                        .error = done ? core::Error{} : done.error()};
    spdlog::debug("poll region={} ok={} full_walk={} api_calls={} transitions={}",
                  options.scope.key(), outcome.ok, outcome.full_walk, outcome.api_calls,
                  outcome.transitions);
    observer.onPollFinished(options.scope.key(), outcome.ok,
                            std::chrono::duration<double>(clock.steadyNow() - started).count(),
                            outcome.full_walk, outcome.api_calls);
    noteUpOrDown(outcome);
    if (outcome.ok) last_success_started = pass.wall;
    // A full walk's pages, diffs and chunks are freed with its frame; glibc keeps freed memory
    // for reuse, so hand it back to the system (once the frame is gone: posted).
    if (pass.full && outcome.ok) asio::post(io, [] { malloc_trim(0); });
    return outcome;
  }

  // Up after a successful poll; down, with the reason logged once per distinct error, after a
  // failed one (a cancelled poll changes nothing).
  void noteUpOrDown(const PollOutcome& outcome) {
    completed_one = completed_one || outcome.ok;
    if (outcome.ok) {
      last_success = clock.now();
      if (!is_up && !last_logged_error.empty()) {
        spdlog::info("region={} polling again after: {}", options.scope.key(), last_logged_error);
      }
      is_up = true;
      down_reason.clear();
      last_logged_error.clear();
    } else if (outcome.error.kind != core::ErrorKind::kCancelled) {
      is_up = false;
      down_reason = core::describe(outcome.error);
      std::string key = outcome.error.code + "|" + outcome.error.message;
      if (key != last_logged_error) {
        spdlog::warn("region={} action={} poll failed: {}", options.scope.key(),
                     api::invocationsAction(options.scope.product()), down_reason);
        last_logged_error = key;
      }
    }
  }

  // The schedule, and the polls events hinted at in between. Only a scheduled poll (due, or
  // woken) moves the schedule on and eases the throttling stretch: hinted polls neither push
  // the next scheduled poll away nor undo a backoff.
  awaitable<void> run() {
    auto base = clock.steadyNow();
    due = base;
    bool woken = false;
    while (!stopping) {
      // A hinted poll that comes within a gap of the scheduled one is that one.
      bool scheduled = woken || clock.steadyNow() + options.hint_gap >= due;
      bool timed = std::exchange(hint_timed, false);
      busy = true;
      hinted = false;
      PollOutcome outcome = co_await poll(false, !scheduled, timed);
      busy = false;
      last_ended = clock.steadyNow();
      if (stopping) break;
      if (!outcome.ok && timed) hint_timed = true;  // the Timed listing asked for is still owed
      if (!scheduled) {
        if (outcome.throttled) stretch = nextStretch(stretch, true);
        woken = co_await sleep();
        continue;
      }
      stretch = nextStretch(stretch, outcome.throttled);
      Tick tick =
          nextTick(base, last_ended, options.interval, stretch, options.jitter, random.uniform());
      if (tick.skipped > 0) observer.onSkippedTicks(options.scope.key(), tick.skipped);
      base = tick.base;
      due = tick.at;
      woken = co_await sleep();
    }
  }

  // Until the next poll is due: its tick; once hinted, hint_gap after the last poll ended
  // (stretched by throttling; a whole interval while the region is down); at once when woken
  // (the first watched set: true). The timer is cancelled to look again.
  awaitable<bool> sleep() {
    while (!stopping) {
      if (std::exchange(wake, false)) co_return true;
      auto at = due;
      if (hinted) {
        auto gap = is_up ? options.hint_gap : options.interval;
        at = std::min(at, last_ended + std::chrono::duration_cast<Clock::duration>(gap * stretch));
      }
      auto now = clock.steadyNow();
      if (at <= now) break;
      // A wait of the injected clock's time, so a fake clock drives the schedule in tests.
      schedule_timer.expires_after(at - now);
      boost::system::error_code ec;
      co_await schedule_timer.async_wait(asio::redirect_error(use_awaitable, ec));
      if (!ec) break;  // the wait ran its course; cancelled, it looks again
    }
    co_return false;
  }
};

RegionPoller::RegionPoller(asio::io_context& io, api::SwasClient& client, state::Store& store,
                           core::TransitionSink& sink, core::AlertPlanner& planner,
                           core::PollObserver& observer, const core::Clock& clock,
                           core::Random& random, RegionOptions options)
    : impl_(std::make_shared<Impl>(io, client, store, sink, planner, observer, clock, random,
                                   std::move(options))) {}

RegionPoller::~RegionPoller() { stop(); }

std::expected<void, std::string> RegionPoller::init() { return impl_->settler.load(); }

void RegionPoller::start() {
  asio::co_spawn(
      impl_->io, [impl = impl_]() { return impl->run(); }, asio::detached);
}

void RegionPoller::stop() {
  impl_->stopping = true;
  impl_->schedule_timer.cancel();
  impl_->call_gate->stop();
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

void RegionPoller::setWatched(std::optional<std::set<std::string>> watched) {
  bool was_waiting = impl_->pager.awaitingWatched();
  impl_->pager.setWatched(std::move(watched));
  // The first watched set: poll now, not an interval later.
  if (was_waiting) {
    impl_->wake = true;
    impl_->schedule_timer.cancel();
  }
}

bool RegionPoller::hint(bool timed) {
  Impl& d = *impl_;
  if (d.stopping) return false;  // a reload's retired poller: the next runtime polls at start
  d.hint_timed = d.hint_timed || timed;
  bool fresh = !std::exchange(d.hinted, true);
  // Asleep: look again at when the next poll is due. Polling: the loop looks once it is done.
  if (!d.busy) d.schedule_timer.cancel();
  return fresh;
}

bool RegionPoller::watches(const std::string& instance_id) const {
  return impl_->pager.watches(instance_id);
}

std::shared_ptr<api::CallGate> RegionPoller::gate() const { return impl_->call_gate; }

const core::Scope& RegionPoller::scope() const { return impl_->options.scope; }
bool RegionPoller::completedOnePoll() const { return impl_->completed_one; }
bool RegionPoller::up() const { return impl_->is_up; }
const std::string& RegionPoller::downReason() const { return impl_->down_reason; }
bool RegionPoller::polling() const { return impl_->busy; }
std::optional<std::chrono::system_clock::time_point> RegionPoller::lastSuccessStarted() const {
  return impl_->last_success_started;
}

std::optional<std::chrono::system_clock::time_point> RegionPoller::lastSuccess() const {
  return impl_->last_success;
}
bool RegionPoller::waitingForInventory() const { return impl_->pager.awaitingWatched(); }
std::string RegionPoller::notUpReason() const {
  if (downReason().empty()) return "first poll in progress";
  return waitingForInventory() ? downReason() : "last poll failed: " + downReason();
}

}  // namespace swas::poller
