#include "daemon/util/html.h"

namespace swas::util {

std::string escapeHtml(std::string_view text, Quotes quotes) {
  bool all = quotes == Quotes::kEscape;
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '"' && all) {
      out += "&quot;";
    } else if (c == '\'' && all) {
      out += "&#39;";
    } else if (c == '\0') {
      out += "\xEF\xBF\xBD";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace swas::util
