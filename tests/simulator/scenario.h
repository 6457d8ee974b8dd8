#pragma once

// The simulator's scenario file (YAML): who may call, what exists, what happens when, and
// which faults to inject. Durations are strings with a unit, as in the daemon's config.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swas::sim {

using Seconds = std::chrono::duration<double>;

struct Account {
  std::string access_key_id;
  std::string access_key_secret;
};

struct StsToken {
  std::string access_key_id;
  std::string access_key_secret;
  std::string security_token;
};

// One per-instance status change, `at` seconds after the invocation's creation.
struct Step {
  Seconds at{0};
  std::string status;
  std::optional<int64_t> exit_code;
  std::string error_code;
  std::string error_info;
  std::string output;
};

struct InstancePlan {
  std::string instance_id;
  std::vector<Step> timeline;
};

struct InvocationPlan {
  std::string region_id;
  std::string invoke_id;
  std::string command_id;
  std::string command_name;
  std::string command_type = "RunShellScript";
  std::string command_content = "echo hello";
  Seconds created_at{0};  // relative to the simulator's start; negative = in the past
  int64_t timeout = 60;
  std::vector<InstancePlan> instances;
  // ECS: Once, Period, NextRebootOnly or EveryReboot. A repeating task's instances run again
  // whenever their timeline goes back to Running after a finished run (Repeats counts the runs,
  // the earlier ones are its history); it stays Running overall until `stop_at`, when
  // StopInvocation is called.
  std::string repeat_mode = "Once";
  std::optional<Seconds> stop_at;  // relative to created_at
};

// A change of an instance's inventory, `at` seconds after the simulator's start.
struct InstanceChange {
  Seconds at{0};
  std::optional<std::string> status;
  std::optional<bool> agent_online;
  std::optional<std::string> name;
  std::optional<std::vector<std::pair<std::string, std::string>>> tags;
};

// What ListInstances and DescribeCloudAssistantStatus say of one instance.
struct InstanceProfile {
  std::string region_id;
  std::string instance_id;
  std::string name;
  std::string public_ip;
  std::string private_ip;
  std::string status = "Running";
  bool agent_online = true;
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<InstanceChange> timeline;  // in time order
};

// ECS's world lives beside SWAS's: an ECS region is written "ecs:<region>" wherever the scenario
// names a region (regions, invocations, the generator), and ECS calls (Version 2014-05-26) see
// only those.
inline constexpr std::string_view kEcsPrefix = "ecs:";

struct RegionPlan {
  std::string region_id;
  std::vector<std::string> instances;
  // One per instance: an entry of `instances` is an ID (a profile with a name and IPs derived
  // from it) or a mapping {instance_id, name, public_ip, private_ip, status, agent_online, tags,
  // timeline: [{at, status, agent_online, name, tags}]}.
  std::vector<InstanceProfile> profiles;
  // ListRegions lists the region from this long after the start (a region opened mid-run).
  Seconds listed_from{0};
  // ... and until this long after the start (0: for ever; a region closed mid-run).
  Seconds listed_until{0};
};

struct Outcome {
  std::string status;
  double weight = 0;
};

// Seeded load: per region, `retained` finished invocations at start, then `rate` new ones per
// second, each on 1..instances_per_invocation of the region's instances.
struct Generator {
  bool enabled = false;
  uint64_t seed = 1;
  std::vector<std::string> regions;
  int instances = 3;
  int retained = 0;
  int max_retained = 0;  // 0 = keep everything; else evict the oldest finished beyond this
  double rate = 0;
  int instances_per_invocation = 1;
  std::vector<Outcome> outcomes = {
      {"Success", 0.8}, {"Failed", 0.1}, {"Timeout", 0.05}, {"Error", 0.05}};
  Seconds pending{1};
  Seconds duration_min{2};
  Seconds duration_max{10};
  int output_bytes = 64;
  Seconds stop_after{0};  // 0 = never stop creating
};

struct Faults {
  // The actions throttle, server_error and malformed apply to; empty: every action.
  std::vector<std::string> actions;
  double throttle = 0;
  int64_t throttle_retry_after_ms = 0;
  double server_error = 0;
  std::chrono::milliseconds latency{0};
  double malformed = 0;
  double reset = 0;
  // Insert this many new invocations per region before answering each page > 1 (page-shift
  // tests; `true` is 1). Two or more push the next page back past the previous page's end.
  int insert_on_later_pages = 0;
  // The hostile API (hostile.h): per instance record, a corrupt field; per page, a junk record;
  // TotalCount 1e12 with PageNumber ignored; per unfinished invocation (once), hidden for ever.
  double bad_fields = 0;
  double bad_records = 0;
  bool lying_total = false;
  double vanish = 0;
  // Deterministic instead: every Nth unfinished invocation listed (the 1st, the N+1th, ...) is
  // hidden for ever (a test that must see one vanish does not depend on a roll).
  int vanish_every = 0;
};

struct Metadata {
  std::string role_name = "SwasMonitorRole";
  Seconds credentials_ttl{3600};
  bool require_token = false;  // IMDSv2 only
  bool disable_token = false;  // the token endpoint answers 404 (forces IMDSv1)
  bool fail = false;           // credentials endpoint answers 500
};

// STS AssumeRoleWithOIDC (ACK's RRSA): the role it lets assume, with which provider and token.
struct Oidc {
  std::string role_arn;
  std::string provider_arn;
  std::string token;
  Seconds credentials_ttl{3600};
};

struct Scenario {
  std::vector<Account> accounts = {{"testid", "testsecret"}};
  std::vector<StsToken> sts_tokens;
  std::vector<RegionPlan> regions;
  std::vector<InvocationPlan> invocations;
  Generator generator;
  Faults faults;
  Metadata metadata;
  std::optional<Oidc> oidc;
  bool manual_clock = false;  // sim time moves only through POST /_sim/advance
  uint64_t seed = 1;
};

// `p` with a name ("name-<id>") and addresses derived from its ID where it has none.
InstanceProfile withDefaults(InstanceProfile p);

// Throws std::runtime_error with "FILE:LINE:COL: message" on a bad file.
Scenario loadScenario(const std::string& path);
Scenario parseScenario(const std::string& yaml_text, const std::string& name);
InvocationPlan parseInvocation(const std::string& yaml_text);
// Applies {"throttle":0.3,...} (JSON or YAML) on top of `faults`.
void applyFaults(Faults& faults, const std::string& yaml_text);

std::optional<Seconds> parseDuration(const std::string& text);

}  // namespace swas::sim
