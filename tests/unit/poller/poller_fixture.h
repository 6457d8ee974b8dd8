#pragma once

// The region poller's test fixture: a poller over a fresh state file, a fake SWAS client and a
// fake clock, and helpers for pages and API errors (region_poller_test, ecs_pager_test).

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/time.h"
#include "daemon/poller/region_poller.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_swas_client.h"
#include "tests/support/sim_process.h"

namespace swas::poller::testkit {

using PageResult = testing::FakeSwasClient::PageResult;

class NoAlerts final : public core::AlertPlanner {
 public:
  core::AlertWrites plan(const std::vector<core::Transition>&,
                         std::chrono::system_clock::time_point) override {
    return {};
  }
  void committed(const core::AlertWrites&, core::Delivery delivery) override {
    deliveries.push_back(delivery);
    if (on_committed) on_committed();
  }
  std::vector<core::Delivery> deliveries;  // each commit's, and each poll end's of a full walk
  std::function<void()> on_committed;      // after each commit, before the state in memory moves
};

class NullSink final : public core::TransitionSink {
 public:
  void onTransitions(const std::string&, const std::vector<core::Transition>& t,
                     const std::vector<core::OverallChange>&) override {
    count += t.size();
    ++calls;
    if (on_call) on_call(t);
  }
  size_t count = 0;
  size_t calls = 0;
  std::function<void(const std::vector<core::Transition>&)> on_call;
};

class CountingObserver final : public core::PollObserver {
 public:
  void onApiRequest(const std::string&, const std::string&, const std::string& code,
                    double) override {
    ++api_codes[code];
    if (on_api_request) on_api_request();
  }
  void onPollFinished(const std::string&, bool ok, double, bool, int) override {
    ++polls[ok ? "ok" : "failed"];
  }
  void onSkippedTicks(const std::string&, int count) override { skipped_ticks += count; }
  void onTrackedCounts(const std::string&, const core::TrackedCounts&) override {}
  void onPagingFallback(const std::string&) override { ++fallbacks; }
  void onApiAnomaly(const std::string&, std::string_view kind, int count) override {
    anomalies[std::string(kind)] += count;
  }
  void onStateError(std::string_view operation) override { ++state_errors[std::string(operation)]; }
  std::function<void()> on_api_request;  // as each call's answer is counted
  std::map<std::string, int> anomalies;
  std::map<std::string, int> state_errors;
  std::map<std::string, int> api_codes;
  std::map<std::string, int> polls;
  int skipped_ticks = 0;
  int fallbacks = 0;
};

inline api::CommandInvocationPage page(std::vector<std::string> creation_times) {
  api::CommandInvocationPage p;
  p.total_count = static_cast<int64_t>(creation_times.size());
  int n = 0;
  for (auto& t : creation_times) {
    api::CommandInvocation inv;
    inv.invoke_id = "t-" + std::to_string(++n);
    inv.creation_time = t;
    inv.invocation_status = "Success";
    inv.instances.push_back({.instance_id = "i1", .invocation_status = "Success"});
    p.invocations.push_back(inv);
  }
  return p;
}

inline api::CommandInvocation invocation(std::string id, std::string created, std::string status) {
  api::CommandInvocation inv;
  inv.invoke_id = std::move(id);
  inv.creation_time = std::move(created);
  inv.invocation_status = status;
  inv.instances.push_back({.instance_id = "i1", .invocation_status = status});
  return inv;
}

// 60 invocations a second apart, newest first, from `newest` (seconds after 12:00:00).
inline std::vector<api::CommandInvocation> history(int newest, int count) {
  std::vector<api::CommandInvocation> out;
  for (int s = newest; s > newest - count; --s) {
    auto t = std::chrono::sys_days(std::chrono::year(2026) / 11 / 28) + std::chrono::hours(12) +
             std::chrono::seconds(s);
    out.push_back(invocation("t-" + std::to_string(s), core::formatCreationTime(t), "Success"));
  }
  return out;
}

inline api::CommandInvocationPage pageOf(const std::vector<api::CommandInvocation>& all, int number,
                                         int size) {
  api::CommandInvocationPage p;
  p.total_count = static_cast<int64_t>(all.size());
  for (size_t i = (number - 1) * size; i < all.size() && i < size_t(number) * size; ++i)
    p.invocations.push_back(all[i]);
  return p;
}

inline PageResult apiError(std::string code, bool retryable) {
  return std::unexpected(core::Error{.kind = core::ErrorKind::kApi,
                                     .code = std::move(code),
                                     .message = "m",
                                     .retryable = retryable,
                                     .request_id = "R"});
}

class RegionPollerTest : public ::testing::Test {
 protected:
  RegionPollerTest() : client_(io_, &clock_) {
    std::string path =
        testing::writeTempFile(std::string("poller/") + testing::testName() + ".db", "");
    std::filesystem::remove(path);
    store_ = std::move(*state::Store::open(path));
    options_.scope = core::Scope("", "cn-hangzhou");
    options_.backoff_initial = std::chrono::milliseconds(1);
    options_.backoff_cap = std::chrono::milliseconds(2);
    options_.max_attempts = 3;
    rebuild();
  }

  // A new poller with options_, over the same store.
  void rebuild() {
    poller_.reset();
    poller_ = std::make_unique<RegionPoller>(io_, client_, *store_, sink_, planner_, observer_,
                                             clock_, *random_, options_);
    EXPECT_TRUE(poller_->init());
  }

  PollOutcome pollOnce(bool full = false) {
    std::optional<PollOutcome> outcome;
    poller_->pollOnce(full, [&](PollOutcome o) { outcome = std::move(o); });
    EXPECT_TRUE(testing::waitFor(io_, [&] { return outcome.has_value(); }));
    return *outcome;
  }

  // The region-wide list answers `listing` as the API pages it: each request's page of its
  // own PageSize, by PageNumber or (ECS) by the NextToken it answered (not a script of pages
  // fixed in advance). ECS's Timed listing is empty.
  void serve(std::vector<api::CommandInvocation> listing) {
    client_.script.clear();
    client_.on_request = [this, listing = std::move(listing)] {
      const auto& r = client_.requests.back();
      if (r.timed.value_or(false)) {
        client_.script = {api::CommandInvocationPage{}};
        return;
      }
      int number = r.next_token.empty() ? r.page_number : std::stoi(r.next_token);
      auto answer = pageOf(listing, number, r.page_size);
      if (static_cast<size_t>(number) * r.page_size < listing.size())
        answer.next_token = std::to_string(number + 1);
      client_.script = {answer};
    };
  }

  boost::asio::io_context io_;
  testing::FakeClock clock_;
  testing::FakeSwasClient client_;
  std::unique_ptr<state::Store> store_;
  NullSink sink_;
  NoAlerts planner_;
  CountingObserver observer_;
  std::unique_ptr<core::Random> random_ = core::makeSeededRandom(1);
  RegionOptions options_;
  std::unique_ptr<RegionPoller> poller_;
};

}  // namespace swas::poller::testkit
