#include "daemon/alerting/chat_answer.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace swas::alerting {
namespace {

using std::chrono::milliseconds;

struct VendorCodes {
  std::string_view type;
  std::array<int64_t, 1> throttled;
  std::array<int64_t, 4> refused;  // 0: unused
  milliseconds window;             // how long a throttled robot waits (DingTalk: 10 minutes)
};

constexpr VendorCodes kVendors[] = {
    {"dingtalk", {130101}, {310000, 300001, 460101, 101002}, milliseconds(600'000)},
    {"feishu", {11232}, {19021, 19001, 0, 0}, milliseconds(1'000)},
    {"wecom", {45009}, {93000, 40058, 0, 0}, milliseconds(60'000)},
};

// The error code and message of a JSON answer: errcode/errmsg (DingTalk, WeCom),
// code/msg (Feishu), StatusCode/StatusMessage (older Feishu). nullopt when the body holds none.
struct Coded {
  int64_t code = 0;
  std::string message;
};
std::optional<Coded> codeOf(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) || !doc.is_object()) return std::nullopt;
  for (auto [code_key, message_key] : {std::pair{"errcode", "errmsg"}, std::pair{"code", "msg"},
                                       std::pair{"StatusCode", "StatusMessage"}}) {
    int64_t code = 0;
    if (doc[code_key].get_int64().get(code)) continue;
    std::string_view message;
    if (doc[message_key].get_string().get(message)) message = "";
    return Coded{code, std::string(message.substr(0, 200))};
  }
  return std::nullopt;
}

}  // namespace

Verdict classifyChatAnswer(std::string_view type, const http::HttpResult& result,
                           std::chrono::system_clock::time_point now) {
  Verdict generic = classify(result, now);
  if (!result) return generic;
  int status = result->status;
  if (type == "slack") {
    if (status == 429) {
      if (!generic.retry_after) generic.retry_after = milliseconds(1'000);
      generic.throttled = true;
    }
    if (status >= 200 && status < 300 && result->body != "ok") {
      return {Verdict::kRetry, std::nullopt, "Slack answered: " + result->body.substr(0, 200)};
    }
    return generic;
  }
  const VendorCodes* vendor = nullptr;
  for (const auto& v : kVendors) {
    if (v.type == type) vendor = &v;
  }
  if (!vendor || status < 200 || status >= 300) return generic;
  auto coded = codeOf(result->body);
  if (!coded) {
    return {Verdict::kRetry, std::nullopt,
            "HTTP " + std::to_string(status) +
                " without an error code: " + result->body.substr(0, 200)};
  }
  if (coded->code == 0) return {Verdict::kDelivered, std::nullopt, "ok"};
  std::string reason =
      std::string(type) + " error " + std::to_string(coded->code) + ": " + coded->message;
  if (std::ranges::find(vendor->throttled, coded->code) != vendor->throttled.end()) {
    return {Verdict::kRetry, vendor->window, reason + " (throttled)", true};
  }
  if (std::ranges::find(vendor->refused, coded->code) != vendor->refused.end()) {
    return {Verdict::kDrop, std::nullopt, reason};
  }
  return {Verdict::kRetry, std::nullopt, reason};
}

}  // namespace swas::alerting
