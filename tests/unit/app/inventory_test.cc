// app::InstanceInventory (issue 15): what one refresh changes, what it must not believe, and the
// SwasCloudAssistantDown alerts nobody could ever resolve otherwise.
#include "daemon/app/inventory.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <filesystem>
#include <limits>

#include "tests/support/fake_clock.h"
#include "tests/support/sim_process.h"

namespace swas::app {
namespace {

using std::chrono::seconds;

inventory::Instance instance(std::string id, std::string name, std::optional<bool> agent,
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

  // An inventory and its lifecycle over the store, the lifecycle loaded from it (a restart).
  struct Parts {
    std::unique_ptr<InstanceInventory> inventory;
    std::unique_ptr<alerting::Lifecycle> lifecycle;
  };
  Parts build(seconds down_after) {
    Parts p;
    p.inventory = std::make_unique<InstanceInventory>(*store_, inventory_metrics_, metrics_, clock_,
                                                      down_after);
    p.lifecycle = std::make_unique<alerting::Lifecycle>(alerting::LifecycleOptions{
        {{"ops", true}}, true, std::chrono::hours(24), p.inventory.get()});
    p.lifecycle->load(*store_->alerts(std::numeric_limits<int64_t>::max()), {});
    p.inventory->attach(*p.lifecycle);
    return p;
  }

  int64_t queued() { return (*store_->outboxCounts())["ops"]; }

  std::string path_;
  std::unique_ptr<state::Store> store_;
  prometheus::Registry registry_;
  testing::FakeClock clock_;
  metrics::InventoryMetrics inventory_metrics_{registry_};
  metrics::Metrics metrics_{registry_, clock_,
                            metrics::MetricsOptions{{"cn-hangzhou"}, {"ops"}, "0.1.0", "abc"}};
};

TEST_F(InstanceInventoryTest, AnEmptyListingIsBelievedOnlyWhenTheNextOneSaysTheSame) {
  Parts p = build(seconds(600));
  p.inventory->addRegion("cn-hangzhou", {});
  p.inventory->onInventory("cn-hangzhou", {instance("i-1", "web-1", true)});
  ASSERT_TRUE(p.inventory->find("cn-hangzhou", "i-1"));
  p.inventory->onInventory("cn-hangzhou", {});
  EXPECT_TRUE(p.inventory->find("cn-hangzhou", "i-1")) << "one empty answer is not believed";
  p.inventory->onInventory("cn-hangzhou", {});
  EXPECT_FALSE(p.inventory->find("cn-hangzhou", "i-1")) << "two in a row are";
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
  EXPECT_EQ(restarted.inventory->find("cn-hangzhou", "i-1")->name, "web-1");
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

}  // namespace
}  // namespace swas::app
