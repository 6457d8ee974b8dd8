#include "daemon/api/swas_client.h"

#include <spdlog/spdlog.h>

#include "daemon/api/api_error.h"
#include "daemon/api/ecs.h"
#include "daemon/api/response_parser.h"
#include "daemon/http/endpoint.h"
#include "daemon/util/crypto.h"
#include "daemon/util/percent_encoding.h"

namespace swas::api {

SwasClientImpl::SwasClientImpl(http::HttpClient& http, CredentialsProvider& credentials,
                               const core::Clock& clock, core::Random& random,
                               SwasClientOptions options)
    : http_(http),
      credentials_(credentials),
      clock_(clock),
      random_(random),
      options_(std::move(options)) {}

std::string SwasClientImpl::nonce() {
  std::string bytes;
  for (int i = 0; i < 4; ++i) {
    uint64_t n = random_.next();
    bytes.append(reinterpret_cast<const char*>(&n), sizeof n);
  }
  return util::toHex(bytes);
}

void SwasClientImpl::call(const std::string& region_id, ApiCall api_call, BodyCallback callback) {
  bool ecs_default = ecs() && options_.endpoint.find("{region_id}") != std::string::npos;
  auto endpoint = http::parseEndpoint(
      ecs_default ? ecsEndpoint(region_id) : http::endpointForRegion(options_.endpoint, region_id));
  if (!endpoint) {
    callback(std::unexpected(
        core::Error{.kind = core::ErrorKind::kConnect, .message = endpoint.error()}));
    return;
  }
  credentials_.get([this, region_id, api_call = std::move(api_call), endpoint = *endpoint,
                    callback = std::move(callback)](CredentialsResult credentials) mutable {
    if (!credentials) {
      spdlog::debug("region={} action={} credentials unavailable: {}", region_id, api_call.action,
                    core::describe(credentials.error()));
      callback(std::unexpected(credentials.error()));
      return;
    }
    SignOptions sign{options_.signature, clock_.now(), nonce(), options_.timeout,
                     options_.user_agent};
    http::HttpRequest request = buildSignedRequest(api_call, *credentials, endpoint, sign);
    request.ca_file = options_.ca_file;
    spdlog::trace("region={} action={} POST {}://{}/ params={}", region_id, api_call.action,
                  endpoint.scheme, endpoint.host, util::encodeQuery(api_call.params));
    http_.send(std::move(request), [region_id, action = api_call.action, creds = *credentials,
                                    callback = std::move(callback)](http::HttpResult result) {
      std::expected<std::string, core::Error> outcome;
      if (!result) {
        outcome = std::unexpected(result.error());
      } else if (result->status / 100 != 2) {
        outcome = std::unexpected(classifyErrorResponse(*result));
      } else {
        outcome = std::move(result->body);
      }
      if (!outcome) {
        outcome.error().message = redactSecrets(outcome.error().message, creds);
        spdlog::debug("region={} action={} failed: {}", region_id, action,
                      core::describe(outcome.error()));
      }
      callback(std::move(outcome));
    });
  });
}

namespace {

// The answer's body parsed by `parse` (parseGuarded), or the call's error.
template <typename Page, typename Parse>
auto parsedBy(ApiCallback<Page> callback, Parse parse) {
  return [callback = std::move(callback), parse](std::expected<std::string, core::Error> body) {
    if (!body) {
      callback(std::unexpected(std::move(body.error())));
      return;
    }
    callback(parseGuarded<Page>(*body, parse));
  };
}

}  // namespace

void SwasClientImpl::describeCommandInvocations(const DescribeCommandInvocationsRequest& request,
                                                ApiCallback<CommandInvocationPage> callback) {
  if (ecs()) {
    call(request.region_id, toApiCall(toEcs(request)),
         parsedBy(std::move(callback), parseEcsInvocationsPage));
    return;
  }
  call(request.region_id, toApiCall(request),
       parsedBy(std::move(callback), parseCommandInvocationsPage));
}

void SwasClientImpl::listRegions(const std::string& region_id,
                                 ApiCallback<std::vector<Region>> callback) {
  ApiCall api_call = ecs() ? describeRegionsCall() : listRegionsCall();
  api_call.params.emplace_back("RegionId", region_id);
  call(region_id, std::move(api_call), parsedBy(std::move(callback), parseRegions));
}

void SwasClientImpl::listInstances(const ListInstancesRequest& request,
                                   ApiCallback<InstancesPage> callback) {
  ApiCall api_call = ecs() ? toApiCall(toEcs(request)) : toApiCall(request);
  call(request.region_id, std::move(api_call), parsedBy(std::move(callback), parseInstancesPage));
}

void SwasClientImpl::describeCloudAssistantStatus(
    const DescribeCloudAssistantStatusRequest& request, ApiCallback<AgentStatusPage> callback) {
  ApiCall api_call = ecs() ? toApiCall(toEcs(request)) : toApiCall(request);
  call(request.region_id, std::move(api_call), parsedBy(std::move(callback), parseAgentStatusPage));
}

void SwasClientImpl::describeInvocationResults(const DescribeInvocationResultsRequest& request,
                                               ApiCallback<InvocationResultsPage> callback) {
  if (!ecs()) {
    callback(std::unexpected(core::Error{.kind = core::ErrorKind::kParse,
                                         .message = "SWAS has no DescribeInvocationResults"}));
    return;
  }
  call(request.region_id, toApiCall(request),
       parsedBy(std::move(callback), parseInvocationResultsPage));
}

}  // namespace swas::api
