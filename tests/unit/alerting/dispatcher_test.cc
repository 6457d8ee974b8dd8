#include "daemon/alerting/dispatcher.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "daemon/alerting/receivers/factory.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_http.h"
#include "tests/support/sim_process.h"
#include "tests/support/small_disk.h"

namespace swas::alerting {
namespace {

using namespace std::chrono;

using testing::FakeHttp;

class CountingObserver final : public core::AlertObserver {
 public:
  void onNotifications(const std::string&, std::string_view outcome, int count) override {
    counts[std::string(outcome)] += count;
  }
  void onQueueLength(const std::string&, int64_t waiting) override { queue = waiting; }
  void onAlertsFiring(int64_t) override {}
  void onUnrouted() override { ++unrouted; }
  void onStateError(std::string_view operation) override { ++state_errors[std::string(operation)]; }
  void onPeerFailure(const std::string&, const std::string&) override {}
  std::map<std::string, int> counts;
  std::map<std::string, int> state_errors;
  int64_t queue = -1;
  int unrouted = 0;
};

size_t alertsIn(const http::HttpRequest& r) {
  size_t n = 0;
  for (auto at = r.body.find("\"fingerprint\""); at != std::string::npos;
       at = r.body.find("\"fingerprint\"", at + 1)) {
    ++n;
  }
  return n;
}

size_t labelsIn(const http::HttpRequest& r) {
  size_t n = 0;
  for (auto at = r.body.find("\"labels\""); at != std::string::npos;
       at = r.body.find("\"labels\"", at + 1)) {
    ++n;
  }
  return n;
}

std::string header(const http::HttpRequest& r, const std::string& name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "";
}

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string path =
        testing::writeTempFile(std::string("dispatcher/") + testing::testName() + ".db", "");
    std::filesystem::remove(path);
    store_ = std::move(state::Store::open(path).value());
    options_.initial_backoff = milliseconds(10);
    options_.max_backoff = milliseconds(40);
    options_.gather = milliseconds(0);
  }

  // `n` new alerts, each with a notification for "ops", committed now.
  void raise(int n, const std::string& scope = "cn-hangzhou") {
    core::AlertWrites w;
    int64_t now = duration_cast<seconds>(clock_.now().time_since_epoch()).count();
    int64_t now_ms = duration_cast<milliseconds>(clock_.now().time_since_epoch()).count();
    for (int i = 0; i < n; ++i) {
      core::Alert a;
      a.fingerprint = std::to_string(next_++);
      a.scope = scope;
      a.invoke_id = "t-" + a.fingerprint;
      a.instance_id = "i-1";
      a.labels_json = "{}";
      a.annotations_json = "{}";
      a.starts_at = now;
      w.fired.push_back(a);
      w.notifications.push_back({"ops", a.fingerprint, false, now_ms});
    }
    ASSERT_TRUE(store_->commitAlerts(w));
    lifecycle_.committed(w);
  }

  std::unique_ptr<Dispatcher> dispatcher(size_t max_per_message = 50,
                                         std::string type = "webhook") {
    std::vector<std::unique_ptr<Receiver>> receivers;
    ReceiverConfig c{"ops", std::move(type), "http://hooks.example/x"};
    c.max_alerts_per_message = max_per_message;
    receivers.push_back(makeReceiver(c, "http://127.0.0.1:9786"));
    return std::make_unique<Dispatcher>(io_, http_, *store_, lifecycle_, observer_, clock_,
                                        *random_, std::move(receivers), options_, unrecorded_);
  }

  bool drained() { return store_->outboxCounts()->empty(); }

  boost::asio::io_context io_;
  FakeHttp http_{io_};
  core::SystemClock clock_;
  std::unique_ptr<core::Random> random_ = core::makeSeededRandom(1);
  std::unique_ptr<state::Store> store_;
  Lifecycle lifecycle_{{{{"ops", true}}, true, hours(24)}};
  CountingObserver observer_;
  DeliveryOptions options_;
  UnrecordedOutcomes unrecorded_;
  int next_ = 1000;
};

TEST_F(DispatcherTest, BatchesUpToTheLimitTheRestInFollowingMessages) {
  raise(120);
  auto d = dispatcher(50);
  d->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  ASSERT_EQ(http_.requests.size(), 3u);
  EXPECT_EQ(alertsIn(http_.requests[0]), 50u);
  EXPECT_EQ(alertsIn(http_.requests[1]), 50u);
  EXPECT_EQ(alertsIn(http_.requests[2]), 20u);
  EXPECT_NE(http_.requests[0].body.find("\"truncatedAlerts\":0"), std::string::npos);
  EXPECT_EQ(observer_.counts["delivered"], 120);
  EXPECT_EQ(observer_.queue, 0);
}

// Whose turn a key is, by scope (kMine unless told).
class ScriptedTurn final : public core::SendTurn {
 public:
  core::Turn turn(const std::string& scope, int64_t, int64_t) const override {
    auto it = turns.find(scope);
    return it == turns.end() ? core::Turn::kMine : it->second;
  }
  std::chrono::milliseconds recheckEvery() const override { return std::chrono::milliseconds(50); }
  std::map<std::string, core::Turn> turns;
};

// Issue 27: with replicas sharing keys, a receiver that does not deduplicate gets a key's
// notification from its first live owner only: this replica drops what an earlier owner sent
// (counted as "peer"), holds what is not decided yet, and sends its own; Alertmanager's
// receivers, which deduplicate, get everything.
TEST_F(DispatcherTest, StraightReceiversAreSentToOnlyOnThisReplicasTurn) {
  ScriptedTurn turns;
  turns.turns = {{"cn-beijing", core::Turn::kPeers}, {"cn-shanghai", core::Turn::kWait}};
  options_.send_turn = &turns;
  raise(1, "cn-beijing");
  raise(1, "cn-shanghai");
  raise(1, "cn-hangzhou");
  auto d = dispatcher();
  d->start();
  ASSERT_TRUE(testing::waitFor(
      io_, [&] { return observer_.counts["peer"] == 1 && observer_.counts["delivered"] == 1; }));
  ASSERT_EQ(http_.requests.size(), 1u);
  EXPECT_EQ(alertsIn(http_.requests[0]), 1u);
  EXPECT_NE(http_.requests[0].body.find("\"1002\""), std::string::npos);  // cn-hangzhou's
  EXPECT_EQ(store_->outboxCounts()->at("ops"), 1);                        // cn-shanghai's waits
  turns.turns["cn-shanghai"] = core::Turn::kMine;  // its earlier owner was seen down
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  ASSERT_EQ(http_.requests.size(), 2u);
  EXPECT_NE(http_.requests[1].body.find("\"1001\""), std::string::npos);
  EXPECT_EQ(observer_.counts["peer"], 1);
  d->stop();

  // What Alertmanager relayed is not the daemon's own: no owner's turn to judge, it goes.
  core::Alert relayed;
  relayed.fingerprint = "00000000000000aa";
  relayed.scope = "cn-beijing";
  relayed.labels_json = "{}";
  relayed.annotations_json = "{}";
  relayed.starts_at = 1;
  int64_t now_ms = duration_cast<milliseconds>(clock_.now().time_since_epoch()).count();
  ASSERT_TRUE(store_->relayAlerts("ops", {relayed}, true, now_ms));
  auto again = dispatcher();
  again->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  ASSERT_EQ(http_.requests.size(), 3u);
  EXPECT_NE(http_.requests[2].body.find("00000000000000aa"), std::string::npos);
  again->stop();

  turns.turns["cn-hangzhou"] = core::Turn::kPeers;
  raise(2, "cn-hangzhou");
  auto am = dispatcher(50, "alertmanager");
  am->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  EXPECT_EQ(observer_.counts["delivered"], 5);
  EXPECT_EQ(observer_.counts["peer"], 1);
  am->stop();
}

TEST_F(DispatcherTest, AChatReceiverHeldBackByItsPacerJoinsNewAlertsIntoOneMessage) {
  std::vector<std::unique_ptr<Receiver>> receivers;
  ReceiverConfig c{"ops", "slack", "http://hooks.example/x"};
  c.rate_limits = {{1, seconds(3)}};  // long enough that both raises happen within it
  receivers.push_back(makeReceiver(c, ""));
  Dispatcher d(io_, http_, *store_, lifecycle_, observer_, clock_, *random_, std::move(receivers),
               options_, unrecorded_);
  raise(1);
  d.start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  ASSERT_EQ(http_.requests.size(), 1u);
  raise(2);
  d.kick();
  raise(3);
  d.kick();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  ASSERT_EQ(http_.requests.size(), 2u) << "one more message while held back, not two";
  EXPECT_NE(http_.requests[1].body.find("[FIRING:5]"), std::string::npos) << http_.requests[1].body;
  EXPECT_EQ(observer_.counts["delivered"], 6);
}

TEST_F(DispatcherTest, WhatItsLifecycleCommitsIsDeliveredWithoutAKickAndUnroutedIsCounted) {
  auto d = dispatcher();
  raise(1);  // before start: delivered when it starts, not before
  io_.poll();
  EXPECT_TRUE(http_.requests.empty());
  d->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return observer_.counts["delivered"] == 1; }));
  raise(2);  // the lifecycle's commit wakes the started dispatcher by itself
  ASSERT_TRUE(testing::waitFor(io_, [&] { return observer_.counts["delivered"] == 3; }));
  EXPECT_EQ(observer_.unrouted, 0);
  core::AlertWrites nowhere;  // an alert no receiver's match took: no notification
  nowhere.fired.push_back({.fingerprint = "u1",
                           .scope = "cn-hangzhou",
                           .invoke_id = "t-u1",
                           .instance_id = "i-1",
                           .command_key = "name:deploy"});
  ASSERT_TRUE(store_->commitAlerts(nowhere));
  lifecycle_.committed(nowhere);
  EXPECT_EQ(observer_.unrouted, 1);
  d->stop();
  raise(1);  // after stop: nothing more is sent
  io_.poll();
  EXPECT_EQ(http_.requests.size(), 2u);
}

// Without a gather window (one region polled), delivery runs from the loop, not inside the
// commit that queued the notifications: a poll's commit is neither held up by it nor failed by
// an exception in it (it was caught as the poll's own: the poll reported failed, its
// transitions lost, and the receiver left busy for good).
TEST_F(DispatcherTest, DeliveryRunsFromTheLoopNotInsideTheCommitThatQueuedIt) {
  auto d = dispatcher();
  d->start();
  int throws = 1;
  http_.on_send = [&] {
    if (throws-- > 0) throw std::runtime_error("a bug in delivery");
  };
  raise(1);  // the lifecycle's commit kicks the dispatcher
  EXPECT_TRUE(http_.requests.empty()) << "nothing sent inside the commit";
  EXPECT_FALSE(d->idle()) << "a shutdown waiting for idle still owes it its attempt";
  EXPECT_THROW(io_.poll(), std::runtime_error) << "out of the loop, where it ends the process";
  EXPECT_EQ(http_.requests.size(), 1u);
}

TEST_F(DispatcherTest, AShutdownDuringAReloadStillGivesEachMessageItsLastAttempt) {
  auto d = dispatcher();
  d->start();
  d->stop();  // the reload stops the old runtime and waits for idle; then SIGTERM comes
  raise(2);
  io_.poll();
  EXPECT_TRUE(http_.requests.empty()) << "stopped: a commit does not deliver";
  d->drain();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return d->idle() && !http_.requests.empty(); }));
  EXPECT_EQ(observer_.counts["delivered"], 2) << "the last attempt the shutdown owes";
}

TEST_F(DispatcherTest, NotificationsWithinTheGatherWindowGoTogether) {
  options_.gather = milliseconds(300);
  auto d = dispatcher();
  d->start();
  raise(3);
  d->kick();
  raise(4);
  d->kick();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  ASSERT_EQ(http_.requests.size(), 1u);
  EXPECT_EQ(alertsIn(http_.requests[0]), 7u);
}

TEST_F(DispatcherTest, RetriesSendTheSameMessageWithBackoffAndRetryAfter) {
  raise(2);
  http_.script = {{503, {}, "busy"}, {429, {{"retry-after", "1"}}, "slow down"}};
  auto d = dispatcher();
  auto started = steady_clock::now();
  d->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  ASSERT_EQ(http_.requests.size(), 3u);
  EXPECT_GE(steady_clock::now() - started, seconds(1)) << "Retry-After: 1 honoured";
  for (const auto& r : http_.requests) {
    EXPECT_EQ(r.body, http_.requests[0].body);
    EXPECT_EQ(header(r, "Idempotency-Key"), header(http_.requests[0], "Idempotency-Key"));
  }
  EXPECT_EQ(observer_.counts["failed"], 4);
  EXPECT_EQ(observer_.counts["delivered"], 2);
}

TEST_F(DispatcherTest, RejectedOrTooOldIsDroppedAndCounted) {
  raise(2);
  http_.script = {{400, {}, "bad payload"}};
  auto d = dispatcher();
  d->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  EXPECT_EQ(observer_.counts["dropped"], 2);
  EXPECT_EQ(http_.requests.size(), 1u);

  options_.give_up_after = milliseconds(0);
  auto late = dispatcher();
  raise(3);
  late->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  EXPECT_EQ(observer_.counts["dropped"], 5);
  EXPECT_EQ(http_.requests.size(), 1u) << "given up without another attempt";
}

// A reload or stop while a message is in flight still records its result: a delivered
// message is not sent again by the next runtime.
TEST_F(DispatcherTest, AResultArrivingAfterStopIsRecorded) {
  raise(1);
  http_.hold = true;
  auto d = dispatcher();
  d->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return http_.held.size() == 1; }));
  d->stop();
  http_.releaseHeld();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return d->idle(); }));
  EXPECT_TRUE(drained()) << "the delivery was recorded";
  d.reset();
  http_.hold = false;
  auto next = dispatcher();
  next->start();
  io_.run_for(milliseconds(100));
  EXPECT_EQ(http_.requests.size(), 1u) << "not sent again after the reload";
}

// A full disk: the delivered message's removal cannot be written. It must not be sent again
// (once it was 2,000 times a second); the failure is counted, logged, and visible; and when
// space returns, the outcome is recorded and nothing was lost or repeated.
TEST_F(DispatcherTest, AFullDiskNeverResendsAndRecoversWhenSpaceReturns) {
  std::string why;
  auto disk = testing::SmallDisk::mount(testing::freshTestDir() + "/disk", 4 << 20, why);
  if (!disk) GTEST_SKIP() << why;
  store_.reset();
  store_ = std::move(state::Store::open(disk->path() + "/state.db").value());
  raise(1);
  raise(1);
  http_.on_send = [&] { disk->fill(); };
  auto d = dispatcher(1);
  d->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return observer_.state_errors["outbox"] > 0; }));
  io_.run_for(milliseconds(300));
  EXPECT_EQ(http_.requests.size(), 1u) << "not re-sent while its result cannot be recorded";
  EXPECT_NE(d->storageProblem().find("full"), std::string::npos) << d->storageProblem();
  EXPECT_LT(observer_.state_errors["outbox"], 40) << "retried with backoff, not in a loop";
  http_.on_send = nullptr;
  disk->release();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  EXPECT_EQ(http_.requests.size(), 2u) << "each notification sent exactly once";
  EXPECT_NE(http_.requests[0].body, http_.requests[1].body);
  EXPECT_TRUE(d->storageProblem().empty());
  d->stop();
  store_.reset();
}

// The Alertmanager re-send pages through the firing set with a few messages in flight, not
// every alert at once.
TEST_F(DispatcherTest, AlertmanagerResendIsPagedWithACapOnMessagesInFlight) {
  raise(1200);
  options_.resend_every = milliseconds(20);
  auto d = dispatcher(10, "alertmanager");
  d->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  size_t delivered = http_.requests.size();
  ASSERT_TRUE(testing::waitFor(io_, [&] {
    size_t resent = 0;
    for (size_t i = delivered; i < http_.requests.size(); ++i) {
      resent += labelsIn(http_.requests[i]);
    }
    return resent >= 1200;
  }));
  EXPECT_LE(http_.max_in_flight, 2);
}

// Two receivers on one robot (say, one per language) share its window and its strictest limit.
TEST_F(DispatcherTest, ReceiversOnOneRobotShareItsPacer) {
  core::AlertWrites w;
  int64_t now = duration_cast<seconds>(clock_.now().time_since_epoch()).count();
  int64_t now_ms = duration_cast<milliseconds>(clock_.now().time_since_epoch()).count();
  core::Alert a;
  a.fingerprint = std::to_string(next_++);
  a.scope = "cn-hangzhou";
  a.invoke_id = "t-1";
  a.instance_id = "i-1";
  a.labels_json = "{}";
  a.annotations_json = "{}";
  a.starts_at = now;
  w.fired.push_back(a);
  w.notifications.push_back({"en", a.fingerprint, false, now_ms});
  w.notifications.push_back({"zh", a.fingerprint, false, now_ms});
  ASSERT_TRUE(store_->commitAlerts(w));
  std::vector<std::unique_ptr<Receiver>> receivers;
  for (std::string name : {"en", "zh"}) {
    ReceiverConfig c{name, "slack", "http://hooks.example/robot"};
    c.rate_limits = {{name == "en" ? 5u : 1u, seconds(60)}};
    receivers.push_back(makeReceiver(c, ""));
  }
  Dispatcher d(io_, http_, *store_, lifecycle_, observer_, clock_, *random_, std::move(receivers),
               options_, unrecorded_);
  d.start();
  io_.run_for(milliseconds(200));
  EXPECT_EQ(http_.requests.size(), 1u) << "zh's 1 per minute holds en back too";
  d.stop();
}

// DingTalk throttles the robot, not the message: once one receiver is answered 130101, another
// receiver on the same robot (its URL spelt differently, signed) sends nothing until the ten
// minutes are over. The clock is a fake one that moves only when told.
TEST_F(DispatcherTest, AThrottledRobotHoldsBackEveryReceiverOnItUntilThePenaltyEnds) {
  testing::FakeClock clock;
  clock.advance(clock_.now() - clock.now());
  auto notify = [&](const std::string& receiver) {
    int64_t now_ms = duration_cast<milliseconds>(clock.now().time_since_epoch()).count();
    core::AlertWrites w;
    core::Alert a;
    a.fingerprint = std::to_string(next_++);
    a.scope = "cn-hangzhou";
    a.invoke_id = "t-" + a.fingerprint;
    a.instance_id = "i-1";
    a.labels_json = "{}";
    a.annotations_json = "{}";
    a.starts_at = now_ms / 1000;
    w.fired.push_back(a);
    w.notifications.push_back({receiver, a.fingerprint, false, now_ms});
    return store_->commitAlerts(w).has_value();
  };
  const std::string en_url = "http://robot.example/robot/send?access_token=T";
  const std::string zh_url = "http://robot.example/robot/send?source=zh&access_token=T";
  std::vector<std::unique_ptr<Receiver>> receivers;
  ReceiverConfig en{"en", "dingtalk", en_url};
  receivers.push_back(makeReceiver(en, ""));
  ReceiverConfig zh{"zh", "dingtalk", zh_url};
  zh.language = "zh";
  zh.secret = "SECzh";
  receivers.push_back(makeReceiver(zh, ""));
  Dispatcher d(io_, http_, *store_, lifecycle_, observer_, clock, *random_, std::move(receivers),
               options_, unrecorded_);
  const std::string ok = R"({"errcode":0,"errmsg":"ok"})";
  http_.script = {{200, {}, R"({"errcode":130101,"errmsg":"send too fast, exceed 20 times"})"},
                  {200, {}, ok},
                  {200, {}, ok}};
  ASSERT_TRUE(notify("en"));
  d.start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return observer_.counts["failed"] == 1; }));
  ASSERT_TRUE(notify("zh"));
  d.kick();
  io_.run_for(milliseconds(100));
  clock.advance(minutes(9) + seconds(59));
  d.kick();
  io_.run_for(milliseconds(100));
  EXPECT_EQ(http_.requests.size(), 1u) << "zh waits out the robot's penalty";
  clock.advance(seconds(2));
  d.kick();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  ASSERT_EQ(http_.requests.size(), 3u) << "then en's retry and zh's message";
  EXPECT_TRUE(http_.requests[0].url.starts_with(en_url));
  EXPECT_TRUE(http_.requests[1].url.starts_with(zh_url) ||
              http_.requests[2].url.starts_with(zh_url));
  EXPECT_EQ(observer_.counts["delivered"], 2);
  d.stop();
}

// A reload builds a new dispatcher; the robot's window is not reset by it.
TEST_F(DispatcherTest, APacersWindowSurvivesAReload) {
  auto slack = [&] {
    std::vector<std::unique_ptr<Receiver>> receivers;
    ReceiverConfig c{"ops", "slack", "http://hooks.example/x"};
    c.rate_limits = {{1, seconds(60)}};
    receivers.push_back(makeReceiver(c, ""));
    return std::make_unique<Dispatcher>(io_, http_, *store_, lifecycle_, observer_, clock_,
                                        *random_, std::move(receivers), options_, unrecorded_);
  };
  raise(1);
  auto before = slack();
  before->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  before->stop();
  before.reset();
  raise(1);
  auto after = slack();
  after->start();
  EXPECT_EQ(http_.requests.size(), 1u) << "the second message waits for the robot's minute";
  after->stop();
}

TEST_F(DispatcherTest, TheFiringSetResendKeepsToTheReceiversMatch) {
  core::AlertWrites w;
  int64_t now = duration_cast<seconds>(clock_.now().time_since_epoch()).count();
  for (int i = 0; i < 6; ++i) {
    core::Alert a;
    a.fingerprint = std::to_string(next_++);
    a.scope = i % 2 ? "cn-hangzhou" : "ap-southeast-1";
    a.invoke_id = "t-" + a.fingerprint;
    a.instance_id = "i-1";
    a.labels_json = R"({"region_id":")" + a.scope + "\"}";
    a.annotations_json = "{}";
    a.starts_at = now;
    w.fired.push_back(a);
  }
  ASSERT_TRUE(store_->commitAlerts(w));
  lifecycle_.committed(w);
  options_.resend_every = milliseconds(20);
  std::vector<std::unique_ptr<Receiver>> receivers;
  ReceiverConfig c{"ops", "alertmanager", "http://am.example"};
  c.match.regions = {"cn-*"};
  receivers.push_back(makeReceiver(c, ""));
  Dispatcher d(io_, http_, *store_, lifecycle_, observer_, clock_, *random_, std::move(receivers),
               options_, unrecorded_);
  d.start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return http_.requests.size() >= 3; }));
  d.stop();
  for (const auto& r : http_.requests) {
    EXPECT_EQ(labelsIn(r), 3u) << r.body;
    EXPECT_EQ(r.body.find("ap-southeast-1"), std::string::npos) << r.body;
  }
}

// A full disk, then a reload: the delivered message's outcome could not be recorded by the old
// runtime; the new one records it before sending anything, and never sends it again.
TEST_F(DispatcherTest, AnOutcomeUnrecordedOnAFullDiskSurvivesAReload) {
  std::string why;
  auto disk = testing::SmallDisk::mount(testing::freshTestDir() + "/disk", 4 << 20, why);
  if (!disk) GTEST_SKIP() << why;
  store_.reset();
  store_ = std::move(state::Store::open(disk->path() + "/state.db").value());
  raise(1);
  http_.on_send = [&] { disk->fill(); };
  auto d = dispatcher();
  d->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return observer_.state_errors["outbox"] > 0; }));
  d->stop();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return d->idle(); }));
  d.reset();
  http_.on_send = nullptr;
  auto next = dispatcher();
  next->start();
  io_.run_for(milliseconds(200));
  EXPECT_EQ(http_.requests.size(), 1u) << "the new runtime did not send it again";
  disk->release();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  EXPECT_EQ(http_.requests.size(), 1u);
  next->stop();
  store_.reset();
}

// Each page of a long Alertmanager re-send carries endsAt from its own send time, not the
// round's start.
TEST_F(DispatcherTest, EachResendPageIsStampedWhenItIsSent) {
  raise(30);
  options_.resend_every = milliseconds(20);
  testing::FakeClock clock;
  clock.advance(clock_.now() - clock.now());
  auto d = std::make_unique<Dispatcher>(
      io_, http_, *store_, lifecycle_, observer_, clock, *random_,
      [] {
        std::vector<std::unique_ptr<Receiver>> r;
        ReceiverConfig c{"ops", "alertmanager", "http://am.example:9093"};
        c.max_alerts_per_message = 10;
        r.push_back(makeReceiver(c, "http://127.0.0.1:9786"));
        return r;
      }(),
      options_, unrecorded_);
  d->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  size_t delivered = http_.requests.size();
  http_.on_send = [&] { clock.advance(minutes(3)); };
  ASSERT_TRUE(testing::waitFor(
      io_, [&] { return http_.requests.size() >= delivered + 3 && http_.in_flight == 0; }));
  d->stop();
  std::set<std::string> ends;
  for (size_t i = delivered; i < delivered + 3; ++i) {
    const auto& body = http_.requests[i].body;
    auto at = body.find("\"endsAt\":\"");
    ASSERT_NE(at, std::string::npos) << body;
    ends.insert(body.substr(at + 10, 20));
  }
  EXPECT_EQ(ends.size(), 3u) << "pages sent minutes apart carry different endsAt";
}

// A shutdown does not wait for (nor keep starting) a re-send round.
TEST_F(DispatcherTest, DrainStopsAResendRound) {
  raise(200);
  options_.resend_every = milliseconds(10);
  auto d = dispatcher(10, "alertmanager");
  d->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  http_.hold = true;
  ASSERT_TRUE(testing::waitFor(io_, [&] { return !http_.held.empty(); }));
  d->drain();
  size_t before = http_.requests.size();
  http_.releaseHeld();
  http_.hold = false;
  ASSERT_TRUE(testing::waitFor(io_, [&] { return d->idle(); }));
  io_.run_for(milliseconds(100));
  EXPECT_EQ(http_.requests.size(), before) << "no page after drain()";
}

// Review findings on the re-send's extraction: a second outage after a recovery is logged
// again, and a stopped dispatcher's re-sends stay stopped when started again.
TEST_F(DispatcherTest, AResendOutageIsLoggedAgainAfterARecovery) {
  std::ostringstream captured;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(captured)));
  raise(1);
  options_.resend_every = milliseconds(10);
  auto d = dispatcher(10, "alertmanager");
  d->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  size_t delivered = http_.requests.size();
  http_.script = {{503, {}, "down"}, {200, {}, "ok"}, {503, {}, "down"}};
  ASSERT_TRUE(testing::waitFor(
      io_, [&] { return http_.requests.size() >= delivered + 3 && http_.in_flight == 0; }));
  d->stop();
  spdlog::set_default_logger(previous);
  std::string log = captured.str();
  size_t logged = 0;
  for (auto at = log.find("re-sending the firing set failed"); at != std::string::npos;
       at = log.find("re-sending the firing set failed", at + 1)) {
    ++logged;
  }
  EXPECT_EQ(logged, 2u) << log;
}

TEST_F(DispatcherTest, AStoppedDispatchersResendsStayStopped) {
  raise(1);
  options_.resend_every = milliseconds(10);
  auto d = dispatcher(10, "alertmanager");
  d->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  d->stop();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return d->idle(); }));
  size_t before = http_.requests.size();
  d->start();
  io_.run_for(milliseconds(100));
  EXPECT_EQ(http_.requests.size(), before);
}

}  // namespace
}  // namespace swas::alerting

namespace swas::alerting {
namespace {

// Two replicas: one that has not yet polled since a re-send fell due could re-send as firing an
// alert the other has just resolved, and Alertmanager would reopen it. A due re-send waits for
// every region to have polled since (stateFresh), or for resend_fresh_wait.
TEST_F(DispatcherTest, ADueResendWaitsForFreshStateOrItsLongestWait) {
  raise(1);
  options_.resend_every = milliseconds(10);
  options_.resend_fresh_wait = milliseconds(50);  // of the fake clock, which stands still
  // A clock that stands still unless moved, set to the wall clock the store's rows were
  // stamped with.
  testing::FakeClock clock;
  clock.advance(clock_.now() - clock.now());
  std::vector<std::unique_ptr<Receiver>> receivers;
  receivers.push_back(
      makeReceiver(ReceiverConfig{"ops", "alertmanager", "http://am.example:9093"}, ""));
  auto d = std::make_unique<Dispatcher>(io_, http_, *store_, lifecycle_, observer_, clock, *random_,
                                        std::move(receivers), options_, unrecorded_);
  d->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  size_t delivered = http_.requests.size();
  // Due after 10 ms; without fresh state and with the clock still, it never goes.
  EXPECT_FALSE(testing::waitFor(
      io_, [&] { return http_.requests.size() > delivered; }, milliseconds(200)));
  // Its longest wait passes (no region could be polled): it goes anyway.
  clock.advance(milliseconds(60));
  ASSERT_TRUE(testing::waitFor(io_, [&] { return http_.requests.size() > delivered; }));
  ASSERT_TRUE(testing::waitFor(io_, [&] { return http_.in_flight == 0; }));
  // The next one falls due and waits again: polls older than the due time are not enough;
  // polls since are.
  delivered = http_.requests.size();
  d->stateFresh(clock.now() - seconds(1));
  EXPECT_FALSE(testing::waitFor(
      io_, [&] { return http_.requests.size() > delivered; }, milliseconds(200)));
  d->stateFresh(clock.now());
  ASSERT_TRUE(testing::waitFor(io_, [&] { return http_.requests.size() > delivered; }));
  d->stop();
}

}  // namespace
}  // namespace swas::alerting

namespace swas::alerting {
namespace {

// stateFresh ends the wait at once (it does not wait for the next look at the clock).
TEST_F(DispatcherTest, FreshStateEndsTheWaitAtOnce) {
  raise(1);
  options_.resend_every = milliseconds(10);
  options_.resend_fresh_wait = seconds(30);
  testing::FakeClock clock;
  clock.advance(clock_.now() - clock.now());
  std::vector<std::unique_ptr<Receiver>> receivers;
  receivers.push_back(
      makeReceiver(ReceiverConfig{"ops", "alertmanager", "http://am.example:9093"}, ""));
  auto d = std::make_unique<Dispatcher>(io_, http_, *store_, lifecycle_, observer_, clock, *random_,
                                        std::move(receivers), options_, unrecorded_);
  d->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return drained(); }));
  size_t delivered = http_.requests.size();
  EXPECT_FALSE(testing::waitFor(
      io_, [&] { return http_.requests.size() > delivered; }, milliseconds(100)));
  d->stateFresh(clock.now());
  EXPECT_TRUE(testing::waitFor(
      io_, [&] { return http_.requests.size() > delivered; }, seconds(5)))
      << "well within the 30 s wait";
  d->stop();
}

}  // namespace
}  // namespace swas::alerting
