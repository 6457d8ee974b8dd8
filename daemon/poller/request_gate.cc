#include "daemon/poller/request_gate.h"

#include <spdlog/spdlog.h>

#include <boost/asio/use_awaitable.hpp>

namespace swas::poller {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;

void AnomalyLog::report(std::string_view kind, const std::string& what, int count) {
  observer_.onApiAnomaly(region_id_, kind, count);
  if (logged_.size() > 256) logged_.clear();
  if (logged_.insert(std::string(kind) + "|" + what).second) {
    spdlog::warn("region={} action={} worked around a wrong answer ({}): {}", region_id_, action_,
                 kind, what);
  }
}

void AnomalyLog::report(const api::ParseAnomalies& a) {
  if (a.fields > 0) report("field", a.first_field, a.fields);
  if (a.records > 0) report("record", a.first_record, a.records);
}

awaitable<PageResult> RequestGate::call(api::DescribeCommandInvocationsRequest request,
                                        api::CallTally& tally) {
  std::function<void(api::ApiCallback<api::CommandInvocationPage>)> send =
      [&client = client_, request = std::move(request)](auto callback) {
        client.describeCommandInvocations(request, std::move(callback));
      };
  auto refused_before = tally.retry_after_refused;
  std::string action = action_;
  PageResult result =
      co_await gate_.call<api::CommandInvocationPage>(std::move(action), std::move(send), tally);
  if (result) anomalies_.report(result->anomalies);
  if (tally.retry_after_refused != refused_before) {
    anomalies_.report("retry_after", "the API asked to wait " +
                                         std::to_string(tally.retry_after_refused->count() / 1000) +
                                         " s; the poll ends here and the schedule backs off");
  }
  co_return result;
}

awaitable<std::expected<api::InvocationResultsPage, core::Error>> RequestGate::results(
    api::DescribeInvocationResultsRequest request, api::CallTally& tally) {
  std::function<void(api::ApiCallback<api::InvocationResultsPage>)> send =
      [&client = client_, request = std::move(request)](auto callback) {
        client.describeInvocationResults(request, std::move(callback));
      };
  auto result = co_await gate_.call<api::InvocationResultsPage>("DescribeInvocationResults",
                                                                std::move(send), tally);
  if (result) anomalies_.report(result->anomalies);
  co_return result;
}

}  // namespace swas::poller
