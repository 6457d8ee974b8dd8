#include "daemon/metrics/endpoint.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <prometheus/registry.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

#include "daemon/metrics/metrics.h"
#include "tests/support/fake_clock.h"
#include "tests/support/http_fetch.h"
#include "tests/support/sim_process.h"

namespace swas::metrics {
namespace {

using namespace std::chrono;

TEST(Health, LiveWhileTheLoopBeatsStuckAfterThreeIntervals) {
  testing::FakeClock clock;
  Health health(clock, 3 * seconds(30));
  EXPECT_EQ(health.live().status, 200);
  clock.advance(seconds(89));
  EXPECT_EQ(health.live().status, 200);
  health.beat();
  clock.advance(seconds(89));
  EXPECT_EQ(health.live().status, 200);
  clock.advance(seconds(1));
  auto stuck = health.live();
  EXPECT_EQ(stuck.status, 503);
  EXPECT_EQ(stuck.body, "event loop stuck: no progress for 90.0s\n");
  health.beat();
  EXPECT_EQ(health.live().status, 200);
}

// The beat comes when no poll ended for 3 intervals (10 ms to 10 s); stuck is 3 intervals of
// no progress beyond that, so a stall right after a beat is not called stuck sooner.
TEST(Health, StuckAfterThreeIntervalsBeyondTheQuietBeat) {
  EXPECT_EQ(beatEvery(seconds(1)), seconds(3));
  EXPECT_EQ(beatEvery(seconds(30)), seconds(10));
  EXPECT_EQ(beatEvery(milliseconds(2)), milliseconds(10));
  EXPECT_EQ(stuckAfter(seconds(1)), seconds(6));
  EXPECT_EQ(stuckAfter(seconds(30)), seconds(100));
}

// Between the start and the regions' first reports, a probe must not see "ready".
TEST(Health, RegionsFollowedAreNotReadyUntilTheyReport) {
  testing::FakeClock clock;
  Health health(clock, seconds(90));
  health.follow({"prod/cn-hangzhou", "staging/cn-hangzhou"}, seconds(90));
  auto answer = health.ready();
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(answer.body,
            "region prod/cn-hangzhou not ready: no poll has completed yet\n"
            "region staging/cn-hangzhou not ready: no poll has completed yet\n");
  health.setRegion("prod/cn-hangzhou", true, "");
  health.setRegion("staging/cn-hangzhou", true, "");
  EXPECT_EQ(health.ready().status, 200);
  health.follow({"prod/cn-hangzhou"}, seconds(90));
  EXPECT_EQ(health.ready().body, "ready: 1 region(s) polled\n");
}

TEST(Health, ReadyOnceEveryRegionPolledWithAReasonPerRegion) {
  testing::FakeClock clock;
  Health health(clock, seconds(90));
  health.setRegion("cn-hangzhou", false, "first poll in progress");
  health.setRegion("ap-southeast-1", false,
                   "last poll failed: InvalidAccessKeyId.NotFound: Specified access key is not "
                   "found.");
  auto answer = health.ready();
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(answer.body,
            "region ap-southeast-1 not ready: last poll failed: InvalidAccessKeyId.NotFound: "
            "Specified access key is not found.\n"
            "region cn-hangzhou not ready: first poll in progress\n");
  health.setRegion("eu-central-1", false, "SignatureDoesNotMatch: StringToSign\nGET\n/\n");
  EXPECT_NE(health.ready().body.find("region eu-central-1 not ready: SignatureDoesNotMatch: "
                                     "StringToSign GET / \n"),
            std::string::npos)
      << "one line per region";
  health.setRegion("eu-central-1", true, "");
  health.setRegion("cn-hangzhou", true, "");
  answer = health.ready();
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(answer.body.find("cn-hangzhou"), std::string::npos);
  health.setRegion("ap-southeast-1", true, "");
  EXPECT_EQ(health.ready().status, 200);
  health.setProblem("state", "receiver ops: cannot record: database or disk is full");
  answer = health.ready();
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(answer.body,
            "state not ready: receiver ops: cannot record: database or disk is full\n");
  health.setProblem("state", "");
  EXPECT_EQ(health.ready().status, 200);
}

class EndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bound = endpoint_.start("127.0.0.1:0");
    ASSERT_TRUE(bound) << bound.error();
    url_ = "http://" + *bound;
  }

  prometheus::Registry registry_;
  testing::FakeClock clock_;
  Metrics metrics_{registry_, clock_, MetricsOptions{{"cn-hangzhou"}, {}, "0.1.0", "r1"}};
  Health health_{clock_, seconds(90)};
  Endpoint endpoint_{registry_, health_};
  std::string url_;
};

TEST_F(EndpointTest, ServesMetricsHealthAndReadiness) {
  metrics_.onApiRequest("cn-hangzhou", "DescribeCommandInvocations", "Throttling.User", 0.1);
  auto metrics = testing::fetch("GET", url_ + "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->header("content-type"), kTextFormat);
  EXPECT_NE(metrics->body.find("swas_api_requests_total{action=\"DescribeCommandInvocations\","
                               "code=\"Throttling.User\",region_id=\"cn-hangzhou\"} 1"),
            std::string::npos);

  EXPECT_EQ(testing::fetch("GET", url_ + "/healthz")->status, 200);
  health_.setRegion("cn-hangzhou", false, "first poll in progress");
  auto ready = testing::fetch("GET", url_ + "/readyz");
  EXPECT_EQ(ready->status, 503);
  EXPECT_EQ(ready->body, "region cn-hangzhou not ready: first poll in progress\n");
  health_.setRegion("cn-hangzhou", true, "");
  EXPECT_EQ(testing::fetch("GET", url_ + "/readyz")->status, 200);

  clock_.advance(seconds(90));
  EXPECT_EQ(testing::fetch("GET", url_ + "/healthz")->status, 503);
}

TEST_F(EndpointTest, OtherPathsAndMethods) {
  EXPECT_EQ(testing::fetch("GET", url_ + "/nope")->status, 404);
  auto post = testing::fetch("POST", url_ + "/metrics", "x");
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->header("allow"), "GET");
  EXPECT_EQ(testing::fetch("GET", url_ + "/")->status, 200);
}

TEST(Endpoint, RefusesABadOrBusyAddress) {
  prometheus::Registry registry;
  testing::FakeClock clock;
  Health health(clock, seconds(90));
  Endpoint first(registry, health);
  auto bound = first.start("127.0.0.1:0");
  ASSERT_TRUE(bound);
  Endpoint second(registry, health);
  auto busy = second.start(*bound);
  ASSERT_FALSE(busy);
  EXPECT_NE(busy.error().find("cannot listen on " + *bound), std::string::npos) << busy.error();
  auto bad = Endpoint(registry, health).start("localhost:9786");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("IP address"), std::string::npos) << bad.error();
}

// A TCP connection to the endpoint that sends `text` and keeps quiet.
int connectAndSend(const std::string& host_port, const std::string& text) {
  auto colon = host_port.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(host_port.substr(colon + 1))));
  inet_pton(AF_INET, host_port.substr(0, colon).c_str(), &addr.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  if (!text.empty() && send(fd, text.data(), text.size(), MSG_NOSIGNAL) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string hostPort(const std::string& url) { return url.substr(std::string("http://").size()); }

// 300 idle connections and 20 that send half a request head: a scrape still gets through (the
// connection idle the longest makes room at the cap).
TEST_F(EndpointTest, ScrapesWhileIdleAndSlowlorisConnectionsAreOpen) {
  std::vector<int> fds;
  for (int i = 0; i < 300; ++i) fds.push_back(connectAndSend(hostPort(url_), ""));
  for (int i = 0; i < 20; ++i) {
    fds.push_back(connectAndSend(hostPort(url_), "GET /metrics HTTP/1.1\r\nHost: x\r\nX-A: "));
  }
  for (int fd : fds) ASSERT_GE(fd, 0);
  auto scrape = testing::fetch("GET", url_ + "/metrics");
  ASSERT_TRUE(scrape) << core::describe(scrape.error());
  EXPECT_EQ(scrape->status, 200);
  EXPECT_GT(endpoint_.serverStats().evicted, 0u);
  for (int fd : fds) close(fd);
}

// A GET with an 8 MiB body is refused from its head, not read into memory.
TEST_F(EndpointTest, ALargeBodyIsRefusedFromItsHead) {
  int fd = connectAndSend(hostPort(url_),
                          "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 8388608\r\n\r\n");
  ASSERT_GE(fd, 0);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  char answer[64] = {};
  ssize_t n = recv(fd, answer, sizeof answer - 1, 0);
  close(fd);
  ASSERT_GT(n, 0);
  EXPECT_TRUE(std::string(answer).starts_with("HTTP/1.1 413")) << answer;
  EXPECT_EQ(endpoint_.serverStats().too_large, 1u);
}

// A request head that never completes is closed after the read timeout.
TEST(Endpoint, AnUnfinishedRequestTimesOut) {
  prometheus::Registry registry;
  testing::FakeClock clock;
  Health health(clock, seconds(90));
  Endpoint endpoint(registry, health, {.read_timeout = milliseconds(200)});
  auto bound = endpoint.start("127.0.0.1:0");
  ASSERT_TRUE(bound);
  int fd = connectAndSend(*bound, "GET /metrics HTTP/1.1\r\n");
  ASSERT_GE(fd, 0);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  char byte = 0;
  EXPECT_EQ(recv(fd, &byte, 1, 0), 0) << "closed by the server";
  close(fd);
  // The stream closes the socket on timeout before the read completes with the error.
  EXPECT_TRUE(
      testing::eventually([&] { return endpoint.serverStats().timed_out == 1; }, seconds(5)));
}

// Out of file descriptors, accept fails: it must back off, not spin; and serve again after.
TEST_F(EndpointTest, AcceptBacksOffWhenOutOfFileDescriptors) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  size_t open_now = 0;
  for (auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)entry;
    ++open_now;
  }
  rlimit low = saved;
  low.rlim_cur = open_now + 3;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> fds;
  for (int i = 0; i < 3; ++i) {
    int fd = connectAndSend(hostPort(url_), "");
    if (fd >= 0) fds.push_back(fd);
  }
  std::this_thread::sleep_for(milliseconds(500));
  auto errors = endpoint_.serverStats().accept_errors;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  for (int fd : fds) close(fd);
  EXPECT_GT(errors, 0u) << "the test did run out of descriptors";
  EXPECT_LT(errors, 30u) << "accept retried with backoff, not in a loop";
  auto scrape = testing::fetch("GET", url_ + "/metrics");
  ASSERT_TRUE(scrape);
  EXPECT_EQ(scrape->status, 200);
}

// A reload that moves http.listen stops the endpoint and starts it again: it must serve.
TEST_F(EndpointTest, ServesAgainAfterStopAndStart) {
  endpoint_.stop();
  auto bound = endpoint_.start("127.0.0.1:0");
  ASSERT_TRUE(bound) << bound.error();
  auto scrape = testing::fetch("GET", "http://" + *bound + "/healthz");
  ASSERT_TRUE(scrape) << core::describe(scrape.error());
  EXPECT_EQ(scrape->status, 200);
}

TEST(Endpoint, TheStatusPageIsHtmlThatMayNotRunOrLoadAnything) {
  prometheus::Registry registry;
  testing::FakeClock clock;
  Health health{clock, seconds(90)};
  Endpoint endpoint{registry, health};
  int rendered = 0;
  endpoint.setPage([&] {
    ++rendered;
    return Endpoint::Page{200, "<!DOCTYPE html><p>page</p>"};
  });
  auto bound = endpoint.start("127.0.0.1:0");
  ASSERT_TRUE(bound) << bound.error();
  auto page = testing::fetch("GET", "http://" + *bound + "/?refresh=1");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body, "<!DOCTYPE html><p>page</p>");
  EXPECT_EQ(page->header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(page->header("content-security-policy"),
            "default-src 'none'; style-src 'unsafe-inline'");
  EXPECT_EQ(page->header("x-content-type-options"), "nosniff");
  EXPECT_EQ(page->header("x-frame-options"), "DENY");
  EXPECT_EQ(rendered, 1);
  auto metrics = testing::fetch("GET", "http://" + *bound + "/metrics");
  EXPECT_EQ(metrics->header("x-content-type-options"), "nosniff");
  EXPECT_EQ(rendered, 1) << "only / renders the page";
}

// Anyone may request / in a loop, and a render reads the state file: it happens on a thread of
// its own, so a slow render never delays a scrape or a health probe.
TEST(Endpoint, ASlowPageRenderDelaysNoScrapeOrProbe) {
  prometheus::Registry registry;
  testing::FakeClock clock;
  Health health{clock, seconds(90)};
  Endpoint endpoint{registry, health};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> rendering{0};
  endpoint.setPage([&] {
    ++rendering;
    released.wait();
    return Endpoint::Page{200, "<p>page</p>"};
  });
  auto bound = endpoint.start("127.0.0.1:0");
  ASSERT_TRUE(bound) << bound.error();
  std::string url = "http://" + *bound;
  auto page = std::async(std::launch::async, [&] { return testing::fetch("GET", url + "/"); });
  ASSERT_TRUE(testing::eventually([&] { return rendering.load() == 1; }, seconds(10)));
  for (const char* path : {"/healthz", "/metrics", "/readyz"}) {
    auto answer = testing::fetch("GET", url + path);
    ASSERT_TRUE(answer) << path << ": " << core::describe(answer.error());
    EXPECT_LT(answer->status, 600) << path;
  }
  release.set_value();
  auto rendered = page.get();
  ASSERT_TRUE(rendered);
  EXPECT_EQ(rendered->body, "<p>page</p>");
  EXPECT_EQ(rendered->header("content-security-policy"),
            "default-src 'none'; style-src 'unsafe-inline'");
}

}  // namespace
}  // namespace swas::metrics
