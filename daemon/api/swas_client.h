#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <string>
#include <vector>

#include "daemon/api/command_invocations.h"
#include "daemon/api/credentials.h"
#include "daemon/api/ecs.h"
#include "daemon/api/inventory.h"
#include "daemon/api/signer.h"
#include "daemon/core/clock.h"
#include "daemon/core/defaults.h"
#include "daemon/core/error.h"
#include "daemon/core/scope.h"
#include "daemon/http/http_client.h"

namespace swas::api {

template <typename T>
using ApiCallback = std::function<void(std::expected<T, core::Error>)>;

// The Cloud Assistant operations the daemon uses, in SWAS's shapes; an ECS client sends ECS's
// operations for them (ecs.h) and reads ECS's answers into the same pages. Callbacks run on the
// event loop.
class SwasClient {
 public:
  virtual ~SwasClient() = default;
  virtual void describeCommandInvocations(const DescribeCommandInvocationsRequest& request,
                                          ApiCallback<CommandInvocationPage> callback) = 0;
  // ListRegions (ECS: DescribeRegions), sent to the endpoint of `region_id`.
  virtual void listRegions(const std::string& region_id,
                           ApiCallback<std::vector<Region>> callback) = 0;
  virtual void listInstances(const ListInstancesRequest& request,
                             ApiCallback<InstancesPage> callback) = 0;
  virtual void describeCloudAssistantStatus(const DescribeCloudAssistantStatusRequest& request,
                                            ApiCallback<AgentStatusPage> callback) = 0;
  // ECS only: the runs of a task (DescribeInvocationResults). SWAS has no such operation.
  virtual void describeInvocationResults(const DescribeInvocationResultsRequest& request,
                                         ApiCallback<InvocationResultsPage> callback) = 0;
};

struct SwasClientOptions {
  core::Product product = core::Product::kSwas;
  // A URL, "{region_id}" replaced. ECS's calls go where the ECS SDK sends them (ecsEndpoint)
  // unless this names one host for every region (a proxy, a test server): a template with
  // {region_id} is SWAS's.
  std::string endpoint{core::defaults::kApiEndpoint};
  SignatureVersion signature = SignatureVersion::kV3;
  std::chrono::milliseconds timeout = core::defaults::kApiTimeout;
  std::string user_agent;
  std::string ca_file;  // api.ca_file; empty: the system trust store
};

// Signs each call with fresh credentials, a fresh nonce and the current time, sends it as the
// official SDK does (POST, parameters in the query, empty body), and turns the answer into
// values or a classified Error. Secrets are redacted from every error message and log line.
class SwasClientImpl final : public SwasClient {
 public:
  SwasClientImpl(http::HttpClient& http, CredentialsProvider& credentials, const core::Clock& clock,
                 core::Random& random, SwasClientOptions options);

  void describeCommandInvocations(const DescribeCommandInvocationsRequest& request,
                                  ApiCallback<CommandInvocationPage> callback) override;
  void listRegions(const std::string& region_id,
                   ApiCallback<std::vector<Region>> callback) override;
  void listInstances(const ListInstancesRequest& request,
                     ApiCallback<InstancesPage> callback) override;
  void describeCloudAssistantStatus(const DescribeCloudAssistantStatusRequest& request,
                                    ApiCallback<AgentStatusPage> callback) override;
  void describeInvocationResults(const DescribeInvocationResultsRequest& request,
                                 ApiCallback<InvocationResultsPage> callback) override;

 private:
  using BodyCallback = std::function<void(std::expected<std::string, core::Error>)>;
  void call(const std::string& region_id, ApiCall api_call, BodyCallback callback);
  std::string nonce();
  bool ecs() const { return options_.product == core::Product::kEcs; }

  http::HttpClient& http_;
  CredentialsProvider& credentials_;
  const core::Clock& clock_;
  core::Random& random_;
  SwasClientOptions options_;
};

}  // namespace swas::api
