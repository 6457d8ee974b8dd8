#include "daemon/api/oidc_credentials.h"

#include <algorithm>
#include <cctype>

#include "daemon/api/response_parser.h"
#include "daemon/core/time.h"
#include "daemon/util/env.h"
#include "daemon/util/percent_encoding.h"

namespace swas::api {
namespace {

// What STS said when it refused: its Code and Message, else the status; the token, should an
// answer quote it, is starred out.
std::string refusal(const http::HttpResult& result, const std::string& token) {
  if (!result) return core::describe(result.error());
  std::string text = "HTTP " + std::to_string(result->status);
  if (auto error = parseErrorBody(result->body)) text = error->code + ": " + error->message;
  for (auto at = text.find(token); !token.empty() && at != std::string::npos;
       at = text.find(token, at)) {
    text.replace(at, token.size(), "***");
  }
  return text;
}

}  // namespace

OidcRoleProvider::OidcRoleProvider(http::HttpClient& http, const core::Clock& clock,
                                   Options options)
    : RefreshingCredentialsProvider(clock, options.timing),
      http_(http),
      options_(std::move(options)) {}

void OidcRoleProvider::fetch() {
  auto token = util::readSecretFile(options_.token_file, "the OIDC token file");
  if (!token) {
    complete(std::unexpected(credentialsError("OIDC (RRSA): " + token.error())));
    return;
  }
  http::HttpRequest request;
  request.method = "POST";
  std::string endpoint = options_.sts_endpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  request.url = endpoint + "/?" +
                util::encodeQuery({{"Action", "AssumeRoleWithOIDC"},
                                   {"Format", "JSON"},
                                   {"Version", "2015-04-01"},
                                   {"Timestamp", core::formatIso8601(clock().now())}});
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  request.body = util::encodeQuery({{"DurationSeconds", std::to_string(options_.duration.count())},
                                    {"OIDCProviderArn", options_.provider_arn},
                                    {"OIDCToken", *token},
                                    {"RoleArn", options_.role_arn},
                                    {"RoleSessionName", options_.session_name}});
  request.timeout = options_.timeout;
  std::weak_ptr<bool> alive = this->alive();
  http_.send(std::move(request), [this, alive, token = *token](http::HttpResult result) {
    if (alive.expired()) return;
    const std::string role = "OIDC (RRSA): AssumeRoleWithOIDC of " + options_.role_arn;
    if (!result || result->status != 200) {
      complete(std::unexpected(credentialsError(role + " failed: " + refusal(result, token))));
      return;
    }
    auto parsed = parseStsCredentials(result->body);
    std::optional<core::SysSeconds> expiration;
    if (parsed) expiration = core::parseApiTime(parsed->expiration);
    if (!parsed || parsed->access_key_id.empty() || parsed->access_key_secret.empty() ||
        parsed->security_token.empty() || !expiration) {
      complete(std::unexpected(credentialsError(role + ": no complete Credentials in the answer")));
      return;
    }
    complete(std::pair{
        Credentials{parsed->access_key_id, parsed->access_key_secret, parsed->security_token},
        std::chrono::system_clock::time_point(*expiration)});
  });
}

std::string stsEndpoint(const util::EnvLookup& env) {
  auto region = env("ALIBABA_CLOUD_STS_REGION");
  if (!region || region->empty()) return "https://sts.aliyuncs.com";
  // "true" in any case, as the SDK reads it.
  std::string vpc = env("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED").value_or("");
  std::transform(vpc.begin(), vpc.end(), vpc.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  bool in_vpc = vpc == "true";
  return std::string("https://sts") + (in_vpc ? "-vpc." : ".") + *region + ".aliyuncs.com";
}

}  // namespace swas::api
