// cluster: how many replicas share the (account, region) keys, which one this is, and how many
// own each key.

#include "daemon/config/config.h"
#include "daemon/config/parser.h"
#include "daemon/util/url.h"

namespace swas::config {

void parseCluster(Parser& p, const YAML::Node& node, ClusterSettings& c) {
  if (!p.isMap(node, "cluster")) return;
  p.checkKeys(node, {"shards", "shard", "replicas", "peers", "probe_interval"}, "cluster");
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
  p.list(node, "peers", c.peers);
  p.dur(node, "probe_interval", c.probe_interval);
  if (node["peers"] && c.peers.size() != static_cast<size_t>(c.shards)) {
    p.problem(node["peers"], "cluster.peers lists " + std::to_string(c.peers.size()) +
                                 " URL(s); it needs one per shard (" + std::to_string(c.shards) +
                                 "), in shard order");
  }
  for (size_t i = 0; i < c.peers.size() && node["peers"].IsSequence(); ++i) {
    if (!util::isHttpUrl(c.peers[i])) {
      p.problem(node["peers"][i], "cluster.peers: not an http:// or https:// URL");
    }
  }
  if (c.replicas > c.shards) {
    p.problem(node["replicas"], "cluster.replicas (" + std::to_string(c.replicas) +
                                    ") must be at most cluster.shards (" +
                                    std::to_string(c.shards) +
                                    "): a key has one owner per replica");
  }
}

void checkClusterReceivers(Parser& p, const YAML::Node& root, const Config& c) {
  if (c.cluster.replicas < 2 || !c.cluster.peers.empty()) return;
  for (const auto& r : c.alerts.receivers) {
    if (r.type == "alertmanager" || r.relay_only) continue;
    p.problem(root["cluster"]["replicas"],
              "cluster.replicas is " + std::to_string(c.cluster.replicas) + " and receiver " +
                  r.name + " (" + r.type +
                  ") is sent to straight: list cluster.peers (every replica's URL, by shard) "
                  "so only the first live owner of a key sends to it, or make it relay_only");
    return;
  }
}

}  // namespace swas::config
