#include "daemon/util/utf8.h"

namespace swas::util {
namespace {

bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

}  // namespace

bool validUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if (!continuation(s[i + k])) return false;
    }
    i += n;
  }
  return true;
}

std::string_view utf8Prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && continuation(text[end])) --end;
  return text.substr(0, end);
}

std::string_view utf8Suffix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t start = text.size() - max_bytes;
  while (start < text.size() && continuation(text[start])) ++start;
  return text.substr(start);
}

size_t utf8Length(std::string_view text) {
  size_t n = 0;
  for (char c : text) n += continuation(c) ? 0 : 1;
  return n;
}

}  // namespace swas::util
