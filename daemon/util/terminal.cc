#include "daemon/util/terminal.h"

namespace swas::util {
namespace {

// The length of the well-formed UTF-8 sequence at `text[i]` (Unicode Table 3-7), 0 if none.
size_t sequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // the second byte's range
  if (lead >= 0xc2 && lead <= 0xdf) {
    n = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    n = 3;
    if (lead == 0xe0) lo = 0xa0;
    if (lead == 0xed) hi = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    n = 4;
    if (lead == 0xf0) lo = 0x90;
    if (lead == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (i + n > text.size() || byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  }
  return n;
}

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
    size_t n = sequenceLength(text, i);
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
