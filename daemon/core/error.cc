#include "daemon/core/error.h"

namespace swas::core {

std::string_view kindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kConnect:
      return "connect";
    case ErrorKind::kTls:
      return "tls";
    case ErrorKind::kHttpStatus:
      return "http_status";
    case ErrorKind::kTooLarge:
      return "too_large";
    case ErrorKind::kApi:
      return "api";
    case ErrorKind::kParse:
      return "parse";
    case ErrorKind::kCredentials:
      return "credentials";
    case ErrorKind::kCancelled:
      return "cancelled";
    case ErrorKind::kStorage:
      return "storage";
    case ErrorKind::kInternal:
      return "internal";
  }
  return "unknown";
}

std::string whatOf(const std::exception_ptr& exception) {
  try {
    std::rethrow_exception(exception);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception of no known type";
  }
}

std::string metricCode(const Error& error) {
  switch (error.kind) {
    case ErrorKind::kApi:
      return error.code;
    case ErrorKind::kHttpStatus:
      return "HTTP_" + std::to_string(error.http_status);
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kTls:
      return "tls";
    case ErrorKind::kConnect:
    case ErrorKind::kCancelled:
      return "connect";
    case ErrorKind::kTooLarge:
    case ErrorKind::kParse:
      return "parse";
    case ErrorKind::kCredentials:
      return "credentials";
    case ErrorKind::kStorage:
      return "storage";
    case ErrorKind::kInternal:
      return "internal";
  }
  return "unknown";
}

std::string describe(const Error& error) {
  std::string out(kindName(error.kind));
  if (!error.code.empty()) out += " Code=" + error.code;
  if (error.http_status != 0) out += " HTTP=" + std::to_string(error.http_status);
  if (!error.request_id.empty()) out += " RequestId=" + error.request_id;
  if (error.retry_after) out += " retry_after_ms=" + std::to_string(error.retry_after->count());
  if (!error.message.empty()) out += ": " + error.message;
  return out;
}

}  // namespace swas::core
