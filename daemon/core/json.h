#pragma once

#include <string>
#include <string_view>

namespace swas::core {

// Appends `text` as a JSON string literal (quotes, backslash, control characters escaped).
void appendJsonString(std::string& out, std::string_view text);

}  // namespace swas::core
