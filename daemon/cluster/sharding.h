#pragma once

// Sharding of the (account, region) keys over N replicas (cluster: {shards, shard, replicas}),
// with vmagent's semantics: a key's owners are the members h, h+1, ..., h+R-1 (mod N), h its
// stable hash mod N. The hash is pinned by a golden table (sharding_test): a new version must
// never move a key from one replica to another, or every replica's state would be cold again.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace swas::cluster {

struct Sharding {
  int shards = 1;    // N
  int shard = 0;     // this replica's index, 0..N-1
  int replicas = 1;  // R: owners per key, 1..N
};

// FNV-1a 64 of the key, then splitmix64's finalizer (FNV's low bits alone spread poorly).
uint64_t keyHash(std::string_view key);

// The owners of `key`, first owner first.
std::vector<int> ownersOf(std::string_view key, const Sharding& sharding);

// This replica (sharding.shard) owns `key`.
bool owns(std::string_view key, const Sharding& sharding);

// owns() as a function of the key, for who filters by it.
std::function<bool(const std::string& key)> ownedBy(const Sharding& sharding);

// What every replica of a cluster must agree on (shards, replicas, the peers, the hold in ms and
// the keys configured, in any order), as 16 hex digits; the shard itself is left out.
std::string layoutTag(const Sharding& sharding, const std::vector<std::string>& peers,
                      int64_t hold_ms, std::vector<std::string> keys);

}  // namespace swas::cluster
