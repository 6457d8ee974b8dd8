#pragma once

// Reading API answers with simdjson On-Demand, shared by the parsers of the API's operations
// (response_parser.cc, inventory_parser.cc): one bad field or record never fails a page; it is
// read as its default and counted in ParseAnomalies. Private to daemon/api. Every translation
// unit that includes it is compiled with the same simdjson kernel flags (CMakeLists.txt).

#include <simdjson.h>

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/api/command_invocations.h"
#include "daemon/core/error.h"

namespace swas::api::json {
namespace od = simdjson::ondemand;

// Reading fails with a message naming the field; simdjson errors carry its own text.
struct ParseFailure {
  std::string message;
};

core::Error parseError(std::string message);
// Throws ParseFailure on an error.
void check(simdjson::error_code ec, std::string_view where);
// A field that should be a string: strings as they are, numbers and booleans as their JSON
// text, null as "". A bad escape decodes to U+FFFD; an object or array reads as "". Both are
// anomalies.
std::string readString(od::value value, std::string_view field, ParseAnomalies& anomalies);
// A field that should be an integer: numbers (fractions truncated), integer or decimal strings,
// null. Out of range, unreadable or wrongly typed: nullopt, and an anomaly.
std::optional<int64_t> readInt(od::value value, std::string_view field, ParseAnomalies& anomalies);
// A field that should be a boolean: true/false, "true"/"false" (any case), 1/0. Anything else:
// nullopt, and an anomaly.
std::optional<bool> readBool(od::value value, std::string_view field, ParseAnomalies& anomalies);
bool isObject(od::value value, std::string_view what);

// Calls `each(value)` for every element of a list field. Accepts a JSON array, null, or the
// XML-style wrapper {"Item": [...]} that some RPC APIs use for lists. Anything else is an
// anomaly (no elements), or a failure with `strict`.
template <typename Each>
void forEachElement(od::value value, std::string_view field, ParseAnomalies& anomalies, Each each,
                    bool strict = false) {
  od::json_type type{};
  check(value.type().get(type), field);
  if (type == od::json_type::null) return;
  if (type == od::json_type::object) {
    od::object wrapper;
    check(value.get_object().get(wrapper), field);
    for (auto member : wrapper) {
      od::field f;
      check(std::move(member).get(f), field);
      od::value inner = f.value();
      od::json_type inner_type{};
      check(inner.type().get(inner_type), field);
      if (inner_type == od::json_type::array) forEachElement(inner, field, anomalies, each);
    }
    return;
  }
  if (type != od::json_type::array) {
    if (strict) throw ParseFailure{std::string(field) + ": expected a list"};
    anomalies.field(std::string(field) + ": expected a list, read as empty");
    return;
  }
  od::array array;
  check(value.get_array().get(array), field);
  for (auto element : array) {
    od::value v;
    check(std::move(element).get(v), field);
    each(v);
  }
}

// Calls `on_field(key, value)` for every member of an object. A key with a bad escape is no
// key this parser knows: its value is skipped (an anomaly when `anomalies` is given).
template <typename OnField>
void forEachField(od::value value, std::string_view what, OnField on_field,
                  ParseAnomalies* anomalies = nullptr) {
  od::object object;
  check(value.get_object().get(object), what);
  for (auto member : object) {
    od::field f;
    check(std::move(member).get(f), what);
    std::string_view key;
    if (f.unescaped_key().get(key)) {
      if (anomalies) anomalies->field(std::string(what) + ": a key with a bad escape, skipped");
      continue;
    }
    on_field(key, f.value());
  }
}

// `body` copied with the parser's padding after it, into one buffer per thread: a copy of a
// large page made afresh for every parse was given back to the system by glibc (unmapped or
// trimmed) and faulted in again each time, which halved parse_bench's speed. A buffer grown
// past 1 MiB by an unusually large answer is given back after the parse.
class PaddedCopy {
 public:
  explicit PaddedCopy(std::string_view body) : size_(body.size()) {
    // Reserved first: assign() alone would size it to the body, and the padding would then
    // double it.
    buffer().reserve(body.size() + simdjson::SIMDJSON_PADDING);
    buffer().assign(body);
    buffer().append(simdjson::SIMDJSON_PADDING, '\0');
  }
  ~PaddedCopy() {
    if (buffer().capacity() > kKeep) std::string().swap(buffer());
  }
  PaddedCopy(const PaddedCopy&) = delete;
  PaddedCopy& operator=(const PaddedCopy&) = delete;
  simdjson::padded_string_view view() const {
    return simdjson::padded_string_view(buffer().data(), size_, buffer().size());
  }

 private:
  static constexpr size_t kKeep = 1 << 20;
  static std::string& buffer() {
    thread_local std::string b;
    return b;
  }
  size_t size_;
};

// Runs `read(root)` over a JSON object document, turning every failure into a kParse error.
template <typename T, typename Read>
std::expected<T, core::Error> parseDocument(std::string_view body, Read read) {
  if (!simdjson::validate_utf8(body.data(), body.size())) {
    return std::unexpected(parseError("response body is not valid UTF-8"));
  }
  thread_local od::parser parser;
  PaddedCopy padded(body);
  try {
    od::document doc;
    check(parser.iterate(padded.view()).get(doc), "response body");
    od::value root;
    check(doc.get_value().get(root), "response body");
    od::json_type type{};
    check(root.type().get(type), "response body");
    if (type != od::json_type::object) throw ParseFailure{"response body is not a JSON object"};
    T out = read(root);
    const char* rest = nullptr;
    if (!doc.current_location().get(rest)) {
      throw ParseFailure{"response body has trailing content"};
    }
    return out;
  } catch (const ParseFailure& failure) {
    return std::unexpected(parseError(failure.message));
  }
}

// The paging fields every list answer has; true when `key` was one of them.
template <typename Page>
bool readPaging(Page& page, std::string_view key, od::value v) {
  ParseAnomalies& a = page.anomalies;
  if (key == "RequestId") {
    page.request_id = readString(v, key, a);
  } else if (key == "TotalCount") {
    page.total_count = readInt(v, key, a);
  } else if (key == "PageNumber") {
    page.page_number = readInt(v, key, a);
  } else if (key == "PageSize") {
    page.page_size = readInt(v, key, a);
  } else {
    return false;
  }
  return true;
}

}  // namespace swas::api::json
