#include "daemon/api/response_parser.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>

#include "daemon/core/invocation.h"

namespace swas::api {
namespace od = simdjson::ondemand;
using simdjson::error_code;

namespace {

// Reading fails with a message naming the field; simdjson errors carry its own text.
struct ParseFailure {
  std::string message;
};

core::Error parseError(std::string message) {
  return core::Error{.kind = core::ErrorKind::kParse, .message = std::move(message)};
}

void check(error_code ec, std::string_view where) {
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

// A double as an integer, truncated, if it is finite and in range.
std::optional<int64_t> integral(double d) {
  // 2^63 is exactly representable; anything at or beyond it does not fit.
  constexpr double kLimit = 9223372036854775808.0;
  if (!std::isfinite(d) || d >= kLimit || d < -kLimit) return std::nullopt;
  return static_cast<int64_t>(d);
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

// An overall status for a record without one, from its instances: unfinished while any is,
// else Success, PartialFailed or Failed.
std::string overallFrom(const std::vector<InvokeInstance>& instances) {
  size_t succeeded = 0;
  for (const auto& i : instances) {
    if (!core::isTerminalInstanceStatus(i.invocation_status)) return "Running";
    if (i.invocation_status == "Success") ++succeeded;
  }
  if (succeeded == instances.size()) return "Success";
  return succeeded > 0 ? "PartialFailed" : "Failed";
}

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

bool isObject(od::value value, std::string_view what) {
  od::json_type type{};
  check(value.type().get(type), what);
  return type == od::json_type::object;
}

InvokeInstance readInstance(od::value value, ParseAnomalies& a) {
  InvokeInstance out;
  forEachField(
      value, "InvokeInstances[]",
      [&](std::string_view key, od::value v) {
        if (key == "InstanceId")
          out.instance_id = readString(v, key, a);
        else if (key == "StartTime")
          out.start_time = readString(v, key, a);
        else if (key == "FinishTime")
          out.finish_time = readString(v, key, a);
        else if (key == "InvocationStatus")
          out.invocation_status = readString(v, key, a);
        else if (key == "Output")
          out.output = readString(v, key, a);
        else if (key == "ExitCode")
          out.exit_code = readInt(v, key, a);
        else if (key == "ErrorInfo")
          out.error_info = readString(v, key, a);
        else if (key == "ErrorCode")
          out.error_code = readString(v, key, a);
      },
      &a);
  return out;
}

CommandInvocation readInvocation(od::value value, ParseAnomalies& a) {
  CommandInvocation out;
  forEachField(
      value, "CommandInvocations[]",
      [&](std::string_view key, od::value v) {
        if (key == "InvokeId")
          out.invoke_id = readString(v, key, a);
        else if (key == "CreationTime")
          out.creation_time = readString(v, key, a);
        else if (key == "CommandId")
          out.command_id = readString(v, key, a);
        else if (key == "InvocationStatus")
          out.invocation_status = readString(v, key, a);
        else if (key == "CommandName")
          out.command_name = readString(v, key, a);
        else if (key == "CommandType")
          out.command_type = readString(v, key, a);
        else if (key == "CommandDescription")
          out.command_description = readString(v, key, a);
        else if (key == "Username")
          out.username = readString(v, key, a);
        else if (key == "WorkingDir")
          out.working_dir = readString(v, key, a);
        else if (key == "Timeout")
          out.timeout = readInt(v, key, a);
        else if (key == "CommandContent")
          out.command_content = readString(v, key, a);
        else if (key == "Parameters")
          out.parameters = readString(v, key, a);
        else if (key == "InvokeInstances") {
          forEachElement(v, key, a, [&](od::value e) {
            if (!isObject(e, key)) {
              a.record("InvokeInstances[]: not an object, skipped");
              return;
            }
            InvokeInstance instance = readInstance(e, a);
            if (instance.instance_id.empty()) {
              a.record("InvokeInstances[]: no InstanceId, skipped");
              return;
            }
            if (instance.invocation_status.empty()) {
              // A state nobody knows must not read as a change (Failed -> "" -> Failed twice).
              a.record("InvokeInstances[]: no InvocationStatus, skipped");
              return;
            }
            out.instances.push_back(std::move(instance));
          });
        }
      },
      &a);
  return out;
}

// Runs `read(root)` over a JSON object document, turning every failure into a kParse error.
template <typename T, typename Read>
std::expected<T, core::Error> parseDocument(std::string_view body, Read read) {
  if (!simdjson::validate_utf8(body.data(), body.size())) {
    return std::unexpected(parseError("response body is not valid UTF-8"));
  }
  thread_local od::parser parser;
  simdjson::padded_string padded(body);
  try {
    od::document doc;
    check(parser.iterate(padded).get(doc), "response body");
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

}  // namespace

std::expected<CommandInvocationPage, core::Error> parseCommandInvocationsPage(
    std::string_view body) {
  return parseDocument<CommandInvocationPage>(body, [](od::value root) {
    CommandInvocationPage page;
    ParseAnomalies& a = page.anomalies;
    forEachField(root, "response", [&](std::string_view key, od::value v) {
      if (key == "RequestId")
        page.request_id = readString(v, key, a);
      else if (key == "TotalCount")
        page.total_count = readInt(v, key, a);
      else if (key == "PageNumber")
        page.page_number = readInt(v, key, a);
      else if (key == "PageSize")
        page.page_size = readInt(v, key, a);
      else if (key == "CommandInvocations") {
        forEachElement(
            v, key, a,
            [&](od::value e) {
              if (!isObject(e, key)) {
                a.record("CommandInvocations[]: not an object, skipped");
                return;
              }
              CommandInvocation invocation = readInvocation(e, a);
              if (invocation.invoke_id.empty()) {
                a.record("CommandInvocations[]: no InvokeId, skipped");
                return;
              }
              if (invocation.invocation_status.empty() && invocation.instances.empty()) {
                a.record("CommandInvocations[]: neither InvocationStatus nor instances, skipped");
                return;
              }
              if (invocation.invocation_status.empty()) {
                a.field("InvocationStatus: absent, derived from the instances");
                invocation.invocation_status = overallFrom(invocation.instances);
              }
              page.invocations.push_back(std::move(invocation));
            },
            true);
      }
    });
    return page;
  });
}

std::expected<std::vector<Region>, core::Error> parseRegions(std::string_view body) {
  return parseDocument<std::vector<Region>>(body, [](od::value root) {
    std::vector<Region> regions;
    ParseAnomalies a;
    forEachField(root, "response", [&](std::string_view key, od::value v) {
      if (key != "Regions") return;
      forEachElement(v, key, a, [&](od::value e) {
        Region region;
        forEachField(e, "Regions[]", [&](std::string_view k, od::value rv) {
          if (k == "RegionId")
            region.region_id = readString(rv, k, a);
          else if (k == "LocalName")
            region.local_name = readString(rv, k, a);
          else if (k == "RegionEndpoint")
            region.region_endpoint = readString(rv, k, a);
        });
        regions.push_back(std::move(region));
      });
    });
    return regions;
  });
}

std::optional<ApiErrorBody> parseErrorBody(std::string_view body) {
  auto parsed = parseDocument<ApiErrorBody>(body, [](od::value root) {
    ApiErrorBody out;
    ParseAnomalies a;
    forEachField(root, "error", [&](std::string_view key, od::value v) {
      if (key == "RequestId")
        out.request_id = readString(v, key, a);
      else if (key == "HostId")
        out.host_id = readString(v, key, a);
      else if (key == "Code")
        out.code = readString(v, key, a);
      else if (key == "Message")
        out.message = readString(v, key, a);
      else if (key == "Recommend")
        out.recommend = readString(v, key, a);
    });
    return out;
  });
  if (!parsed || parsed->code.empty()) return std::nullopt;
  return *parsed;
}

std::expected<MetadataCredentials, core::Error> parseMetadataCredentials(std::string_view body) {
  return parseDocument<MetadataCredentials>(body, [](od::value root) {
    MetadataCredentials out;
    ParseAnomalies a;
    forEachField(root, "credentials", [&](std::string_view key, od::value v) {
      if (key == "Code")
        out.code = readString(v, key, a);
      else if (key == "AccessKeyId")
        out.access_key_id = readString(v, key, a);
      else if (key == "AccessKeySecret")
        out.access_key_secret = readString(v, key, a);
      else if (key == "SecurityToken")
        out.security_token = readString(v, key, a);
      else if (key == "Expiration")
        out.expiration = readString(v, key, a);
    });
    return out;
  });
}

std::string extractRequestId(std::string_view body) {
  auto parsed = parseDocument<std::string>(body, [](od::value root) {
    std::string id;
    ParseAnomalies a;
    forEachField(root, "response", [&](std::string_view key, od::value v) {
      if (key == "RequestId") id = readString(v, key, a);
    });
    return id;
  });
  return parsed ? *parsed : std::string();
}

}  // namespace swas::api
