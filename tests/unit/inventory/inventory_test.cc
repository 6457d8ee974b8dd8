// inventory::InstanceInventory: what one refresh changes, what it must not believe, what it
// reports, and the SwasCloudAssistantDown alerts nobody could ever resolve otherwise.
#include "daemon/inventory/inventory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

#include "daemon/alerting/rules.h"
#include "tests/support/fake_clock.h"
#include "tests/support/sim_process.h"

namespace swas::inventory {
namespace {

using std::chrono::seconds;

Instance instance(std::string id, std::string name, std::optional<bool> agent,
                  std::vector<std::pair<std::string, std::string>> tags = {}) {
  return {std::move(id), std::move(name), "47.0.0.1", "172.16.0.1",
          "Running",     std::move(tags), agent};
}

class InstanceInventoryTest : public ::testing::Test {
 protected:
  InstanceInventoryTest() {
    path_ = testing::writeTempFile(std::string("app-inventory/") + testing::testName() + ".db", "");
    std::filesystem::remove(path_);
    store_ = std::move(*state::Store::open(path_));
  }

  // What the inventory reported, by region: the last instances, and forgotten or not.
  struct Observer final : core::InventoryObserver {
    void onInventory(const std::string& region_id,
                     const std::vector<core::InstanceRecord>& all) override {
      reported[region_id] = all;
    }
    void onInventoryForgotten(const std::string& region_id) override { reported.erase(region_id); }
    void onStateError(std::string_view operation) override { errors.emplace_back(operation); }
    std::map<std::string, std::vector<core::InstanceRecord>> reported;
    std::vector<std::string> errors;
  };

  // An inventory, its directory and the lifecycle over it, loaded from the store (a restart),
  // built in that order: nothing is attached afterwards.
  struct Parts {
    std::unique_ptr<Directory> directory = std::make_unique<Directory>();
    std::unique_ptr<alerting::Lifecycle> lifecycle;
    std::unique_ptr<InstanceInventory> inventory;
  };
  Parts build(seconds down_after) {
    Parts p;
    p.lifecycle = std::make_unique<alerting::Lifecycle>(alerting::LifecycleOptions{
        {{"ops", true}}, true, std::chrono::hours(24), p.directory.get()});
    p.lifecycle->load(*store_->alerts(std::numeric_limits<int64_t>::max()), {});
    p.inventory = std::make_unique<InstanceInventory>(*store_, *p.directory, *p.lifecycle,
                                                      observer_, clock_, down_after);
    return p;
  }

  int64_t queued() { return (*store_->outboxCounts())["ops"]; }

  std::string path_;
  std::unique_ptr<state::Store> store_;
  testing::FakeClock clock_;
  Observer observer_;
};

TEST_F(InstanceInventoryTest, AnEmptyListingIsBelievedOnlyWhenTheNextOneSaysTheSame) {
  Parts p = build(seconds(600));
  p.inventory->addRegion("cn-hangzhou", {});
  p.inventory->onInventory("cn-hangzhou", {instance("i-1", "web-1", true)});
  ASSERT_TRUE(p.directory->find("cn-hangzhou", "i-1"));
  p.inventory->onInventory("cn-hangzhou", {});
  EXPECT_TRUE(p.directory->find("cn-hangzhou", "i-1")) << "one empty answer is not believed";
  p.inventory->onInventory("cn-hangzhou", {});
  EXPECT_FALSE(p.directory->find("cn-hangzhou", "i-1")) << "two in a row are";
}

TEST_F(InstanceInventoryTest, ATagRuleWithNothingStoredWaitsForTheFirstRefreshButNotAfterARestart) {
  inventory::WatchRule rule{{}, {{"env", "prod"}}, {}};
  {
    Parts p = build(seconds(600));
    auto watched = p.inventory->addRegion("cn-hangzhou", rule);
    EXPECT_TRUE(watched.await_refresh);
    ASSERT_TRUE(watched.instances);
    EXPECT_TRUE(watched.instances->empty());
    p.inventory->onInventory("cn-hangzhou", {instance("i-1", "web-1", true, {{"env", "prod"}}),
                                             instance("i-2", "web-2", true, {{"env", "dev"}})});
  }
  Parts restarted = build(seconds(600));
  auto watched = restarted.inventory->addRegion("cn-hangzhou", rule);
  EXPECT_FALSE(watched.await_refresh) << "the stored inventory resolves it at once";
  EXPECT_EQ(watched.instances, (std::set<std::string>{"i-1"}));
  EXPECT_EQ(restarted.directory->find("cn-hangzhou", "i-1")->name, "web-1");
}

TEST_F(InstanceInventoryTest, AgentAlertsNobodyCouldResolveAreResolved) {
  {
    Parts p = build(seconds(10));
    p.inventory->addRegion("cn-hangzhou", {});
    p.inventory->onInventory("cn-hangzhou", {instance("i-1", "db-1", false)});
    clock_.advance(seconds(11));
    p.inventory->onInventory("cn-hangzhou", {instance("i-1", "db-1", false)});
    ASSERT_EQ(p.lifecycle->firing(), 1u) << "offline for 11 s, down after 10 s";
    EXPECT_EQ(queued(), 1);
    // The region is no longer polled (reload, or region_id: all losing it): nobody would ever
    // see the agent come back.
    p.inventory->removeRegion("cn-hangzhou");
    EXPECT_EQ(p.lifecycle->firing(), 0u);
    EXPECT_EQ(queued(), 2) << "the resolution is queued";
  }
  {
    Parts p = build(seconds(10));
    p.inventory->addRegion("cn-hangzhou", {});
    p.inventory->onInventory("cn-hangzhou", {instance("i-1", "db-1", false)});
    clock_.advance(seconds(11));
    p.inventory->onInventory("cn-hangzhou", {instance("i-1", "db-1", false)});
    ASSERT_EQ(p.lifecycle->firing(), 1u);
  }
  // Review finding: removing (or failing to add) one region resolved the agent alerts of every
  // region not added yet.
  {
    Parts p = build(seconds(10));
    p.inventory->addRegion("cn-shanghai", {});
    p.inventory->removeRegion("cn-shanghai");
    p.inventory->forgetRegion("cn-beijing");
    EXPECT_EQ(p.lifecycle->firing(), 1u) << "cn-hangzhou's alert is not theirs to resolve";
  }
  // Restarted with the alert turned off: it must not fire for ever.
  Parts off = build(seconds(0));
  ASSERT_EQ(off.lifecycle->firing(), 1u);
  off.inventory->addRegion("cn-hangzhou", {});
  off.inventory->resolveAgentAlerts({"cn-hangzhou"});
  EXPECT_EQ(off.lifecycle->firing(), 0u);
}

TEST_F(InstanceInventoryTest, TheWatchedSetFollowsEachRefreshThroughTheCallback) {
  Parts p = build(seconds(600));
  inventory::WatchRule rule{{}, {{"env", "prod"}}, {}};
  p.inventory->addRegion("cn-hangzhou", rule);
  std::vector<std::optional<std::set<std::string>>> followed;
  p.inventory->onWatchedChange("cn-hangzhou", [&](const auto& w) { followed.push_back(w); });
  p.inventory->onInventory("cn-hangzhou", {instance("i-1", "web-1", true, {{"env", "prod"}}),
                                           instance("i-2", "web-2", true, {{"env", "dev"}})});
  ASSERT_EQ(followed.size(), 1u) << "the first refresh ends the wait";
  EXPECT_EQ(followed[0], (std::set<std::string>{"i-1"}));
  p.inventory->onInventory("cn-hangzhou", {instance("i-1", "web-1", true, {{"env", "prod"}}),
                                           instance("i-2", "web-2", true, {{"env", "prod"}})});
  ASSERT_EQ(followed.size(), 2u);
  EXPECT_EQ(followed[1], (std::set<std::string>{"i-1", "i-2"}));
  p.inventory->onInventory("cn-hangzhou", {instance("i-1", "web-1", true, {{"env", "prod"}}),
                                           instance("i-2", "web-2", true, {{"env", "prod"}})});
  EXPECT_EQ(followed.size(), 2u) << "an unchanged set is not announced again";
}

TEST_F(InstanceInventoryTest, ReportsEachRegionsInstancesAndForgetsARemovedRegion) {
  {
    Parts p = build(seconds(600));
    p.inventory->addRegion("cn-hangzhou", {});
    EXPECT_FALSE(observer_.reported.contains("cn-hangzhou")) << "nothing stored, nothing to say";
    p.inventory->onInventory("cn-hangzhou", {instance("i-1", "web-1", true)});
    ASSERT_EQ(observer_.reported["cn-hangzhou"].size(), 1u);
  }
  observer_.reported.clear();
  Parts restarted = build(seconds(600));
  restarted.inventory->addRegion("cn-hangzhou", {});
  ASSERT_EQ(observer_.reported["cn-hangzhou"].size(), 1u) << "the stored instances, at once";
  EXPECT_EQ(observer_.reported["cn-hangzhou"][0].name, "web-1");
  restarted.inventory->removeRegion("cn-hangzhou");
  EXPECT_FALSE(observer_.reported.contains("cn-hangzhou"));
  EXPECT_FALSE(restarted.directory->find("cn-hangzhou", "i-1")) << "the directory forgets it too";
  EXPECT_TRUE(observer_.errors.empty());
}

}  // namespace
}  // namespace swas::inventory
