#pragma once

// Text others wrote (API text, a receiver's answer, the state file's values, error messages
// quoting them) on the operator's terminal: an ESC, BEL or C1 CSI in it would set the window
// title, clear the screen or rewrite what was printed before.

#include <string>
#include <string_view>

namespace swas::util {

// `text` with every C0 and C1 control character and DEL (escape sequences, tabs, newlines) shown
// as '?', and each byte of ill-formed UTF-8 too (overlong forms, surrogates, truncated
// sequences); the rest unchanged, so the result is one line of well-formed UTF-8.
std::string terminalSafe(std::string_view text);

}  // namespace swas::util
