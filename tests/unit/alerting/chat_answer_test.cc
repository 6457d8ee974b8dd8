#include "daemon/alerting/chat_answer.h"

#include <gtest/gtest.h>

namespace swas::alerting {
namespace {

using namespace std::chrono_literals;

const auto kNow = std::chrono::system_clock::time_point(1'796'000'000s);

Verdict answer(std::string_view type, int status, std::string body, http::Headers headers = {}) {
  return classifyChatAnswer(type, http::HttpResult(http::HttpResponse{status, headers, body}),
                            kNow);
}

TEST(ChatAnswer, ErrorsInsideAnHttp200AreErrors) {
  EXPECT_EQ(answer("dingtalk", 200, R"({"errcode":0,"errmsg":"ok"})").kind, Verdict::kDelivered);
  EXPECT_EQ(answer("wecom", 200, R"({"errcode":0,"errmsg":"ok"})").kind, Verdict::kDelivered);
  EXPECT_EQ(answer("feishu", 200, R"({"code":0,"data":{},"msg":"success"})").kind,
            Verdict::kDelivered);
  EXPECT_EQ(answer("feishu", 200, R"({"StatusCode":0,"StatusMessage":"success"})").kind,
            Verdict::kDelivered);
  EXPECT_EQ(answer("slack", 200, "ok").kind, Verdict::kDelivered);
}

TEST(ChatAnswer, ThrottledIsRetriedAfterTheVendorsWindow) {
  auto dingtalk =
      answer("dingtalk", 200,
             R"({"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"})");
  EXPECT_EQ(dingtalk.kind, Verdict::kRetry);
  EXPECT_EQ(dingtalk.retry_after, 600s) << "DingTalk throttles a robot for ten minutes";
  EXPECT_NE(dingtalk.reason.find("send too fast"), std::string::npos) << dingtalk.reason;
  EXPECT_EQ(
      answer("wecom", 200, R"({"errcode":45009,"errmsg":"api freq out of limit"})").retry_after,
      60s);
  EXPECT_EQ(answer("feishu", 200, R"({"code":11232,"msg":"frequency limited"})").retry_after, 1s);
  auto slack = answer("slack", 429, "rate_limited", {{"retry-after", "30"}});
  EXPECT_EQ(slack.kind, Verdict::kRetry);
  EXPECT_EQ(slack.retry_after, 30s);
  EXPECT_EQ(answer("slack", 429, "rate_limited").retry_after, 1s);
}

TEST(ChatAnswer, RefusalsThatNoRetryCanFixAreDroppedWithTheVendorsMessage) {
  for (auto [type, body] :
       {std::pair{"dingtalk", R"({"errcode":310000,"errmsg":"sign not match"})"},
        {"dingtalk", R"({"errcode":300001,"errmsg":"token is not exist"})"},
        {"dingtalk", R"({"errcode":460101,"errmsg":"message too long"})"},
        {"feishu", R"({"code":19021,"msg":"sign match fail"})"},
        {"feishu",
         R"({"code":19001,"msg":"param invalid: incoming webhook access token invalid"})"},
        {"wecom", R"({"errcode":93000,"errmsg":"invalid webhook url"})"},
        {"wecom", R"({"errcode":40058,"errmsg":"content exceed max length"})"}}) {
    auto verdict = answer(type, 200, body);
    EXPECT_EQ(verdict.kind, Verdict::kDrop) << type << " " << body;
    EXPECT_NE(verdict.reason.find(type), std::string::npos) << verdict.reason;
  }
  EXPECT_EQ(answer("slack", 404, "no_service").kind, Verdict::kDrop);
  EXPECT_EQ(answer("slack", 400, "invalid_payload").kind, Verdict::kDrop);
}

TEST(ChatAnswer, UnknownCodesAndOddAnswersAreRetried) {
  auto unknown = answer("dingtalk", 200, R"({"errcode":-1,"errmsg":"system busy"})");
  EXPECT_EQ(unknown.kind, Verdict::kRetry);
  EXPECT_FALSE(unknown.retry_after);
  EXPECT_EQ(answer("feishu", 200, "<html>gateway</html>").kind, Verdict::kRetry);
  EXPECT_EQ(answer("wecom", 200, R"({"errmsg":"no code"})").kind, Verdict::kRetry);
  EXPECT_EQ(answer("slack", 200, "not ok").kind, Verdict::kRetry);
  EXPECT_EQ(answer("dingtalk", 503, "").kind, Verdict::kRetry);
  EXPECT_EQ(answer("wecom", 403, "forbidden").kind, Verdict::kDrop);
}

}  // namespace
}  // namespace swas::alerting
