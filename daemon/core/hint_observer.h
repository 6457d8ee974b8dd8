#pragma once

#include <cstddef>
#include <string_view>

namespace swas::core {

// What the event hints report, for metrics: the answer to each request
// (swas_event_requests_total{code}) and what became of its events
// (swas_event_hints_total{outcome}: poll, coalesced, unwatched, ignored). Nothing an event says
// becomes a label: a forged region must not make a series.
class HintObserver {
 public:
  virtual ~HintObserver() = default;
  virtual void onEventRequest(int code) = 0;
  virtual void onEventHints(std::string_view outcome, size_t count) = 0;
};

}  // namespace swas::core
