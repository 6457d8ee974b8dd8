#pragma once
// The /metrics listener's closes and refusals (http::ServerStats, cumulative) as the counter
// swas_http_connections_closed_total: each update adds what grew since the last one.
#include "daemon/http/http_server.h"
#include "daemon/metrics/metrics.h"

namespace swas::metrics {

class ServerStatsExport {
 public:
  explicit ServerStatsExport(Metrics& metrics) : metrics_(metrics) {}
  void update(const http::ServerStats& now);

 private:
  Metrics& metrics_;
  http::ServerStats seen_;  // already exported
};

}  // namespace swas::metrics
