#pragma once

// The event hints' metrics: swas_event_requests_total{code} (each POST to the event path, by
// the status answered) and swas_event_hints_total{outcome} (what their events did: per poller
// told, poll or coalesced into a hinted poll already pending; per event, unwatched (no poller of
// that region and product, or an instance not watched) or ignored (another type, or no usable
// region)).

#include <memory>

#include "daemon/core/hint_observer.h"

namespace prometheus {
class Registry;
}

namespace swas::metrics {

class HintMetrics final : public core::HintObserver {
 public:
  explicit HintMetrics(prometheus::Registry& registry);
  ~HintMetrics() override;
  HintMetrics(const HintMetrics&) = delete;
  HintMetrics& operator=(const HintMetrics&) = delete;

  void onEventRequest(int code) override;
  void onEventHints(std::string_view outcome, size_t count) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swas::metrics
