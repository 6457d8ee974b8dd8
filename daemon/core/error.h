#pragma once

#include <chrono>
#include <exception>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace swas::core {

// The classes of failure that retry logic, metrics and operators tell apart.
enum class ErrorKind {
  kTimeout,      // no complete answer within the deadline
  kConnect,      // could not resolve, connect, or the connection broke
  kTls,          // handshake or certificate verification failed
  kHttpStatus,   // a non-2xx answer whose body carries no API Code
  kTooLarge,     // the response exceeded the configured size cap
  kApi,          // the API answered with an error Code
  kParse,        // the body could not be understood
  kCredentials,  // no usable credentials
  kCancelled,    // the request was abandoned (shutdown)
  kStorage,      // the state file could not be read or written (a full disk, say)
  kInternal,     // a bug: an exception where none was expected (logged; the daemon goes on)
};

std::string_view kindName(ErrorKind kind);

// What an exception says (a bug's, caught where a loop must go on): its what(), or that it was of
// no known type.
std::string whatOf(const std::exception_ptr& exception);

// A runtime failure as a value. `retryable` says whether trying the same call again can help.
struct Error {
  ErrorKind kind = ErrorKind::kApi;
  std::string code;  // the API Code ("Throttling.User") when kind == kApi
  std::string message;
  bool retryable = false;
  std::optional<std::chrono::milliseconds> retry_after;
  std::string request_id;
  int http_status = 0;
};

// Success, or why not: the one convention for an operation that returns nothing else.
using Done = std::expected<void, Error>;

// The bounded label value for swas_api_requests_total{code}: the API Code, HTTP_<status>, or
// one of timeout, connect, tls, parse.
std::string metricCode(const Error& error);

// One line for logs: kind, code, status, request id and message.
std::string describe(const Error& error);

}  // namespace swas::core
