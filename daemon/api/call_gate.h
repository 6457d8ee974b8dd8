#pragma once

// Every API call a region makes goes through its gate: the token bucket, a slot under
// max_in_flight, and bounded retries with full-jitter backoff that honour (a bounded)
// Retry-After. The poller and the inventory of one region share one gate, so the inventory's
// calls come out of the same budget as the polls.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/clock.h"
#include "daemon/core/error.h"
#include "daemon/core/poll_observer.h"
#include "daemon/core/rate_limit.h"

namespace swas::api {

struct GateOptions {
  std::string scope;  // core::Scope::key(): what its calls are counted under
  double rate_limit = 10;
  int max_in_flight = 4;
  int max_attempts = 6;
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_cap{10'000};
  // A Retry-After longer than this is not slept through: the call fails as throttled.
  std::chrono::milliseconds max_retry_after{60'000};
};

// What a run of calls cost.
struct CallTally {
  int api_calls = 0;
  bool throttled = false;
  // The API asked to wait longer than max_retry_after (the longest ask), so a call gave up.
  std::optional<std::chrono::milliseconds> retry_after_refused;
};

class CallGate {
 public:
  using Duration = std::chrono::milliseconds;
  // Starts one attempt; calls `done` once with success or the error.
  using Done = core::Done;
  using Attempt = std::function<void(std::function<void(Done)> done)>;

  CallGate(boost::asio::io_context& io, core::PollObserver& observer, const core::Clock& clock,
           core::Random& random, GateOptions options);
  ~CallGate();
  CallGate(const CallGate&) = delete;
  CallGate& operator=(const CallGate&) = delete;

  // One call of `action` with bounded retries, counted into `tally` and swas_api_requests_total.
  // `send` is the client's method bound to its request: send(callback).
  template <class T>
  boost::asio::awaitable<std::expected<T, core::Error>> call(
      std::string action,
      std::function<void(std::function<void(std::expected<T, core::Error>)>)> send,
      CallTally& tally) {
    // Shared with the callback, which may outlive this frame when the loop is torn down.
    auto value = std::make_shared<std::optional<T>>();
    Attempt attempt = [send = std::move(send), value](auto done) {
      send([value, done = std::move(done)](std::expected<T, core::Error> result) {
        if (!result) return done(std::unexpected(std::move(result.error())));
        *value = std::move(*result);
        done({});
      });
    };
    Done done = co_await run(std::move(action), std::move(attempt), tally);
    if (!done) co_return std::unexpected(std::move(done.error()));
    co_return std::move(**value);
  }

  // Waits `d` unless stopped; false once stopped.
  boost::asio::awaitable<bool> sleep(Duration d);
  // Abandons every wait (for a token, a slot or a backoff); calls in flight complete.
  void stop();
  bool stopping() const { return stopping_; }
  const GateOptions& options() const { return options_; }
  // Calls made through the gate so far, and how many of them were throttled.
  uint64_t calls() const { return calls_; }
  uint64_t throttledCalls() const { return throttled_; }

 private:
  using Timer = boost::asio::steady_timer;
  boost::asio::awaitable<Done> run(std::string action, Attempt attempt, CallTally& tally);
  boost::asio::awaitable<bool> acquire();
  void release();

  boost::asio::io_context& io_;
  core::PollObserver& observer_;
  const core::Clock& clock_;
  core::Random& random_;
  const GateOptions options_;
  core::TokenBucket bucket_;
  int in_flight_ = 0;
  bool stopping_ = false;
  uint64_t calls_ = 0;
  uint64_t throttled_ = 0;
  std::deque<std::shared_ptr<Timer>> waiting_for_slot_;
  std::vector<std::weak_ptr<Timer>> sleeping_;
};

}  // namespace swas::api
