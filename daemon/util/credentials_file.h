#pragma once

// The Alibaba Cloud credentials file (INI) as the SDKs read it: where it is, and what one profile
// of it gives. The credentials chain (api) uses it at start, the configuration (which may not see
// api) at load, so that --check-config finds a missing profile before the daemon does.

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/util/env.h"

namespace swas::util {

// Without leading and trailing white space (spaces, tabs, CR, LF).
std::string trimmed(std::string text);

// One profile's `key = value` lines of a credentials file (INI), or nullopt without that
// [profile] section. Comments (# ;) and lines without '=' are skipped.
using IniSection = std::vector<std::pair<std::string, std::string>>;
std::optional<IniSection> parseIniSection(std::string_view text, const std::string& profile);

// ALIBABA_CLOUD_CREDENTIALS_FILE, else $HOME/.alibabacloud/credentials; nullopt with neither.
std::optional<std::string> credentialsFilePath(const EnvLookup& env);

// What a profile gives, as the chain uses it.
struct ProfileCredentials {
  enum class Type { kAccessKey, kEcsRamRole };  // kAccessKey: types access_key, sts or none
  Type type = Type::kAccessKey;
  std::string access_key_id;
  std::string access_key_secret;
  std::string security_token;
  std::string role_name;  // kEcsRamRole; empty: discover
};

// The [profile] of the credentials file at `path`, checked: nullopt when the file has no such
// profile; an error when the file cannot be read, the profile lacks its keys or has a type the
// chain does not support. Errors name the file and profile, never a value from it.
std::expected<std::optional<ProfileCredentials>, std::string> readProfile(
    const std::string& path, const std::string& profile);

}  // namespace swas::util
