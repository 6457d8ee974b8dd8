#include "daemon/api/call_gate.h"

#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "daemon/core/backoff.h"

namespace swas::api {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;

namespace {

// Adapts one attempt to co_await. A plain function, not a coroutine: GCC 12 destroys
// temporaries inside a coroutine's co_await expression twice, so nothing is captured there.
// An exception from starting the attempt (a bug) ends it as an internal error: Boost 1.74 starts
// it inside a noexcept await_suspend, where it would end the process. The handler runs once,
// whether the exception came before or after the request was handed on.
auto attemptOnce(const CallGate::Attempt& attempt) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(CallGate::Done)>(
      [&attempt](auto handler) {
        auto once = std::make_shared<std::optional<decltype(handler)>>(std::move(handler));
        auto done = [once](CallGate::Done result) {
          if (!*once) return;
          auto h = std::move(**once);
          once->reset();
          h(std::move(result));
        };
        try {
          attempt(done);
        } catch (...) {
          done(std::unexpected(core::Error{
              .kind = core::ErrorKind::kInternal,
              .message = "starting the call failed: " + core::whatOf(std::current_exception())}));
        }
      },
      use_awaitable);
}

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

CallGate::CallGate(asio::io_context& io, core::PollObserver& observer, const core::Clock& clock,
                   core::Random& random, GateOptions options)
    : io_(io),
      observer_(observer),
      clock_(clock),
      random_(random),
      options_(std::move(options)),
      bucket_(options_.rate_limit, clock.steadyNow()) {}

CallGate::~CallGate() { stop(); }

awaitable<bool> CallGate::sleep(Duration d) {
  if (d <= Duration::zero()) co_return !stopping_;
  auto timer = std::make_shared<Timer>(io_, d);
  std::erase_if(sleeping_, [](const auto& weak) { return weak.expired(); });
  sleeping_.push_back(timer);
  boost::system::error_code ec;
  co_await timer->async_wait(asio::redirect_error(use_awaitable, ec));
  co_return !stopping_;
}

// The token bucket, then a slot under max_in_flight.
awaitable<bool> CallGate::acquire() {
  if (!co_await sleep(bucket_.take(clock_.steadyNow()))) co_return false;
  while (in_flight_ >= options_.max_in_flight) {
    auto timer = std::make_shared<Timer>(io_, Timer::time_point::max());
    waiting_for_slot_.push_back(timer);
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(use_awaitable, ec));
    if (stopping_) co_return false;
  }
  ++in_flight_;
  co_return true;
}

void CallGate::release() {
  --in_flight_;
  if (!waiting_for_slot_.empty()) {
    waiting_for_slot_.front()->cancel();
    waiting_for_slot_.pop_front();
  }
}

void CallGate::stop() {
  stopping_ = true;
  for (auto& weak : sleeping_) {
    if (auto timer = weak.lock()) timer->cancel();
  }
  sleeping_.clear();
  for (auto& timer : waiting_for_slot_) timer->cancel();
  waiting_for_slot_.clear();
}

awaitable<CallGate::Done> CallGate::run(std::string action, Attempt attempt, CallTally& tally) {
  core::Error last{.kind = core::ErrorKind::kCancelled, .message = "stopping"};
  for (int n = 0; n < options_.max_attempts; ++n) {
    if (!co_await acquire()) co_return std::unexpected(last);
    auto started = clock_.steadyNow();
    Done done = co_await attemptOnce(attempt);
    const core::Error* error = done ? nullptr : &done.error();
    release();
    ++tally.api_calls;
    ++calls_;
    if (error && error->code.find("Throttling") != std::string::npos) ++throttled_;
    observer_.onApiRequest(options_.scope, action, error ? core::metricCode(*error) : "OK",
                           seconds(clock_.steadyNow() - started));
    if (done) co_return done;
    last = std::move(done.error());
    if (last.kind == core::ErrorKind::kInternal) {
      spdlog::error("region={} action={} {} (a bug: please report it); the call fails",
                    options_.scope, action, last.message);
    }
    if (last.code.find("Throttling") != std::string::npos) tally.throttled = true;
    if (!last.retryable || stopping_) break;
    if (last.retry_after && *last.retry_after > options_.max_retry_after) {
      // Not slept through: the caller ends as throttled and its schedule backs off.
      tally.throttled = true;
      tally.retry_after_refused =
          std::max(tally.retry_after_refused.value_or(Duration::zero()), *last.retry_after);
      break;
    }
    spdlog::debug("region={} action={} attempt {} failed: {}", options_.scope, action, n + 1,
                  core::describe(last));
    Duration delay = core::backoffDelay(n, options_.backoff_initial, options_.backoff_cap,
                                        random_.uniform(), last.retry_after);
    if (!co_await sleep(delay)) break;
  }
  co_return std::unexpected(std::move(last));
}

}  // namespace swas::api
