#include "daemon/core/json.h"

#include <cstdio>

namespace swas::core {

void appendJsonString(std::string& out, std::string_view text) {
  out.push_back('"');
  for (unsigned char c : text) {
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
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
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
