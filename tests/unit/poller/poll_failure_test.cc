// A bug's exception inside a poll: that poll fails, loudly and counted, and the region is
// polled again on schedule from its stored state. Escaping the region's coroutine (spawned
// detached, which drops an exception), it ended the region's polling for good, silently.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <stdexcept>

#include "daemon/poller/region_poller.h"
#include "tests/unit/poller/poller_fixture.h"

namespace swas::poller {
namespace {

using namespace testkit;  // NOLINT(google-build-using-namespace)

api::CommandInvocationPage listing(const std::string& id, const std::string& status) {
  api::CommandInvocationPage p;
  p.total_count = 1;
  p.invocations.push_back(invocation(id, "2026-11-28T12:00:00", status));
  return p;
}

// The default logger's lines while it lives.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(text_)));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return text_.str(); }

 private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::logger> previous_;
};

// Thrown by what the poll reports to (the transitions' sink), after the poll's commit.
TEST_F(RegionPollerTest, AnExceptionFailsItsPollAndPollingGoesOnFromTheStoredState) {
  CapturedLog log;
  options_.interval = std::chrono::hours(1);  // of the fake clock
  options_.jitter = 0;
  rebuild();
  int throws = 1;
  sink_.on_call = [&](const auto&) {
    if (throws-- > 0) throw std::runtime_error("a bug in a sink");
  };
  client_.script = {listing("t-1", "Running")};
  poller_->start();
  ASSERT_TRUE(testing::waitFor(io_, [&] { return observer_.polls["failed"] == 1; }));
  EXPECT_FALSE(poller_->up());
  EXPECT_EQ(poller_->downReason(), "internal: a bug in a sink");
  EXPECT_NE(log.text().find("internal error (a bug: please report it): a bug in a sink"),
            std::string::npos)
      << log.text();
  // The commit before the throw stands; the next poll diffs against it, not against memory the
  // exception left half updated, and goes on reporting.
  client_.script = {listing("t-1", "Failed")};
  clock_.advance(std::chrono::hours(1));
  poller_->hint(false);  // the schedule's timer runs on real time: look at the fake clock again
  ASSERT_TRUE(testing::waitFor(io_, [&] { return observer_.polls["ok"] == 1; }));
  EXPECT_TRUE(poller_->up());
  EXPECT_EQ(sink_.calls, 2u);
  EXPECT_EQ(store_->loadRegion("cn-hangzhou")->at("t-1").overall_status, "Failed");
  poller_->stop();
}

// Thrown between the poll's commit and the state in memory moving on (here by the planner
// told of the commit): the next poll diffs against what is stored, so the invocation is not
// new to it, and its change is the one from the stored status.
TEST_F(RegionPollerTest, AfterAnExceptionTheNextPollDiffsAgainstTheStoredState) {
  CapturedLog log;
  client_.script = {listing("t-0", "Success")};
  ASSERT_TRUE(pollOnce(true).ok) << "a cold start first";
  int throws = 1;
  planner_.on_committed = [&] {
    if (throws-- > 0) throw std::runtime_error("a bug in a planner");
  };
  client_.script = {listing("t-1", "Running")};
  auto failed = pollOnce();
  EXPECT_FALSE(failed.ok);
  EXPECT_EQ(failed.error.kind, core::ErrorKind::kInternal);
  std::vector<core::Transition> seen;
  sink_.on_call = [&](const auto& t) { seen.insert(seen.end(), t.begin(), t.end()); };
  client_.script = {listing("t-1", "Failed")};
  ASSERT_TRUE(pollOnce().ok);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].invoke_id, "t-1");
  EXPECT_EQ(seen[0].from, "Running") << "stored before the exception, read again after it";
  EXPECT_EQ(seen[0].to, "Failed");
}

// Thrown inside one of the poll's parallel fetches by InvokeId (each its own detached
// coroutine; here where its answer is counted): the poll waited for it for good.
TEST_F(RegionPollerTest, AnExceptionInAFetchByIdFailsItsPollAndNeverHangsIt) {
  CapturedLog log;
  client_.script = {listing("t-1", "Running")};
  ASSERT_TRUE(pollOnce(true).ok);
  int throws = 1;
  observer_.on_api_request = [&] {
    if (client_.requests.back().invoke_id == "t-1" && throws-- > 0) {
      throw std::runtime_error("a bug in a fetch");
    }
  };
  auto failed = pollOnce();
  EXPECT_FALSE(failed.ok);
  EXPECT_EQ(failed.error.kind, core::ErrorKind::kInternal);
  EXPECT_EQ(failed.error.message, "a bug in a fetch");
  client_.by_id["t-1"] = PageResult(listing("t-1", "Success"));
  EXPECT_TRUE(pollOnce().ok) << "the next poll fetches it again";
  EXPECT_EQ(store_->loadRegion("cn-hangzhou")->at("t-1").overall_status, "Success");
  EXPECT_NE(log.text().find("a bug in a fetch"), std::string::npos);
}

// Thrown while a call is being started (here by the client as it takes the request): Boost
// starts it inside a noexcept await_suspend, which ended the process. The call fails as internal,
// not retried, its slot under max_in_flight is given back, and the next poll's call goes out.
TEST_F(RegionPollerTest, AnExceptionStartingACallFailsItsPollAndGivesItsSlotBack) {
  CapturedLog log;
  options_.max_in_flight = 1;
  rebuild();
  int throws = 1;
  client_.on_request = [&] {
    if (throws-- > 0) throw std::runtime_error("a bug starting a call");
  };
  client_.script = {listing("t-1", "Running")};
  auto failed = pollOnce(true);
  EXPECT_FALSE(failed.ok);
  EXPECT_EQ(failed.error.kind, core::ErrorKind::kInternal);
  EXPECT_EQ(failed.error.message, "starting the call failed: a bug starting a call");
  EXPECT_EQ(client_.requests.size(), 1u) << "a bug's failure is not retried";
  EXPECT_NE(log.text().find("starting the call failed: a bug starting a call (a bug: please "
                            "report it); the call fails"),
            std::string::npos)
      << log.text();
  ASSERT_TRUE(pollOnce(true).ok) << "its slot was given back";
  EXPECT_EQ(store_->loadRegion("cn-hangzhou")->at("t-1").overall_status, "Running");
}

// Thrown after the request was handed on: the call fails then, and its answer, when it comes,
// finds the call ended (it resumed the poll a second time before the handler ran only once).
TEST_F(RegionPollerTest, AnExceptionAfterTheRequestWasHandedOnEndsTheCallOnce) {
  CapturedLog log;
  int throws = 1;
  client_.after_request = [&] {
    if (throws-- > 0) throw std::runtime_error("a bug after sending");
  };
  client_.script = {listing("t-1", "Running"), listing("t-1", "Success")};
  auto failed = pollOnce(true);
  EXPECT_FALSE(failed.ok);
  EXPECT_EQ(failed.error.message, "starting the call failed: a bug after sending");
  io_.poll();  // the first answer arrives, to nobody
  ASSERT_TRUE(pollOnce(true).ok);
  EXPECT_EQ(store_->loadRegion("cn-hangzhou")->at("t-1").overall_status, "Success");
}

}  // namespace
}  // namespace swas::poller
