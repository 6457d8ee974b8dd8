#include "daemon/cluster/sharding.h"

namespace swas::cluster {

uint64_t keyHash(std::string_view key) {
  uint64_t h = 14695981039346656037ULL;  // FNV-1a 64
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  h ^= h >> 30;  // splitmix64's finalizer
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

std::vector<int> ownersOf(std::string_view key, const Sharding& sharding) {
  int n = sharding.shards < 1 ? 1 : sharding.shards;
  int r = sharding.replicas < 1 ? 1 : (sharding.replicas > n ? n : sharding.replicas);
  int first = static_cast<int>(keyHash(key) % static_cast<uint64_t>(n));
  std::vector<int> owners;
  owners.reserve(static_cast<size_t>(r));
  for (int i = 0; i < r; ++i) owners.push_back((first + i) % n);
  return owners;
}

bool owns(std::string_view key, const Sharding& sharding) {
  for (int owner : ownersOf(key, sharding)) {
    if (owner == sharding.shard) return true;
  }
  return false;
}

}  // namespace swas::cluster
