#pragma once

// Where a walk of pages stops, as pure functions: the end of the list, or the signs of an API
// answer that would otherwise keep a poll walking for ever.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/invocation.h"
#include "daemon/state/differ.h"
#include "daemon/state/store.h"

namespace swas::poller {

// No walk goes beyond this many pages (500,000 invocations at 50 a page), whatever TotalCount
// says. TotalCount itself may grow during a walk (invocations created meanwhile push the list
// back), so each page's own TotalCount, not the first's, says where the list ends.
inline constexpr int kMaxWalkPages = 10'000;

struct PageStep {
  bool last = false;
  std::string anomaly;  // why the walk was cut short, when the API's answers did not add up
};

// After page `page` (1-based) of `page_size`, holding `ids` (its InvokeIds, in order): is it the
// last? `total` is this page's TotalCount (negative when absent); `previous_ids` are the
// previous page's InvokeIds. A page that repeats the previous one ends the walk.
PageStep afterPage(int page, int page_size, const std::vector<std::string>& ids,
                   const std::vector<std::string>& previous_ids, int64_t total);

// An unfinished invocation that fetches by InvokeId no longer find is given up (marked
// Vanished) after this many empty answers in a row.
inline constexpr int kVanishAfterMisses = 5;

// The record that gives up a vanished invocation: Vanished overall, its unfinished instances
// Vanished and the finished ones as they were (never empty, so a watched set keeps it), with
// the command the store knows.
core::Invocation vanishedMarker(const std::string& region_id, const std::string& invoke_id,
                                const state::StoredInvocation& stored,
                                const state::Store::Command& command);

// A server-requested wait within a poll is honoured up to this; beyond it the poll ends as
// throttled and the schedule (stretched) decides when to try again.
inline constexpr std::chrono::seconds kMaxRetryAfterInPoll{60};

}  // namespace swas::poller
