// The credentials file (INI) and the ECS metadata service's JSON.
#include <cstddef>
#include <cstdint>
#include <string>

#include "daemon/api/credentials.h"
#include "daemon/api/response_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)swas::api::parseIniSection(text, "default");
  (void)swas::api::parseIniSection(text, "");
  (void)swas::api::parseMetadataCredentials(text);
  return 0;
}
