#pragma once

// JSON bodies of the API and the metadata service. The only translation unit with simdjson.

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/api/command_invocations.h"
#include "daemon/core/error.h"

namespace swas::api {

// Malformed, truncated, non-UTF-8 or wrongly typed bodies give a kParse error, never a crash.
std::expected<CommandInvocationPage, core::Error> parseCommandInvocationsPage(
    std::string_view body);
std::expected<std::vector<Region>, core::Error> parseRegions(std::string_view body);

// The gateway's error shape: {"RequestId","HostId","Code","Message","Recommend"}.
struct ApiErrorBody {
  std::string request_id;
  std::string host_id;
  std::string code;
  std::string message;
  std::string recommend;
};
// nullopt when the body is not a JSON object with a Code.
std::optional<ApiErrorBody> parseErrorBody(std::string_view body);

// ECS metadata service: .../ram/security-credentials/<role>.
struct MetadataCredentials {
  std::string code;
  std::string access_key_id;
  std::string access_key_secret;
  std::string security_token;
  std::string expiration;
};
std::expected<MetadataCredentials, core::Error> parseMetadataCredentials(std::string_view body);

// The RequestId of any JSON object body, or "" (for errors raised after a 2xx).
std::string extractRequestId(std::string_view body);

}  // namespace swas::api
