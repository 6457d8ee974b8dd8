#pragma once

#include <string>

namespace swas::core {

// Where the API credentials come from: the `credentials` section of the configuration, as the
// credentials chain (api::makeCredentialsProvider) reads it.
struct CredentialsSettings {
  std::string access_key_id;
  std::string access_key_secret;
  std::string access_key_secret_file;
  std::string security_token;
  std::string ecs_ram_role;
  // A profile of the credentials file (ALIBABA_CLOUD_CREDENTIALS_FILE, else
  // ~/.alibabacloud/credentials): this account's, whatever ALIBABA_CLOUD_PROFILE says.
  std::string profile;
  std::string metadata_endpoint = "http://100.100.100.200";
  // A RAM role assumed with an OIDC token (ACK's RRSA): all three, or none.
  std::string oidc_role_arn;
  std::string oidc_provider_arn;
  std::string oidc_token_file;
  std::string role_session_name;  // "" : swas-invocation-monitor
  std::string sts_endpoint;       // "" : ALIBABA_CLOUD_STS_REGION's, else sts.aliyuncs.com
};

}  // namespace swas::core
