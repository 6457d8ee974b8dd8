#include "daemon/poller/paging.h"

#include <algorithm>
#include <unordered_set>

#include "daemon/core/time.h"

namespace swas::poller {

bool fullWalkDue(const state::RegionCursor& cursor, std::chrono::system_clock::time_point now,
                 std::chrono::seconds full_scan_every, bool order_is_newest_first) {
  return !cursor.known || !order_is_newest_first || now - cursor.last_full_scan >= full_scan_every;
}

bool newestFirst(const std::vector<core::Invocation>& page, const std::string& previous_oldest,
                 const std::vector<std::string>& previous_ids) {
  // ISO timestamps of one width compare as strings.
  std::string bound = previous_oldest;
  for (const auto& inv : page) {
    if (std::find(previous_ids.begin(), previous_ids.end(), inv.invoke_id) != previous_ids.end())
      continue;  // pushed back from the previous page
    if (!bound.empty() && inv.creation_time > bound) return false;
    bound = inv.creation_time;
  }
  return true;
}

namespace {

// `inv` is finished, older than the bound, and known finished (or not watched at all).
bool settledBelow(const core::Invocation& inv, const state::RegionSnapshot& known,
                  const std::string& previous_newest, const std::set<std::string>& watched) {
  if (!inv.finished() || !(inv.creation_time < previous_newest)) return false;
  bool relevant = watched.empty() ||
                  std::any_of(inv.instances.begin(), inv.instances.end(),
                              [&](const auto& i) { return watched.contains(i.instance_id); });
  if (!relevant) return true;
  auto it = known.find(inv.invoke_id);
  return it != known.end() && it->second.finished;
}

}  // namespace

bool earlyStopAfter(const std::vector<core::Invocation>& page, const state::RegionSnapshot& known,
                    const std::string& previous_newest, const std::set<std::string>& watched) {
  if (previous_newest.empty()) return false;
  return std::any_of(page.begin(), page.end(), [&](const core::Invocation& inv) {
    return settledBelow(inv, known, previous_newest, watched);
  });
}

int neededDepth(const std::vector<core::Invocation>& page, const state::RegionSnapshot& known,
                const std::string& previous_newest, const std::set<std::string>& watched) {
  for (size_t n = page.size(); n > 0; --n) {
    if (previous_newest.empty() || !settledBelow(page[n - 1], known, previous_newest, watched))
      return static_cast<int>(n);
  }
  return 0;
}

void RecentNeeds::push(int needed) {
  values_[next_] = needed;
  next_ = (next_ + 1) % values_.size();
  count_ = std::min(count_ + 1, values_.size());
}

int RecentNeeds::max() const {
  return count_ == 0 ? 0 : *std::max_element(values_.begin(), values_.begin() + count_);
}

int steadyPageSize(std::optional<int> needed, int page_size) {
  if (!needed) return page_size;
  return std::min(page_size, std::max(kSteadyPageMin, 2 * *needed));
}

std::vector<std::string> unseenUnfinished(const std::set<std::string>& unfinished,
                                          const std::vector<core::Invocation>& seen) {
  std::unordered_set<std::string_view> ids;
  for (const auto& inv : seen) ids.insert(inv.invoke_id);
  std::vector<std::string> out;
  for (const auto& id : unfinished) {
    if (!ids.contains(id)) out.push_back(id);
  }
  return out;
}

bool fetchUnfinishedByStatus(size_t unseen) { return unseen > 2 * std::size(kUnfinishedStatuses); }

ListingCost listingCost(int64_t region_total, const std::set<std::string>& watched,
                        const std::map<std::string, std::set<std::string>>& watched_pairs,
                        int page_size) {
  auto pages = [&](int64_t n) { return std::max<int64_t>(1, (n + page_size - 1) / page_size); };
  ListingCost cost;
  for (const auto& id : watched) {
    auto it = watched_pairs.find(id);
    cost.per_instance_calls +=
        pages(it == watched_pairs.end() ? 0 : static_cast<int64_t>(it->second.size()));
  }
  cost.region_calls = pages(region_total);
  cost.per_instance = cost.per_instance_calls < cost.region_calls;
  return cost;
}

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

PageStep afterTokenPage(int page, const std::vector<std::string>& ids,
                        const std::vector<std::string>& previous_ids, const std::string& next_token,
                        const std::string& sent_token) {
  if (next_token.empty()) return {true, {}};
  std::string where = "page " + std::to_string(page);
  if (ids.empty()) return {true, where + " was empty but had a NextToken; the walk stops there"};
  if (page > 1 && ids == previous_ids) {
    return {true, where + " repeats page " + std::to_string(page - 1) + "; the walk stops there"};
  }
  if (next_token == sent_token) {
    return {true, where + " answered the NextToken it was sent; the walk stops there"};
  }
  if (page >= kMaxWalkPages) {
    return {true, "the list needs more than " + std::to_string(kMaxWalkPages) +
                      " pages; the walk stops there"};
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
  gone.created = core::parseApiTime(gone.creation_time);
  for (const auto& [instance_id, state] : stored.instances) {
    bool done = core::isTerminalInstanceStatus(state.status);
    gone.instances.push_back(
        core::InstanceState{.instance_id = instance_id,
                            .status = done ? state.status.str() : std::string(core::kVanished),
                            .error_code = state.error_code});
  }
  return gone;
}

}  // namespace swas::poller
