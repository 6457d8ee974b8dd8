// Alertmanager's webhook payload as the relay takes it from the network: any body is accepted or
// refused with a message, and what is accepted is what the outbox and the chat templates count
// on. Per alert: labels non-empty, every key and value well-formed UTF-8 (they land in JSON,
// markup and terminals), the re-serialised labels and annotations valid JSON that reads back to
// exactly what was sent, the status kept (firing without an end, resolved with one), and a
// fingerprint of 16 lowercase hex digits.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/alerting/relay/payload.h"
#include "daemon/core/scope.h"
#include "daemon/util/utf8.h"

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// The fields of a JSON object whose values are all strings, in order; traps when one is not,
// or when a key or value is not well-formed UTF-8.
Pairs stringFields(simdjson::dom::element element) {
  simdjson::dom::object object;
  if (element.get(object)) __builtin_trap();
  Pairs out;
  for (auto field : object) {
    std::string_view value;
    if (field.value.get(value)) __builtin_trap();
    if (!swas::util::validUtf8(field.key) || !swas::util::validUtf8(value)) __builtin_trap();
    out.emplace_back(std::string(field.key), std::string(value));
  }
  return out;
}

// What the daemon wrote: valid UTF-8, valid JSON, an object of strings.
Pairs readBack(std::string_view json) {
  if (!swas::util::validUtf8(json)) __builtin_trap();
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  if (parser.parse(json.data(), json.size()).get(element)) __builtin_trap();
  return stringFields(element);
}

std::string_view valueOf(const Pairs& pairs, std::string_view name) {
  for (const auto& [key, value] : pairs) {
    if (key == name) return value;
  }
  return "";
}

bool isHex16(std::string_view text) {
  return text.size() == 16 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto alerts = swas::alerting::parseAlertmanagerWebhook(body);
  if (!alerts) {
    if (alerts.error().empty()) __builtin_trap();  // a refusal says why
    return 0;
  }
  // Accepted, so the body is a version 4 payload: read it again to compare alert by alert.
  simdjson::dom::parser parser;
  simdjson::dom::array sent;
  if (parser.parse(body.data(), body.size())["alerts"].get(sent)) __builtin_trap();
  if (sent.size() != alerts->size() || alerts->size() > swas::alerting::kMaxRelayedAlerts) {
    __builtin_trap();
  }
  size_t i = 0;
  for (simdjson::dom::element element : sent) {
    const swas::core::Alert& alert = (*alerts)[i++];
    std::string_view status;
    if (element["status"].get(status)) __builtin_trap();
    bool firing = status == "firing";
    if (!firing && status != "resolved") __builtin_trap();
    if (alert.ends_at.has_value() == firing) __builtin_trap();
    Pairs labels = readBack(alert.labels_json);
    simdjson::dom::element sent_labels;
    if (element["labels"].get(sent_labels)) __builtin_trap();
    if (labels.empty() || labels != stringFields(sent_labels)) __builtin_trap();
    Pairs annotations = readBack(alert.annotations_json);
    simdjson::dom::element sent_annotations;
    bool none = element["annotations"].get(sent_annotations) || sent_annotations.is_null();
    if (annotations != (none ? Pairs{} : stringFields(sent_annotations))) __builtin_trap();
    if (!isHex16(alert.fingerprint)) __builtin_trap();
    // Filed under the account and region its labels name; never under a key that would split
    // into another account (a '/' in the region, or a region missing).
    std::string_view region = valueOf(labels, "region_id");
    std::string_view account = valueOf(labels, "account");
    swas::core::Scope scope = swas::core::Scope::fromKey(alert.scope);
    bool ecs = valueOf(labels, "product") == "ecs";
    if (!alert.scope.empty() &&
        (scope.regionId() != region || (scope.product() == swas::core::Product::kEcs) != ecs ||
         (account.find('/') == std::string_view::npos && scope.account() != account))) {
      __builtin_trap();
    }
    if (alert.scope.empty() != (region.empty() || region.find_first_of("/:") != region.npos)) {
      __builtin_trap();
    }
    if (alert.instance_id != valueOf(labels, "instance_id") ||
        alert.invoke_id != valueOf(labels, "invoke_id")) {
      __builtin_trap();
    }
  }
  return 0;
}
