#include "daemon/poller/settle.h"

#include <spdlog/spdlog.h>

#include "daemon/core/time.h"
#include "daemon/poller/paging.h"

namespace swas::poller {

Settler::Settler(state::Store& store, core::TransitionSink& sink, core::AlertPlanner& planner,
                 core::PollObserver& observer, std::string region_id, size_t deliver_every)
    : store_(store),
      sink_(sink),
      planner_(planner),
      observer_(observer),
      region_id_(std::move(region_id)),
      deliver_every_(deliver_every) {}

std::expected<void, std::string> Settler::load() {
  auto snapshot = store_.loadRegion(region_id_);
  if (!snapshot) return std::unexpected(snapshot.error().message);
  auto cursor = store_.loadCursor(region_id_);
  if (!cursor) return std::unexpected(cursor.error().message);
  region_ = state::TrackedRegion(std::move(*snapshot));
  cursor_ = *cursor;
  observer_.onTrackedCounts(region_id_, region_.counts());
  return {};
}

std::expected<void, core::Error> Settler::settle(Pass& pass, bool last) {
  for (const auto& inv : pass.fetched) {
    if (inv.creation_time > pass.newest_creation) pass.newest_creation = inv.creation_time;
  }
  state::RegionCursor next = cursor_;
  if (last) {
    next.known = true;
    if (pass.full) next.last_full_scan = pass.wall;
    next.newest_creation = std::max(next.newest_creation, pass.newest_creation);
  }
  pass.held += pass.fetched.size();
  state::DiffResult diff =
      state::diff(region_.snapshot(), std::move(pass.fetched), pass.diff_options);
  pass.fetched.clear();
  // A poll that changed nothing and moved no cursor writes nothing (no fsync per idle poll).
  if (diff.changed.empty() && diff.transitions.empty() && next == cursor_) return {};
  state::PollCommit commit{region_id_, std::move(diff.changed), std::move(diff.transitions), next,
                           pass.wall};
  commit.write_cursor = last;
  commit.cold_start = pass.diff_options.cold_start;
  // Alerts and their notifications go into the same transaction as the transitions.
  commit.alerts = planner_.plan(commit.transitions, pass.wall);
  if (auto committed = store_.commit(commit); !committed) {
    observer_.onStateError("poll_commit");
    return committed;
  }
  bool deliver = !pass.full || last || pass.held >= deliver_every_;
  if (deliver) pass.held = 0;
  planner_.committed(commit.alerts, deliver ? core::Delivery::kNow : core::Delivery::kHeld);
  region_.apply(commit.changed);
  cursor_ = next;
  pass.transitions += commit.transitions.size();
  if (!commit.transitions.empty() || !diff.overall_changes.empty()) {
    sink_.onTransitions(region_id_, commit.transitions, diff.overall_changes);
  }
  // The gauges last: a scrape that shows the new state has its transitions counted.
  if (!commit.changed.empty()) observer_.onTrackedCounts(region_id_, region_.counts());
  return {};
}

void Settler::deliverHeld() {
  planner_.committed({}, core::Delivery::kNow);  // the planner wakes delivery if it held any
}

std::optional<core::Invocation> Settler::vanished(const std::string& invoke_id) {
  auto stored = region_.snapshot().find(invoke_id);
  if (stored == region_.snapshot().end()) return std::nullopt;
  auto command = store_.invocationCommand(region_id_, invoke_id);
  if (!command) observer_.onStateError("poll_commit");
  return vanishedMarker(region_id_, invoke_id, stored->second,
                        command ? *command : state::Store::Command{});
}

void Settler::evictFinishedBefore(std::chrono::system_clock::time_point cutoff) {
  auto evicted = store_.evictFinishedBefore(region_id_, cutoff);
  if (!evicted) {
    observer_.onStateError("evict");
    spdlog::warn("region={} evicting old state failed: {}", region_id_, evicted.error().message);
    return;
  }
  if (region_.forgetFinishedBefore(core::formatCreationTime(cutoff)) > 0)
    observer_.onTrackedCounts(region_id_, region_.counts());
}

}  // namespace swas::poller
