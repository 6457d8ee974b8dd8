#include "daemon/util/crypto.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <memory>

namespace swas::util {
namespace {

// OpenSSL 3 looks an algorithm up by name on every one-shot call (HMAC(), SHA256()): about two
// thirds of a request's signing went there. The digests are looked up once, and each HMAC's
// context is a copy of an unkeyed one for its digest, which carries the digest along.
struct Digest {
  const char* name;
};
constexpr Digest kSha1{"SHA1"};
constexpr Digest kSha256{"SHA256"};

struct MdFree {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};
using MacCtx = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;

const EVP_MD* sha256Md() {
  static const std::unique_ptr<EVP_MD, MdFree> kMd(EVP_MD_fetch(nullptr, kSha256.name, nullptr));
  return kMd.get();
}

MacCtx unkeyed(const char* digest) {
  std::unique_ptr<EVP_MAC, void (*)(EVP_MAC*)> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr),
                                                   EVP_MAC_free);
  if (!mac) return nullptr;
  MacCtx ctx(EVP_MAC_CTX_new(mac.get()));  // holds its own reference to the MAC
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_end()};
  if (!ctx || EVP_MAC_CTX_set_params(ctx.get(), params) != 1) return nullptr;
  return ctx;
}

const EVP_MAC_CTX* macTemplate(const Digest& d) {
  static const MacCtx kSha1Template = unkeyed(kSha1.name);
  static const MacCtx kSha256Template = unkeyed(kSha256.name);
  return (&d == &kSha1 ? kSha1Template : kSha256Template).get();
}

std::string hmac(const Digest& d, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  // Never null: a null key would reuse the context's (it has none) instead of an empty one.
  const auto* key_bytes = reinterpret_cast<const unsigned char*>(key.empty() ? "" : key.data());
  if (const EVP_MAC_CTX* model = macTemplate(d)) {
    MacCtx ctx(EVP_MAC_CTX_dup(model));
    size_t len = 0;
    if (ctx && EVP_MAC_init(ctx.get(), key_bytes, key.size(), nullptr) == 1 &&
        EVP_MAC_update(ctx.get(), bytes, data.size()) == 1 &&
        EVP_MAC_final(ctx.get(), out, &len, sizeof out) == 1) {
      return std::string(reinterpret_cast<char*>(out), len);
    }
  }
  ERR_clear_error();  // what the failed step queued is not left for the next TLS call to find
  unsigned int len = 0;
  HMAC(&d == &kSha1 ? EVP_sha1() : EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes,
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace

std::string toHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
  }
  return out;
}

std::string base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

std::string sha256Hex(std::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  const EVP_MD* md = sha256Md();
  if (!md || EVP_Digest(data.data(), data.size(), out, nullptr, md, nullptr) != 1) {
    ERR_clear_error();
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  }
  return toHex(std::string_view(reinterpret_cast<char*>(out), sizeof out));
}

std::string hmacSha256Hex(std::string_view key, std::string_view data) {
  return toHex(hmac(kSha256, key, data));
}

std::string hmacSha256Base64(std::string_view key, std::string_view data) {
  return base64Encode(hmac(kSha256, key, data));
}

std::string hmacSha1Base64(std::string_view key, std::string_view data) {
  return base64Encode(hmac(kSha1, key, data));
}

}  // namespace swas::util
