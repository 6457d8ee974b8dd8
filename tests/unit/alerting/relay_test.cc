// The chat relay in its room: one token decides on both threads, a reload's new token holds on
// the event loop for a request admitted under the old one, and each answer is counted.
#include "daemon/alerting/relay/relay.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "daemon/util/bearer.h"
#include "tests/support/fake_clock.h"
#include "tests/support/sim_process.h"

namespace swas::alerting {
namespace {

class CountingRelayObserver final : public core::RelayObserver {
 public:
  void onRelayRequest(int code) override { ++answers[code]; }
  void onRelayedAlerts(const std::string& receiver, size_t q, size_t r) override {
    queued[receiver] += q;
    repeated[receiver] += r;
  }
  void onStateError(std::string_view operation) override { ++errors[std::string(operation)]; }
  std::map<int, int> answers;
  std::map<std::string, size_t> queued, repeated;
  std::map<std::string, int> errors;
};

constexpr const char* kPayload = R"({"version":"4","status":"firing","alerts":[
  {"status":"firing","labels":{"alertname":"SwasInvocationFailed","instance_id":"i-1"},
   "annotations":{"summary":"deploy failed"},"startsAt":"2026-12-01T10:00:00Z",
   "endsAt":"0001-01-01T00:00:00Z","fingerprint":"0123456789abcdef"}]})";

http::ServerRequest post(std::string receiver, std::string token, std::string body = kPayload) {
  http::ServerRequest r;
  r.method = "POST";
  r.target = std::string(kRelayPrefix) + receiver;
  if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
  r.body = std::move(body);
  r.remote = "127.0.0.1:5000";
  return r;
}

class RelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string path = testing::writeTempFile(std::string(testing::testName()) + "/state.db", "");
    std::filesystem::remove(path);
    store_ = std::move(*state::Store::open(path));
  }
  void configure(std::string token) {
    relay_.configure({.token = std::move(token),
                      .targets = {{"chat", true}},
                      .store = store_.get(),
                      .queued = [this] { ++kicks_; }});
  }
  http::ServerResponse handle(const http::ServerRequest& request) {
    return relay_.handle(request, parseRelayPayload(request));
  }

  CountingRelayObserver observer_;
  testing::FakeClock clock_;
  Relay relay_{observer_, clock_};
  std::unique_ptr<state::Store> store_;
  int kicks_ = 0;
};

TEST_F(RelayTest, OffUntilATokenIsConfigured) {
  auto request = post("chat", "relay-token-0123456789");
  EXPECT_FALSE(relay_.admits(request));
  EXPECT_EQ(relay_.refusal().status, 404);
  configure("");
  EXPECT_EQ(handle(request).status, 404);
  EXPECT_EQ(observer_.answers[404], 2);
  EXPECT_EQ(kicks_, 0);
}

TEST_F(RelayTest, TheTokenDecidesOnBothThreads) {
  configure("relay-token-0123456789");
  auto wrong = post("chat", "relay-token-0123456788");
  EXPECT_FALSE(relay_.admits(wrong));
  auto refused = relay_.refusal();
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(std::find(refused.headers.begin(), refused.headers.end(),
                      std::pair<std::string, std::string>("WWW-Authenticate", "Bearer")),
            refused.headers.end());
  EXPECT_EQ(handle(wrong).status, 401) << "the loop checks the same token";
  EXPECT_EQ(handle(post("chat", "")).status, 401);
  auto right = post("chat", "relay-token-0123456789");
  EXPECT_TRUE(relay_.admits(right));
  auto answered = handle(right);
  EXPECT_EQ(answered.status, 200) << answered.body;
  EXPECT_EQ(answered.body, "queued 1, repeated 0\n");
  EXPECT_EQ(kicks_, 1);
  EXPECT_EQ(observer_.queued["chat"], 1u);
  EXPECT_EQ(handle(right).body, "queued 0, repeated 1\n") << "a repeat is not queued again";
  EXPECT_EQ(kicks_, 1);
}

TEST_F(RelayTest, AReloadsNewTokenHoldsForARequestAdmittedUnderTheOld) {
  configure("relay-token-0123456789");
  auto request = post("chat", "relay-token-0123456789");
  ASSERT_TRUE(relay_.admits(request));  // the endpoint's thread, before the reload
  configure("another-token-0123456789");
  EXPECT_EQ(handle(request).status, 401);  // the event loop, after it
  configure("");
  EXPECT_EQ(handle(request).status, 404) << "the relay switched off meanwhile";
  EXPECT_EQ(kicks_, 0);
}

TEST_F(RelayTest, OnlyAChatReceiverAndAlertmanagersPayload) {
  configure("relay-token-0123456789");
  auto unknown = handle(post("webhook", "relay-token-0123456789"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("no chat receiver is named \"webhook\""), std::string::npos);
  auto bad = handle(post("chat", "relay-token-0123456789", R"({"alerts": 3})"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(handle(post("chat/", "relay-token-0123456789")).status, 200) << "a trailing slash";
  EXPECT_EQ(observer_.answers[404], 1);
  EXPECT_EQ(observer_.answers[400], 1);
  EXPECT_EQ(observer_.answers[200], 1);
}

TEST_F(RelayTest, WithoutAStoreAlertmanagerIsToldToRetry) {
  relay_.configure({.token = "relay-token-0123456789", .targets = {{"chat", true}}});
  auto answered = handle(post("chat", "relay-token-0123456789"));
  EXPECT_EQ(answered.status, 503) << "not \"no such receiver\": it exists";
  EXPECT_EQ(observer_.answers[503], 1);
}

TEST(Bearer, MatchesOnlyTheWholeTokenWithTheScheme) {
  EXPECT_TRUE(util::bearerMatches("Bearer abc", "abc"));
  EXPECT_TRUE(util::bearerMatches("bearer abc", "abc"));
  EXPECT_FALSE(util::bearerMatches("Bearer ab", "abc"));
  EXPECT_FALSE(util::bearerMatches("Bearer abcd", "abc"));
  EXPECT_FALSE(util::bearerMatches("Basic abc", "abc"));
  EXPECT_FALSE(util::bearerMatches("Bearer ", ""));
  EXPECT_FALSE(util::bearerMatches("", "abc"));
}

}  // namespace
}  // namespace swas::alerting
