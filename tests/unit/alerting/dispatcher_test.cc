#include "daemon/alerting/dispatcher.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <deque>
#include <filesystem>
#include <map>

#include "tests/support/sim_process.h"

namespace swas::alerting {
namespace {

using namespace std::chrono;

// Answers from a script (then 200), on the loop, recording every request.
class FakeHttp final : public http::HttpClient {
 public:
  explicit FakeHttp(boost::asio::io_context& io) : io_(io) {}
  void send(http::HttpRequest request, http::HttpCallback callback) override {
    requests.push_back(request);
    http::HttpResponse response{200, {}, "ok"};
    if (!script.empty()) {
      response = script.front();
      script.pop_front();
    }
    boost::asio::post(io_, [callback, response] { callback(response); });
  }
  std::deque<http::HttpResponse> script;
  std::vector<http::HttpRequest> requests;

 private:
  boost::asio::io_context& io_;
};

class CountingObserver final : public core::AlertObserver {
 public:
  void onNotifications(const std::string&, std::string_view outcome, int count) override {
    counts[std::string(outcome)] += count;
  }
  void onQueueLength(const std::string&, int64_t waiting) override { queue = waiting; }
  std::map<std::string, int> counts;
  int64_t queue = -1;
};

size_t alertsIn(const http::HttpRequest& r) {
  size_t n = 0;
  for (auto at = r.body.find("\"fingerprint\""); at != std::string::npos;
       at = r.body.find("\"fingerprint\"", at + 1)) {
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
  void raise(int n) {
    core::AlertWrites w;
    int64_t now = duration_cast<seconds>(clock_.now().time_since_epoch()).count();
    int64_t now_ms = duration_cast<milliseconds>(clock_.now().time_since_epoch()).count();
    for (int i = 0; i < n; ++i) {
      core::Alert a;
      a.fingerprint = std::to_string(next_++);
      a.region_id = "cn-hangzhou";
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

  std::unique_ptr<Dispatcher> dispatcher(size_t max_per_message = 50) {
    std::vector<std::unique_ptr<Receiver>> receivers;
    ReceiverConfig c{"ops", "webhook", "http://hooks.example/x"};
    c.max_alerts_per_message = max_per_message;
    receivers.push_back(makeReceiver(c, "http://127.0.0.1:9786"));
    return std::make_unique<Dispatcher>(io_, http_, *store_, lifecycle_, observer_, clock_,
                                        *random_, std::move(receivers), options_);
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

}  // namespace
}  // namespace swas::alerting
