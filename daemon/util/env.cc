#include "daemon/util/env.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace swas::util {

EnvLookup processEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (!value || !*value) return std::nullopt;
    return std::string(value);
  };
}

std::expected<std::string, std::string> readSecretFile(const std::string& path,
                                                       const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("cannot read " + what + " " + path + ": " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  std::string value = text.str();
  auto first = value.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return std::unexpected(what + " " + path + " is empty");
  return value.substr(first, value.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace swas::util
