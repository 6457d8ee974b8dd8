#include "daemon/util/markup_escape.h"

namespace swas::util {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// How a medium writes "<", ">" and "&" (see the header for why).
enum class Angles {
  kLookAlike,      // "＜" "＞", and "&" + U+200B: media whose tags or entities are not specified
  kSlackEntities,  // "&lt;" "&gt;" "&amp;", as Slack requires
  kAsWritten,      // plain text: "<" + U+200B only, so "<@id>" cannot match
};

unsigned char byteAt(std::string_view text, size_t i) {
  return i < text.size() ? static_cast<unsigned char>(text[i]) : 0;
}

// The length of the line break at `text[i]`, 0 if there is none: CR and LF end a line in
// CommonMark; NEL, U+2028 and U+2029 do in some renderers.
size_t lineBreakAt(std::string_view text, size_t i) {
  unsigned char c = byteAt(text, i);
  if (c == '\n' || c == '\r') return 1;
  if (c == 0xC2 && byteAt(text, i + 1) == 0x85) return 2;
  if (c == 0xE2 && byteAt(text, i + 1) == 0x80 &&
      (byteAt(text, i + 2) == 0xA8 || byteAt(text, i + 2) == 0xA9)) {
    return 3;
  }
  return 0;
}

// U+202A..U+202E (E2 80 AA..AE) and U+2066..U+2069 (E2 81 A6..A9).
bool bidiControlAt(std::string_view text, size_t i) {
  if (byteAt(text, i) != 0xE2) return false;
  unsigned char b1 = byteAt(text, i + 1), b2 = byteAt(text, i + 2);
  return (b1 == 0x80 && b2 >= 0xAA && b2 <= 0xAE) || (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9);
}

bool digit(unsigned char c) { return c >= '0' && c <= '9'; }

// Whether a line whose first non-blank character is `rest[0]` could open a block: a heading,
// quote, list, rule, setext underline, table row or delimiter, or fence ("<", which would open an
// HTML block, never stays "<" in a medium with HTML). A leading "." or ")" could complete the
// number another value ended a line with ("1" + ". item"). Ordinary first characters (letters,
// most digits) are left alone, so most lines are unchanged.
bool opensBlock(std::string_view rest) {
  if (std::string_view("#>-*+=_|~`:.)").find(rest.front()) != std::string_view::npos) return true;
  size_t digits = 0;
  while (digits < rest.size() && digit(rest[digits])) ++digits;
  return digits > 0 && digits < rest.size() && (rest[digits] == '.' || rest[digits] == ')');
}

// A character that may start or complete markup, as this medium neutralises it.
void appendAngle(std::string& out, char c, Angles angles) {
  if (c == '<') {
    if (angles == Angles::kLookAlike) {
      out += "\xEF\xBC\x9C";  // U+FF1C FULLWIDTH LESS-THAN SIGN
    } else if (angles == Angles::kSlackEntities) {
      out += "&lt;";
    } else {
      out += c;
      out += kZeroWidthSpace;
    }
  } else if (c == '>') {
    if (angles == Angles::kLookAlike) {
      out += "\xEF\xBC\x9E";  // U+FF1E FULLWIDTH GREATER-THAN SIGN
    } else if (angles == Angles::kSlackEntities) {
      out += "&gt;";
    } else {
      out += c;
    }
  } else {  // '&'
    if (angles == Angles::kSlackEntities) {
      out += "&amp;";
    } else {
      out += c;
      if (angles == Angles::kLookAlike) out += kZeroWidthSpace;
    }
  }
}

std::string neutralise(std::string_view text, Angles angles) {
  std::string out;
  out.reserve(text.size() + text.size() / 8 + 8);
  bool line_start = true;
  for (size_t i = 0; i < text.size();) {
    if (size_t n = lineBreakAt(text, i)) {
      out += text.substr(i, n);
      i += n;
      line_start = true;
      continue;
    }
    char c = text[i];
    if (line_start && c != ' ' && c != '\t') {
      line_start = false;
      if (opensBlock(text.substr(i))) out += kZeroWidthSpace;
    }
    if (bidiControlAt(text, i)) {
      out += kReplacement;
      i += 3;
      continue;
    }
    switch (c) {
      case '\0':
        out += kReplacement;
        break;
      case '<':
      case '>':
      case '&':
        appendAngle(out, c, angles);
        break;
      case ']':
      case '`':
      case '~':
      case '\\':
      case '@':
        out += c;
        out += kZeroWidthSpace;
        break;
      case '!':  // "![", and a last "!" that the next value's "[" would complete
        out += c;
        if (i + 1 == text.size() || text[i + 1] == '[') out += kZeroWidthSpace;
        break;
      case '/':  // "//", and a last "/" that the next value's "/" would complete
        out += c;
        if (i + 1 == text.size() || text[i + 1] == '/') out += kZeroWidthSpace;
        break;
      default:
        out += c;
    }
    ++i;
  }
  return out;
}

}  // namespace

std::string escapeDingtalkMarkdown(std::string_view text) {
  return neutralise(text, Angles::kLookAlike);
}

std::string escapeWecomMarkdown(std::string_view text) {
  return neutralise(text, Angles::kLookAlike);
}

std::string escapeWecomText(std::string_view text) { return neutralise(text, Angles::kAsWritten); }

std::string escapeLarkMd(std::string_view text) { return neutralise(text, Angles::kLookAlike); }

std::string escapeSlackMrkdwn(std::string_view text) {
  return neutralise(text, Angles::kSlackEntities);
}

std::string singleLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t n = lineBreakAt(text, i);
    if (n == 0) {
      out += text[i++];
      continue;
    }
    if (text[i] == '\r' && byteAt(text, i + 1) == '\n') n = 2;
    out += ' ';
    i += n;
  }
  return out;
}

}  // namespace swas::util
