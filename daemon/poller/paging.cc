#include "daemon/poller/paging.h"

namespace swas::poller {

PageStep afterPage(int page, int page_size, const std::vector<std::string>& ids,
                   const std::vector<std::string>& previous_ids, int64_t total) {
  if (ids.empty()) return {true, {}};
  if (page > 1 && ids == previous_ids) {
    return {true, "page " + std::to_string(page) + " repeats page " + std::to_string(page - 1) +
                      " (the API ignored PageNumber?); the walk stops there"};
  }
  bool end =
      total >= 0 ? int64_t{page} * page_size >= total : ids.size() < static_cast<size_t>(page_size);
  if (end) return {true, {}};
  if (page >= kMaxWalkPages) {
    return {true, "TotalCount " + std::to_string(total) + " needs more than " +
                      std::to_string(kMaxWalkPages) + " pages; the walk stops there"};
  }
  return {false, {}};
}

core::Invocation vanishedMarker(const std::string& region_id, const std::string& invoke_id,
                                const state::StoredInvocation& stored,
                                const state::Store::Command& command) {
  core::Invocation gone{region_id,
                        invoke_id,
                        command.id,
                        command.name,
                        command.type,
                        stored.creation_time,
                        std::string(core::kVanished),
                        {}};
  for (const auto& [instance_id, state] : stored.instances) {
    bool done = core::isTerminalInstanceStatus(state.status);
    gone.instances.push_back(
        core::InstanceState{.instance_id = instance_id,
                            .status = done ? state.status : std::string(core::kVanished),
                            .error_code = state.error_code});
  }
  return gone;
}

}  // namespace swas::poller
