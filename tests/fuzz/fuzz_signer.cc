// Percent-decoding, query parsing and canonicalisation in the signer; encode/decode round trip.
#include <cstddef>
#include <cstdint>
#include <string>

#include "daemon/api/signer.h"
#include "daemon/util/percent_encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto encoded = swas::util::percentEncode(text);
  auto decoded = swas::util::percentDecode(encoded);
  if (!decoded || *decoded != text) __builtin_trap();
  (void)swas::util::percentDecode(text);
  if (auto params = swas::util::parseQuery(text)) {
    auto canonical = swas::util::canonicalQuery(*params);
    auto reparsed = swas::util::parseQuery(swas::util::encodeQuery(*params));
    if (!reparsed) __builtin_trap();
    if (swas::util::canonicalQuery(*reparsed) != canonical) __builtin_trap();
    (void)swas::api::v1StringToSign("GET", *params);
  }
  (void)swas::api::canonicalPath(text);
  (void)swas::api::parseV3Authorization(text);
  return 0;
}
