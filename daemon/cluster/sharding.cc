#include "daemon/cluster/sharding.h"

#include <algorithm>
#include <cstdio>

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

std::function<bool(const std::string& key)> ownedBy(const Sharding& sharding) {
  return [sharding](const std::string& key) { return owns(key, sharding); };
}

std::string layoutTag(const Sharding& sharding, const std::vector<std::string>& peers,
                      int64_t hold_ms, std::vector<std::string> keys) {
  // Appended piece by piece (GCC 12 warns of a false overlap in a chain of +).
  std::string text = std::to_string(sharding.shards);
  text.append("/").append(std::to_string(sharding.replicas));
  for (const auto& peer : peers) text.append(" ").append(peer);
  text.append(" ").append(std::to_string(hold_ms));
  std::sort(keys.begin(), keys.end());
  for (const auto& key : keys) text.append(" ").append(key);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(keyHash(text)));
  return hex;
}

}  // namespace swas::cluster
