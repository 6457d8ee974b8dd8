// The inventory's pure parts: merging the two calls' pages, the watched set by IDs, tags and name
// globs as the inventory changes, region discovery, and agent-down timing on a fake clock.
#include "daemon/inventory/instances.h"

#include <gtest/gtest.h>

namespace swas::inventory {
namespace {

using namespace std::chrono_literals;
using Changes = std::vector<AgentWatch::Change>;

Instance instance(std::string id, std::string name,
                  std::vector<std::pair<std::string, std::string>> tags = {},
                  std::string status = "Running", std::optional<bool> agent = true) {
  return {std::move(id),     std::move(name), "47.0.0.1", "172.16.0.1",
          std::move(status), std::move(tags), agent};
}

TEST(Inventory, MergeKeepsAnUnmentionedAgentUnknown) {
  std::vector<api::InstanceInfo> listed = {{.instance_id = "i-1", .instance_name = "web-1"},
                                           {.instance_id = "i-2", .instance_name = "web-2"}};
  auto merged = mergeInventory(listed, {{"i-1", false}, {"i-9", true}});
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].name, "web-1");
  EXPECT_EQ(merged[0].agent_online, false);
  EXPECT_FALSE(merged[1].agent_online.has_value());
}

// Issue 26: ECS's agent status carries its last heartbeat and its running tasks, for `status`.
TEST(Inventory, MergeKeepsEcsHeartbeatsAndTaskCounts) {
  std::vector<api::InstanceInfo> listed = {{.instance_id = "i-1"}, {.instance_id = "i-2"}};
  auto merged = mergeInventory(listed, {{"i-1", false, "2026-12-06T08:00:00Z", 4}});
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].agent_heartbeat, "2026-12-06T08:00:00Z");
  EXPECT_EQ(merged[0].agent_active_tasks, 4);
  EXPECT_EQ(merged[1].agent_heartbeat, "");
  EXPECT_FALSE(merged[1].agent_active_tasks);
}

TEST(Inventory, WatchedSetFollowsTagsAndNamesAsTheyChange) {
  std::vector<Instance> fleet = {instance("i-1", "web-1", {{"env", "prod"}, {"team", "web"}}),
                                 instance("i-2", "web-2", {{"env", "staging"}}),
                                 instance("i-3", "db-1", {{"env", "prod"}})};
  EXPECT_FALSE(resolveWatched({}, fleet)) << "no rule: every instance";
  EXPECT_EQ(resolveWatched({.instance_ids = {"i-7"}}, fleet), (std::set<std::string>{"i-7"}));
  EXPECT_EQ(resolveWatched({.tags = {{"env", "prod"}}}, fleet),
            (std::set<std::string>{"i-1", "i-3"}));
  EXPECT_EQ(resolveWatched({.name_globs = {"web-*"}}, fleet),
            (std::set<std::string>{"i-1", "i-2"}));
  EXPECT_EQ(resolveWatched({.tags = {{"env", "prod"}}, .name_globs = {"web-?"}}, fleet),
            (std::set<std::string>{"i-1"}))
      << "tags and names both";
  EXPECT_EQ(resolveWatched({.instance_ids = {"i-2"}, .tags = {{"team", "web"}}}, fleet),
            (std::set<std::string>{"i-1", "i-2"}))
      << "listed IDs are watched too";
  fleet[1].tags = {{"env", "prod"}};  // tagged later
  EXPECT_EQ(resolveWatched({.tags = {{"env", "prod"}}}, fleet),
            (std::set<std::string>{"i-1", "i-2", "i-3"}));
  EXPECT_EQ(resolveWatched({.tags = {{"env", "qa"}}}, fleet), (std::set<std::string>{}))
      << "a rule nothing matches watches nothing, not everything";
}

TEST(Inventory, RegionsThatAppearAndVanish) {
  auto changes = diffRegions({"cn-hangzhou", "cn-beijing"}, {"cn-hangzhou", "ap-southeast-1", ""});
  EXPECT_EQ(changes.added, std::vector<std::string>{"ap-southeast-1"});
  EXPECT_EQ(changes.removed, std::vector<std::string>{"cn-beijing"});
}

TEST(Inventory, AnAgentIsDownAfterTheDelayAndBackWhenOnlineOrStopped) {
  AgentWatch watch(10min);
  AgentWatch::TimePoint t0{std::chrono::hours(490'000)};
  auto offline = [](std::string status = "Running") {
    return std::vector<Instance>{instance("i-1", "web-1", {}, std::move(status), false)};
  };
  EXPECT_EQ(watch.observe(offline(), t0), Changes{});
  EXPECT_EQ(watch.observe(offline(), t0 + 5min), Changes{}) << "not yet";
  EXPECT_EQ(watch.observe(offline(), t0 + 10min), (Changes{{"i-1", true, t0}}));
  EXPECT_EQ(watch.observe(offline(), t0 + 15min), Changes{}) << "fired once";
  EXPECT_EQ(watch.observe({instance("i-1", "web-1")}, t0 + 20min),
            (Changes{{"i-1", false, t0 + 20min}}))
      << "back online";
  watch.observe(offline(), t0 + 25min);
  EXPECT_EQ(watch.observe(offline(), t0 + 35min), (Changes{{"i-1", true, t0 + 25min}}));
  EXPECT_EQ(watch.observe(offline("Stopped"), t0 + 40min), (Changes{{"i-1", false, t0 + 40min}}))
      << "a stopped instance's agent is not down";
  EXPECT_EQ(watch.observe(offline("Stopped"), t0 + 60min), Changes{});
  watch.observe(offline(), t0 + 65min);
  EXPECT_EQ(watch.observe(offline(), t0 + 75min), (Changes{{"i-1", true, t0 + 65min}}));
  EXPECT_EQ(watch.observe({}, t0 + 80min), (Changes{{"i-1", false, t0 + 80min}}))
      << "gone from the inventory";
}

TEST(Inventory, AnUnknownAgentChangesNothingAndZeroTurnsItOff) {
  AgentWatch watch(10min);
  AgentWatch::TimePoint t0{std::chrono::hours(490'000)};
  std::vector<Instance> unknown = {instance("i-1", "web-1", {}, "Running", std::nullopt)};
  std::vector<Instance> offline = {instance("i-1", "web-1", {}, "Running", false)};
  watch.observe(offline, t0);
  watch.observe(unknown, t0 + 5min);
  EXPECT_EQ(watch.observe(offline, t0 + 10min), (Changes{{"i-1", true, t0}}))
      << "an unknown answer neither resets nor resolves";
  EXPECT_EQ(watch.observe(unknown, t0 + 15min), Changes{});
  AgentWatch off(0s);
  off.observe(offline, t0);
  EXPECT_EQ(off.observe(offline, t0 + 24h), Changes{});
  AgentWatch restarted(10min);
  restarted.load({{"i-1", t0}});
  EXPECT_TRUE(restarted.isDown("i-1"));
  EXPECT_EQ(restarted.observe({instance("i-1", "web-1")}, t0 + 1h),
            (Changes{{"i-1", false, t0 + 1h}}));
}

}  // namespace
}  // namespace swas::inventory
