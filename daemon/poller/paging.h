#pragma once

// Where a walk of pages stops, as pure functions: the end of the list, or the signs of an API
// answer that would otherwise keep a poll walking for ever.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swas::poller {

// No walk goes beyond this many pages (500,000 invocations at 50 a page), whatever TotalCount
// says; and none beyond the first page's TotalCount by more than kGrowthPages (invocations
// created during the walk shift the list by a few pages at most).
inline constexpr int kMaxWalkPages = 10'000;
inline constexpr int kGrowthPages = 20;

struct PageStep {
  bool last = false;
  std::string anomaly;  // why the walk was cut short, when the API's answers did not add up
};

// After page `page` (1-based) of `page_size`, holding `ids` (its InvokeIds, in order): is it the
// last? `first_total` and `total` are the TotalCount of the first and of this page (negative when
// absent); `previous_ids` are the previous page's InvokeIds.
PageStep afterPage(int page, int page_size, const std::vector<std::string>& ids,
                   const std::vector<std::string>& previous_ids, int64_t first_total,
                   int64_t total);

// An unfinished invocation that fetches by InvokeId no longer find is given up (marked
// Vanished) after this many empty answers in a row.
inline constexpr int kVanishAfterMisses = 5;

// A server-requested wait within a poll is honoured up to this; beyond it the poll ends as
// throttled and the schedule (stretched) decides when to try again.
inline constexpr std::chrono::seconds kMaxRetryAfterInPoll{60};

}  // namespace swas::poller
