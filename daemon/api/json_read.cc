#include "daemon/api/json_read.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "daemon/api/response_parser.h"

namespace swas::api::json {
namespace {

// A double as an integer, truncated, if it is finite and in range.
std::optional<int64_t> integral(double d) {
  // 2^63 is exactly representable; anything at or beyond it does not fit.
  constexpr double kLimit = 9223372036854775808.0;
  if (!std::isfinite(d) || d >= kLimit || d < -kLimit) return std::nullopt;
  return static_cast<int64_t>(d);
}

}  // namespace

core::Error parseError(std::string message) {
  return core::Error{.kind = core::ErrorKind::kParse, .message = std::move(message)};
}

void check(simdjson::error_code ec, std::string_view where) {
  if (ec) throw ParseFailure{std::string(where) + ": " + simdjson::error_message(ec)};
}

// A field that should be a string: strings as they are, numbers and booleans as their JSON
// text, null as "". A bad escape decodes to U+FFFD; an object or array reads as "". Both are
// anomalies.
std::string readString(od::value value, std::string_view field, ParseAnomalies& anomalies) {
  od::json_type type{};
  check(value.type().get(type), field);
  switch (type) {
    case od::json_type::string: {
      std::string_view raw = value.raw_json_token();
      std::string_view text;
      if (value.get_string().get(text)) {
        anomalies.field(std::string(field) + ": invalid string escape, decoded with U+FFFD");
        return decodeJsonStringLeniently(raw);
      }
      return std::string(text);
    }
    case od::json_type::null:
      return {};
    case od::json_type::number:
    case od::json_type::boolean: {
      std::string_view raw = value.raw_json_token();
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' ||
                              raw.back() == '\t')) {
        raw.remove_suffix(1);
      }
      return std::string(raw);
    }
    default:
      anomalies.field(std::string(field) + ": expected a string, read as empty");
      return {};
  }
}

// A field that should be an integer: numbers (fractions truncated), integer or decimal strings,
// null. Out of range, unreadable or wrongly typed: nullopt, and an anomaly.
std::optional<int64_t> readInt(od::value value, std::string_view field, ParseAnomalies& anomalies) {
  od::json_type type{};
  check(value.type().get(type), field);
  auto bad = [&](std::string_view text) -> std::optional<int64_t> {
    anomalies.field(std::string(field) + ": not an integer in range (" +
                    std::string(text.substr(0, 32)) + "), read as absent");
    return std::nullopt;
  };
  switch (type) {
    case od::json_type::null:
      return std::nullopt;
    case od::json_type::number: {
      std::string_view raw = value.raw_json_token();
      int64_t n = 0;
      if (!value.get_int64().get(n)) return n;
      double d = 0;
      if (value.get_double().get(d)) return bad(raw);
      if (auto i = integral(d)) return i;
      return bad(raw);
    }
    case od::json_type::string: {
      std::string_view text;
      if (value.get_string().get(text)) return bad("bad string");
      if (text.empty()) return std::nullopt;
      const char* end = text.data() + text.size();
      int64_t n = 0;
      if (auto [at, ec] = std::from_chars(text.data(), end, n); ec == std::errc() && at == end) {
        return n;
      }
      double d = 0;
      if (auto [at, ec] = std::from_chars(text.data(), end, d); ec == std::errc() && at == end) {
        if (auto i = integral(d)) return i;
      }
      return bad(text);
    }
    default:
      return bad("not a number");
  }
}

bool isObject(od::value value, std::string_view what) {
  od::json_type type{};
  check(value.type().get(type), what);
  return type == od::json_type::object;
}

std::optional<bool> readBool(od::value value, std::string_view field, ParseAnomalies& anomalies) {
  od::json_type type{};
  check(value.type().get(type), field);
  auto bad = [&](std::string_view text) -> std::optional<bool> {
    anomalies.field(std::string(field) + ": not a boolean (" + std::string(text.substr(0, 32)) +
                    "), read as absent");
    return std::nullopt;
  };
  switch (type) {
    case od::json_type::null:
      return std::nullopt;
    case od::json_type::boolean: {
      bool b = false;
      if (value.get_bool().get(b)) return bad("bad boolean");
      return b;
    }
    case od::json_type::string: {
      std::string_view text;
      if (value.get_string().get(text)) return bad("bad string");
      std::string lower(text);
      std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (lower == "true") return true;
      if (lower == "false") return false;
      return bad(text);
    }
    case od::json_type::number: {
      int64_t n = 0;
      if (!value.get_int64().get(n) && (n == 0 || n == 1)) return n == 1;
      return bad(value.raw_json_token());
    }
    default:
      return bad("not a boolean");
  }
}

}  // namespace swas::api::json
