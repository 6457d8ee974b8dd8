#include "daemon/ops/table.h"

#include <algorithm>

#include "daemon/util/terminal.h"

namespace swas::ops {
namespace {

// The code point at `text[i]` and its length; length 0 for an invalid sequence.
std::pair<char32_t, size_t> decode(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char b = byte(i);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > text.size()) return {0, 0};
  char32_t cp = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {0, 0};
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  return {cp, n};
}

bool wide(char32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
         (cp >= 0x20000 && cp <= 0x3FFFD);
}

}  // namespace

size_t displayWidth(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    auto [cp, n] = decode(text, i);
    width += n == 0 ? 1 : wide(cp) ? 2 : 1;
    i += n == 0 ? 1 : n;
  }
  return width;
}

std::string firstLine(std::string_view text, size_t max_columns) {
  size_t start = text.find_first_not_of("\r\n");
  if (start == std::string_view::npos) return "";
  text.remove_prefix(start);
  std::string line = util::terminalSafe(text.substr(0, text.find_first_of("\r\n")));
  if (displayWidth(line) <= max_columns) return line;
  std::string cut;
  for (size_t i = 0; i < line.size();) {
    auto [cp, n] = decode(line, i);
    n = n == 0 ? 1 : n;
    if (displayWidth(cut) + displayWidth(line.substr(i, n)) > max_columns - 3) break;
    cut.append(line, i, n);
    i += n;
  }
  return cut + "...";
}

void printTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows,
                const std::vector<std::string>& colors) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = displayWidth(header[c]);
  std::vector<std::vector<std::string>> safe;
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    for (size_t c = 0; c < row.size(); ++c) {
      cells.push_back(util::terminalSafe(row[c]));
      width[c] = std::max(width[c], displayWidth(cells.back()));
    }
    safe.push_back(std::move(cells));
  }
  auto line = [&](const std::vector<std::string>& cells, const std::string& color) {
    std::string text;
    for (size_t c = 0; c < cells.size(); ++c) {
      text += (c ? "  " : "") + cells[c];
      if (c + 1 < cells.size()) text.append(width[c] - displayWidth(cells[c]), ' ');
    }
    out << (color.empty() ? text : color + text + "\033[0m") << "\n";
  };
  line(header, "");
  for (size_t r = 0; r < safe.size(); ++r) line(safe[r], colors[r]);
}

}  // namespace swas::ops
