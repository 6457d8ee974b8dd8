#pragma once

// The process's environment and secret files, as the configuration, the credentials chain and
// the receivers read them.

#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace swas::util {

// A variable's value, or nullopt when unset or empty. Tests pass their own.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;
EnvLookup processEnvironment();

// A URL or secret kept in a file, without surrounding whitespace; `what` names it in the error
// ("cannot read WHAT PATH: reason", "WHAT PATH is empty"). The contents never reach a message.
std::expected<std::string, std::string> readSecretFile(const std::string& path,
                                                       const std::string& what);

}  // namespace swas::util
