#pragma once

// The one fake SwasClient of the unit tests. It records every request and answers
// DescribeCommandInvocations by InvokeId (`by_id`), else from the asked InstanceId's own list
// (`by_instance`), else from `script`; ListInstances from `instances`; ListRegions from
// `regions`; DescribeCloudAssistantStatus for the IDs asked, from `online`, or `agent_error`.
// A script gives one answer per call; an empty one answers an empty page (or no regions).
// Every answer is posted on the io_context, never given synchronously. With a FakeClock, each
// DescribeCommandInvocations call takes `latency` of it.

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <deque>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/api/swas_client.h"
#include "daemon/core/error.h"
#include "tests/support/fake_clock.h"

namespace swas::testing {

class FakeSwasClient final : public api::SwasClient {
 public:
  using PageResult = std::expected<api::CommandInvocationPage, core::Error>;
  using InstancesResult = std::expected<api::InstancesPage, core::Error>;
  using RegionsResult = std::expected<std::vector<api::Region>, core::Error>;

  explicit FakeSwasClient(boost::asio::io_context& io, FakeClock* clock = nullptr)
      : io_(io), clock_(clock) {}

  void describeCommandInvocations(const api::DescribeCommandInvocationsRequest& request,
                                  api::ApiCallback<api::CommandInvocationPage> callback) override {
    requests.push_back(request);
    if (on_request) on_request();
    PageResult answer;
    if (!request.invoke_id.empty() && by_id.contains(request.invoke_id)) {
      answer = by_id.at(request.invoke_id);
    } else if (auto list = by_instance.find(request.instance_id);
               !request.instance_id.empty() && list != by_instance.end() && !list->second.empty()) {
      answer = list->second.front();
      list->second.pop_front();
    } else {
      answer = script.empty() ? PageResult(api::CommandInvocationPage{}) : script.front();
      if (!script.empty()) script.pop_front();
    }
    if (clock_) clock_->advance(latency);
    boost::asio::post(io_, [callback, answer] { callback(answer); });
    if (after_request) after_request();
  }

  void listRegions(const std::string& region_id,
                   api::ApiCallback<std::vector<api::Region>> callback) override {
    region_requests.push_back(region_id);
    RegionsResult answer =
        regions.empty() ? RegionsResult(std::vector<api::Region>{}) : regions.front();
    if (!regions.empty()) regions.pop_front();
    boost::asio::post(io_, [callback, answer] { callback(answer); });
  }

  void listInstances(const api::ListInstancesRequest& request,
                     api::ApiCallback<api::InstancesPage> callback) override {
    list_requests.push_back(request);
    InstancesResult answer =
        instances.empty() ? InstancesResult(api::InstancesPage{}) : instances.front();
    if (!instances.empty()) instances.pop_front();
    boost::asio::post(io_, [callback, answer] { callback(answer); });
  }

  void describeCloudAssistantStatus(const api::DescribeCloudAssistantStatusRequest& request,
                                    api::ApiCallback<api::AgentStatusPage> callback) override {
    agent_requests.push_back(request);
    std::expected<api::AgentStatusPage, core::Error> answer;
    if (agent_error) {
      answer = std::unexpected(*agent_error);
    } else {
      answer.emplace();
      for (const auto& id : request.instance_ids) {
        if (auto it = online.find(id); it != online.end())
          answer->statuses.push_back({id, it->second});
      }
    }
    boost::asio::post(io_, [callback, answer] { callback(answer); });
  }

  // ECS's DescribeInvocationResults: answers by "InvokeId/InstanceId", every time asked (an
  // empty page when there is none).
  void describeInvocationResults(const api::DescribeInvocationResultsRequest& request,
                                 api::ApiCallback<api::InvocationResultsPage> callback) override {
    results_requests.push_back(request);
    std::expected<api::InvocationResultsPage, core::Error> answer = api::InvocationResultsPage{};
    if (auto it = results.find(request.invoke_id + "/" + request.instance_id);
        it != results.end()) {
      answer = it->second;
    }
    boost::asio::post(io_, [callback, answer] { callback(answer); });
  }

  // DescribeCommandInvocations.
  std::deque<PageResult> script;
  std::map<std::string, PageResult> by_id;                    // by InvokeId, every time asked
  std::map<std::string, std::deque<PageResult>> by_instance;  // per InstanceId, in call order
  std::vector<api::DescribeCommandInvocationsRequest> requests;
  std::function<void()> on_request;        // called as each request is made
  std::function<void()> after_request;     // called once its answer is on its way
  std::chrono::milliseconds latency{100};  // of the fake clock, per call

  // ListInstances.
  std::deque<InstancesResult> instances;
  std::vector<api::ListInstancesRequest> list_requests;

  // DescribeCloudAssistantStatus: an instance not in `online` is left out of the answer.
  std::map<std::string, bool> online;
  std::optional<core::Error> agent_error;  // when set, every call fails with it
  std::vector<api::DescribeCloudAssistantStatusRequest> agent_requests;

  // DescribeInvocationResults.
  std::map<std::string, std::expected<api::InvocationResultsPage, core::Error>> results;
  std::vector<api::DescribeInvocationResultsRequest> results_requests;

  // ListRegions.
  std::deque<RegionsResult> regions;
  std::vector<std::string> region_requests;  // the endpoint region of each call

 private:
  boost::asio::io_context& io_;
  FakeClock* clock_;
};

}  // namespace swas::testing
