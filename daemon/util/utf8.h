#pragma once

// UTF-8 helpers for text that leaves the daemon in size-limited messages: cuts never split a
// character, so a shortened text is still valid UTF-8.

#include <cstddef>
#include <string_view>

namespace swas::util {

// Well-formed UTF-8 as Unicode defines it (Table 3-7): no overlong forms, no surrogates,
// nothing above U+10FFFF.
bool validUtf8(std::string_view text);
// The length of the well-formed sequence at `text[i]` (1 for ASCII), 0 if there is none.
size_t utf8SequenceAt(std::string_view text, size_t i);
// The longest prefix of at most `max_bytes` bytes that ends on a character boundary.
std::string_view utf8Prefix(std::string_view text, size_t max_bytes);
// The longest suffix of at most `max_bytes` bytes that starts on a character boundary.
std::string_view utf8Suffix(std::string_view text, size_t max_bytes);
// Characters (code points), as Slack counts its limits.
size_t utf8Length(std::string_view text);

}  // namespace swas::util
