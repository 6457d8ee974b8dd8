// Who of a key's owners sends straight (issue 27): the first owner that is up. A later owner
// sends what it queued only once every earlier one was seen down after the hold, and drops it
// when an earlier one answered after then.
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

// Answers each URL as told (a status, or a transport failure when absent), inside send().
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
    callback(response);
  }
  std::map<std::string, int> status;
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
  const Sharding sharding_{3, 1, 2};  // this replica is shard 1
  const std::string zero_ = "http://monitor-0.monitor:9786";
  const std::string two_ = "http://monitor-2.monitor:9786/";
  boost::asio::io_context io_;
  testing::FakeClock clock_;
  ByUrl http_;
  PeerWatch watch_{io_, http_, clock_, {sharding_, {zero_, "http://me:9786", two_}, 5s, 40s}};
  int64_t now() const { return core::unixMillis(clock_.now()); }
};

TEST_F(PeerWatchTest, ProbesTheOtherReplicasHealthz) {
  watch_.probe();
  EXPECT_EQ(http_.urls, (std::vector<std::string>{zero_ + "/healthz",
                                                  "http://monitor-2.monitor:9786/healthz"}));
  EXPECT_EQ(watch_.answered(), 2);
}

TEST_F(PeerWatchTest, TheFirstOwnerSendsAtOnce) {
  std::string mine = keyOwnedBy({1, 2}, sharding_);
  EXPECT_EQ(watch_.turn(mine, now()), core::Turn::kMine);
}

TEST_F(PeerWatchTest, ALaterOwnerDropsWhatAnEarlierOwnerThatWasUpAfterTheHoldSent) {
  std::string second = keyOwnedBy({0, 1}, sharding_);
  http_.status[zero_ + "/healthz"] = 200;
  int64_t queued = now();
  watch_.probe();
  EXPECT_EQ(watch_.turn(second, queued), core::Turn::kWait);  // up, but not yet for long enough
  clock_.advance(41s);
  watch_.probe();
  EXPECT_EQ(watch_.turn(second, queued), core::Turn::kPeers);
}

TEST_F(PeerWatchTest, ALaterOwnerSendsOnceEveryEarlierOwnerWasSeenDownAfterTheHold) {
  std::string second = keyOwnedBy({0, 1}, sharding_);
  http_.status[zero_ + "/healthz"] = 200;
  watch_.probe();
  int64_t queued = now();
  http_.status[zero_ + "/healthz"] = 503;  // up no more (a full disk, say)
  clock_.advance(20s);
  watch_.probe();
  clock_.advance(21s);
  EXPECT_EQ(watch_.turn(second, queued), core::Turn::kWait);  // one failure is no death
  watch_.probe();
  EXPECT_EQ(watch_.turn(second, queued), core::Turn::kMine);
  // What it queued before, while shard 0 was up long after, stays shard 0's.
  EXPECT_EQ(watch_.turn(second, queued - 60'000), core::Turn::kPeers);
  http_.status.erase(zero_ + "/healthz");  // gone altogether: refused
  clock_.advance(5s);
  watch_.probe();
  EXPECT_EQ(watch_.turn(second, now() - 50'000), core::Turn::kMine);
}

TEST_F(PeerWatchTest, AnOwnerBackAfterTheHoldTakesItsNotificationsBack) {
  std::string second = keyOwnedBy({0, 1}, sharding_);
  int64_t queued = now();
  watch_.probe();  // shard 0 refuses
  clock_.advance(10s);
  watch_.probe();
  EXPECT_EQ(watch_.turn(second, queued), core::Turn::kWait);  // down, but before the hold
  http_.status[zero_ + "/healthz"] = 200;
  clock_.advance(35s);
  watch_.probe();
  EXPECT_EQ(watch_.turn(second, queued), core::Turn::kPeers);
}

}  // namespace
}  // namespace swas::cluster
