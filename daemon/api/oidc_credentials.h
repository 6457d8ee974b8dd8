#pragma once

// STS credentials of a RAM role assumed with an OIDC token: ACK's RRSA, where a webhook gives
// the pod a projected service account token and the three variables ALIBABA_CLOUD_ROLE_ARN,
// ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE. STS AssumeRoleWithOIDC is
// called unsigned (the token is the proof), with the token file read again at each refresh
// (Kubernetes rotates it).

#include <chrono>
#include <string>

#include "daemon/api/credentials.h"

namespace swas::api {

class OidcRoleProvider final : public RefreshingCredentialsProvider {
 public:
  struct Options {
    std::string role_arn;
    std::string provider_arn;
    std::string token_file;
    std::string session_name = "swas-invocation-monitor";
    std::string sts_endpoint = "https://sts.aliyuncs.com";
    std::chrono::seconds duration{3600};
    std::chrono::milliseconds timeout{10'000};
    Timing timing;
  };
  OidcRoleProvider(http::HttpClient& http, const core::Clock& clock, Options options);
  std::string source() const override { return "oidc_role_arn"; }

 private:
  void fetch() override;

  http::HttpClient& http_;
  Options options_;
};

// STS's endpoint as the SDK picks it: ALIBABA_CLOUD_STS_REGION's (its VPC endpoint with
// ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED), else the central one.
std::string stsEndpoint(const util::EnvLookup& env);

}  // namespace swas::api
