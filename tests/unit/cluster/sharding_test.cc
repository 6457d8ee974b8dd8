// Sharding (issue 27): every key owned exactly R times, spread over the shards, and the hash
// pinned by a golden table so no version moves a key between replicas.
#include "daemon/cluster/sharding.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace swas::cluster {
namespace {

// 20 accounts x 3 regions, as core::Scope keys ("ACCOUNT/REGION").
std::vector<std::string> keys() {
  std::vector<std::string> out;
  for (int a = 0; a < 20; ++a) {
    for (const char* region : {"cn-hangzhou", "cn-shanghai", "ecs:ap-southeast-1"}) {
      out.push_back("acct-" + std::to_string(a) + "/" + region);
    }
  }
  return out;
}

TEST(Sharding, ThreeShardsWithTwoReplicasOwnEveryKeyExactlyTwice) {
  std::map<std::string, int> owned;
  std::map<int, int> per_shard;
  for (int shard = 0; shard < 3; ++shard) {
    for (const auto& key : keys()) {
      if (owns(key, {.shards = 3, .shard = shard, .replicas = 2})) {
        ++owned[key];
        ++per_shard[shard];
      }
    }
  }
  ASSERT_EQ(owned.size(), 60u);
  for (const auto& [key, count] : owned) EXPECT_EQ(count, 2) << key;
  for (const auto& [shard, count] : per_shard) {
    EXPECT_GE(count, 25) << "shard " << shard << " of 120 ownerships (40 each when even)";
    EXPECT_LE(count, 55) << "shard " << shard;
  }
}

TEST(Sharding, OwnersFollowTheFirstRoundTheRingAndOneShardOwnsAll) {
  for (const auto& key : keys()) {
    auto owners = ownersOf(key, {.shards = 5, .replicas = 3});
    ASSERT_EQ(owners.size(), 3u);
    EXPECT_EQ(owners[1], (owners[0] + 1) % 5);
    EXPECT_EQ(owners[2], (owners[0] + 2) % 5);
    EXPECT_TRUE(owns(key, {}));
  }
  EXPECT_EQ(ownersOf("x", {.shards = 2, .replicas = 9}).size(), 2u) << "at most N owners";
}

// The golden table (the values computed apart, by a Python transcription of FNV-1a 64 and
// splitmix64's finalizer): changing the hash moves keys between replicas, a re-baseline of
// every state file. These values must never change.
TEST(Sharding, TheHashIsStableAcrossVersions) {
  const std::map<std::string, uint64_t> golden = {
      {"", 0xf52a15e9a9b5e89bULL},
      {"cn-hangzhou", 0x190751d207598544ULL},
      {"prod/cn-hangzhou", 0x87985630a74d4593ULL},
      {"prod/ecs:cn-hangzhou", 0x6171c5a344fdc1c4ULL},
      {"staging/ap-southeast-1", 0x3e841e8eab732a4fULL},
  };
  for (const auto& [key, hash] : golden) EXPECT_EQ(keyHash(key), hash) << '"' << key << '"';
  EXPECT_EQ(ownersOf("prod/cn-hangzhou", {.shards = 3, .replicas = 2}), (std::vector<int>{2, 0}));
}

}  // namespace
}  // namespace swas::cluster

namespace swas::cluster {
namespace {

// The layout every replica must agree on: the same from any shard and in any order of keys,
// another with any other shards, replicas, peers, hold or keys.
TEST(Sharding, TheLayoutTagIsTheSameOnEveryReplicaAndChangesWithAnythingTheyMustAgreeOn) {
  const std::vector<std::string> peers = {"http://m-0.m:9786", "http://m-1.m:9786"};
  std::string tag = layoutTag({2, 0, 2}, peers, 370'000, {"a/cn-hangzhou", "b/cn-beijing"});
  EXPECT_EQ(tag.size(), 16u);
  EXPECT_EQ(layoutTag({2, 1, 2}, peers, 370'000, {"b/cn-beijing", "a/cn-hangzhou"}), tag);
  EXPECT_NE(layoutTag({2, 0, 1}, peers, 370'000, {"a/cn-hangzhou", "b/cn-beijing"}), tag);
  EXPECT_NE(layoutTag({2, 0, 2}, {peers[1], peers[0]}, 370'000, {"a/cn-hangzhou", "b/cn-beijing"}),
            tag);
  EXPECT_NE(layoutTag({2, 0, 2}, peers, 40'000, {"a/cn-hangzhou", "b/cn-beijing"}), tag);
  EXPECT_NE(layoutTag({2, 0, 2}, peers, 370'000, {"a/cn-hangzhou"}), tag);
}

}  // namespace
}  // namespace swas::cluster
