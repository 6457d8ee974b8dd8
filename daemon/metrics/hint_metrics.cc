#include "daemon/metrics/hint_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <string>

namespace swas::metrics {

struct HintMetrics::Impl {
  explicit Impl(prometheus::Registry& r)
      : requests(prometheus::BuildCounter()
                     .Name("swas_event_requests_total")
                     .Help("POSTs to /api/eventbridge/cloud-assistant by the HTTP status answered "
                           "(202 accepted; 400 not CloudEvents; 401 no or a wrong token; 404 off "
                           "or another path; 503 stopping).")
                     .Register(r)),
        hints(prometheus::BuildCounter()
                  .Name("swas_event_hints_total")
                  .Help("What accepted events did: poll (a poller told to poll soon) and "
                        "coalesced (a poller whose hinted poll was pending), per poller told; "
                        "unwatched (nothing of that region, product or instance is polled) and "
                        "ignored (another type, or no usable region), per event.")
                  .Register(r)) {
    for (auto code : {"202", "400", "401", "404", "503"}) requests.Add({{"code", code}});
    for (auto outcome : {"poll", "coalesced", "unwatched", "ignored"}) {
      hints.Add({{"outcome", outcome}});
    }
  }
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Counter>& hints;
};

HintMetrics::HintMetrics(prometheus::Registry& registry)
    : impl_(std::make_unique<Impl>(registry)) {}

HintMetrics::~HintMetrics() = default;

void HintMetrics::onEventRequest(int code) {
  impl_->requests.Add({{"code", std::to_string(code)}}).Increment();
}

void HintMetrics::onEventHints(std::string_view outcome, size_t count) {
  impl_->hints.Add({{"outcome", std::string(outcome)}}).Increment(static_cast<double>(count));
}

}  // namespace swas::metrics
