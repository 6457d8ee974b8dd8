#pragma once

// JSON bodies of the API and the metadata service (simdjson On-Demand, through json_read.h).

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/api/command_invocations.h"
#include "daemon/core/error.h"

namespace swas::api {

// Malformed, truncated or non-UTF-8 bodies, or a body that is not an object with a list of
// invocations, give a kParse error, never a crash. Inside the list, one bad field or record
// never fails the page: a wrongly typed or out-of-range field is read as its default, a bad
// string escape decodes to U+FFFD, a record that is not an object or has no InvokeId (an
// instance without InstanceId) is skipped; each is counted in page.anomalies.
std::expected<CommandInvocationPage, core::Error> parseCommandInvocationsPage(
    std::string_view body);
// ECS's DescribeInvocations (2014-05-26), read the same way into the same page: the lists come
// wrapped ({"Invocations":{"Invocation":[...]}}, InvokeInstances likewise), paging goes by
// NextToken, and RepeatMode, Timed and each instance's Repeats are kept for periodic tasks.
std::expected<CommandInvocationPage, core::Error> parseEcsInvocationsPage(std::string_view body);
// ECS's DescribeInvocationResults: {"Invocation": {paging, NextToken, "InvocationResults":
// {"InvocationResult": [...]}}}; a result without InvokeId, InstanceId or status is skipped.
std::expected<InvocationResultsPage, core::Error> parseInvocationResultsPage(std::string_view body);
std::expected<std::vector<Region>, core::Error> parseRegions(std::string_view body);

// A JSON string token (quotes included) decoded as JSON says, except that a lone surrogate or
// a bad escape becomes U+FFFD instead of failing.
std::string decodeJsonStringLeniently(std::string_view raw);

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
// STS AssumeRoleWithOIDC: {"Credentials": {AccessKeyId, AccessKeySecret, SecurityToken,
// Expiration}, ...}; `code` is left empty.
std::expected<MetadataCredentials, core::Error> parseStsCredentials(std::string_view body);

// The RequestId of any JSON object body, or "" (for errors raised after a 2xx).
std::string extractRequestId(std::string_view body);

// `parse(body)`, with an exception from it (a bug: the parsers are fuzzed) as an internal error,
// so that the call fails and not the process; other errors carry the body's RequestId.
template <typename Page, typename Parse>
std::expected<Page, core::Error> parseGuarded(std::string_view body, const Parse& parse) {
  try {
    std::expected<Page, core::Error> page = parse(body);
    if (!page) page.error().request_id = extractRequestId(body);
    return page;
  } catch (...) {
    return std::unexpected(core::Error{
        .kind = core::ErrorKind::kInternal,
        .message = "parsing the answer failed: " + core::whatOf(std::current_exception())});
  }
}

}  // namespace swas::api
