// Who of a key's owners sends straight (issue 27): the first owner that was up a hold after what
// a notification tells of happened, else the first owner up now; each owner decides from the
// same facts (the peers' /healthz and since when each is up), so exactly one sends.
#include "daemon/cluster/peer_watch.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <map>
#include <string>
#include <vector>

#include "daemon/core/time.h"
#include "tests/support/fake_clock.h"

namespace swas::cluster {
namespace {

using namespace std::chrono_literals;

// Answers each URL as told (a status and since when it is up, or a transport failure when
// absent), inside send().
class ByUrl final : public http::HttpClient {
 public:
  void send(http::HttpRequest request, http::HttpCallback callback) override {
    urls.push_back(request.url);
    auto it = status.find(request.url);
    if (it == status.end()) {
      core::Error refused;
      refused.kind = core::ErrorKind::kConnect;
      refused.message = "connection refused";
      callback(std::unexpected(refused));
      return;
    }
    http::HttpResponse response;
    response.status = it->second;
    if (auto at = started.find(request.url); at != started.end()) {
      response.headers.emplace_back("x-swas-started-at", std::to_string(at->second));
    }
    callback(response);
  }
  std::map<std::string, int> status;
  std::map<std::string, int64_t> started;  // X-Swas-Started-At by URL
  std::vector<std::string> urls;
};

// The first key of the form "acct-N/cn-hangzhou" whose owners are exactly `owners`.
std::string keyOwnedBy(const std::vector<int>& owners, const Sharding& sharding) {
  for (int n = 0; n < 1000; ++n) {
    std::string key = "acct-" + std::to_string(n) + "/cn-hangzhou";
    if (ownersOf(key, sharding) == owners) return key;
  }
  ADD_FAILURE() << "no key owned by those shards";
  return {};
}

class PeerWatchTest : public ::testing::Test {
 protected:
  const std::string zero_ = "http://monitor-0.monitor:9786";
  const std::string one_ = "http://monitor-1.monitor:9786";
  const std::string two_ = "http://monitor-2.monitor:9786/";
  boost::asio::io_context io_;
  testing::FakeClock clock_;
  ByUrl http_;
  int64_t now() const { return core::unixMillis(clock_.now()); }
  const int64_t hour_ago_ = now() - 3'600'000;
  // Shard `shard` of 3, two owners per key, up since `started`.
  std::unique_ptr<PeerWatch> watch(int shard, int64_t started) {
    return std::make_unique<PeerWatch>(
        io_, http_, clock_, PeerWatchOptions{{3, shard, 2}, {zero_, one_, two_}, started, 5s, 40s});
  }
  void up(const std::string& url, int64_t since) {
    http_.status[url + "/healthz"] = 200;
    http_.started[url + "/healthz"] = since;
  }
  const Sharding layout_{3, 0, 2};
};

TEST_F(PeerWatchTest, ProbesTheOtherReplicasHealthz) {
  auto me = watch(1, hour_ago_);
  me->probe();
  EXPECT_EQ(http_.urls, (std::vector<std::string>{zero_ + "/healthz",
                                                  "http://monitor-2.monitor:9786/healthz"}));
  EXPECT_EQ(me->answered(), 2);
}

TEST_F(PeerWatchTest, TheFirstOwnerUpSendsAtOnce) {
  auto me = watch(1, hour_ago_);
  EXPECT_EQ(me->turn(keyOwnedBy({1, 2}, layout_), now(), now()), core::Turn::kMine);
}

TEST_F(PeerWatchTest, ALaterOwnerDropsWhatTheFirstOwnerUpAtTheDeadlineSent) {
  auto me = watch(1, hour_ago_);
  std::string second = keyOwnedBy({0, 1}, layout_);
  up(zero_, hour_ago_);
  int64_t happened = now();
  me->probe();
  EXPECT_EQ(me->turn(second, happened, now()), core::Turn::kWait);  // not known before the hold
  clock_.advance(41s);
  me->probe();
  EXPECT_EQ(me->turn(second, happened, happened + 1'000), core::Turn::kPeers);
}

TEST_F(PeerWatchTest, ALaterOwnerSendsWhatTheFirstOwnerMissed) {
  auto me = watch(1, hour_ago_);
  std::string second = keyOwnedBy({0, 1}, layout_);
  up(zero_, hour_ago_);
  me->probe();
  int64_t happened = now();
  http_.status[zero_ + "/healthz"] = 503;  // up no more (a full disk, say)
  clock_.advance(20s);
  me->probe();
  clock_.advance(21s);
  EXPECT_EQ(me->turn(second, happened, happened), core::Turn::kWait);  // one failure is no death
  me->probe();
  EXPECT_EQ(me->turn(second, happened, happened), core::Turn::kMine);
  // Back, but a new run, started after the deadline: it missed it too.
  up(zero_, now());
  clock_.advance(5s);
  me->probe();
  EXPECT_EQ(me->turn(second, happened, happened), core::Turn::kMine);
}

TEST_F(PeerWatchTest, AnOwnerBackFromAnOutageLeavesWhatHappenedMeanwhileToTheOwnerThatWasUp) {
  auto me = watch(0, now());  // the first owner, just back (or new, with a fresh state)
  std::string first = keyOwnedBy({0, 1}, layout_);
  int64_t happened = now() - 600'000;  // found in its catch-up poll
  int64_t queued = now();
  up(one_, hour_ago_);
  me->probe();
  EXPECT_EQ(me->turn(first, happened, queued), core::Turn::kWait);  // not a hold after yet
  clock_.advance(41s);
  me->probe();
  EXPECT_EQ(me->turn(first, happened, queued), core::Turn::kPeers);
  // Queued by its run before (the outbox kept it): its own, whenever it runs again.
  EXPECT_EQ(me->turn(first, happened, happened + 30'000), core::Turn::kMine);
}

TEST_F(PeerWatchTest, WhenNoOwnerWasUpAtTheDeadlineTheFirstOwnerUpNowSendsAndOnlyIt) {
  // Both owners of the key were down when it happened and are back, each its own process.
  std::string key = keyOwnedBy({0, 1}, layout_);
  int64_t happened = now() - 600'000;
  up(zero_, now() - 60'000);
  up(one_, now() - 30'000);
  auto zero = watch(0, now() - 60'000);
  auto one = watch(1, now() - 30'000);
  int64_t queued = now();
  clock_.advance(41s);
  zero->probe();
  one->probe();
  EXPECT_EQ(zero->turn(key, happened, queued), core::Turn::kMine);
  EXPECT_EQ(one->turn(key, happened, queued), core::Turn::kPeers);
}

// Queued by this replica's run before (the outbox kept it, its receiver down), found late (a
// backlog): the peer saw that run up and dropped it, so it is this run's to send.
TEST_F(PeerWatchTest, WhatARunBeforeQueuedIsThisRunsToSend) {
  auto me = watch(0, now());  // just restarted
  std::string first = keyOwnedBy({0, 1}, layout_);
  int64_t happened = now() - 600'000;
  int64_t queued = happened + 300'000;  // well after the hold: the API was out, say
  up(one_, hour_ago_);
  me->probe();
  EXPECT_EQ(me->turn(first, happened, queued), core::Turn::kMine);
}

// A peer with another layout (another shards, peers or keys: a rollout half done) is not
// trusted to have anything: taken as down, so this replica sends what would be its.
TEST_F(PeerWatchTest, APeerWithAnotherLayoutIsTakenAsDown) {
  auto me = std::make_unique<PeerWatch>(
      io_, http_, clock_,
      PeerWatchOptions{{3, 1, 2}, {zero_, one_, two_}, hour_ago_, 5s, 40s, "0123456789abcdef"});
  std::string second = keyOwnedBy({0, 1}, layout_);
  up(zero_, hour_ago_);  // says no layout
  int64_t happened = now();
  clock_.advance(41s);
  me->probe();
  clock_.advance(5s);
  me->probe();
  EXPECT_EQ(me->turn(second, happened, happened), core::Turn::kMine);
}

// A peer whose answers lose X-Swas-Started-At (a proxy) runs, as far as is known, since its
// first answer: not there for what happened before.
TEST_F(PeerWatchTest, APeerThatDoesNotSaySinceWhenItRunsRunsSinceItsFirstAnswer) {
  auto me = watch(1, hour_ago_);
  std::string second = keyOwnedBy({0, 1}, layout_);
  http_.status[zero_ + "/healthz"] = 200;
  int64_t happened = now() - 600'000;
  int64_t queued = now();
  me->probe();
  clock_.advance(41s);
  me->probe();
  EXPECT_EQ(me->turn(second, happened, queued), core::Turn::kMine);
  EXPECT_EQ(me->turn(second, now() - 1'000, now() - 1'000), core::Turn::kWait);
}

// An execution that shows in the API later than it ended (its end before the first owner
// went): the first owner never saw it, though it ran when it ended.
TEST_F(PeerWatchTest, AFirstOwnerGoneBeforeItCouldSeeItLeavesItToTheNext) {
  auto me = watch(1, hour_ago_);
  std::string second = keyOwnedBy({0, 1}, layout_);
  up(zero_, hour_ago_);
  me->probe();
  int64_t happened = now() - 60'000;
  http_.status.erase(zero_ + "/healthz");  // killed
  int64_t queued = now();
  clock_.advance(41s);
  me->probe();
  clock_.advance(5s);
  me->probe();
  EXPECT_EQ(me->turn(second, happened, queued), core::Turn::kMine);
}

}  // namespace
}  // namespace swas::cluster
