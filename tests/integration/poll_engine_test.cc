// The poll engine end to end: the daemon process against swas-sim, whose clock the test moves.
// What the daemon "reported" is its durable transition journal; what happened is the
// simulator's ground truth. Every terminal (invocation, instance) state must be reported
// exactly once: no miss, no duplicate, across faults, page shifts and restarts.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <sqlite3.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "daemon/core/invocation.h"
#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::Process;
using testing::SimProcess;

struct Entry {
  std::string region_id, invoke_id, instance_id, from, to;
};

std::vector<Entry> groundTruth(const SimProcess& sim) {
  std::string body = testing::fetchOk("GET", sim.url() + "/_sim/stats");
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(body);
  std::vector<Entry> out;
  for (simdjson::dom::element e : doc["truth"].get_array()) {
    out.push_back({std::string(e["region_id"].get_string().value()),
                   std::string(e["invoke_id"].get_string().value()),
                   std::string(e["instance_id"].get_string().value()),
                   std::string(e["from"].get_string().value()),
                   std::string(e["to"].get_string().value())});
  }
  return out;
}

std::vector<Entry> journal(const std::string& db_path) {
  std::vector<Entry> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return out;
  }
  sqlite3_busy_timeout(db, 2000);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(
          db, "SELECT region_id, invoke_id, instance_id, from_status, to_status FROM transitions",
          -1, &stmt, nullptr) == SQLITE_OK) {
    auto text = [&](int i) {
      return std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)));
    };
    while (sqlite3_step(stmt) == SQLITE_ROW)
      out.push_back({text(0), text(1), text(2), text(3), text(4)});
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

using Key =
    std::tuple<std::string, std::string, std::string, std::string>;  // region, invoke, instance, to

std::map<Key, int> terminalCounts(const std::vector<Entry>& entries) {
  std::map<Key, int> counts;
  for (const auto& e : entries) {
    if (core::isTerminalInstanceStatus(e.to))
      ++counts[{e.region_id, e.invoke_id, e.instance_id, e.to}];
  }
  return counts;
}

// 2 regions x 4 instances; 150 finished invocations each at start, then 250/60 per second each
// for 60 simulated seconds: 500 invocations in all, each on 1 to 3 instances.
std::string scenario(const std::string& faults = "", int instances = 4) {
  return R"(clock: manual
generator:
  seed: 11
  regions: [cn-hangzhou, ap-southeast-1]
  instances: )" +
         std::to_string(instances) + R"(
  instances_per_invocation: 3
  retained: 150
  rate: 1.6667
  stop_after: 59.9s
  pending: 1s
  duration_min: 1s
  duration_max: 10s
  output_bytes: 32
)" + faults;
}

class PollEngineTest : public ::testing::Test {
 protected:
  // `watched` > 0: instance_ids lists that many of each region's instances (the first by id).
  void start(const std::string& scenario_text, int page_size = 50, size_t watched = 0) {
    dir_ =
        std::filesystem::path(testing::writeTempFile(std::string(testing::testName()) + "/x", ""))
            .parent_path()
            .string();
    std::filesystem::remove(dir_ + "/state.db");
    sim_ = std::make_unique<SimProcess>(
        testing::writeTempFile(std::string(testing::testName()) + "/scenario.yaml", scenario_text));
    testing::MonitorConfig settings{.sim_url = sim_->url(),
                                    .state_path = dir_ + "/state.db",
                                    .regions = {"cn-hangzhou", "ap-southeast-1"}};
    settings.api["timeout"] = "5s";
    settings.poll["jitter"] = "0";
    settings.poll["page_size"] = std::to_string(page_size);
    for (const auto& region : settings.regions)
      settings.instance_ids[region] = instanceList(region, watched);
    config_ = settings.write(std::string(testing::testName()) + "/config.yaml");
  }

  std::vector<std::string> instanceList(const std::string& region, size_t watched) {
    std::set<std::string> ids;
    for (const auto& e : groundTruth(*sim_)) {
      if (e.region_id == region) ids.insert(e.instance_id);
    }
    std::vector<std::string> out;
    for (const auto& id : ids) {
      if (watched-- == 0) break;
      watched_.insert({region, id});
      out.push_back(id);
    }
    return out;
  }

  std::unique_ptr<Process> launch(int generation) {
    return std::make_unique<Process>(
        std::vector<std::string>{SWAS_DAEMON_PATH, "--config", config_, "--log-level", "debug"},
        dir_ + "/stdout" + std::to_string(generation),
        dir_ + "/stderr" + std::to_string(generation));
  }

  void advanceTo(int& now, int until, std::chrono::milliseconds step_pause) {
    for (; now < until; ++now) {
      testing::fetchOk("POST", sim_->url() + "/_sim/advance?seconds=1");
      std::this_thread::sleep_for(step_pause);
    }
  }

  // Waits until the journal holds every terminal state of the ground truth (on the watched
  // instances, when some are), then compares.
  void expectExactlyOnce(size_t at_least = 900) {
    auto truth = terminalCounts(groundTruth(*sim_));
    if (!watched_.empty()) {
      std::erase_if(truth, [&](const auto& entry) {
        return !watched_.contains({std::get<0>(entry.first), std::get<2>(entry.first)});
      });
    }
    ASSERT_GT(truth.size(), at_least) << "the scenario should end with enough finished executions";
    std::map<Key, int> reported;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    do {
      reported = terminalCounts(journal(dir_ + "/state.db"));
      if (reported.size() >= truth.size()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (std::chrono::steady_clock::now() < deadline);
    size_t missed = 0, duplicated = 0, invented = 0;
    for (const auto& [key, n] : truth) {
      auto it = reported.find(key);
      if (it == reported.end()) ++missed;
    }
    for (const auto& [key, n] : reported) {
      if (n > 1) ++duplicated;
      if (!truth.contains(key)) ++invented;
    }
    EXPECT_EQ(missed, 0u);
    EXPECT_EQ(duplicated, 0u);
    EXPECT_EQ(invented, 0u);
    std::cout << "[ ground truth ] " << truth.size() << " terminal states, " << reported.size()
              << " reported, missed " << missed << ", duplicated " << duplicated << "\n";
  }

  std::string dir_;
  std::string config_;
  std::unique_ptr<SimProcess> sim_;
  std::set<std::pair<std::string, std::string>> watched_;  // (region, instance)
};

TEST_F(PollEngineTest, EveryTerminalStateExactlyOnce) {
  start(scenario());
  auto daemon = launch(0);
  int now = 0;
  advanceTo(now, 75, std::chrono::milliseconds(120));
  expectExactlyOnce();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait(), 0) << testing::readFile(dir_ + "/stderr0");
}

TEST_F(PollEngineTest, SameResultUnderThrottlingAndServerErrors) {
  start(scenario("faults: {throttle: 0.3, throttle_retry_after_ms: 50, server_error: 0.1}\n"));
  auto daemon = launch(0);
  int now = 0;
  advanceTo(now, 75, std::chrono::milliseconds(120));
  expectExactlyOnce();
  std::string stats = testing::fetchOk("GET", sim_->url() + "/_sim/stats?truth=0");
  EXPECT_NE(stats.find("\"Throttling.User\""), std::string::npos) << stats;
  EXPECT_NE(stats.find("\"ServiceUnavailable\""), std::string::npos) << stats;
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait(), 0);
}

TEST_F(PollEngineTest, PagesShiftingUnderTheWalkMissNothing) {
  // Every request for page 2 or later first inserts three new invocations at the head: each
  // page begins with the last three of the page before.
  start(scenario("faults: {insert_on_later_pages: 3}\n"), 10);
  auto daemon = launch(0);
  int now = 0;
  advanceTo(now, 75, std::chrono::milliseconds(120));
  // A page that begins with the end of the one before (pushed back) is still newest-first: the
  // cold walk is the only full walk, not every poll after it (a slow walk among many accounts'
  // saw that on most pages and walked every page of every poll).
  std::string log = testing::readFile(dir_ + "/stderr0");
  ASSERT_EQ(log.find("did not list invocations newest-first"), std::string::npos);
  for (std::string region : {"cn-hangzhou", "ap-southeast-1"}) {
    std::string full = "poll region=" + region + " ok=true full_walk=true";
    int walks = 0;
    for (size_t at = log.find(full); at != std::string::npos; at = log.find(full, at + 1)) ++walks;
    ASSERT_EQ(walks, 1) << region;
  }
  expectExactlyOnce();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait(), 0);
}

TEST_F(PollEngineTest, RestartsLoseAndRepeatNothing) {
  start(scenario());
  int now = 0;
  auto first = launch(0);
  advanceTo(now, 20, std::chrono::milliseconds(120));
  first->signal(SIGTERM);
  EXPECT_EQ(first->wait(), 0) << testing::readFile(dir_ + "/stderr0");
  advanceTo(now, 35, std::chrono::milliseconds(20));  // changes while it is down
  auto second = launch(1);
  advanceTo(now, 50, std::chrono::milliseconds(120));
  second->signal(SIGKILL);  // no chance to finish anything
  EXPECT_EQ(second->wait(), 128 + SIGKILL);
  advanceTo(now, 65, std::chrono::milliseconds(20));
  auto third = launch(2);
  advanceTo(now, 80, std::chrono::milliseconds(120));
  expectExactlyOnce();
  third->signal(SIGTERM);
  EXPECT_EQ(third->wait(), 0);
}

// With instance_ids, per-instance lists or one region-wide list filtered locally, whichever is
// cheaper; the results are the same either way.
TEST_F(PollEngineTest, FewWatchedInstancesOfManyUsePerInstanceLists) {
  start(scenario("", 20), 50, 2);
  auto daemon = launch(0);
  int now = 0;
  advanceTo(now, 75, std::chrono::milliseconds(120));
  expectExactlyOnce(40);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait(), 0);
  EXPECT_NE(testing::readFile(dir_ + "/stderr0").find("paging: one list per watched instance"),
            std::string::npos);
}

TEST_F(PollEngineTest, MostInstancesWatchedUseOneRegionWideList) {
  start(scenario(), 50, 3);
  auto daemon = launch(0);
  int now = 0;
  advanceTo(now, 75, std::chrono::milliseconds(120));
  expectExactlyOnce(500);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait(), 0);
  EXPECT_EQ(testing::readFile(dir_ + "/stderr0").find("paging: one list per watched instance"),
            std::string::npos);
}

// The API economy the README promises: 3,000 finished invocations retained, one new per second,
// steady-state polls cost at most 1.1 calls on average (a full walk is 61), counted where the
// API sees them (the simulator), not by the daemon.
TEST_F(PollEngineTest, SteadyStateCostsOneCallPerCycle) {
  start(R"(clock: manual
generator:
  seed: 5
  regions: [cn-hangzhou]
  instances: 4
  instances_per_invocation: 2
  retained: 3000
  rate: 1
  pending: 1s
  duration_min: 1s
  duration_max: 10s
)");
  std::string only_one = testing::readFile(config_);
  // Drop the second region: its region_id line and its instance_ids line.
  size_t second = only_one.find("  - region_id: ap-southeast-1\n");
  only_one.erase(second, only_one.find('\n', second + 30) + 1 - second);
  std::ofstream(config_) << only_one;
  auto daemon = launch(0);
  int now = 0;
  advanceTo(now, 60, std::chrono::milliseconds(150));
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait(), 0);
  std::string log = testing::readFile(dir_ + "/stderr0");
  static constexpr std::string_view kPrefix = "poll region=cn-hangzhou ok=true full_walk=";
  int steady_polls = 0, steady_calls = 0, full_calls = 0;
  for (size_t at = log.find(kPrefix); at != std::string::npos; at = log.find(kPrefix, at + 1)) {
    size_t flag = at + kPrefix.size();
    bool full = log.compare(flag, 4, "true") == 0;
    size_t calls_at = log.find("api_calls=", flag) + std::string_view("api_calls=").size();
    int calls = std::stoi(log.substr(calls_at, log.find(' ', calls_at) - calls_at));
    if (full) {
      full_calls = calls;
    } else {
      ++steady_polls;
      steady_calls += calls;
    }
  }
  ASSERT_GT(steady_polls, 50);
  // What the API answered, whatever the daemon logged: every call but the full walks'.
  std::string stats = testing::fetchOk("GET", sim_->url() + "/_sim/stats?truth=0");
  simdjson::dom::parser parser;
  int64_t answered = 0;
  simdjson::dom::object codes;
  if (!parser.parse(stats)["requests"]["DescribeCommandInvocations"].get(codes)) {
    for (auto [code, n] : codes) answered += n.get_int64().value();
  }
  int full_walk_calls = 0;
  const std::string full_walk = std::string(kPrefix) + "true";
  for (size_t at = log.find(full_walk); at != std::string::npos; at = log.find(full_walk, at + 1)) {
    size_t calls_at = log.find("api_calls=", at) + std::string_view("api_calls=").size();
    full_walk_calls += std::stoi(log.substr(calls_at, log.find(' ', calls_at) - calls_at));
  }
  double average = static_cast<double>(steady_calls) / steady_polls;
  double at_the_api = static_cast<double>(answered - full_walk_calls) / steady_polls;
  std::cout << "[ api economy ] full walk " << full_calls << " calls; steady state " << average
            << " calls per cycle (" << at_the_api << " as the API saw them) over " << steady_polls
            << " polls\n";
  EXPECT_EQ(full_calls, 61);  // 3,001 invocations at 50 a page
  EXPECT_LE(average, 1.1);
  EXPECT_LE(at_the_api, 1.1);
}

}  // namespace
}  // namespace swas
