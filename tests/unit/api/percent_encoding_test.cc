#include "daemon/util/percent_encoding.h"

#include <gtest/gtest.h>

#include "daemon/util/crypto.h"

namespace swas::api {
namespace {

TEST(PercentEncode, Rfc3986WithUpperCaseHex) {
  EXPECT_EQ(util::percentEncode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(util::percentEncode(" "), "%20");
  EXPECT_EQ(util::percentEncode("*"), "%2A");
  EXPECT_EQ(util::percentEncode("!'()"), "%21%27%28%29");
  EXPECT_EQ(util::percentEncode("/:+="), "%2F%3A%2B%3D");
  EXPECT_EQ(util::percentEncode("\xE4\xBD\xA0"), "%E4%BD%A0");
}

TEST(PercentDecode, DecodesAndRejectsMalformedEscapes) {
  EXPECT_EQ(util::percentDecode("a%20b+c%2a"), "a b c*");
  EXPECT_FALSE(util::percentDecode("%"));
  EXPECT_FALSE(util::percentDecode("%2"));
  EXPECT_FALSE(util::percentDecode("%zz"));
}

TEST(ParseQuery, KeepsOrderAndEmptyValues) {
  auto params = util::parseQuery("b=2&a=&c&&d=x%3Dy");
  ASSERT_TRUE(params);
  EXPECT_EQ(*params, (util::Params{{"b", "2"}, {"a", ""}, {"c", ""}, {"d", "x=y"}}));
  EXPECT_FALSE(util::parseQuery("a=%G1"));
}

TEST(Crypto, KnownVectors) {
  EXPECT_EQ(util::sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231 test case 2.
  EXPECT_EQ(util::hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(util::base64Encode("admin\n"), "YWRtaW4K");
  EXPECT_EQ(util::base64Decode("YWRtaW4K"), "admin\n");
  EXPECT_EQ(util::base64Decode("YQ=="), "a");
  EXPECT_FALSE(util::base64Decode("abc"));
}

}  // namespace
}  // namespace swas::api
