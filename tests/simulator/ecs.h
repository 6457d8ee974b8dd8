#pragma once

// The simulator's ECS Cloud Assistant (ecs-cloud-assistant-api.md), Version 2014-05-26:
// DescribeInvocations, DescribeInvocationResults, DescribeInstances, DescribeCloudAssistantStatus
// and DescribeRegions, answered from the world's "ecs:" regions with ECS's shapes: wrapped lists,
// NextToken paging (a cursor: what is created meanwhile does not shift the next page),
// ContentEncoding (Base64 unless PlainText), the Timed listing of repeating tasks, and their
// earlier runs through IncludeHistory. As strict as the API about its parameters.

#include <chrono>
#include <expected>
#include <string>
#include <vector>

#include "daemon/util/percent_encoding.h"
#include "tests/simulator/inventory.h"
#include "tests/simulator/world.h"

namespace swas::sim {

class EcsApi {
 public:
  EcsApi(const World& world, const Inventory& inventory,
         std::chrono::system_clock::time_point epoch)
      : world_(world), inventory_(inventory), epoch_(epoch) {}

  static bool knows(const std::string& action);
  // The JSON body for `action`; `regions` are what DescribeRegions lists (without the prefix).
  std::expected<std::string, InventoryError> answer(const std::string& action,
                                                    const util::Params& params, Seconds now,
                                                    const std::string& request_id,
                                                    const std::vector<std::string>& regions) const;

 private:
  std::expected<std::string, InventoryError> invocations(const util::Params& params,
                                                         const std::string& request_id) const;
  std::expected<std::string, InventoryError> results(const util::Params& params,
                                                     const std::string& request_id) const;
  std::expected<std::string, InventoryError> instances(const util::Params& params, Seconds now,
                                                       const std::string& request_id) const;
  std::expected<std::string, InventoryError> agentStatus(const util::Params& params, Seconds now,
                                                         const std::string& request_id) const;

  const World& world_;
  const Inventory& inventory_;
  std::chrono::system_clock::time_point epoch_;
};

}  // namespace swas::sim
