// cluster: how many replicas share the (account, region) keys, which one this is, and how many
// own each key.

#include "daemon/config/config.h"
#include "daemon/config/parser.h"

namespace swas::config {

void parseCluster(Parser& p, const YAML::Node& node, ClusterSettings& c) {
  if (!p.isMap(node, "cluster")) return;
  p.checkKeys(node, {"shards", "shard", "replicas"}, "cluster");
  constexpr int kMaxShards = 1000;
  p.integer(node, "shards", c.shards, 1, kMaxShards);
  p.integer(node, "replicas", c.replicas, 1, kMaxShards);
  p.integer(node, "shard", c.shard, 0, kMaxShards - 1);
  if (c.shard >= c.shards) {
    p.problem(node["shard"] ? node["shard"] : node,
              "cluster.shard " + std::to_string(c.shard) + " is not below cluster.shards (" +
                  std::to_string(c.shards) + "): replicas are numbered 0.." +
                  std::to_string(c.shards - 1));
  }
  if (c.replicas > c.shards) {
    p.problem(node["replicas"], "cluster.replicas (" + std::to_string(c.replicas) +
                                    ") must be at most cluster.shards (" +
                                    std::to_string(c.shards) +
                                    "): a key has one owner per replica");
  }
}

}  // namespace swas::config
