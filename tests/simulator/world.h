#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "tests/simulator/scenario.h"

namespace swas::sim {

struct SimInstance {
  std::string instance_id;
  std::string status;
  std::string start_time;
  std::string finish_time;
  std::string output;
  std::optional<int64_t> exit_code;
  std::string error_code;
  std::string error_info;
  int64_t repeats = 0;               // ECS: runs so far on this instance
  std::string stop_time;             // ECS: when StopInvocation was called
  std::vector<SimInstance> history;  // ECS: a repeating task's earlier runs, oldest first
};

struct SimInvocation {
  std::string region_id;
  std::string invoke_id;
  std::string command_id;
  std::string command_name;
  std::string command_type;
  std::string command_content;
  int64_t timeout = 60;
  Seconds created_at{0};
  std::chrono::sys_seconds creation_time;
  bool visible = false;
  std::string repeat_mode = "Once";  // ECS
  bool stopped = false;              // ECS: StopInvocation was called
  std::vector<SimInstance> instances;
};

// The overall InvocationStatus from per-instance statuses, by the documented rules.
std::string overallStatus(const std::vector<SimInstance>& instances);
bool isTerminal(const std::string& status);
// ECS: a Period, NextRebootOnly or EveryReboot task not stopped yet (Timed), and its overall
// status, which stays Running until it is stopped.
bool isTimed(const SimInvocation& invocation);
std::string overallStatus(const SimInvocation& invocation);

struct TruthEntry {
  double time = 0;  // seconds since the simulator started
  std::string region_id;
  std::string invoke_id;
  std::string instance_id;
  std::string from;
  std::string to;
};

struct Query {
  std::string region_id;
  std::string instance_id;
  std::string invoke_id;
  std::string command_id;
  std::string command_name;
  std::string command_type;
  std::string invocation_status;
};

// Everything that exists and changes. Time is seconds since start; `epoch` anchors it to UTC.
class World {
 public:
  World(const Scenario& scenario, std::chrono::system_clock::time_point epoch);

  void advanceTo(Seconds now);
  // Adds an invocation whose created_at is relative to `now`.
  void addInvocation(InvocationPlan plan, Seconds now);
  // One generated invocation in `region_id`, created at `now` (page-shift faults).
  void insertGenerated(const std::string& region_id, Seconds now);

  bool hasRegion(const std::string& region_id) const;
  // The instance IDs the generator made up for `region_id` (none for other regions).
  std::vector<std::string> generatedInstances(const std::string& region_id) const;
  std::vector<std::string> regionIds() const;
  // Visible invocations matching the filters, newest first. (With an InstanceId filter the API
  // lists only that instance's execution; the caller trims.)
  std::vector<const SimInvocation*> query(const Query& query) const;
  const std::vector<TruthEntry>& truth() const { return truth_; }
  size_t invocationCount() const;

 private:
  struct Event {
    Seconds at;
    uint64_t sequence;
    std::shared_ptr<SimInvocation> invocation;
    int instance;  // -1: the invocation becomes visible, -2: it is stopped
    Step step;
    bool operator>(const Event& other) const {
      return at != other.at ? at > other.at : sequence > other.sequence;
    }
  };
  struct GeneratedRegion {
    std::vector<std::string> instances;
    std::mt19937_64 rng;
    Seconds next_creation{0};
    uint64_t counter = 0;
  };

  void schedule(const std::shared_ptr<SimInvocation>& invocation, const InvocationPlan& plan);
  void insert(std::shared_ptr<SimInvocation> invocation);
  void apply(const Event& event);
  void stop(SimInvocation& invocation, double when, const std::string& at);
  InvocationPlan generate(const std::string& region_id, GeneratedRegion& region, Seconds created);
  void evict(const std::string& region_id);

  Generator generator_;
  std::chrono::system_clock::time_point epoch_;
  std::map<std::string, std::deque<std::shared_ptr<SimInvocation>>> regions_;
  std::map<std::string, GeneratedRegion> generated_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  uint64_t sequence_ = 0;
  std::vector<TruthEntry> truth_;
};

}  // namespace swas::sim
