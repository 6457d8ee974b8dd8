#include "daemon/alerting/chat_signing.h"

#include <gtest/gtest.h>

namespace swas::alerting {
namespace {

// The vectors were computed independently with OpenSSL's command line:
//   printf '1700000000000\nSEC000000000000000000000' |
//     openssl dgst -sha256 -hmac SEC000000000000000000000 -binary | base64
//   printf '' | openssl dgst -sha256 -hmac "$(printf '1700000000\nfeishu-secret')" -binary | base64
TEST(ChatSigning, DingTalkSignsTimestampNewlineSecretWithTheSecret) {
  EXPECT_EQ(dingtalkSign("SEC000000000000000000000", 1700000000000),
            "1zJ/w34EOSVAYr7cu7Vo8LnebmK2/GrCgegtr8mQrqM=");
}

TEST(ChatSigning, DingTalkUrlCarriesTheSignEncodedOnce) {
  std::string url = dingtalkSignedUrl("https://oapi.dingtalk.com/robot/send?access_token=T",
                                      "SEC000000000000000000000", 1700000000000);
  EXPECT_EQ(url,
            "https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=1700000000000"
            "&sign=1zJ%2Fw34EOSVAYr7cu7Vo8LnebmK2%2FGrCgegtr8mQrqM%3D");
  EXPECT_EQ(dingtalkSignedUrl("http://127.0.0.1:1/robot", "s", 1).find("/robot?timestamp=1&sign="),
            std::string("http://127.0.0.1:1").size());
}

TEST(ChatSigning, FeishuSignsAnEmptyMessageWithTimestampNewlineSecret) {
  EXPECT_EQ(feishuSign("feishu-secret", 1700000000),
            "OrBzY1Y01Gq+HgJsl+7OfWcMVwc7YocohQm5iiZwjhU=");
}

}  // namespace
}  // namespace swas::alerting
