// Lenient decoding of a JSON string token: what the page parser falls back to when a string
// carries a lone surrogate or a bad escape (declared in response_parser.h).

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/api/response_parser.h"

namespace swas::api {
namespace {

// Appends the UTF-8 of `cp`.
void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::optional<uint32_t> hex4(std::string_view s, size_t at) {
  if (at + 4 > s.size()) return std::nullopt;
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data() + at, s.data() + at + 4, v, 16);
  if (ec != std::errc() || end != s.data() + at + 4) return std::nullopt;
  return v;
}

}  // namespace

namespace {

constexpr uint32_t kReplacement = 0xFFFD;

// The character of a one-letter escape (\n and the like), or nullopt.
std::optional<char> simpleEscape(char e) {
  switch (e) {
    case '"':
    case '\\':
    case '/':
      return e;
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    default:
      return std::nullopt;
  }
}

// Appends the \uXXXX escape whose 'u' is at body[i] (with its low surrogate, if it is a high
// one followed by one), or U+FFFD; returns the index of its last character.
size_t appendUnicodeEscape(std::string& out, std::string_view body, size_t i) {
  auto cp = hex4(body, i + 1);
  if (!cp) {
    appendUtf8(out, kReplacement);
    return i;
  }
  i += 4;
  if (*cp >= 0xD800 && *cp < 0xDC00) {  // a high surrogate wants a low one next
    auto low = i + 2 < body.size() && body[i + 1] == '\\' && body[i + 2] == 'u' ? hex4(body, i + 3)
                                                                                : std::nullopt;
    if (low && *low >= 0xDC00 && *low < 0xE000) {
      appendUtf8(out, 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00));
      return i + 6;
    }
    appendUtf8(out, kReplacement);
  } else if (*cp >= 0xDC00 && *cp < 0xE000) {
    appendUtf8(out, kReplacement);
  } else {
    appendUtf8(out, *cp);
  }
  return i;
}

}  // namespace

// The string token `raw` (quotes included, maybe trailing whitespace) decoded leniently: a
// lone surrogate or a bad escape becomes U+FFFD, the rest as JSON says.
std::string decodeJsonStringLeniently(std::string_view raw) {
  auto close = raw.rfind('"');
  std::string_view body = raw.substr(
      1, close == std::string_view::npos || close == 0 ? std::string_view::npos : close - 1);
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      out.push_back(c);
      continue;
    }
    char e = body[++i];
    if (auto simple = simpleEscape(e)) {
      out.push_back(*simple);
    } else if (e == 'u') {
      i = appendUnicodeEscape(out, body, i);
    } else {
      appendUtf8(out, kReplacement);
    }
  }
  return out;
}

}  // namespace swas::api
