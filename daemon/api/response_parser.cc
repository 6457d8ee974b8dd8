#include "daemon/api/response_parser.h"

#include <simdjson.h>

#include <charconv>

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
// text, null as "". Objects and arrays are a type error.
std::string readString(od::value value, std::string_view field) {
  od::json_type type{};
  check(value.type().get(type), field);
  switch (type) {
    case od::json_type::string: {
      std::string_view text;
      check(value.get_string().get(text), field);
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
      throw ParseFailure{std::string(field) + ": expected a string"};
  }
}

// A field that should be an integer: numbers (fractions truncated), integer strings, null.
std::optional<int64_t> readInt(od::value value, std::string_view field) {
  od::json_type type{};
  check(value.type().get(type), field);
  switch (type) {
    case od::json_type::null:
      return std::nullopt;
    case od::json_type::number: {
      int64_t n = 0;
      if (!value.get_int64().get(n)) return n;
      double d = 0;
      check(value.get_double().get(d), field);
      return static_cast<int64_t>(d);
    }
    case od::json_type::string: {
      std::string_view text;
      check(value.get_string().get(text), field);
      if (text.empty()) return std::nullopt;
      int64_t n = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc() || end != text.data() + text.size()) {
        throw ParseFailure{std::string(field) + ": expected an integer, got \"" +
                           std::string(text.substr(0, 32)) + "\""};
      }
      return n;
    }
    default:
      throw ParseFailure{std::string(field) + ": expected an integer"};
  }
}

// Calls `each(value)` for every element of a list field. Accepts a JSON array, null, or the
// XML-style wrapper {"Item": [...]} that some RPC APIs use for lists.
template <typename Each>
void forEachElement(od::value value, std::string_view field, Each each) {
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
      if (inner_type == od::json_type::array) forEachElement(inner, field, each);
    }
    return;
  }
  if (type != od::json_type::array) throw ParseFailure{std::string(field) + ": expected a list"};
  od::array array;
  check(value.get_array().get(array), field);
  for (auto element : array) {
    od::value v;
    check(std::move(element).get(v), field);
    each(v);
  }
}

template <typename OnField>
void forEachField(od::value value, std::string_view what, OnField on_field) {
  od::object object;
  check(value.get_object().get(object), what);
  for (auto member : object) {
    od::field f;
    check(std::move(member).get(f), what);
    std::string_view key;
    check(f.unescaped_key().get(key), what);
    on_field(key, f.value());
  }
}

InvokeInstance readInstance(od::value value) {
  InvokeInstance out;
  forEachField(value, "InvokeInstances[]", [&](std::string_view key, od::value v) {
    if (key == "InstanceId")
      out.instance_id = readString(v, key);
    else if (key == "StartTime")
      out.start_time = readString(v, key);
    else if (key == "FinishTime")
      out.finish_time = readString(v, key);
    else if (key == "InvocationStatus")
      out.invocation_status = readString(v, key);
    else if (key == "Output")
      out.output = readString(v, key);
    else if (key == "ExitCode")
      out.exit_code = readInt(v, key);
    else if (key == "ErrorInfo")
      out.error_info = readString(v, key);
    else if (key == "ErrorCode")
      out.error_code = readString(v, key);
  });
  return out;
}

CommandInvocation readInvocation(od::value value) {
  CommandInvocation out;
  forEachField(value, "CommandInvocations[]", [&](std::string_view key, od::value v) {
    if (key == "InvokeId")
      out.invoke_id = readString(v, key);
    else if (key == "CreationTime")
      out.creation_time = readString(v, key);
    else if (key == "CommandId")
      out.command_id = readString(v, key);
    else if (key == "InvocationStatus")
      out.invocation_status = readString(v, key);
    else if (key == "CommandName")
      out.command_name = readString(v, key);
    else if (key == "CommandType")
      out.command_type = readString(v, key);
    else if (key == "CommandDescription")
      out.command_description = readString(v, key);
    else if (key == "Username")
      out.username = readString(v, key);
    else if (key == "WorkingDir")
      out.working_dir = readString(v, key);
    else if (key == "Timeout")
      out.timeout = readInt(v, key);
    else if (key == "CommandContent")
      out.command_content = readString(v, key);
    else if (key == "Parameters")
      out.parameters = readString(v, key);
    else if (key == "InvokeInstances") {
      forEachElement(v, key, [&](od::value e) { out.instances.push_back(readInstance(e)); });
    }
  });
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
    forEachField(root, "response", [&](std::string_view key, od::value v) {
      if (key == "RequestId")
        page.request_id = readString(v, key);
      else if (key == "TotalCount")
        page.total_count = readInt(v, key);
      else if (key == "PageNumber")
        page.page_number = readInt(v, key);
      else if (key == "PageSize")
        page.page_size = readInt(v, key);
      else if (key == "CommandInvocations") {
        forEachElement(v, key, [&](od::value e) { page.invocations.push_back(readInvocation(e)); });
      }
    });
    return page;
  });
}

std::expected<std::vector<Region>, core::Error> parseRegions(std::string_view body) {
  return parseDocument<std::vector<Region>>(body, [](od::value root) {
    std::vector<Region> regions;
    forEachField(root, "response", [&](std::string_view key, od::value v) {
      if (key != "Regions") return;
      forEachElement(v, key, [&](od::value e) {
        Region region;
        forEachField(e, "Regions[]", [&](std::string_view k, od::value rv) {
          if (k == "RegionId")
            region.region_id = readString(rv, k);
          else if (k == "LocalName")
            region.local_name = readString(rv, k);
          else if (k == "RegionEndpoint")
            region.region_endpoint = readString(rv, k);
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
    forEachField(root, "error", [&](std::string_view key, od::value v) {
      if (key == "RequestId")
        out.request_id = readString(v, key);
      else if (key == "HostId")
        out.host_id = readString(v, key);
      else if (key == "Code")
        out.code = readString(v, key);
      else if (key == "Message")
        out.message = readString(v, key);
      else if (key == "Recommend")
        out.recommend = readString(v, key);
    });
    return out;
  });
  if (!parsed || parsed->code.empty()) return std::nullopt;
  return *parsed;
}

std::expected<MetadataCredentials, core::Error> parseMetadataCredentials(std::string_view body) {
  return parseDocument<MetadataCredentials>(body, [](od::value root) {
    MetadataCredentials out;
    forEachField(root, "credentials", [&](std::string_view key, od::value v) {
      if (key == "Code")
        out.code = readString(v, key);
      else if (key == "AccessKeyId")
        out.access_key_id = readString(v, key);
      else if (key == "AccessKeySecret")
        out.access_key_secret = readString(v, key);
      else if (key == "SecurityToken")
        out.security_token = readString(v, key);
      else if (key == "Expiration")
        out.expiration = readString(v, key);
    });
    return out;
  });
}

std::string extractRequestId(std::string_view body) {
  auto parsed = parseDocument<std::string>(body, [](od::value root) {
    std::string id;
    forEachField(root, "response", [&](std::string_view key, od::value v) {
      if (key == "RequestId") id = readString(v, key);
    });
    return id;
  });
  return parsed ? *parsed : std::string();
}

}  // namespace swas::api
