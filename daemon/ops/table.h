#pragma once

// Tables for the operator's commands: cells made safe for a terminal by util::terminalSafe (text
// from the API or from commands' output is untrusted), columns aligned by display width (CJK
// names are two columns a character), colour only around whole lines.

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace swas::ops {

// Columns `text` takes on a terminal: wide (East Asian) characters count two.
size_t displayWidth(std::string_view text);
// The first non-empty line, at most `max_columns` wide ("..." when cut), terminal-safe.
std::string firstLine(std::string_view text, size_t max_columns = 60);
// A header and rows; `colors[r]` (an escape sequence or "") around row r.
void printTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows,
                const std::vector<std::string>& colors);

}  // namespace swas::ops
