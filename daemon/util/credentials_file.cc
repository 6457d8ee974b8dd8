#include "daemon/util/credentials_file.h"

#include <fstream>
#include <sstream>

namespace swas::util {
std::string trimmed(std::string text) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && space(text.back())) text.pop_back();
  size_t start = 0;
  while (start < text.size() && space(text[start])) ++start;
  return text.substr(start);
}

namespace {

std::string lookup(const IniSection& section, std::string_view key) {
  for (const auto& [k, v] : section) {
    if (k == key) return v;
  }
  return {};
}

}  // namespace

std::optional<IniSection> parseIniSection(std::string_view text, const std::string& profile) {
  std::optional<IniSection> section;
  bool inside = false;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    line = trimmed(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      inside = line.size() >= 2 && trimmed(line.substr(1, line.size() - 2)) == profile;
      if (inside && !section) section.emplace();
      continue;
    }
    if (!inside) continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    section->emplace_back(trimmed(line.substr(0, eq)), trimmed(line.substr(eq + 1)));
  }
  return section;
}

std::optional<std::string> credentialsFilePath(const EnvLookup& env) {
  if (auto file = env("ALIBABA_CLOUD_CREDENTIALS_FILE")) return file;
  if (auto home = env("HOME")) return *home + "/.alibabacloud/credentials";
  return std::nullopt;
}

std::expected<std::optional<ProfileCredentials>, std::string> readProfile(
    const std::string& path, const std::string& profile) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("cannot read credentials file " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto section = parseIniSection(text.str(), profile);
  if (!section) return std::nullopt;
  std::string type = lookup(*section, "type");
  std::string where = path + " [" + profile + "]";
  if (type == "access_key" || type == "sts" || type.empty()) {
    ProfileCredentials c{.type = ProfileCredentials::Type::kAccessKey,
                         .access_key_id = lookup(*section, "access_key_id"),
                         .access_key_secret = lookup(*section, "access_key_secret"),
                         .security_token = lookup(*section, "security_token")};
    if (c.access_key_id.empty() || c.access_key_secret.empty()) {
      return std::unexpected(where + ": access_key_id and access_key_secret are required");
    }
    return c;
  }
  if (type == "ecs_ram_role") {
    return ProfileCredentials{.type = ProfileCredentials::Type::kEcsRamRole,
                              .role_name = lookup(*section, "role_name")};
  }
  return std::unexpected(where + ": credential type '" + type +
                         "' is not supported (use access_key, sts or ecs_ram_role)");
}

}  // namespace swas::util
