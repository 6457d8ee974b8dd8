#include "daemon/util/terminal.h"

#include "daemon/util/utf8.h"

namespace swas::util {
namespace {

// C0, DEL, and C1 (U+0080..U+009F, C2 80..C2 9F in UTF-8: CSI is C2 9B).
bool control(std::string_view character) {
  auto lead = static_cast<unsigned char>(character[0]);
  if (character.size() == 1) return lead < 0x20 || lead == 0x7f;
  return character.size() == 2 && lead == 0xc2 && static_cast<unsigned char>(character[1]) <= 0x9f;
}

}  // namespace

std::string terminalSafe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t n = utf8SequenceAt(text, i);
    if (n == 0) {
      out += '?';
      ++i;
      continue;
    }
    std::string_view character = text.substr(i, n);
    if (control(character)) {
      out += '?';
    } else {
      out += character;
    }
    i += n;
  }
  return out;
}

}  // namespace swas::util
