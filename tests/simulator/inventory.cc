#include "tests/simulator/inventory.h"

#include <fnmatch.h>
#include <simdjson.h>

#include <algorithm>
#include <optional>

#include "daemon/core/json.h"

namespace swas::sim {
namespace {

using core::JsonObject;

// PageNumber and PageSize as the API checks them.
struct Paging {
  int number = 1;
  int size = 10;
};
std::expected<Paging, InventoryError> paging(const util::Params& params, int max_size) {
  Paging p;
  auto read = [](const std::string& text, int& out) {
    if (text.empty()) return true;
    if (text.size() > 9 || !std::all_of(text.begin(), text.end(), ::isdigit)) return false;
    out = std::stoi(text);
    return true;
  };
  if (!read(param(params, "PageSize"), p.size) || p.size < 1 || p.size > max_size) {
    return invalid("The specified parameter PageSize is not valid: it must be 1 to " +
                   std::to_string(max_size) + ".");
  }
  if (!read(param(params, "PageNumber"), p.number) || p.number < 1) {
    return invalid("The specified parameter PageNumber is not valid.");
  }
  return p;
}

}  // namespace

std::string param(const util::Params& params, std::string_view key) {
  for (const auto& [k, v] : params) {
    if (k == key) return v;
  }
  return {};
}

std::unexpected<InventoryError> invalid(std::string message) {
  return std::unexpected(InventoryError{400, "InvalidParameter", std::move(message)});
}

std::expected<std::optional<std::vector<std::string>>, InventoryError> instanceIdsParam(
    const util::Params& params, size_t max) {
  std::string text = param(params, "InstanceIds");
  if (text.empty()) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::array array;
  if (parser.parse(text).get(array)) {
    return invalid("The specified parameter InstanceIds is not a JSON array.");
  }
  std::vector<std::string> ids;
  for (auto e : array) {
    std::string_view id;
    if (e.get(id)) return invalid("The specified parameter InstanceIds is not valid.");
    ids.emplace_back(id);
  }
  if (ids.size() > max) {
    return invalid("The specified parameter InstanceIds exceeds " + std::to_string(max) + ".");
  }
  return ids;
}

bool passesFilters(const InstanceProfile& i, const util::Params& params) {
  std::string name = param(params, "InstanceName");
  std::string status = param(params, "Status");
  if (!name.empty() && fnmatch(name.c_str(), i.name.c_str(), 0) != 0) return false;
  if (!status.empty() && i.status != status) return false;
  for (int n = 1; n <= 20; ++n) {
    std::string key = param(params, "Tag." + std::to_string(n) + ".Key");
    if (key.empty()) continue;
    std::pair<std::string, std::string> tag{key,
                                            param(params, "Tag." + std::to_string(n) + ".Value")};
    if (std::find(i.tags.begin(), i.tags.end(), tag) == i.tags.end()) return false;
  }
  return true;
}

namespace {

// One Instances[] record, with the fields the SDK models.
void instanceJson(std::string& body, const InstanceProfile& i) {
  JsonObject o(body);
  o.str("InstanceId", i.instance_id)
      .str("InstanceName", i.name)
      .str("RegionId", i.region_id)
      .str("Status", i.status)
      .str("BusinessStatus", "Normal")
      .str("PublicIpAddress", i.public_ip)
      .str("InnerIpAddress", i.private_ip)
      .str("ChargeType", "PrePaid")
      .str("PlanId", "swas.s.c2m1s40b1.linux")
      .str("ImageId", "794190a9e0a74a55a78ee1bda7c4b0d6")
      .str("CreationTime", "2026-01-05T08:00:00Z")
      .str("ExpiredTime", "2027-01-05T16:00:00Z")
      .key("NetworkAttributes");
  body += '[';
  JsonObject(body)
      .str("PublicIpAddress", i.public_ip)
      .str("PrivateIpAddress", i.private_ip)
      .num("PeakBandwidth", 30)
      .str("PublicIpDdosStatus", "normal")
      .close();
  body += ']';
  o.key("Tags");
  body += '[';
  for (size_t t = 0; t < i.tags.size(); ++t) {
    if (t > 0) body += ',';
    JsonObject(body).str("Key", i.tags[t].first).str("Value", i.tags[t].second).close();
  }
  body += ']';
  o.close();
}

// What both operations take: a region, the paging and an optional list of IDs.
struct Common {
  std::string region;
  Paging paging;
  std::optional<std::vector<std::string>> ids;
  bool wanted(const std::string& id) const {
    return !ids || std::find(ids->begin(), ids->end(), id) != ids->end();
  }
};
std::expected<Common, InventoryError> common(const util::Params& params, int max_page_size) {
  Common c;
  c.region = param(params, "RegionId");
  if (c.region.empty()) {
    return std::unexpected(
        InventoryError{400, "MissingRegionId", "RegionId is mandatory for this action."});
  }
  auto p = paging(params, max_page_size);
  if (!p) return std::unexpected(p.error());
  c.paging = *p;
  auto ids = instanceIdsParam(params, 100);
  if (!ids) return std::unexpected(ids.error());
  c.ids = *ids;
  return c;
}

// {"RequestId":..,"TotalCount":..,"PageNumber":..,"PageSize":..,"<list>":[ each(page's items) ]}
template <typename Item, typename Each>
std::string pageBody(const std::string& request_id, const Paging& p,
                     const std::vector<Item>& matches, const char* list, Each each) {
  std::string body;
  JsonObject root(body);
  root.str("RequestId", request_id)
      .num("TotalCount", static_cast<int64_t>(matches.size()))
      .num("PageNumber", p.number)
      .num("PageSize", p.size)
      .key(list);
  body += '[';
  size_t begin = std::min(matches.size(), static_cast<size_t>(p.number - 1) * p.size);
  size_t end = std::min(matches.size(), begin + p.size);
  for (size_t k = begin; k < end; ++k) {
    if (k > begin) body += ',';
    each(body, matches[k]);
  }
  body += ']';
  root.close();
  return body;
}

}  // namespace

InstanceProfile profileAt(const InstanceProfile& p, Seconds now) {
  InstanceProfile out = p;
  for (const auto& c : p.timeline) {
    if (c.at > now) break;
    if (c.status) out.status = *c.status;
    if (c.agent_online) out.agent_online = *c.agent_online;
    if (c.name) out.name = *c.name;
    if (c.tags) out.tags = *c.tags;
  }
  out.timeline.clear();
  return out;
}

std::vector<InstanceProfile> Inventory::at(const std::string& region, Seconds now) const {
  std::vector<InstanceProfile> out;
  for (const auto& profile : profiles_) {
    if (profile.region_id == region) out.push_back(profileAt(profile, now));
  }
  return out;
}

std::expected<std::string, InventoryError> Inventory::listInstances(
    const util::Params& params, Seconds now, const std::string& request_id) const {
  auto c = common(params, 100);
  if (!c) return std::unexpected(c.error());
  std::vector<InstanceProfile> matches;
  for (const auto& profile : profiles_) {
    if (profile.region_id != c->region || !c->wanted(profile.instance_id)) continue;
    InstanceProfile i = profileAt(profile, now);
    if (passesFilters(i, params)) matches.push_back(std::move(i));
  }
  return pageBody(request_id, c->paging, matches, "Instances", instanceJson);
}

std::expected<std::string, InventoryError> Inventory::cloudAssistantStatus(
    const util::Params& params, Seconds now, const std::string& request_id) const {
  auto c = common(params, 50);
  if (!c) return std::unexpected(c.error());
  std::vector<InstanceProfile> matches;
  for (const auto& profile : profiles_) {
    if (profile.region_id == c->region && c->wanted(profile.instance_id)) {
      matches.push_back(profileAt(profile, now));
    }
  }
  return pageBody(
      request_id, c->paging, matches, "CloudAssistantStatus",
      [](std::string& body, const InstanceProfile& i) {
        JsonObject(body).str("InstanceId", i.instance_id).boolean("Status", i.agent_online).close();
      });
}

}  // namespace swas::sim
