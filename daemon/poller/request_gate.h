#pragma once

// Every API call a region makes goes through its gate: the token bucket, a slot under
// max_in_flight, and bounded retries with full-jitter backoff that honour (a bounded)
// Retry-After. Anomalies found on the way are counted and logged once per distinct message.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <expected>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/api/swas_client.h"
#include "daemon/core/clock.h"
#include "daemon/core/poll_observer.h"
#include "daemon/poller/region_options.h"

namespace swas::poller {

using PageResult = std::expected<api::CommandInvocationPage, core::Error>;

// A wrong API answer worked around: counted, and logged once per distinct message.
class AnomalyLog {
 public:
  AnomalyLog(core::PollObserver& observer, std::string region_id)
      : observer_(observer), region_id_(std::move(region_id)) {}
  void report(std::string_view kind, const std::string& what, int count = 1);
  void report(const api::ParseAnomalies& anomalies);

 private:
  core::PollObserver& observer_;
  std::string region_id_;
  std::set<std::string> logged_;  // kind|message already logged
};

// What the calls of one poll cost.
struct CallTally {
  int api_calls = 0;
  bool throttled = false;
};

class RequestGate {
 public:
  RequestGate(boost::asio::io_context& io, api::SwasClient& client, core::PollObserver& observer,
              const core::Clock& clock, core::Random& random, AnomalyLog& anomalies,
              const RegionOptions& options);
  ~RequestGate();
  RequestGate(const RequestGate&) = delete;
  RequestGate& operator=(const RequestGate&) = delete;

  // One DescribeCommandInvocations call with bounded retries; counts into `tally`.
  boost::asio::awaitable<PageResult> call(api::DescribeCommandInvocationsRequest request,
                                          CallTally& tally);
  // Waits `d` unless stopped; false once stopped.
  boost::asio::awaitable<bool> sleep(Duration d);
  // Abandons every wait (for a token, a slot or a backoff); calls in flight complete.
  void stop();
  bool stopping() const { return stopping_; }

 private:
  using Timer = boost::asio::steady_timer;
  boost::asio::awaitable<bool> acquire();
  void release();

  boost::asio::io_context& io_;
  api::SwasClient& client_;
  core::PollObserver& observer_;
  const core::Clock& clock_;
  core::Random& random_;
  AnomalyLog& anomalies_;
  const RegionOptions options_;
  TokenBucket bucket_;
  int in_flight_ = 0;
  bool stopping_ = false;
  std::deque<std::shared_ptr<Timer>> waiting_for_slot_;
  std::vector<std::weak_ptr<Timer>> sleeping_;
};

}  // namespace swas::poller
