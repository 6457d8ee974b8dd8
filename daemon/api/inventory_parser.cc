// The inventory operations' answers (inventory.h), read with the page parser's rules.

#include "daemon/api/inventory.h"
#include "daemon/api/json_read.h"

namespace swas::api {
namespace od = json::od;
using json::forEachElement;
using json::forEachField;
using json::isObject;
using json::readBool;
using json::readInt;
using json::readPaging;
using json::readString;

namespace {

// NetworkAttributes[]: the first entry's addresses fill what the top-level fields left empty.
void readNetwork(od::value v, InstanceInfo& out, ParseAnomalies& a) {
  bool first = true;
  forEachElement(v, "NetworkAttributes", a, [&](od::value e) {
    if (!first || !isObject(e, "NetworkAttributes[]")) return;
    first = false;
    forEachField(
        e, "NetworkAttributes[]",
        [&](std::string_view k, od::value nv) {
          if (k == "PublicIpAddress" && out.public_ip.empty()) out.public_ip = readString(nv, k, a);
          if (k == "PrivateIpAddress" && out.private_ip.empty()) {
            out.private_ip = readString(nv, k, a);
          }
        },
        &a);
  });
}

void readTags(od::value v, InstanceInfo& out, ParseAnomalies& a) {
  forEachElement(v, "Tags", a, [&](od::value e) {
    if (!isObject(e, "Tags[]")) {
      a.field("Tags[]: not an object, skipped");
      return;
    }
    std::pair<std::string, std::string> tag;
    forEachField(
        e, "Tags[]",
        [&](std::string_view k, od::value tv) {
          if (k == "Key" || k == "TagKey") tag.first = readString(tv, k, a);
          if (k == "Value" || k == "TagValue") tag.second = readString(tv, k, a);
        },
        &a);
    if (tag.first.empty()) {
      a.field("Tags[]: no Key, skipped");
      return;
    }
    out.tags.push_back(std::move(tag));
  });
}

// A list or a wrapped list ({"IpAddress": [...]}) rather than a single value.
bool isList(od::value v, std::string_view what) {
  od::json_type type{};
  json::check(v.type().get(type), what);
  return type == od::json_type::object || type == od::json_type::array;
}

// An address field: SWAS's string, or ECS's {"IpAddress": [...]} (the first address).
std::string address(od::value v, std::string_view what, ParseAnomalies& a) {
  if (!isList(v, what)) return readString(v, what, a);
  std::string first;
  forEachElement(v, what, a, [&](od::value e) {
    if (first.empty()) first = readString(e, what, a);
  });
  return first;
}

// ECS's VpcAttributes {PrivateIpAddress: {IpAddress: [...]}} and EipAddress {IpAddress: "..."}.
std::string nestedAddress(od::value v, std::string_view what, std::string_view inner,
                          ParseAnomalies& a) {
  std::string found;
  od::json_type type{};
  json::check(v.type().get(type), what);
  if (type == od::json_type::null) return found;
  if (type != od::json_type::object) {
    a.field(std::string(what) + ": not an object, ignored");
    return found;
  }
  forEachField(
      v, what,
      [&](std::string_view k, od::value iv) {
        if (k == inner) found = address(iv, k, a);
      },
      &a);
  return found;
}

InstanceInfo readInstanceInfo(od::value value, ParseAnomalies& a) {
  InstanceInfo out;
  std::string inner_ip, public_eip, vpc_ip;
  forEachField(
      value, "Instances[]",
      [&](std::string_view key, od::value v) {
        if (key == "InstanceId") {
          out.instance_id = readString(v, key, a);
        } else if (key == "InstanceName") {
          out.instance_name = readString(v, key, a);
        } else if (key == "RegionId") {
          out.region_id = readString(v, key, a);
        } else if (key == "Status") {
          out.status = readString(v, key, a);
        } else if (key == "PublicIpAddress") {
          if (auto ip = address(v, key, a); !ip.empty()) out.public_ip = ip;
        } else if (key == "InnerIpAddress") {
          inner_ip = address(v, key, a);
        } else if (key == "EipAddress") {
          public_eip = nestedAddress(v, key, "IpAddress", a);
        } else if (key == "VpcAttributes") {
          vpc_ip = nestedAddress(v, key, "PrivateIpAddress", a);
        } else if (key == "NetworkAttributes") {
          readNetwork(v, out, a);
        } else if (key == "Tags") {
          readTags(v, out, a);
        }
      },
      &a);
  if (!inner_ip.empty()) out.private_ip = inner_ip;
  if (!vpc_ip.empty()) out.private_ip = vpc_ip;         // ECS: the VPC address first
  if (!public_eip.empty()) out.public_ip = public_eip;  // ECS: an EIP first
  return out;
}

}  // namespace

std::expected<InstancesPage, core::Error> parseInstancesPage(std::string_view body) {
  return json::parseDocument<InstancesPage>(body, [](od::value root) {
    InstancesPage page;
    ParseAnomalies& a = page.anomalies;
    forEachField(root, "response", [&](std::string_view key, od::value v) {
      if (readPaging(page, key, v)) return;
      if (key == "NextToken") page.next_token = readString(v, key, a);
      if (key != "Instances") return;
      forEachElement(
          v, key, a,
          [&](od::value e) {
            if (!isObject(e, key)) {
              a.record("Instances[]: not an object, skipped");
              return;
            }
            InstanceInfo instance = readInstanceInfo(e, a);
            if (instance.instance_id.empty()) {
              a.record("Instances[]: no InstanceId, skipped");
              return;
            }
            page.instances.push_back(std::move(instance));
          },
          true);
    });
    return page;
  });
}

std::expected<AgentStatusPage, core::Error> parseAgentStatusPage(std::string_view body) {
  return json::parseDocument<AgentStatusPage>(body, [](od::value root) {
    AgentStatusPage page;
    ParseAnomalies& a = page.anomalies;
    forEachField(root, "response", [&](std::string_view key, od::value v) {
      if (readPaging(page, key, v)) return;
      if (key == "NextToken") page.next_token = readString(v, key, a);
      if (key != "CloudAssistantStatus" && key != "InstanceCloudAssistantStatusSet") return;
      forEachElement(
          v, key, a,
          [&](od::value e) {
            if (!isObject(e, key)) {
              a.record(std::string(key) + "[]: not an object, skipped");
              return;
            }
            AgentStatus status;
            std::optional<bool> online;
            forEachField(
                e, "CloudAssistantStatus[]",
                [&](std::string_view k, od::value sv) {
                  if (k == "InstanceId") status.instance_id = readString(sv, k, a);
                  if (k == "Status" || k == "CloudAssistantStatus") online = readBool(sv, k, a);
                  if (k == "LastHeartbeatTime") status.last_heartbeat = readString(sv, k, a);
                  if (k == "ActiveTaskCount") status.active_tasks = readInt(sv, k, a);
                },
                &a);
            if (status.instance_id.empty() || !online) {
              a.record("CloudAssistantStatus[]: no InstanceId or no boolean Status, skipped");
              return;
            }
            status.online = *online;
            page.statuses.push_back(std::move(status));
          },
          true);
    });
    return page;
  });
}

}  // namespace swas::api
