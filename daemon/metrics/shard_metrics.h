#pragma once

// The cluster's metrics: swas_shard_info{shard,shards,replicas} (always 1) and
// swas_owned_scopes (the (account, region) keys this replica polls), with
// swas_owned_scopes_expected (the keys it knows of, owned or not, times replicas: what
// sum(swas_owned_scopes) over every replica is when all are up and agree; SwasShardsIncomplete
// compares them).

#include <cstddef>
#include <memory>

namespace prometheus {
class Registry;
}

namespace swas::metrics {

struct Ownership {
  int shards = 1;
  int shard = 0;
  int replicas = 1;
  size_t owned = 0;  // keys polled here
  size_t known = 0;  // keys known here (configured, or listed by ListRegions), owned or not
};

class ShardMetrics {
 public:
  explicit ShardMetrics(prometheus::Registry& registry);
  ~ShardMetrics();
  ShardMetrics(const ShardMetrics&) = delete;
  ShardMetrics& operator=(const ShardMetrics&) = delete;

  // On start, on reload and whenever the regions polled change.
  void publish(const Ownership& ownership);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swas::metrics
