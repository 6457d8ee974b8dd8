#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/api/request_signer.h"
#include "daemon/core/invocation.h"

namespace swas::api {

inline constexpr std::string_view kSwasVersion = "2020-06-01";
inline constexpr int kMaxPageSize = 50;

// Per-instance execution, as DescribeCommandInvocations returns it. Strings are kept verbatim
// (unknown statuses and codes included); "" means absent or null.
struct InvokeInstance {
  std::string instance_id;
  std::string start_time;
  std::string finish_time;
  std::string invocation_status;
  std::string output;  // opaque: whether it is Base64 is unconfirmed (swas-api.md 1.2)
  std::optional<int64_t> exit_code;
  std::string error_info;
  std::string error_code;
  std::optional<int64_t> repeats;  // ECS: the runs so far on this instance (periodic tasks)
};

struct CommandInvocation {
  std::string invoke_id;
  std::string creation_time;  // zone-less, UTC
  std::string command_id;
  std::string invocation_status;  // overall
  std::string command_name;
  std::string command_type;
  std::string command_description;
  std::string username;
  std::string working_dir;
  std::optional<int64_t> timeout;
  std::string command_content;
  std::string parameters;
  std::string repeat_mode;    // ECS: Once, Period, NextRebootOnly, EveryReboot ("" for SWAS)
  std::optional<bool> timed;  // ECS: a periodic or reboot task not done yet
  std::vector<InvokeInstance> instances;
};

// What a parser worked around in one answer: fields read as their default (or decoded with
// U+FFFD), and records skipped (not an object, or without their ID). The page goes on.
struct ParseAnomalies {
  int fields = 0;
  int records = 0;
  std::string first_field;  // the first of each, for the log
  std::string first_record;
  void field(std::string what) {
    if (fields++ == 0) first_field = std::move(what);
  }
  void record(std::string what) {
    if (records++ == 0) first_record = std::move(what);
  }
  bool any() const { return fields + records > 0; }
};

struct CommandInvocationPage {
  std::string request_id;
  ParseAnomalies anomalies;
  std::optional<int64_t> total_count;
  std::optional<int64_t> page_number;
  std::optional<int64_t> page_size;
  std::string next_token;  // ECS's NextToken paging: "" on the last page
  std::vector<CommandInvocation> invocations;
};

// ECS's DescribeInvocationResults: one record per run of an invocation on an instance (with
// IncludeHistory, every run of a periodic task).
struct InvocationResult {
  std::string invoke_id;
  std::string command_id;
  InvokeInstance instance;  // its status, exit, error, output, Repeats, FinishedTime
};

struct InvocationResultsPage {
  std::string request_id;
  ParseAnomalies anomalies;
  std::optional<int64_t> total_count;
  std::optional<int64_t> page_number;
  std::optional<int64_t> page_size;
  std::string next_token;  // "" on the last page
  std::vector<InvocationResult> results;
};

// Every filter of the operation; empty strings are not sent.
struct DescribeCommandInvocationsRequest {
  std::string region_id;
  std::string instance_id;
  std::string invoke_id;
  std::string command_id;
  std::string command_name;  // ignored by the API when instance_id is set
  std::string command_type;
  std::string invocation_status;
  int page_number = 1;  // SWAS; ECS pages by next_token instead
  int page_size = kMaxPageSize;
  std::string next_token;     // ECS: "" for the first page
  std::optional<bool> timed;  // ECS: true lists repeating tasks not stopped yet
};

ApiCall toApiCall(const DescribeCommandInvocationsRequest& request);

// An API record as the domain's invocation, filed under `scope` (core::Scope::key()). The policy on
// Output: it and ErrorInfo are kept only for instances that meet `alerting` (an alert shows them),
// so a full walk of 100,000 pairs does not hold every Output at once.
core::Invocation toInvocation(const std::string& scope, CommandInvocation&& record,
                              const core::AlertCondition& alerting);

// A page's records as the domain's invocations under `scope` (toInvocation each), with
// the API's filter quirk undone: CommandName is ignored when InstanceId is set, so records of
// another command are dropped here, whatever the API did with the filter.
std::vector<core::Invocation> toInvocations(const std::string& scope,
                                            const DescribeCommandInvocationsRequest& request,
                                            std::vector<CommandInvocation>&& records,
                                            const core::AlertCondition& alerting);

struct Region {
  std::string region_id;
  std::string local_name;
  std::string region_endpoint;
};

ApiCall listRegionsCall(std::string_view accept_language = "en-US");

}  // namespace swas::api
