#include "daemon/alerting/relay/payload.h"

#include <simdjson.h>

#include <set>

#include "daemon/alerting/rules.h"
#include "daemon/core/scope.h"
#include "daemon/core/time.h"

namespace swas::alerting {
namespace {

using Failure = std::unexpected<std::string>;

// A labels or annotations object: string values only (simdjson has checked the UTF-8).
std::expected<Labels, std::string> stringMap(simdjson::dom::element value,
                                             const std::string& where) {
  simdjson::dom::object object;
  if (value.get(object)) return Failure(where + ": not an object");
  Labels out;
  std::set<std::string_view> names;
  for (auto field : object) {
    std::string_view text;
    std::string name = where + "." + std::string(field.key);
    if (field.value.get(text)) return Failure(name + ": not a string");
    if (!names.insert(field.key).second) return Failure(name + ": given twice");
    out.emplace_back(std::string(field.key), std::string(text));
  }
  return out;
}

std::string labelValue(const Labels& labels, std::string_view name) {
  for (const auto& [key, value] : labels) {
    if (key == name) return value;
  }
  return "";
}

bool isHex16(std::string_view text) {
  return text.size() == 16 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::expected<core::Alert, std::string> readAlert(simdjson::dom::element element,
                                                  const std::string& where) {
  simdjson::dom::object object;
  if (element.get(object)) return Failure(where + ": not an object");
  std::string_view status;
  if (object["status"].get(status) || (status != "firing" && status != "resolved")) {
    return Failure(where + ".status: not \"firing\" or \"resolved\"");
  }
  simdjson::dom::element labels_value;
  if (object["labels"].get(labels_value)) return Failure(where + ".labels: missing");
  auto labels = stringMap(labels_value, where + ".labels");
  if (!labels) return Failure(labels.error());
  if (labels->empty()) return Failure(where + ".labels: empty");
  Labels annotations;
  simdjson::dom::element annotations_value;
  if (!object["annotations"].get(annotations_value) && !annotations_value.is_null()) {
    auto read = stringMap(annotations_value, where + ".annotations");
    if (!read) return Failure(read.error());
    annotations = std::move(*read);
  }
  std::string_view starts_text, ends_text;
  std::optional<core::SysSeconds> starts, ends;
  if (!object["startsAt"].get(starts_text)) starts = core::parseApiTime(starts_text);
  if (!starts) return Failure(where + ".startsAt: not an RFC 3339 time");
  if (status == "resolved") {
    if (!object["endsAt"].get(ends_text)) ends = core::parseApiTime(ends_text);
    if (!ends) return Failure(where + ".endsAt: not an RFC 3339 time (the alert is resolved)");
  }
  core::Alert a;
  std::string_view fingerprint_text;
  if (!object["fingerprint"].get(fingerprint_text) && isHex16(fingerprint_text)) {
    a.fingerprint = std::string(fingerprint_text);
  } else {
    a.fingerprint = fingerprint(*labels);
  }
  // Filed under the account, region and product its labels name. What could not be told apart
  // in the key is not trusted: an account with a '/' is dropped, and a region with a '/' or a
  // ':' (or none) files the alert under no scope.
  std::string account = labelValue(*labels, "account");
  std::string region = labelValue(*labels, "region_id");
  if (account.find('/') != std::string::npos) account.clear();
  if (!region.empty() && region.find_first_of("/:") == std::string::npos) {
    core::Product product =
        labelValue(*labels, "product") == "ecs" ? core::Product::kEcs : core::Product::kSwas;
    a.scope = core::Scope(std::move(account), std::move(region), product).key();
  }
  a.instance_id = labelValue(*labels, "instance_id");
  a.invoke_id = labelValue(*labels, "invoke_id");
  a.labels_json = labelsJson(*labels);
  a.annotations_json = labelsJson(annotations);
  a.starts_at = starts->time_since_epoch().count();
  if (ends) a.ends_at = ends->time_since_epoch().count();
  return a;
}

}  // namespace

std::expected<std::vector<core::Alert>, std::string> parseAlertmanagerWebhook(
    std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::object doc;
  if (parser.parse(body.data(), body.size()).get(doc)) return Failure("not a JSON object");
  std::string_view version;
  if (doc["version"].get(version) || version != "4") {
    return Failure("version: not \"4\" (Alertmanager's webhook payload version 4)");
  }
  simdjson::dom::array alerts;
  if (doc["alerts"].get(alerts)) return Failure("alerts: not an array");
  if (alerts.size() > kMaxRelayedAlerts) {
    return Failure("alerts: " + std::to_string(alerts.size()) + " alerts, more than " +
                   std::to_string(kMaxRelayedAlerts) + " (lower max_alerts)");
  }
  std::vector<core::Alert> out;
  size_t index = 0;
  for (auto element : alerts) {
    auto alert = readAlert(element, "alerts[" + std::to_string(index++) + "]");
    if (!alert) return Failure(alert.error());
    out.push_back(std::move(*alert));
  }
  return out;
}

}  // namespace swas::alerting
