// The digests and MACs every signature rests on (the API's, the webhooks', the chat robots'),
// against the RFCs' own test vectors and against OpenSSL's one-shot HMAC(): the contexts are
// copies of unkeyed ones made once, so a key must never leak from one call into the next.
#include "daemon/util/crypto.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>
#include <string>

namespace swas::util {
namespace {

std::string oneShot(const EVP_MD* md, const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

TEST(Crypto, Sha256OfTheRfcsMessages) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, HmacSha256OfRfc4231) {
  // Test case 2: a short key; test case 6: a key longer than the block, hashed first.
  EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hmacSha256Hex(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Crypto, HmacSha1OfRfc2202) {
  // Test case 2, in the base64 the API's RPC signature is sent in.
  EXPECT_EQ(hmacSha1Base64("Jefe", "what do ya want for nothing?"),
            base64Encode(std::string("\xef\xfc\xdf\x6a\xe5\xeb\x2f\xa2\xd2\x74\x16\xd5\xf1\x84\xdf"
                                     "\x9c\x25\x9a\x7c\x79",
                                     20)));
}

TEST(Crypto, EachCallUsesItsOwnKeyAsTheOneShotHmacDoes) {
  // Keys empty, short, of the block's size and longer, with a NUL byte, one after another in both
  // orders: a context that kept an earlier key would give the earlier key's MAC.
  const std::string keys[] = {"",
                              "k",
                              "secret-one",
                              std::string(64, 'x'),
                              std::string(200, 'y'),
                              std::string("a\0b", 3),
                              "secret-two",
                              ""};
  const std::string data[] = {"", "GET\n/\n", std::string("x\0y", 3), std::string(5000, 'd')};
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < std::size(keys); ++i) {
      const std::string& key = keys[pass == 0 ? i : std::size(keys) - 1 - i];
      for (const auto& d : data) {
        EXPECT_EQ(hmacSha256Base64(key, d), base64Encode(oneShot(EVP_sha256(), key, d)))
            << "key of " << key.size() << " bytes, data of " << d.size();
        EXPECT_EQ(hmacSha1Base64(key, d), base64Encode(oneShot(EVP_sha1(), key, d)));
      }
    }
  }
}

TEST(Crypto, AnUnkeyedContextCopiesAndTakesAKey) {
  // The fast path itself, not its fallback (which would give the same MACs): OpenSSL copies an
  // HMAC context that has a digest and no key yet, and keys the copy.
  std::unique_ptr<EVP_MAC, void (*)(EVP_MAC*)> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr),
                                                   EVP_MAC_free);
  ASSERT_TRUE(mac);
  std::unique_ptr<EVP_MAC_CTX, void (*)(EVP_MAC_CTX*)> model(EVP_MAC_CTX_new(mac.get()),
                                                             EVP_MAC_CTX_free);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                         OSSL_PARAM_construct_end()};
  ASSERT_EQ(EVP_MAC_CTX_set_params(model.get(), params), 1);
  std::unique_ptr<EVP_MAC_CTX, void (*)(EVP_MAC_CTX*)> copy(EVP_MAC_CTX_dup(model.get()),
                                                            EVP_MAC_CTX_free);
  ASSERT_TRUE(copy);
  EXPECT_EQ(EVP_MAC_init(copy.get(), reinterpret_cast<const unsigned char*>("Jefe"), 4, nullptr),
            1);
}

}  // namespace
}  // namespace swas::util
