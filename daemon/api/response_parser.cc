#include "daemon/api/response_parser.h"

#include "daemon/api/json_read.h"
#include "daemon/core/invocation.h"

namespace swas::api {
namespace od = json::od;
using json::check;
using json::forEachElement;
using json::forEachField;
using json::isObject;
using json::parseDocument;
using json::readBool;
using json::readInt;
using json::readPaging;
using json::readString;

namespace {

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

// `other(key, value)` sees the fields an instance does not have (a result's InvokeId).
template <typename Other>
InvokeInstance readInstance(od::value value, ParseAnomalies& a, Other other) {
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
        else if (key == "FinishedTime" && out.finish_time.empty())  // ECS's results call
          out.finish_time = readString(v, key, a);
        else if (key == "Repeats")
          out.repeats = readInt(v, key, a);
        else
          other(key, v);
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
        else if (key == "RepeatMode")
          out.repeat_mode = readString(v, key, a);
        else if (key == "Timed")
          out.timed = readBool(v, key, a);
        else if (key == "InvokeInstances") {
          forEachElement(v, key, a, [&](od::value e) {
            if (!isObject(e, key)) {
              a.record("InvokeInstances[]: not an object, skipped");
              return;
            }
            InvokeInstance instance = readInstance(e, a, [](std::string_view, od::value) {});
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

// One element of an invocation list: kept when it is an object with an InvokeId and a status
// (or instances to derive one from); otherwise skipped and counted.
void takeInvocation(od::value e, std::string_view list, CommandInvocationPage& page) {
  ParseAnomalies& a = page.anomalies;
  const std::string where(list);
  if (!isObject(e, list)) {
    a.record(where + "[]: not an object, skipped");
    return;
  }
  CommandInvocation invocation = readInvocation(e, a);
  if (invocation.invoke_id.empty()) {
    a.record(where + "[]: no InvokeId, skipped");
    return;
  }
  if (invocation.invocation_status.empty() && invocation.instances.empty()) {
    a.record(where + "[]: neither InvocationStatus nor instances, skipped");
    return;
  }
  if (invocation.invocation_status.empty()) {
    a.field("InvocationStatus: absent, derived from the instances");
    invocation.invocation_status = overallFrom(invocation.instances);
  }
  page.invocations.push_back(std::move(invocation));
}

}  // namespace

std::expected<CommandInvocationPage, core::Error> parseCommandInvocationsPage(
    std::string_view body) {
  return parseDocument<CommandInvocationPage>(body, [](od::value root) {
    CommandInvocationPage page;
    forEachField(root, "response", [&](std::string_view key, od::value v) {
      if (readPaging(page, key, v)) return;
      if (key == "CommandInvocations") {
        forEachElement(
            v, key, page.anomalies, [&](od::value e) { takeInvocation(e, key, page); }, true);
      }
    });
    return page;
  });
}

std::expected<CommandInvocationPage, core::Error> parseEcsInvocationsPage(std::string_view body) {
  return parseDocument<CommandInvocationPage>(body, [](od::value root) {
    CommandInvocationPage page;
    forEachField(root, "response", [&](std::string_view key, od::value v) {
      if (readPaging(page, key, v)) return;
      if (key == "NextToken") {
        page.next_token = readString(v, key, page.anomalies);
      } else if (key == "Invocations") {  // {"Invocation": [...]}
        forEachElement(
            v, key, page.anomalies, [&](od::value e) { takeInvocation(e, key, page); }, true);
      }
    });
    return page;
  });
}

std::expected<InvocationResultsPage, core::Error> parseInvocationResultsPage(
    std::string_view body) {
  return parseDocument<InvocationResultsPage>(body, [](od::value root) {
    InvocationResultsPage page;
    ParseAnomalies& a = page.anomalies;
    auto take = [&](od::value e) {
      if (!isObject(e, "InvocationResults")) {
        a.record("InvocationResults[]: not an object, skipped");
        return;
      }
      InvocationResult result;
      result.instance = readInstance(e, a, [&](std::string_view key, od::value v) {
        if (key == "InvokeId") result.invoke_id = readString(v, key, a);
        if (key == "CommandId") result.command_id = readString(v, key, a);
      });
      if (result.invoke_id.empty() || result.instance.instance_id.empty() ||
          result.instance.invocation_status.empty()) {
        a.record("InvocationResults[]: no InvokeId, InstanceId or InvocationStatus, skipped");
        return;
      }
      page.results.push_back(std::move(result));
    };
    forEachField(root, "response", [&](std::string_view key, od::value v) {
      if (key == "RequestId") page.request_id = readString(v, key, a);
      if (key != "Invocation") return;  // the paging lives inside it
      forEachField(
          v, key,
          [&](std::string_view k, od::value iv) {
            if (readPaging(page, k, iv)) return;
            if (k == "NextToken") page.next_token = readString(iv, k, a);
            if (k == "InvocationResults") forEachElement(iv, k, a, take, true);
          },
          &a);
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

std::expected<MetadataCredentials, core::Error> parseStsCredentials(std::string_view body) {
  return parseDocument<MetadataCredentials>(body, [](od::value root) {
    MetadataCredentials out;
    ParseAnomalies a;
    forEachField(root, "response", [&](std::string_view key, od::value v) {
      if (key != "Credentials") return;
      forEachField(v, "Credentials", [&](std::string_view field, od::value c) {
        if (field == "AccessKeyId")
          out.access_key_id = readString(c, field, a);
        else if (field == "AccessKeySecret")
          out.access_key_secret = readString(c, field, a);
        else if (field == "SecurityToken")
          out.security_token = readString(c, field, a);
        else if (field == "Expiration")
          out.expiration = readString(c, field, a);
      });
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
