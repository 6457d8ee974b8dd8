#include "tests/simulator/world.h"

#include <algorithm>
#include <cstdio>
#include <functional>

#include "daemon/core/time.h"

namespace swas::sim {
namespace {

std::string hexId(std::mt19937_64& rng, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  while (static_cast<int>(out.size()) < digits) {
    uint64_t n = rng();
    for (int i = 0; i < 16 && static_cast<int>(out.size()) < digits; ++i, n >>= 4) {
      out.push_back(kHex[n & 0xF]);
    }
  }
  return out;
}

struct OutcomeDetail {
  const char* status;
  int64_t exit_code;
  const char* error_code;
  const char* error_info;
};

constexpr OutcomeDetail kOutcomeDetails[] = {
    {"Success", 0, "", ""},
    {"Failed", 1, "ExitCodeNonzero", "the command execution exit code is not zero"},
    {"Timeout", -1, "ExecutionTimeout", "the command execution has been timeout"},
    {"Error", -1, "ExecutionException", "the command execution got an exception"},
    {"Invalid", -1, "CommandNotApplicable", "the command is not applicable"},
    {"Aborted", -1, "ClientNotRunning", "the aliyun service is not running on the instance"},
    {"Terminated", -1, "ExecutionInterrupted", "the command execution has been interrupted"},
    {"Cancelled", -1, "", ""},
};

}  // namespace

bool isTerminal(const std::string& s) {
  return s == "Success" || s == "Failed" || s == "Timeout" || s == "Error" || s == "Invalid" ||
         s == "Aborted" || s == "Cancelled" || s == "Terminated";
}

std::string overallStatus(const std::vector<SimInstance>& instances) {
  int success = 0, failed = 0, stopped = 0;
  bool pending = false, running = false, stopping = false;
  for (const auto& i : instances) {
    const std::string& s = i.status;
    if (s == "Pending")
      pending = true;
    else if (s == "Running")
      running = true;
    else if (s == "Stopping")
      stopping = true;
    else if (s == "Success")
      ++success;
    else if (s == "Cancelled" || s == "Terminated")
      ++stopped;
    else if (s == "Failed" || s == "Timeout" || s == "Error" || s == "Invalid" || s == "Aborted")
      ++failed;
    else
      running = true;  // an unknown status is still in progress
  }
  if (instances.empty() || pending) return "Pending";
  if (running) return "Running";
  if (stopping) return "Stopping";
  if (success > 0 && failed == 0) return "Success";
  if (success > 0) return "PartialFailed";
  if (failed > 0) return "Failed";
  return "Stopped";
}

bool isTimed(const SimInvocation& invocation) {
  return invocation.repeat_mode != "Once" && !invocation.stopped;
}

std::string overallStatus(const SimInvocation& invocation) {
  return isTimed(invocation) ? "Running" : overallStatus(invocation.instances);
}

World::World(const Scenario& scenario, std::chrono::system_clock::time_point epoch)
    : generator_(scenario.generator), epoch_(epoch) {
  for (const auto& region : scenario.regions) regions_[region.region_id];
  for (const auto& plan : scenario.invocations) {
    auto invocation = std::make_shared<SimInvocation>();
    schedule(invocation, plan);
  }
  if (generator_.enabled) {
    for (const auto& region_id : generator_.regions) {
      regions_[region_id];
      GeneratedRegion& g = generated_[region_id];
      g.rng.seed(generator_.seed ^ std::hash<std::string>{}(region_id));
      // The products' ID shapes: SWAS's 32 hex digits, ECS's "i-" and 20 more.
      bool ecs = region_id.starts_with(kEcsPrefix);
      for (int i = 0; i < generator_.instances; ++i) {
        g.instances.push_back(ecs ? "i-" + hexId(g.rng, 20) : hexId(g.rng, 32));
      }
      double spacing = generator_.rate > 0 ? 1.0 / generator_.rate : 60.0;
      // Retained history ends before the longest execution so that all of it is finished at 0.
      Seconds history_end = -(generator_.pending + generator_.duration_max + Seconds(1));
      for (int i = generator_.retained; i > 0; --i) {
        schedule(std::make_shared<SimInvocation>(),
                 generate(region_id, g, history_end - Seconds(spacing * (i - 1))));
      }
      g.next_creation = Seconds(0);
    }
  }
  advanceTo(Seconds(0));
}

void World::schedule(const std::shared_ptr<SimInvocation>& invocation, const InvocationPlan& plan) {
  SimInvocation& inv = *invocation;
  inv.region_id = plan.region_id;
  inv.invoke_id = plan.invoke_id;
  inv.command_id = plan.command_id;
  inv.command_name = plan.command_name;
  inv.command_type = plan.command_type;
  inv.command_content = plan.command_content;
  inv.timeout = plan.timeout;
  inv.created_at = plan.created_at;
  inv.repeat_mode = plan.repeat_mode;
  inv.creation_time = std::chrono::floor<std::chrono::seconds>(
      epoch_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(plan.created_at));
  for (const auto& instance : plan.instances) {
    inv.instances.push_back(SimInstance{.instance_id = instance.instance_id});
  }
  events_.push(Event{plan.created_at, sequence_++, invocation, -1, {}});
  if (plan.stop_at) {
    events_.push(Event{plan.created_at + *plan.stop_at, sequence_++, invocation, -2, {}});
  }
  for (size_t i = 0; i < plan.instances.size(); ++i) {
    for (const auto& step : plan.instances[i].timeline) {
      events_.push(
          Event{plan.created_at + step.at, sequence_++, invocation, static_cast<int>(i), step});
    }
  }
}

void World::insert(std::shared_ptr<SimInvocation> invocation) {
  auto& list = regions_[invocation->region_id];
  auto pos = std::upper_bound(list.begin(), list.end(), invocation->created_at,
                              [](Seconds t, const auto& inv) { return t < inv->created_at; });
  list.insert(pos, std::move(invocation));
}

void World::apply(const Event& event) {
  SimInvocation& inv = *event.invocation;
  double when = event.at.count();
  if (event.instance == -1) {
    inv.visible = true;
    insert(event.invocation);
    for (auto& instance : inv.instances) {
      instance.status = "Pending";
      truth_.push_back(
          {when, inv.region_id, inv.invoke_id, instance.instance_id, "none", "Pending"});
    }
    evict(inv.region_id);
    return;
  }
  auto at = epoch_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(event.at);
  if (event.instance == -2) {
    stop(inv, when, core::formatIso8601(at));
    return;
  }
  SimInstance& instance = inv.instances[static_cast<size_t>(event.instance)];
  const Step& step = event.step;
  if (inv.stopped) return;
  if (inv.repeat_mode != "Once" && !isTerminal(step.status) && isTerminal(instance.status) &&
      instance.repeats > 0) {
    // A repeating task's next run: the finished one becomes history.
    SimInstance done = instance;
    done.history.clear();
    instance.history.push_back(std::move(done));
    instance.start_time.clear();
    instance.finish_time.clear();
    instance.exit_code.reset();
    instance.error_code.clear();
    instance.error_info.clear();
    instance.output.clear();
  }
  bool runs = step.status == "Running" || isTerminal(step.status);
  if (runs && (instance.repeats == 0 || instance.start_time.empty())) ++instance.repeats;
  if (step.status == "Running" && instance.start_time.empty())
    instance.start_time = core::formatIso8601(at);
  if (isTerminal(step.status)) {
    if (instance.start_time.empty()) instance.start_time = core::formatIso8601(at);
    instance.finish_time = core::formatIso8601(at);
  }
  if (step.exit_code) instance.exit_code = step.exit_code;
  if (!step.error_code.empty()) instance.error_code = step.error_code;
  if (!step.error_info.empty()) instance.error_info = step.error_info;
  if (!step.output.empty()) instance.output = step.output;
  if (step.status != instance.status) {
    truth_.push_back(
        {when, inv.region_id, inv.invoke_id, instance.instance_id, instance.status, step.status});
    instance.status = step.status;
  }
}

// StopInvocation: what has not finished is cancelled (not started) or terminated (running).
void World::stop(SimInvocation& inv, double when, const std::string& at) {
  inv.stopped = true;
  for (auto& instance : inv.instances) {
    if (isTerminal(instance.status)) continue;
    std::string to = instance.status == "Running" ? "Terminated" : "Cancelled";
    truth_.push_back(
        {when, inv.region_id, inv.invoke_id, instance.instance_id, instance.status, to});
    instance.status = to;
    instance.stop_time = at;
    if (instance.finish_time.empty()) instance.finish_time = at;
  }
}

void World::evict(const std::string& region_id) {
  if (generator_.max_retained <= 0) return;
  auto& list = regions_[region_id];
  while (static_cast<int>(list.size()) > generator_.max_retained &&
         std::all_of(list.front()->instances.begin(), list.front()->instances.end(),
                     [](const SimInstance& i) { return isTerminal(i.status); })) {
    list.pop_front();
  }
}

InvocationPlan World::generate(const std::string& region_id, GeneratedRegion& g, Seconds created) {
  static const char* kCommands[] = {"deploy-app", "backup-db", "rotate-logs", "health-check"};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  InvocationPlan plan;
  plan.region_id = region_id;
  ++g.counter;
  char id[32];
  std::snprintf(id, sizeof id, "t-%s%010llx", region_id.substr(0, 2).c_str(),
                static_cast<unsigned long long>(g.counter));
  plan.invoke_id = id;
  const char* command = kCommands[g.rng() % 4];
  plan.command_name = command;
  plan.command_id = std::string("c-") + region_id.substr(0, 2) + std::string(command).substr(0, 6);
  plan.command_content = std::string("/opt/") + command + ".sh";
  plan.created_at = created;
  int count =
      1 + static_cast<int>(g.rng() % static_cast<uint64_t>(generator_.instances_per_invocation));
  count = std::min(count, static_cast<int>(g.instances.size()));
  size_t first = g.rng() % g.instances.size();
  double total_weight = 0;
  for (const auto& o : generator_.outcomes) total_weight += o.weight;
  for (int i = 0; i < count; ++i) {
    InstancePlan ip;
    ip.instance_id = g.instances[(first + static_cast<size_t>(i)) % g.instances.size()];
    double pick = unit(g.rng) * total_weight;
    std::string outcome =
        generator_.outcomes.empty() ? "Success" : generator_.outcomes.back().status;
    for (const auto& o : generator_.outcomes) {
      if (pick < o.weight) {
        outcome = o.status;
        break;
      }
      pick -= o.weight;
    }
    Seconds run =
        generator_.duration_min + (generator_.duration_max - generator_.duration_min) * unit(g.rng);
    Step running{generator_.pending, "Running", {}, "", "", ""};
    Step done{generator_.pending + run, outcome, {}, "", "", ""};
    for (const auto& d : kOutcomeDetails) {
      if (outcome == d.status) {
        done.exit_code = d.exit_code;
        done.error_code = d.error_code;
        done.error_info = d.error_info;
      }
    }
    done.output = std::string(static_cast<size_t>(generator_.output_bytes), 'o');
    if (!done.output.empty()) {
      std::string head = std::string(command) + " on " + ip.instance_id + ": " + outcome + "\n";
      done.output.replace(0, std::min(head.size(), done.output.size()),
                          head.substr(0, done.output.size()));
    }
    ip.timeline = {running, done};
    plan.instances.push_back(std::move(ip));
  }
  return plan;
}

void World::advanceTo(Seconds now) {
  if (generator_.enabled && generator_.rate > 0) {
    double spacing = 1.0 / generator_.rate;
    for (auto& [region_id, g] : generated_) {
      while (g.next_creation <= now &&
             (generator_.stop_after.count() <= 0 || g.next_creation <= generator_.stop_after)) {
        schedule(std::make_shared<SimInvocation>(), generate(region_id, g, g.next_creation));
        g.next_creation += Seconds(spacing);
      }
    }
  }
  while (!events_.empty() && events_.top().at <= now) {
    Event event = events_.top();
    events_.pop();
    apply(event);
  }
}

void World::addInvocation(InvocationPlan plan, Seconds now) {
  plan.created_at += now;
  regions_[plan.region_id];
  schedule(std::make_shared<SimInvocation>(), plan);
  advanceTo(now);
}

void World::insertGenerated(const std::string& region_id, Seconds now) {
  auto it = generated_.find(region_id);
  if (it == generated_.end()) return;
  schedule(std::make_shared<SimInvocation>(), generate(region_id, it->second, now));
  advanceTo(now);
}

bool World::hasRegion(const std::string& region_id) const { return regions_.contains(region_id); }

std::vector<std::string> World::generatedInstances(const std::string& region_id) const {
  auto it = generated_.find(region_id);
  return it == generated_.end() ? std::vector<std::string>() : it->second.instances;
}

std::vector<std::string> World::regionIds() const {
  std::vector<std::string> ids;
  for (const auto& [id, list] : regions_) ids.push_back(id);
  return ids;
}

size_t World::invocationCount() const {
  size_t n = 0;
  for (const auto& [id, list] : regions_) n += list.size();
  return n;
}

std::vector<const SimInvocation*> World::query(const Query& q) const {
  std::vector<const SimInvocation*> out;
  auto it = regions_.find(q.region_id);
  if (it == regions_.end()) return out;
  for (auto inv = it->second.rbegin(); inv != it->second.rend(); ++inv) {
    const SimInvocation& v = **inv;
    if (!q.invoke_id.empty() && v.invoke_id != q.invoke_id) continue;
    if (!q.command_id.empty() && v.command_id != q.command_id) continue;
    if (!q.command_type.empty() && v.command_type != q.command_type) continue;
    // The API ignores CommandName when InstanceId is given.
    if (q.instance_id.empty() && !q.command_name.empty() && v.command_name != q.command_name) {
      continue;
    }
    if (!q.invocation_status.empty() && overallStatus(v.instances) != q.invocation_status) continue;
    if (!q.instance_id.empty() &&
        std::none_of(v.instances.begin(), v.instances.end(),
                     [&](const SimInstance& i) { return i.instance_id == q.instance_id; })) {
      continue;
    }
    out.push_back(&v);
  }
  return out;
}

}  // namespace swas::sim
