#pragma once

// The poller's side of the region's call gate: DescribeCommandInvocations pages, with the
// anomalies found on the way counted and logged once per distinct message.

#include <boost/asio/awaitable.hpp>
#include <expected>
#include <set>
#include <string>
#include <string_view>

#include "daemon/api/call_gate.h"
#include "daemon/api/swas_client.h"
#include "daemon/core/poll_observer.h"

namespace swas::poller {

using PageResult = std::expected<api::CommandInvocationPage, core::Error>;

// A wrong API answer worked around: counted, and logged once per distinct message.
class AnomalyLog {
 public:
  AnomalyLog(core::PollObserver& observer, std::string region_id,
             std::string_view action = "DescribeCommandInvocations")
      : observer_(observer), region_id_(std::move(region_id)), action_(action) {}
  void report(std::string_view kind, const std::string& what, int count = 1);
  void report(const api::ParseAnomalies& anomalies);

 private:
  core::PollObserver& observer_;
  std::string region_id_;
  std::string action_;
  std::set<std::string> logged_;  // kind|message already logged
};

// DescribeCommandInvocations (ECS: DescribeInvocations, `action`) through the region's
// api::CallGate (which the inventory shares): anomalies in the answers are reported, and a
// refused Retry-After too.
class RequestGate {
 public:
  RequestGate(api::CallGate& gate, api::SwasClient& client, AnomalyLog& anomalies,
              std::string_view action = "DescribeCommandInvocations")
      : gate_(gate), client_(client), anomalies_(anomalies), action_(action) {}

  // One call with bounded retries; counts into `tally`.
  boost::asio::awaitable<PageResult> call(api::DescribeCommandInvocationsRequest request,
                                          api::CallTally& tally);
  // ECS: one DescribeInvocationResults call (the runs of a task), counted apart by its action.
  boost::asio::awaitable<std::expected<api::InvocationResultsPage, core::Error>> results(
      api::DescribeInvocationResultsRequest request, api::CallTally& tally);
  bool stopping() const { return gate_.stopping(); }

 private:
  api::CallGate& gate_;
  api::SwasClient& client_;
  AnomalyLog& anomalies_;
  std::string action_;
};

}  // namespace swas::poller
