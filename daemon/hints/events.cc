#include "daemon/hints/events.h"

#include <simdjson.h>

#include <algorithm>
#include <optional>

namespace swas::hints {
namespace {

using Failure = std::unexpected<std::string>;

// Region and instance IDs as the API gives them: what is not one is no place to poll (and
// never reaches a log line or a label).
bool isId(std::string_view text) {
  return !text.empty() && text.size() <= 64 && std::ranges::all_of(text, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

// The region of "acs.ecs:<region>:<uid>:...".
std::string_view subjectRegion(std::string_view subject) {
  size_t first = subject.find(':');
  if (first == std::string_view::npos) return {};
  size_t second = subject.find(':', first + 1);
  if (second == std::string_view::npos) return {};
  return subject.substr(first + 1, second - first - 1);
}

std::string_view field(simdjson::dom::object object, std::string_view key) {
  std::string_view text;
  if (object[key].get(text)) return {};
  return text;
}

// One event's attributes, from the envelope or the ce-* headers.
struct Attributes {
  std::string_view type;
  std::string_view region;
  std::string_view subject;
};

// The event's data, when it is an object.
std::optional<simdjson::dom::object> objectOf(simdjson::dom::element e) {
  simdjson::dom::object object;
  if (e.get(object)) return std::nullopt;
  return object;
}
std::optional<simdjson::dom::object> objectOf(simdjson::simdjson_result<simdjson::dom::element> e) {
  simdjson::dom::element element;
  if (std::move(e).get(element)) return std::nullopt;
  return objectOf(element);
}

void take(const Attributes& attributes, std::optional<simdjson::dom::object> data, Events& out) {
  if (attributes.type != kTaskCompleted) {  // another event a rule let through, or none
    ++out.ignored;
    return;
  }
  std::string_view region =
      attributes.region.empty() ? subjectRegion(attributes.subject) : attributes.region;
  Hint hint;
  if (data) {
    hint.instance_id = std::string(field(*data, "instanceId"));
    hint.timed = field(*data, "repeatMode") != "Once";
  }
  if (!isId(region) || (!hint.instance_id.empty() && !isId(hint.instance_id))) {
    ++out.ignored;
    return;
  }
  hint.region_id = std::string(region);
  out.hints.push_back(std::move(hint));
}

void takeEnvelope(simdjson::dom::element element, Events& out) {
  simdjson::dom::object event;
  if (element.get(event)) {
    ++out.ignored;
    return;
  }
  take({field(event, "type"), field(event, "aliyunregionid"), field(event, "subject")},
       objectOf(event["data"]), out);
}

}  // namespace

ParsedEvents parseEvents(const http::ServerRequest& request) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(request.body).get(root)) {
    return Failure(std::string("the body is not JSON: ") + simdjson::error_message(error));
  }
  Events out;
  if (!request.header("ce-specversion").empty()) {  // binary mode: the body is the data
    take({request.header("ce-type"), request.header("ce-aliyunregionid"),
          request.header("ce-subject")},
         objectOf(root), out);
    return out;
  }
  simdjson::dom::array batch;
  if (!root.get(batch)) {
    if (batch.size() > kMaxEvents) {
      return Failure("more than " + std::to_string(kMaxEvents) + " events in one request");
    }
    for (auto element : batch) takeEnvelope(element, out);
  } else if (root.is_object()) {
    takeEnvelope(root, out);
  } else {
    return Failure("the body is neither a CloudEvent nor a batch (an array) of them");
  }
  return out;
}

}  // namespace swas::hints
