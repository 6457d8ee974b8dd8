#include "daemon/alerting/chat_signing.h"

#include "daemon/util/crypto.h"
#include "daemon/util/percent_encoding.h"

namespace swas::alerting {

std::string dingtalkSign(std::string_view secret, int64_t timestamp_ms) {
  std::string to_sign = std::to_string(timestamp_ms) + "\n" + std::string(secret);
  return util::hmacSha256Base64(secret, to_sign);
}

std::string dingtalkSignedUrl(std::string_view url, std::string_view secret, int64_t timestamp_ms) {
  std::string out(url);
  out += url.find('?') == std::string_view::npos ? '?' : '&';
  out += "timestamp=" + std::to_string(timestamp_ms) +
         "&sign=" + util::percentEncode(dingtalkSign(secret, timestamp_ms));
  return out;
}

std::string feishuSign(std::string_view secret, int64_t timestamp_s) {
  return util::hmacSha256Base64(std::to_string(timestamp_s) + "\n" + std::string(secret), "");
}

}  // namespace swas::alerting
