// Every chat medium's escaping (daemon/util/markup_escape.h) on any input: the result forms no
// link, image, heading, quote, list, table, rule, mention, code fence, "//" URL or tag (as the
// medium defines its tags), and neither does it followed by a second escaped value, as a template
// puts values side by side (the first byte says where the input splits into the two). Well-formed
// UTF-8 stays well-formed, and singleLine() leaves no line break.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/util/markup_escape.h"
#include "daemon/util/utf8.h"

namespace {

using swas::util::kZeroWidthSpace;

enum class Tags { kLookAlike, kSlackEntities, kPlain };

struct Medium {
  std::string (*escape)(std::string_view);
  Tags tags;
};

constexpr Medium kMedia[] = {
    {swas::util::escapeDingtalkMarkdown, Tags::kLookAlike},
    {swas::util::escapeWecomMarkdown, Tags::kLookAlike},
    {swas::util::escapeWecomText, Tags::kPlain},
    {swas::util::escapeLarkMd, Tags::kLookAlike},
    {swas::util::escapeSlackMrkdwn, Tags::kSlackEntities},
};

void require(bool property) {
  if (!property) __builtin_trap();
}

bool breakAfter(std::string_view s, size_t i) {
  return s.substr(i + 1, kZeroWidthSpace.size()) == kZeroWidthSpace;
}

// The length of a line break at s[i] (CR, LF, NEL, U+2028, U+2029), 0 if none.
size_t lineBreakAt(std::string_view s, size_t i) {
  if (s[i] == '\n' || s[i] == '\r') return 1;
  if (s.substr(i, 2) == "\xC2\x85") return 2;
  if (s.substr(i, 3) == "\xE2\x80\xA8" || s.substr(i, 3) == "\xE2\x80\xA9") return 3;
  return 0;
}

bool opensBlock(std::string_view line, Tags tags) {
  size_t first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos) return false;
  std::string_view rest = line.substr(first);
  if (std::string_view("#>-*+=_|~`:").find(rest.front()) != std::string_view::npos) return true;
  if (tags == Tags::kSlackEntities && rest.starts_with("&gt;")) return true;  // Slack's quote
  size_t digits = rest.find_first_not_of("0123456789");
  return digits > 0 && digits != std::string_view::npos &&
         (rest[digits] == '.' || rest[digits] == ')');
}

void checkInert(std::string_view s, Tags tags) {
  size_t line_start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (size_t n = lineBreakAt(s, i)) {
      require(!opensBlock(s.substr(line_start, i - line_start), tags));
      line_start = i + n;
      i += n - 1;
      continue;
    }
    char c = s[i];
    // Links, images and reference definitions ("](" "][" "]:"), mentions, fences, escapes of
    // what follows.
    if (c == ']' || c == '@' || c == '`' || c == '~' || c == '\\') require(breakAfter(s, i));
    // "//" URLs and "![", and a last "/" or "!" that the next value could complete.
    if (c == '/' || c == '!') require(i + 1 < s.size() && s[i + 1] != (c == '/' ? '/' : '['));
    require(c != '\0');
    // Bidirectional embeddings, overrides and isolates.
    if (s.substr(i, 2) == "\xE2\x80" && i + 2 < s.size()) {
      auto b = static_cast<unsigned char>(s[i + 2]);
      require(b < 0xAA || b > 0xAE);
    }
    if (s.substr(i, 2) == "\xE2\x81" && i + 2 < s.size()) {
      auto b = static_cast<unsigned char>(s[i + 2]);
      require(b < 0xA6 || b > 0xA9);
    }
    switch (tags) {
      case Tags::kLookAlike:
        require(c != '<' && c != '>');
        if (c == '&') require(breakAfter(s, i));
        break;
      case Tags::kSlackEntities: {
        require(c != '<' && c != '>');
        std::string_view at = s.substr(i);
        if (c == '&') {
          require(at.starts_with("&amp;") || at.starts_with("&lt;") || at.starts_with("&gt;"));
        }
        break;
      }
      case Tags::kPlain:
        if (c == '<') require(breakAfter(s, i));
        break;
    }
  }
  require(!opensBlock(s.substr(line_start), tags));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  // Templates put whole values side by side: split on a character boundary.
  size_t split = data[0] % (input.size() + 1);
  while (split > 0 && split < input.size() && (static_cast<uint8_t>(input[split]) & 0xC0) == 0x80) {
    --split;
  }
  std::string_view first = input.substr(0, split), second = input.substr(split);
  for (const Medium& m : kMedia) {
    std::string whole = m.escape(input);
    checkInert(whole, m.tags);
    if (swas::util::validUtf8(input)) require(swas::util::validUtf8(whole));
    checkInert(m.escape(first) + m.escape(second), m.tags);
  }
  std::string line = swas::util::singleLine(input);
  for (size_t i = 0; i < line.size(); ++i) require(lineBreakAt(line, i) == 0);
  return 0;
}
