#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace swas::core {

// What one region's tracked state holds, by status.
struct TrackedCounts {
  std::map<std::string, int64_t> invocations;  // by overall InvocationStatus
  std::map<std::string, int64_t> instances;    // (invocation, instance) pairs by their status
};

// What the poller reports about its own work (API calls, polls, skipped ticks, fallbacks,
// anomalies, state errors), for metrics; `scope` is the region's core::Scope::key(). Pure virtual:
// a listener that misses an event does not compile. The poller knows nothing of who listens.
class PollObserver {
 public:
  virtual ~PollObserver() = default;
  // `code` is "OK" or core::metricCode() of the failure.
  virtual void onApiRequest(const std::string& scope, const std::string& action,
                            const std::string& code, double seconds) = 0;
  virtual void onPollFinished(const std::string& scope, bool ok, double seconds, bool full_walk,
                              int api_calls) = 0;
  // Scheduled polls that never happened because the previous one overran them.
  virtual void onSkippedTicks(const std::string& scope, int count) = 0;
  // The region's tracked state after loading it and after every poll or eviction that changed it.
  virtual void onTrackedCounts(const std::string& scope, const TrackedCounts& counts) = 0;
  // The API's order was not newest-first, so early stop is off until a walk shows it again.
  virtual void onPagingFallback(const std::string& scope) = 0;
  // Something in an API answer was wrong and was worked around (kind: field, record, paging,
  // vanished, retry_after).
  virtual void onApiAnomaly(const std::string& scope, std::string_view kind, int count) = 0;
  // A state file read or write failed (`operation`: poll_commit, evict).
  virtual void onStateError(std::string_view operation) = 0;
};

}  // namespace swas::core
