#pragma once

// Escaping untrusted text for HTML and for the chat vendors' HTML-like markup.

#include <string>
#include <string_view>

namespace swas::util {

enum class Quotes { kKeep, kEscape };

// & < > as entities; with Quotes::kEscape also " and ' (for attribute values too). NUL, which
// HTML has no place for, becomes U+FFFD.
std::string escapeHtml(std::string_view text, Quotes quotes);

}  // namespace swas::util
