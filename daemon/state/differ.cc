#include "daemon/state/differ.h"

#include "daemon/core/time.h"

namespace swas::state {
namespace {

bool beforeLookback(const core::Invocation& inv, const DiffOptions& options) {
  // An unreadable CreationTime is treated as recent: better one alert too many than a miss.
  return inv.created && *inv.created < options.now - options.initial_lookback;
}

core::Transition transition(const core::Invocation& inv, const core::InstanceState& inst,
                            const StoredInstance* was, bool alertable,
                            const core::AlertCondition& condition) {
  bool occurrence = alertable && condition.matches(inst.status, inst.error_code) &&
                    !(was && condition.matches(was->status, was->error_code));
  // Output and ErrorInfo are for the alert; other transitions do not carry copies.
  return core::Transition{inv.scope,
                          inv.invoke_id,
                          inst.instance_id,
                          inv.command_id,
                          inv.command_name,
                          was ? was->status.str() : std::string(core::kNone),
                          inst.status,
                          inst.error_code,
                          occurrence ? inst.error_info : std::string(),
                          inst.exit_code,
                          inv.creation_time,
                          inst.finish_time,
                          occurrence ? inst.output : std::string(),
                          alertable,
                          occurrence,
                          inst.finished};
}

void refreshFinished(StoredInvocation& s) {
  s.finished = core::isTerminalOverallStatus(s.overall_status);
  for (const auto& [id, inst] : s.instances) {
    s.finished = s.finished && core::isTerminalInstanceStatus(inst.status);
  }
}

void merge(StoredInvocation& s, const core::Invocation& inv) {
  s.overall_status = inv.overall_status;
  s.creation_time = inv.creation_time;
  for (const auto& inst : inv.instances) {
    s.instances[inst.instance_id] = {inst.status, inst.error_code};
  }
  refreshFinished(s);
}

}  // namespace

DiffResult diff(const RegionSnapshot& stored, std::vector<core::Invocation> fetched,
                const DiffOptions& options) {
  DiffResult result;
  RegionSnapshot seen;  // what this poll has already reported, over `stored`
  for (core::Invocation& inv : fetched) {
    if (options.watched_instances) {
      std::erase_if(inv.instances, [&](const core::InstanceState& i) {
        return !options.watched_instances->contains(i.instance_id);
      });
      if (inv.instances.empty()) continue;
    }
    const StoredInvocation* before = nullptr;
    if (auto it = seen.find(inv.invoke_id); it != seen.end()) {
      before = &it->second;
    } else if (auto st = stored.find(inv.invoke_id); st != stored.end()) {
      before = &st->second;
    }
    if (!before && options.forget_before && inv.finished()) {
      // Already forgotten (evicted) or about to be: seeing it again must not report it again.
      if (inv.created && *inv.created < *options.forget_before) continue;
    }
    bool old = beforeLookback(inv, options);
    bool changed = false;
    for (const auto& inst : inv.instances) {
      bool alertable =
          !(old && (options.cold_start || options.cold_instances.contains(inst.instance_id)));
      const StoredInstance* was = nullptr;
      if (before) {
        if (auto it = before->instances.find(inst.instance_id); it != before->instances.end()) {
          was = &it->second;
        }
      }
      if (!was) {
        result.transitions.push_back(
            transition(inv, inst, nullptr, alertable, options.alert_condition));
        changed = true;
      } else if (was->status != inst.status ||
                 (was->error_code.empty() && !inst.error_code.empty())) {
        result.transitions.push_back(
            transition(inv, inst, was, alertable, options.alert_condition));
        changed = true;
      } else if (was->error_code != inst.error_code) {
        changed = true;  // recorded, not a transition
      }
    }
    std::string overall_before = before ? before->overall_status.str() : std::string(core::kNone);
    if (overall_before != inv.overall_status) {
      result.overall_changes.push_back(
          {inv.scope, inv.invoke_id, overall_before, inv.overall_status});
      changed = true;
    }
    if (!changed) continue;
    StoredInvocation merged = before ? *before : StoredInvocation{};
    merge(merged, inv);
    seen[inv.invoke_id] = std::move(merged);
    result.changed.push_back(std::move(inv));
  }
  return result;
}

void applyChanges(RegionSnapshot& snapshot, const std::vector<core::Invocation>& changed) {
  for (const auto& inv : changed) merge(snapshot[inv.invoke_id], inv);
}

core::TrackedCounts countTracked(const RegionSnapshot& snapshot) {
  core::TrackedCounts counts;
  for (const auto& [id, inv] : snapshot) {
    ++counts.invocations[inv.overall_status];
    for (const auto& [instance_id, inst] : inv.instances) ++counts.instances[inst.status];
  }
  return counts;
}

TrackedRegion::TrackedRegion(RegionSnapshot snapshot)
    : snapshot_(std::move(snapshot)), counts_(countTracked(snapshot_)) {
  for (const auto& [id, inv] : snapshot_) {
    if (!inv.finished) unfinished_.insert(id);
  }
}

void TrackedRegion::apply(const std::vector<core::Invocation>& changed) {
  for (const auto& inv : changed) {
    auto [it, inserted] = snapshot_.try_emplace(inv.invoke_id);
    if (!inserted) count(it->second, -1);
    merge(it->second, inv);
    count(it->second, +1);
    if (it->second.finished)
      unfinished_.erase(inv.invoke_id);
    else
      unfinished_.insert(inv.invoke_id);
  }
}

size_t TrackedRegion::forgetFinishedBefore(std::string_view creation_time) {
  return std::erase_if(snapshot_, [&](const auto& entry) {
    const StoredInvocation& inv = entry.second;
    if (!inv.finished || inv.creation_time >= creation_time) return false;
    count(inv, -1);
    return true;
  });
}

void TrackedRegion::count(const StoredInvocation& inv, int64_t sign) {
  // Statuses that reach 0 go, as countTracked would not list them.
  auto add = [sign](std::map<std::string, int64_t>& counts, const std::string& status) {
    auto it = counts.try_emplace(status, 0).first;
    it->second += sign;
    if (it->second == 0) counts.erase(it);
  };
  add(counts_.invocations, inv.overall_status);
  for (const auto& [id, inst] : inv.instances) add(counts_.instances, inst.status);
}

}  // namespace swas::state
