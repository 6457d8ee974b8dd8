#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace swas::core {

// Appends `text` as a JSON string literal: quotes and backslash escaped, and every control
// character (C0, DEL, C1 such as CSI U+009B) and U+2028/U+2029 as \uXXXX, so the document is
// safe to print on a terminal and to embed in JavaScript; ill-formed UTF-8 becomes U+FFFD, so
// the document is always valid UTF-8 whatever an API or a peer sent.
void appendJsonString(std::string& out, std::string_view text);

// Appends one JSON object to `out`, field by field in the order written; keys and string values
// are always escaped, so no configured name or API text can break the document.
//   JsonObject o(out); o.str("status", s).num("count", n); o.key("labels"); <nested>; o.close();
class JsonObject {
 public:
  explicit JsonObject(std::string& out) : out_(out) { out_.push_back('{'); }
  // The key of a field whose value the caller appends next (a nested object or array).
  JsonObject& key(std::string_view key);
  JsonObject& str(std::string_view key, std::string_view value);
  JsonObject& num(std::string_view key, int64_t value);
  JsonObject& boolean(std::string_view key, bool value);
  JsonObject& null(std::string_view key);
  // A value that is JSON already (e.g. a stored labels object).
  JsonObject& raw(std::string_view key, std::string_view json);
  void close() { out_.push_back('}'); }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace swas::core
