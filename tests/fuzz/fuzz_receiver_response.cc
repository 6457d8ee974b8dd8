// A receiver's answer: the first byte picks the status, the first line is the Retry-After, the
// rest the body. Any answer is delivered, retried or dropped, with a bounded wait, as a webhook's
// and as each chat vendor's.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/alerting/chat_answer.h"
#include "daemon/alerting/receivers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'796'000'000));
  swas::http::HttpResponse response;
  response.status = 100 + data[0] * 2;
  auto eol = input.find('\n');
  std::string retry = input.substr(0, eol);
  response.headers.emplace_back("retry-after", retry);
  response.body = eol == std::string::npos ? "" : input.substr(eol + 1);
  auto verdict = swas::alerting::classify(swas::http::HttpResult(response), now);
  if (verdict.retry_after &&
      (verdict.retry_after->count() < 0 || *verdict.retry_after > std::chrono::hours(24))) {
    __builtin_trap();
  }
  (void)swas::alerting::parseRetryAfter(input, now);
  // The chat vendors' answers: errors inside a 200 are parsed from the body.
  response.status = 200;
  for (std::string_view type : {"dingtalk", "feishu", "wecom", "slack"}) {
    auto chat = swas::alerting::classifyChatAnswer(type, swas::http::HttpResult(response), now);
    if (chat.retry_after &&
        (chat.retry_after->count() < 0 || *chat.retry_after > std::chrono::hours(24))) {
      __builtin_trap();
    }
  }
  return 0;
}
