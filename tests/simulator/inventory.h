#pragma once

// The simulator's inventory (swas-inventory-api.md): ListInstances and
// DescribeCloudAssistantStatus answered from the scenario's instance profiles as they are at the
// simulator's time, with the real API's filters, paging limits and parameter errors.

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "daemon/util/percent_encoding.h"
#include "tests/simulator/scenario.h"

namespace swas::sim {

struct InventoryError {
  int status = 400;
  std::string code;
  std::string message;
};

// A request parameter's value ("" when absent), and the API's answer to a bad parameter.
std::string param(const util::Params& params, std::string_view key);
std::unexpected<InventoryError> invalid(std::string message);

// The InstanceIds parameter: a JSON array of strings, at most `max` (nullopt when absent).
std::expected<std::optional<std::vector<std::string>>, InventoryError> instanceIdsParam(
    const util::Params& params, size_t max);
// Whether `i` passes the InstanceName (a wildcard), Status and Tag.N filters in `params`.
bool passesFilters(const InstanceProfile& i, const util::Params& params);

// `p` with its timeline applied up to `now`.
InstanceProfile profileAt(const InstanceProfile& p, Seconds now);

class Inventory {
 public:
  explicit Inventory(std::vector<InstanceProfile> profiles) : profiles_(std::move(profiles)) {}

  // The JSON bodies the API answers with.
  std::expected<std::string, InventoryError> listInstances(const util::Params& params, Seconds now,
                                                           const std::string& request_id) const;
  std::expected<std::string, InventoryError> cloudAssistantStatus(
      const util::Params& params, Seconds now, const std::string& request_id) const;
  // The profiles of `region` (the world's key) as they are at `now`.
  std::vector<InstanceProfile> at(const std::string& region, Seconds now) const;

 private:
  std::vector<InstanceProfile> profiles_;
};

}  // namespace swas::sim
