#include "daemon/metrics/shard_metrics.h"

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string>

namespace swas::metrics {

struct ShardMetrics::Impl {
  explicit Impl(prometheus::Registry& r)
      : info(prometheus::BuildGauge()
                 .Name("swas_shard_info")
                 .Help("This replica's place in the cluster (cluster: shards, shard, replicas); "
                       "always 1.")
                 .Register(r)),
        owned(prometheus::BuildGauge()
                  .Name("swas_owned_scopes")
                  .Help("The (account, region) keys this replica polls: those it owns.")
                  .Register(r)
                  .Add({})),
        expected(prometheus::BuildGauge()
                     .Name("swas_owned_scopes_expected")
                     .Help("The keys this replica knows of, owned or not, times cluster.replicas: "
                           "what sum(swas_owned_scopes) over the replicas is when every replica "
                           "is up and they agree.")
                     .Register(r)
                     .Add({})) {}
  prometheus::Family<prometheus::Gauge>& info;
  prometheus::Gauge& owned;
  prometheus::Gauge& expected;
  prometheus::Gauge* current = nullptr;
};

ShardMetrics::ShardMetrics(prometheus::Registry& registry)
    : impl_(std::make_unique<Impl>(registry)) {}

ShardMetrics::~ShardMetrics() = default;

void ShardMetrics::publish(const Ownership& o) {
  Impl& m = *impl_;
  auto& info = m.info.Add({{"shard", std::to_string(o.shard)},
                           {"shards", std::to_string(o.shards)},
                           {"replicas", std::to_string(o.replicas)}});
  if (m.current && m.current != &info) m.info.Remove(m.current);
  m.current = &info;
  info.Set(1);
  m.owned.Set(static_cast<double>(o.owned));
  m.expected.Set(static_cast<double>(o.known * static_cast<size_t>(o.replicas)));
}

}  // namespace swas::metrics
