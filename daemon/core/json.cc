#include "daemon/core/json.h"

#include <cstdio>

namespace swas::core {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

void appendEscape(std::string& out, unsigned code) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\u%04x", code);
  out += buf;
}

// At `text[i]`, a byte of 0x80 or more: the length of the well-formed UTF-8 sequence there
// (Unicode Table 3-7), or, as a negative number, the length of its maximal ill-formed subpart,
// which one U+FFFD replaces (Unicode's "maximal subpart" practice, as browsers decode).
int sequenceAt(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  int n = 0;
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
    return -1;
  }
  for (int k = 1; k < n; ++k) {
    if (i + k >= text.size()) return -k;
    unsigned char b = byte(i + k);
    if (k == 1 ? (b < lo || b > hi) : (b & 0xc0) != 0x80) return -k;
  }
  return n;
}

// Appends the character that starts at `text[i]` (0x80 or more) and returns the bytes it took:
// C1 controls and U+2028/U+2029 escaped, ill-formed UTF-8 as U+FFFD, the rest as it is.
size_t appendNonAscii(std::string& out, std::string_view text, size_t i) {
  int n = sequenceAt(text, i);
  if (n < 0) {
    out += kReplacement;
    return static_cast<size_t>(-n);
  }
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  if (byte(0) == 0xc2 && byte(1) <= 0x9f) {
    appendEscape(out, byte(1));  // C1: CSI (U+009B) and friends drive terminals
  } else if (byte(0) == 0xe2 && byte(1) == 0x80 && (byte(2) == 0xa8 || byte(2) == 0xa9)) {
    // U+2028 and U+2029 end a line in JavaScript before ES2019 and in some log viewers.
    appendEscape(out, 0x2000 | (byte(2) & 0x3f));
  } else {
    out.append(text, i, static_cast<size_t>(n));
  }
  return static_cast<size_t>(n);
}

}  // namespace

void appendJsonString(std::string& out, std::string_view text) {
  out.push_back('"');
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      i += appendNonAscii(out, text, i);
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          appendEscape(out, c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

JsonObject& JsonObject::key(std::string_view key) {
  if (!first_) out_.push_back(',');
  first_ = false;
  appendJsonString(out_, key);
  out_.push_back(':');
  return *this;
}

JsonObject& JsonObject::str(std::string_view key, std::string_view value) {
  this->key(key);
  appendJsonString(out_, value);
  return *this;
}

JsonObject& JsonObject::num(std::string_view key, int64_t value) {
  this->key(key);
  out_ += std::to_string(value);
  return *this;
}

JsonObject& JsonObject::boolean(std::string_view key, bool value) {
  this->key(key);
  out_ += value ? "true" : "false";
  return *this;
}

JsonObject& JsonObject::null(std::string_view key) {
  this->key(key);
  out_ += "null";
  return *this;
}

JsonObject& JsonObject::raw(std::string_view key, std::string_view json) {
  this->key(key);
  out_ += json;
  return *this;
}

}  // namespace swas::core
