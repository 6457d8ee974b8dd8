#pragma once

// The paging strategy's decisions, as pure functions: whether a poll walks every page, where a
// walk stops (early, at the end of the list, or at the signs of an API answer that would keep
// it walking for ever), how unfinished invocations the walk did not reach are fetched, and
// whether watched instances are listed one by one.

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/invocation.h"
#include "daemon/state/differ.h"
#include "daemon/state/store.h"

namespace swas::poller {

// A complete walk of every page is due on a cold start, every `full_scan_every`, and whenever the
// API's order has not been observed to be newest-first.
bool fullWalkDue(const state::RegionCursor& cursor, std::chrono::system_clock::time_point now,
                 std::chrono::seconds full_scan_every, bool order_is_newest_first);

// True when `page` is in newest-first order and continues `previous_oldest` (the CreationTime of
// the last invocation of the previous page, "" for the first page). Invocations of the previous
// page (`previous_ids`) seen again are no disorder: what is created during a walk pushes the
// list back, so the next page begins with the end of the one before (a slow walk among many
// sees it on most pages).
bool newestFirst(const std::vector<core::Invocation>& page, const std::string& previous_oldest,
                 const std::vector<std::string>& previous_ids = {});

// With pages newest-first, the walk of a list may stop after `page` once it reaches a finished
// invocation created before `previous_newest` (the newest CreationTime this same list showed in
// the previous poll) that is known finished (one without a watched instance need not be known:
// it is never stored). Everything after it is older still: the list showed it before, and what
// of it is unfinished is fetched directly. What this cannot see, an invocation that appears in
// the list only after newer ones were seen, the periodic full walk finds.
bool earlyStopAfter(const std::vector<core::Invocation>& page, const state::RegionSnapshot& known,
                    const std::string& previous_newest, const std::set<std::string>& watched);

// How far into `page` a bounded walk had to read: 1 + the index of its last invocation that
// does not allow the early stop above (new, unfinished, or not known finished); 0 when the
// first already does.
int neededDepth(const std::vector<core::Invocation>& page, const state::RegionSnapshot& known,
                const std::string& previous_newest, const std::set<std::string>& watched);

// The first page of a bounded walk: twice as deep as the list's recent bounded walks had to
// read at most (`needed`), at least kSteadyPageMin (the API's default), at most `page_size`;
// nullopt (not known): `page_size`. Most polls find a few changes at the top of the list, so
// asking for 50 invocations with every instance's Output would read, parse and drop about 40.
inline constexpr int kSteadyPageMin = 10;
int steadyPageSize(std::optional<int> needed, int page_size);

// The largest of the last kNeededWindow depths a list's bounded walks needed: the first page
// follows the busiest recent poll, not the last one, so a list that alternates quiet polls and
// bursts (a cron job's) pays a burst's extra call once, not at every burst.
inline constexpr size_t kNeededWindow = 20;
class RecentNeeds {
 public:
  void push(int needed);
  int max() const;

 private:
  std::array<int, kNeededWindow> values_{};
  size_t count_ = 0;
  size_t next_ = 0;
};

// Unfinished invocations the store knows (`unfinished`, invoke ids) that a walk did not see:
// they must be fetched directly. Sorted.
std::vector<std::string> unseenUnfinished(const std::set<std::string>& unfinished,
                                          const std::vector<core::Invocation>& seen);

// Fetching `unseen` unfinished invocations costs one call each by InvokeId, or at least three
// walks by InvocationStatus filter (Pending, Running, Stopping) plus one call for each that
// finished meanwhile. The filters win when more than twice their three calls are needed.
inline constexpr std::string_view kUnfinishedStatuses[] = {"Pending", "Running", "Stopping"};
bool fetchUnfinishedByStatus(size_t unseen);

// With watched instances, a full walk's calls as one list per watched instance (InstanceId
// filter) against one region-wide list filtered locally, from the counts it observed:
// `region_total` invocations in the region, `watched_pairs` the invocations per watched instance.
struct ListingCost {
  bool per_instance = false;  // the cheaper
  int64_t per_instance_calls = 0;
  int64_t region_calls = 0;
};
ListingCost listingCost(int64_t region_total, const std::set<std::string>& watched,
                        const std::map<std::string, std::set<std::string>>& watched_pairs,
                        int page_size);

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

// The same for ECS's NextToken paging: page `page` holding `ids` was asked for with `sent_token`
// ("" for the first) and answered `next_token`. The list ends where no token comes back; a page
// that repeats the previous one, a token that comes back unchanged, or an empty page that still
// has a token end the walk as anomalies (an answer that would keep it walking for ever).
PageStep afterTokenPage(int page, const std::vector<std::string>& ids,
                        const std::vector<std::string>& previous_ids, const std::string& next_token,
                        const std::string& sent_token);

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
