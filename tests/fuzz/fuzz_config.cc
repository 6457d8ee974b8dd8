// The configuration loader: any text gives a Config or FILE:LINE:COL problems, never a crash.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "daemon/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  swas::util::EnvLookup env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "SWAS_FUZZ") return "30s";
    return std::nullopt;
  };
  auto config = swas::config::parseConfig(text, "fuzz.yaml", env);
  if (!config) {
    for (const auto& problem : config.error()) {
      if (!problem.starts_with("fuzz.yaml")) __builtin_trap();
    }
  }
  (void)swas::config::parseDuration(text);
  return 0;
}
