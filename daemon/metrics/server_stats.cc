#include "daemon/metrics/server_stats.h"

namespace swas::metrics {

void ServerStatsExport::update(const http::ServerStats& now) {
  auto add = [&](std::string_view reason, uint64_t value, uint64_t& seen) {
    if (value > seen) metrics_.onHttpConnectionsClosed(reason, value - seen);
    seen = value;
  };
  add("evicted", now.evicted, seen_.evicted);
  add("stalled", now.stalled, seen_.stalled);
  add("refused", now.refused, seen_.refused);
  add("peer_limit", now.peer_limit, seen_.peer_limit);
  add("busy", now.busy, seen_.busy);
  add("timed_out", now.timed_out, seen_.timed_out);
  add("too_large", now.too_large, seen_.too_large);
  add("accept_error", now.accept_errors, seen_.accept_errors);
}

}  // namespace swas::metrics
