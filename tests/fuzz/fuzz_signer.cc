// Percent-decoding, query parsing and canonicalisation in the signer; encode/decode round trip.
#include <cstddef>
#include <cstdint>
#include <string>

#include "daemon/api/percent_encoding.h"
#include "daemon/api/signer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto encoded = swas::api::percentEncode(text);
  auto decoded = swas::api::percentDecode(encoded);
  if (!decoded || *decoded != text) __builtin_trap();
  (void)swas::api::percentDecode(text);
  if (auto params = swas::api::parseQuery(text)) {
    auto canonical = swas::api::canonicalQuery(*params);
    auto reparsed = swas::api::parseQuery(swas::api::encodeQuery(*params));
    if (!reparsed) __builtin_trap();
    if (swas::api::canonicalQuery(*reparsed) != canonical) __builtin_trap();
    (void)swas::api::v1StringToSign("GET", *params);
  }
  (void)swas::api::canonicalPath(text);
  (void)swas::api::parseV3Authorization(text);
  return 0;
}
