#include "daemon/api/api_error.h"

#include <algorithm>
#include <charconv>

#include "daemon/api/response_parser.h"

namespace swas::api {
namespace {

std::optional<long long> parseNumber(std::string_view text) {
  long long n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 0) return std::nullopt;
  return n;
}

}  // namespace

bool isAuthError(std::string_view code) {
  return code.starts_with("SignatureDoesNotMatch") || code.starts_with("IncompleteSignature") ||
         code.starts_with("InvalidAccessKeyId") || code.starts_with("InvalidTimeStamp") ||
         code.starts_with("InvalidSecurityToken") || code.starts_with("Forbidden") ||
         code.starts_with("NoPermission") || code.starts_with("InvalidAccessKeySecret");
}

bool isRetryable(std::string_view code, int http_status) {
  if (code.find("Throttling") != std::string_view::npos) return true;
  if (code == "ServiceUnavailable" || code == "InternalError" || code == "SignatureNonceUsed" ||
      code.starts_with("ServiceUnavailable.")) {
    return true;
  }
  if (!code.empty() && isAuthError(code)) return false;
  return http_status >= 500 || http_status == 408 || http_status == 429;
}

core::Error classifyErrorResponse(const http::HttpResponse& response) {
  core::Error error;
  error.http_status = response.status;
  if (auto body = parseErrorBody(response.body)) {
    error.kind = core::ErrorKind::kApi;
    error.code = body->code;
    error.message = body->message;
    error.request_id = body->request_id;
  } else {
    error.kind = core::ErrorKind::kHttpStatus;
    std::string_view excerpt(response.body);
    error.message = "HTTP " + std::to_string(response.status) + " without an API error body";
    if (!excerpt.empty()) error.message += ": " + std::string(excerpt.substr(0, 200));
    error.request_id = std::string(response.header("x-acs-request-id"));
  }
  error.retryable = isRetryable(error.code, response.status);
  // Clamped to a day before any unit conversion, so no value can overflow; the poller decides
  // how much of it to honour.
  constexpr long long kDaySeconds = 86'400;
  if (auto ms = parseNumber(response.header("x-acs-retry-after"))) {
    error.retry_after = std::chrono::milliseconds(std::min(*ms, kDaySeconds * 1000));
  } else if (auto s = parseNumber(response.header("retry-after"))) {
    error.retry_after = std::chrono::seconds(std::min(*s, kDaySeconds));
  }
  return error;
}

}  // namespace swas::api
