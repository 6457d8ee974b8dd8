// An API error answer: the first line is the Retry-After (or x-acs-retry-after) value, the
// second the status, the rest the body.
#include <cstddef>
#include <cstdint>
#include <string>

#include "daemon/api/api_error.h"
#include "daemon/api/response_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  auto line = [&input](size_t from) {
    auto end = input.find('\n', from);
    return end == std::string::npos ? input.size() : end;
  };
  size_t first = line(0);
  size_t second = first < input.size() ? line(first + 1) : input.size();
  swas::http::HttpResponse response;
  std::string retry = input.substr(0, first);
  response.headers.emplace_back(size % 2 ? "retry-after" : "x-acs-retry-after", retry);
  std::string status = first < input.size() ? input.substr(first + 1, second - first - 1) : "";
  response.status = status.empty() ? 400 : static_cast<unsigned char>(status[0]) + 300;
  response.body = second < input.size() ? input.substr(second + 1) : "";
  auto error = swas::api::classifyErrorResponse(response);
  if (error.retry_after &&
      (error.retry_after->count() < 0 || *error.retry_after > std::chrono::hours(24))) {
    __builtin_trap();
  }
  (void)swas::api::parseErrorBody(response.body);
  return 0;
}
