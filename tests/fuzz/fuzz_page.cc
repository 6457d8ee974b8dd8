// DescribeCommandInvocations, ECS's DescribeInvocations and DescribeInvocationResults,
// ListRegions, ListInstances and DescribeCloudAssistantStatus bodies (either product's): any bytes
// give a page or a kParse error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/api/inventory.h"
#include "daemon/api/response_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  for (auto page :
       {swas::api::parseCommandInvocationsPage(body), swas::api::parseEcsInvocationsPage(body)}) {
    if (!page) continue;
    for (const auto& inv : page->invocations) {
      if (inv.invoke_id.empty()) __builtin_trap();          // records without an id are skipped
      if (inv.invocation_status.empty()) __builtin_trap();  // derived when absent
      for (const auto& i : inv.instances) {
        if (i.instance_id.empty() || i.invocation_status.empty()) __builtin_trap();
      }
    }
  }
  if (auto instances = swas::api::parseInstancesPage(body)) {
    for (const auto& i : instances->instances) {
      if (i.instance_id.empty()) __builtin_trap();  // records without an id are skipped
      for (const auto& [key, value] : i.tags) {
        if (key.empty()) __builtin_trap();  // tags without a key are skipped
      }
    }
  }
  if (auto agents = swas::api::parseAgentStatusPage(body)) {
    for (const auto& a : agents->statuses) {
      if (a.instance_id.empty()) __builtin_trap();
    }
  }
  if (auto results = swas::api::parseInvocationResultsPage(body)) {
    for (const auto& r : results->results) {
      if (r.invoke_id.empty() || r.instance.instance_id.empty()) __builtin_trap();
    }
  }
  (void)swas::api::parseRegions(body);
  (void)swas::api::extractRequestId(body);
  return 0;
}
