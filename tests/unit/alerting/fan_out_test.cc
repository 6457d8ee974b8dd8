// An alertmanager receiver with urls: sends every message to every peer of the cluster, and
// counts it delivered when any peer took it; a retryable failure wins over a rejection, so a
// message is never dropped while a peer may still take it.
#include "daemon/alerting/fan_out.h"

#include <gtest/gtest.h>

#include "daemon/alerting/receivers.h"
#include "daemon/alerting/receivers/factory.h"
#include "daemon/util/url.h"
#include "tests/support/fake_http.h"

namespace swas::alerting {
namespace {

class PeerCounter final : public core::AlertObserver {
 public:
  void onNotifications(const std::string&, std::string_view, int) override {}
  void onQueueLength(const std::string&, int64_t) override {}
  void onAlertsFiring(int64_t) override {}
  void onUnrouted() override {}
  void onStateError(std::string_view) override {}
  void onPeerFailure(const std::string& receiver, const std::string& peer) override {
    failures.push_back(receiver + " " + peer);
  }
  std::vector<std::string> failures;
};

std::unique_ptr<Receiver> cluster() {
  ReceiverConfig c;
  c.name = "am";
  c.type = "alertmanager";
  c.urls = {"http://user:pw@am-a:9093/a/", "http://am-b:9093/b", "http://am-c:9093/c"};
  c.url = c.urls.front();
  return makeReceiver(c, "http://monitor:9786");
}

core::Alert alert() {
  core::Alert a;
  a.fingerprint = "f1";
  a.labels_json = R"({"alertname":"SwasInvocationFailed"})";
  a.annotations_json = "{}";
  a.starts_at = 1'796'000'000;
  return a;
}

http::HttpResult send(Receiver& r, testing::FakeHttp& http, PeerCounter& observer) {
  core::Alert a = alert();
  std::optional<http::HttpResult> got;
  r.send(http, r.request({{&a, false}}, std::chrono::system_clock::now()), &observer,
         [&](http::HttpResult result) { got = std::move(result); });
  EXPECT_TRUE(got.has_value());
  return got.value_or(std::unexpected(core::Error{.message = "no answer"}));
}

TEST(FanOut, EveryPeerGetsTheMessageAndOneTakingItDeliversIt) {
  auto r = cluster();
  testing::FakeHttp http;
  http.answers = {{"POST /a/api/v2/alerts", http::HttpResponse{200, {}, ""}},
                  {"POST /b/api/v2/alerts", std::unexpected(core::Error{.message = "refused"})},
                  {"POST /c/api/v2/alerts", http::HttpResponse{503, {}, "busy"}}};
  PeerCounter observer;
  auto result = send(*r, http, observer);
  ASSERT_EQ(http.requests.size(), 3u);
  EXPECT_EQ(http.requests[0].url, "http://user:pw@am-a:9093/a/api/v2/alerts");
  EXPECT_EQ(http.requests[1].url, "http://am-b:9093/b/api/v2/alerts");
  EXPECT_EQ(http.requests[0].body, http.requests[2].body) << "the same message to each";
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(observer.failures,
            (std::vector<std::string>{"am http://am-b:9093/b", "am http://am-c:9093/c"}));
}

TEST(FanOut, ARetryableFailureWinsOverARejectionSoNothingIsDroppedTooEarly) {
  auto r = cluster();
  testing::FakeHttp http;
  http.answers = {{"POST /a/api/v2/alerts", http::HttpResponse{400, {}, "bad"}},
                  {"POST /b/api/v2/alerts", http::HttpResponse{503, {}, "busy"}},
                  {"POST /c/api/v2/alerts", http::HttpResponse{400, {}, "bad"}}};
  PeerCounter observer;
  auto result = send(*r, http, observer);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 503);
  EXPECT_EQ(r->judge(result, std::chrono::system_clock::now()).kind, Verdict::kRetry);
  EXPECT_EQ(observer.failures.size(), 3u);

  http.answers["POST /b/api/v2/alerts"] = http::HttpResponse{422, {}, "no"};
  result = send(*r, http, observer);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400) << "every peer rejected it: the first answer";
  EXPECT_EQ(r->judge(result, std::chrono::system_clock::now()).kind, Verdict::kDrop);
}

TEST(FanOut, EachPeerSeparatelyForTestAlert) {
  auto r = cluster();
  core::Alert a = alert();
  auto peers = r->perPeer(r->request({{&a, false}}, std::chrono::system_clock::now()));
  ASSERT_EQ(peers.size(), 3u);
  EXPECT_EQ(peers[0].first, "http://am-a:9093/a") << "no user information shown";
  EXPECT_EQ(peers[0].second.url, "http://user:pw@am-a:9093/a/api/v2/alerts");
  EXPECT_EQ(peers[2].second.url, "http://am-c:9093/c/api/v2/alerts");
}

TEST(FanOut, OneUrlIsOnePost) {
  ReceiverConfig c;
  c.name = "am";
  c.type = "alertmanager";
  c.url = "http://am:9093/";
  auto r = makeReceiver(c, "http://monitor:9786");
  testing::FakeHttp http;
  PeerCounter observer;
  send(*r, http, observer);
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(http.requests[0].url, "http://am:9093/api/v2/alerts");
}

TEST(FanOut, PeerNames) {
  EXPECT_EQ(util::peerName("https://u:p@am.example:9093/prefix/?x#y"),
            "https://am.example:9093/prefix");
  EXPECT_EQ(util::peerName("http://[::1]:9093/"), "http://[::1]:9093");
  EXPECT_EQ(util::peerName("http://am:9093/a@b"), "http://am:9093")
      << "a path with an @ (a password another parser reads) is not shown";
  EXPECT_NE(util::peerName("https://am.example/a"), util::peerName("https://am.example/b"))
      << "two peers behind one host are two peers";
}

}  // namespace
}  // namespace swas::alerting
