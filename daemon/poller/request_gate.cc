#include "daemon/poller/request_gate.h"

#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "daemon/poller/paging.h"

namespace swas::poller {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;

namespace {

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

void AnomalyLog::report(std::string_view kind, const std::string& what, int count) {
  observer_.onApiAnomaly(region_id_, kind, count);
  if (logged_.size() > 256) logged_.clear();
  if (logged_.insert(std::string(kind) + "|" + what).second) {
    spdlog::warn(
        "region={} action=DescribeCommandInvocations worked around a wrong answer ({}): {}",
        region_id_, kind, what);
  }
}

void AnomalyLog::report(const api::ParseAnomalies& a) {
  if (a.fields > 0) report("field", a.first_field, a.fields);
  if (a.records > 0) report("record", a.first_record, a.records);
}

RequestGate::RequestGate(asio::io_context& io, api::SwasClient& client,
                         core::PollObserver& observer, const core::Clock& clock,
                         core::Random& random, AnomalyLog& anomalies, const RegionOptions& options)
    : io_(io),
      client_(client),
      observer_(observer),
      clock_(clock),
      random_(random),
      anomalies_(anomalies),
      options_(options),
      bucket_(options.rate_limit, clock.steadyNow()) {}

RequestGate::~RequestGate() { stop(); }

awaitable<bool> RequestGate::sleep(Duration d) {
  if (d <= Duration::zero()) co_return !stopping_;
  auto timer = std::make_shared<Timer>(io_, d);
  std::erase_if(sleeping_, [](const auto& weak) { return weak.expired(); });
  sleeping_.push_back(timer);
  boost::system::error_code ec;
  co_await timer->async_wait(asio::redirect_error(use_awaitable, ec));
  co_return !stopping_;
}

// The token bucket, then a slot under max_in_flight.
awaitable<bool> RequestGate::acquire() {
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

void RequestGate::release() {
  --in_flight_;
  if (!waiting_for_slot_.empty()) {
    waiting_for_slot_.front()->cancel();
    waiting_for_slot_.pop_front();
  }
}

void RequestGate::stop() {
  stopping_ = true;
  for (auto& weak : sleeping_) {
    if (auto timer = weak.lock()) timer->cancel();
  }
  sleeping_.clear();
  for (auto& timer : waiting_for_slot_) timer->cancel();
  waiting_for_slot_.clear();
}

awaitable<PageResult> RequestGate::call(api::DescribeCommandInvocationsRequest request,
                                        CallTally& tally) {
  core::Error last{.kind = core::ErrorKind::kCancelled, .message = "stopping"};
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    if (!co_await acquire()) co_return std::unexpected(last);
    auto started = clock_.steadyNow();
    PageResult result = co_await describe(client_, request);
    release();
    ++tally.api_calls;
    observer_.onApiRequest(options_.region_id, "DescribeCommandInvocations",
                           result ? "OK" : core::metricCode(result.error()),
                           seconds(clock_.steadyNow() - started));
    if (result) {
      anomalies_.report(result->anomalies);
      co_return result;
    }
    last = result.error();
    if (last.code.find("Throttling") != std::string::npos) tally.throttled = true;
    if (!last.retryable || stopping_) break;
    if (last.retry_after && *last.retry_after > kMaxRetryAfterInPoll) {
      // Not slept through: the poll ends as throttled and the stretched schedule decides.
      tally.throttled = true;
      anomalies_.report("retry_after", "the API asked to wait " +
                                           std::to_string(last.retry_after->count() / 1000) +
                                           " s; the poll ends here and the schedule backs off");
      break;
    }
    spdlog::debug("region={} action=DescribeCommandInvocations attempt {} failed: {}",
                  options_.region_id, attempt + 1, core::describe(last));
    Duration delay = backoffDelay(attempt, options_.backoff_initial, options_.backoff_cap,
                                  random_.uniform(), last.retry_after);
    if (!co_await sleep(delay)) break;
  }
  co_return std::unexpected(last);
}

}  // namespace swas::poller
