// Alerts relayed from Alertmanager to a chat receiver: queued once per state, per receiver, and
// kept out of the daemon's own alerts.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <limits>

#include "daemon/state/state_reader.h"
#include "daemon/state/store.h"
#include "tests/support/sim_process.h"

namespace swas::state {
namespace {

namespace fs = std::filesystem;

std::string freshPath(const std::string& name) {
  std::string path = testing::writeTempFile("store_relay/" + name, "");
  fs::remove(path);
  return path;
}

core::Alert relayed(std::string fingerprint, int64_t starts_at,
                    std::optional<int64_t> ends_at = std::nullopt) {
  core::Alert a;
  a.fingerprint = std::move(fingerprint);
  a.scope = "cn-hangzhou";
  a.instance_id = "i-1";
  a.labels_json = R"({"alertname":"SwasInvocationFailed","instance_id":"i-1"})";
  a.annotations_json = R"({"summary":"deploy failed"})";
  a.starts_at = starts_at;
  a.ends_at = ends_at;
  return a;
}

// (fingerprint, resolved) of the receiver's queue, oldest first.
std::vector<std::pair<std::string, bool>> queue(Store& store, const std::string& receiver) {
  std::vector<std::pair<std::string, bool>> out;
  auto pending = store.pendingNotifications(receiver, 100);
  for (const auto& p : pending.value()) {
    out.emplace_back(p.alert.fingerprint, p.notification.resolved);
  }
  return out;
}

TEST(StoreRelay, EachStateOfAnAlertIsQueuedOnce) {
  auto store = Store::open(freshPath("once.db"));
  ASSERT_TRUE(store) << store.error();
  Store& s = **store;
  // A group's notifications repeat its firing alerts with every change and every repeat.
  auto first = s.relayAlerts("oncall", {relayed("aaaa", 100)}, true, 1);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->queued, 1u);
  auto second = s.relayAlerts("oncall", {relayed("aaaa", 100), relayed("bbbb", 110)}, true, 2);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->queued, 1u);
  EXPECT_EQ(second->repeated, 1u);
  auto resolved =
      s.relayAlerts("oncall", {relayed("aaaa", 100, 200), relayed("bbbb", 110)}, true, 3);
  EXPECT_EQ(resolved->queued, 1u);
  EXPECT_EQ(resolved->repeated, 1u);
  EXPECT_EQ(s.relayAlerts("oncall", {relayed("aaaa", 100, 200)}, true, 4)->repeated, 1u);
  // Firing again after its resolution: a new start, news again.
  EXPECT_EQ(s.relayAlerts("oncall", {relayed("aaaa", 300)}, true, 5)->queued, 1u);
  // Still firing with an earlier start (Alertmanager merged two copies): no news.
  EXPECT_EQ(s.relayAlerts("oncall", {relayed("aaaa", 290)}, true, 6)->repeated, 1u);
  EXPECT_EQ(queue(s, "oncall"),
            (std::vector<std::pair<std::string, bool>>{{"relay:oncall:aaaa", false},
                                                       {"relay:oncall:bbbb", false},
                                                       {"relay:oncall:aaaa", true},
                                                       {"relay:oncall:aaaa", false}}));
  auto pending = s.pendingNotifications("oncall", 1).value();
  EXPECT_EQ(pending[0].alert.labels_json, relayed("aaaa", 100).labels_json);
  EXPECT_EQ(pending[0].alert.annotations_json, relayed("aaaa", 100).annotations_json);
  EXPECT_EQ(pending[0].alert.scope, "cn-hangzhou");
}

TEST(StoreRelay, AResolutionNeverSeenFiringIsStillNewsAndSendResolvedFalseQueuesNone) {
  auto store = Store::open(freshPath("resolved.db"));
  ASSERT_TRUE(store) << store.error();
  Store& s = **store;
  // The other replica relayed the firing; this one hears only of the end.
  EXPECT_EQ(s.relayAlerts("oncall", {relayed("aaaa", 100, 200)}, true, 1)->queued, 1u);
  EXPECT_EQ(queue(s, "oncall"),
            (std::vector<std::pair<std::string, bool>>{{"relay:oncall:aaaa", true}}));
  auto quiet = s.relayAlerts("quiet", {relayed("aaaa", 100), relayed("aaaa", 100, 200)}, false, 2);
  EXPECT_EQ(quiet->queued, 1u) << "the firing only";
  EXPECT_EQ(quiet->repeated, 1u) << "the resolution, which is not sent, is not lost count of";
  EXPECT_EQ(queue(s, "quiet"),
            (std::vector<std::pair<std::string, bool>>{{"relay:quiet:aaaa", false}}));
}

TEST(StoreRelay, RelayedAlertsStayOutOfTheDaemonsOwnAndAreForgottenOnceSentAndOld) {
  std::string path = freshPath("apart.db");
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  Store& s = **store;
  ASSERT_TRUE(
      s.relayAlerts("oncall", {relayed("aaaa", 100), relayed("bbbb", 100, 150)}, true, 100'000));
  EXPECT_TRUE(s.alerts(std::numeric_limits<int64_t>::max())->empty())
      << "not in the firing set, its re-sends or the resolve timeout";
  {
    auto reader = StateReader::open(path, StateReader::Beside::kTheWriter);
    ASSERT_TRUE(reader) << reader.error();
    EXPECT_TRUE((*reader)->firingAlerts({})->empty()) << "nor in `alerts` and the page";
    EXPECT_EQ((*reader)->status(0)->firing, 0);
  }
  // Queued: kept whatever their age.
  EXPECT_EQ(s.evictResolvedAlerts(1'000).value(), 0u);
  std::vector<int64_t> ids;
  auto pending = s.pendingNotifications("oncall", 10);
  for (const auto& p : pending.value()) ids.push_back(p.id);
  ASSERT_TRUE(s.updateNotifications(ids, {NotificationUpdate::kRemove}));
  EXPECT_EQ(s.evictResolvedAlerts(50).value(), 0u) << "relayed after the cutoff";
  // Alertmanager repeats the firing one (repeat_interval): it stays, and stays a repeat.
  EXPECT_EQ(s.relayAlerts("oncall", {relayed("aaaa", 100)}, true, 2'000'000)->repeated, 1u);
  EXPECT_EQ(s.evictResolvedAlerts(1'000).value(), 1u) << "the resolved one, relayed long ago";
  EXPECT_EQ(s.relayAlerts("oncall", {relayed("aaaa", 100)}, true, 2'000'000)->repeated, 1u);
  EXPECT_EQ(s.evictResolvedAlerts(3'000).value(), 1u) << "not repeated since the cutoff";
}

// A version 5 file: its alerts become the daemon's own ('poll').
TEST(StoreRelay, MigrationSixKeepsTheAlertsAsTheDaemonsOwn) {
  std::string path = freshPath("v5.db");
  {
    auto store = Store::open(path);
    ASSERT_TRUE(store);
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "ALTER TABLE alerts DROP COLUMN source; "
                           "ALTER TABLE alerts DROP COLUMN relayed_at; "
                           "INSERT INTO alerts VALUES('f1','cn-hangzhou','t-1','i-1','c-1','',"
                           "'{}','{}',100,NULL); PRAGMA user_version=5",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = Store::open(path);
  ASSERT_TRUE(store) << store.error();
  auto own = (*store)->alerts(0);
  ASSERT_TRUE(own);
  ASSERT_EQ(own->size(), 1u);
  EXPECT_EQ(own->front().fingerprint, "f1");
}

}  // namespace
}  // namespace swas::state
