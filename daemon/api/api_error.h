#pragma once

#include <string_view>

#include "daemon/core/error.h"
#include "daemon/http/http_client.h"

namespace swas::api {

// Turns a non-2xx response into an Error: the API's Code when the body has one (kApi), else
// HTTP_<status> (kHttpStatus). Throttling*, ServiceUnavailable, InternalError, 5xx, 408 and 429
// are retryable; signature, access-key, timestamp, token and permission errors are not.
// retry_after comes from x-acs-retry-after (milliseconds) or Retry-After (seconds).
core::Error classifyErrorResponse(const http::HttpResponse& response);

bool isRetryable(std::string_view code, int http_status);

// Errors that no retry or backoff can fix: the credentials or the permissions are wrong.
bool isAuthError(std::string_view code);

}  // namespace swas::api
