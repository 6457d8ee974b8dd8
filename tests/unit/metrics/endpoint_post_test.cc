// POSTs handed to a handler that answers later, from another thread (the chat relay's shape).
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <future>
#include <mutex>

#include "daemon/metrics/endpoint.h"
#include "tests/support/fake_clock.h"
#include "tests/support/http_fetch.h"
#include "tests/support/sim_process.h"

namespace swas::metrics {
namespace {

using namespace std::chrono;

class EndpointPost : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoint_.setPost(
        "/api/in/",
        [this](http::ServerRequest request, Endpoint::Reply reply) {
          std::lock_guard lock(mutex_);
          bodies_.push_back(request.target + " " + request.body);
          replies_.push_back(std::move(reply));
        },
        [](const http::ServerRequest& head) { return head.header("authorization") == "Bearer t"; });
    // A second route (the event hints'), answered at once, with a token of its own.
    endpoint_.setPost(
        "/api/events",
        [](http::ServerRequest request, Endpoint::Reply reply) {
          reply(http::ServerResponse{202, {}, "events " + std::to_string(request.body.size())});
        },
        [](const http::ServerRequest& head) { return head.header("authorization") == "Bearer e"; });
    auto bound = endpoint_.start("127.0.0.1:0");
    ASSERT_TRUE(bound) << bound.error();
    url_ = "http://" + *bound;
  }

  size_t waiting() {
    std::lock_guard lock(mutex_);
    return replies_.size();
  }
  Endpoint::Reply takeReply(size_t i) {
    std::lock_guard lock(mutex_);
    return replies_.at(i);
  }

  prometheus::Registry registry_;
  testing::FakeClock clock_;
  Health health_{clock_, seconds(90)};
  Endpoint endpoint_{registry_, health_, http::ServerLimits{.max_large_body_bytes = 200 * 1024}};
  std::string url_;
  std::mutex mutex_;
  std::vector<std::string> bodies_;
  std::vector<Endpoint::Reply> replies_;
};

TEST_F(EndpointPost, TheHandlerAnswersLaterFromAnotherThread) {
  auto answer = std::async(std::launch::async,
                           [&] { return testing::fetch("POST", url_ + "/api/in/ops?x=1", "{}"); });
  ASSERT_TRUE(testing::eventually([&] { return waiting() == 1; }, seconds(10)));
  EXPECT_EQ(bodies_.at(0), "/api/in/ops?x=1 {}");
  EXPECT_EQ(answer.wait_for(milliseconds(0)), std::future_status::timeout)
      << "no answer before the reply";
  // This thread is neither the endpoint's nor the request's.
  takeReply(0)(http::ServerResponse{202, {{"Content-Type", "text/plain"}}, "queued\n"});
  auto result = answer.get();
  ASSERT_TRUE(result) << core::describe(result.error());
  EXPECT_EQ(result->status, 202);
  EXPECT_EQ(result->body, "queued\n");
  EXPECT_EQ(result->header("x-content-type-options"), "nosniff");
}

TEST_F(EndpointPost, OnlyPostUnderThePrefixAndOnlyGetElsewhere) {
  auto get = testing::fetch("GET", url_ + "/api/in/ops");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->header("allow"), "POST");
  auto post = testing::fetch("POST", url_ + "/api/other", "{}");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->header("allow"), "GET");
  EXPECT_EQ(waiting(), 0u);
}

TEST_F(EndpointPost, AReplyAfterAStopIsDroppedAndTheEndpointServesAgain) {
  auto answer = std::async(std::launch::async,
                           [&] { return testing::fetch("POST", url_ + "/api/in/ops", "{}"); });
  ASSERT_TRUE(testing::eventually([&] { return waiting() == 1; }, seconds(10)));
  endpoint_.stop();
  EXPECT_FALSE(answer.get()) << "the connection closed unanswered";
  takeReply(0)(http::ServerResponse{200, {}, "late\n"});
  auto bound = endpoint_.start("127.0.0.1:0");
  ASSERT_TRUE(bound) << bound.error();
  auto again = std::async(std::launch::async, [&] {
    return testing::fetch("POST", "http://" + *bound + "/api/in/ops", "{}");
  });
  ASSERT_TRUE(testing::eventually([&] { return waiting() == 2; }, seconds(10)));
  takeReply(1)(http::ServerResponse{200, {}, "second\n"});
  auto result = again.get();
  ASSERT_TRUE(result) << core::describe(result.error());
  EXPECT_EQ(result->body, "second\n") << "the late reply went nowhere";
}

// Only POSTs under the prefix whose head passes the check may bring more than 64 KiB
// (Alertmanager's notifications, with the relay's token); the rest are refused unread.
TEST_F(EndpointPost, OnlyPostsUnderThePrefixWithTheRightHeadMayBeLarge) {
  std::string large(100 * 1024, 'x');
  http::Headers token{{"Authorization", "Bearer t"}};
  auto elsewhere = testing::fetch("POST", url_ + "/metrics", large, token);
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->status, 413);
  auto unauthenticated = testing::fetch("POST", url_ + "/api/in/ops", large);
  ASSERT_TRUE(unauthenticated);
  EXPECT_EQ(unauthenticated->status, 413);
  EXPECT_EQ(waiting(), 0u) << "refused before the handler";
  auto answer = std::async(std::launch::async, [&] {
    return testing::fetch("POST", url_ + "/api/in/ops", large, token);
  });
  ASSERT_TRUE(testing::eventually([&] { return waiting() == 1; }, seconds(10)))
      << answer.get()->status;
  takeReply(0)(http::ServerResponse{200, {}, "ok\n"});
  EXPECT_EQ(answer.get()->status, 200);
  auto too_large =
      testing::fetch("POST", url_ + "/api/in/ops", std::string(300 * 1024, 'x'), token);
  ASSERT_TRUE(too_large);
  EXPECT_EQ(too_large->status, 413);
  EXPECT_EQ(waiting(), 1u);
}

// Each route has its own handler and its own say over large bodies (issue 26: the relay and the
// event hints, each with its own token).
TEST_F(EndpointPost, EachRouteHasItsHandlerAndDecidesItsOwnLargeBodies) {
  std::string large(100 * 1024, 'x');
  auto events =
      testing::fetch("POST", url_ + "/api/events?token=x", large, {{"Authorization", "Bearer e"}});
  ASSERT_TRUE(events);
  EXPECT_EQ(events->status, 202);
  EXPECT_EQ(events->body, "events 102400");
  auto other_token =
      testing::fetch("POST", url_ + "/api/events", large, {{"Authorization", "Bearer t"}});
  ASSERT_TRUE(other_token);
  EXPECT_EQ(other_token->status, 413) << "the relay's token opens only the relay";
  auto get = testing::fetch("GET", url_ + "/api/events");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  // A route without a trailing '/' is that path alone: nothing beside it is taken in.
  for (std::string beside : {"/api/eventsX", "/api/events/x"}) {
    auto other = testing::fetch("POST", url_ + beside, "{}", {{"Authorization", "Bearer e"}});
    ASSERT_TRUE(other);
    EXPECT_EQ(other->status, 405) << beside << ": only GET there";
  }
  auto slash = testing::fetch("POST", url_ + "/api/events/", "{}", {{"Authorization", "Bearer e"}});
  ASSERT_TRUE(slash);
  EXPECT_EQ(slash->status, 202);
  EXPECT_EQ(waiting(), 0u) << "nothing reached the relay's handler";
}

}  // namespace
}  // namespace swas::metrics
