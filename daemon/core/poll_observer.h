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

// What the poller reports about its own work (API calls, polls, skipped ticks), for metrics.
// Every method has a no-op default; the poller knows nothing of who listens.
class PollObserver {
 public:
  virtual ~PollObserver() = default;
  // `code` is "OK" or core::metricCode() of the failure.
  virtual void onApiRequest(const std::string& /*region_id*/, const std::string& /*action*/,
                            const std::string& /*code*/, double /*seconds*/) {}
  virtual void onPollFinished(const std::string& /*region_id*/, bool /*ok*/, double /*seconds*/,
                              bool /*full_walk*/, int /*api_calls*/) {}
  virtual void onSkippedTicks(const std::string& /*region_id*/, int /*count*/) {}
  // The region's tracked state after loading it and after every poll or eviction that changed it.
  virtual void onTrackedCounts(const std::string& /*region_id*/, const TrackedCounts& /*counts*/) {}
  // The API's order was not newest-first, so early stop is off until a walk shows it again.
  virtual void onPagingFallback(const std::string& /*region_id*/) {}
  // Something in an API answer was wrong and was worked around (see core::Anomaly).
  virtual void onApiAnomaly(const std::string& region_id, std::string_view kind, int count) = 0;
  // A state file read or write failed (`operation`: poll_commit, evict).
  virtual void onStateError(std::string_view operation) = 0;
};

}  // namespace swas::core
