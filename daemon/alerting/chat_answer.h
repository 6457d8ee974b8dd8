#pragma once

// What a chat vendor's answer means (chat-vendors.md). DingTalk, Feishu/Lark and WeCom answer
// HTTP 200 even on failure, with the error in the JSON body; Slack answers "ok", or a 4xx with a
// plain-text code, or 429 with Retry-After.
//  - throttled (DingTalk 130101, Feishu 11232, WeCom 45009, Slack 429): retried after the
//    vendor's penalty (DingTalk ten minutes, WeCom a minute, Feishu a second) or Retry-After,
//    which holds back every receiver on the robot (Verdict::throttled, robot_pacers.h);
//  - refused for good (signature, keywords, token, IP allowlist, size: DingTalk 310000, 300001,
//    460101, 101002; Feishu 19021, 19001; WeCom 93000, 40058; Slack's 4xx): dropped, with the
//    vendor's message in the reason;
//  - any other code, and a 2xx that is not Slack's "ok": retried with backoff.
// Anything else (transport errors, 5xx, 408) is classified as for a webhook.

#include <chrono>
#include <string_view>

#include "daemon/alerting/receivers.h"

namespace swas::alerting {

Verdict classifyChatAnswer(std::string_view type, const http::HttpResult& result,
                           std::chrono::system_clock::time_point now);

}  // namespace swas::alerting
