// Crash torture: the daemon is killed with SIGKILL at random moments while the simulator churns
// invocations and the receiver flaps (accepts, fails, drops connections), and restarted each
// time. Against the simulator's ground truth: every terminal state is in the journal exactly
// once, every alert occurrence is delivered, no phantom alert, and no Idempotency-Key ever
// carries two different bodies. Repeats (at least once) are counted and bounded: each is a
// message accepted again under its one Idempotency-Key, at most one per kill. SWAS_TORTURE_KILLS
// sets the number of kills (make test: 10, make torture: 100); SWAS_TORTURE_SEED replays a run.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/recorder.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::eventually;
using testing::MonitorProcess;
using testing::Recorder;
using testing::SimProcess;
using testing::testName;

int envInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

const std::set<std::string> kAlerting = {"Failed", "Timeout", "Error", "Invalid", "Aborted"};
const std::set<std::string> kTerminal = {"Success", "Failed",  "Error",     "Timeout",
                                         "Invalid", "Aborted", "Cancelled", "Terminated"};

struct Truth {
  std::set<std::string> occurrences;            // region/invoke/instance/status
  std::map<std::string, std::string> terminal;  // region/invoke/instance -> terminal status
};

Truth groundTruth(const SimProcess& sim) {
  Truth t;
  std::string body = testing::fetchOk("GET", sim.url() + "/_sim/stats");
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(body);
  for (simdjson::dom::element e : doc["truth"].get_array()) {
    std::string key = std::string(e["region_id"].get_string().value()) + "/" +
                      std::string(e["invoke_id"].get_string().value()) + "/" +
                      std::string(e["instance_id"].get_string().value());
    std::string to(e["to"].get_string().value());
    if (kAlerting.contains(to)) t.occurrences.insert(key + "/" + to);
    if (kTerminal.contains(to)) t.terminal[key] = to;
  }
  return t;
}

struct Deliveries {
  std::map<std::string, int> firing;                         // occurrence -> times accepted
  std::map<std::string, std::set<std::string>> key_bodies;   // Idempotency-Key -> bodies
  std::map<std::string, int> key_accepted;                   // Idempotency-Key -> times accepted
  std::map<std::string, std::set<std::string>> firing_keys;  // occurrence -> keys accepted
};

Deliveries deliveries(const Recorder& recorder) {
  Deliveries d;
  simdjson::dom::parser parser;
  for (const auto& r : recorder.requests()) {
    std::string key(r.request.header("idempotency-key"));
    d.key_bodies[key].insert(r.request.body);
    if (r.answered != 200) continue;
    ++d.key_accepted[key];
    simdjson::dom::array alerts;
    if (parser.parse(r.request.body)["alerts"].get(alerts)) continue;
    for (simdjson::dom::element a : alerts) {
      if (std::string_view(a["status"].get_string().value()) != "firing") continue;
      auto l = a["labels"];
      d.firing_keys[std::string(l["region_id"].get_string().value()) + "/" +
                    std::string(l["invoke_id"].get_string().value()) + "/" +
                    std::string(l["instance_id"].get_string().value()) + "/" +
                    std::string(l["invocation_status"].get_string().value())]
          .insert(key);
    }
  }
  d.firing = testing::acceptedFiring(recorder);
  return d;
}

// Terminal transitions in the daemon's journal: region/invoke/instance/status -> rows.
std::map<std::string, int> journal(const std::string& path) {
  std::map<std::string, int> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return out;
  sqlite3_busy_timeout(db, 2000);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT region_id || '/' || invoke_id || '/' || instance_id || '/' || "
                     "to_status FROM transitions",
                     -1, &s, nullptr);
  while (sqlite3_step(s) == SQLITE_ROW) {
    std::string key(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
    if (kTerminal.contains(key.substr(key.rfind('/') + 1))) ++out[key];
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

TEST(Torture, KilledAtRandomItLosesNothingAndNeverContradictsItself) {
  const int kills = envInt("SWAS_TORTURE_KILLS", 10);
  const unsigned seed = static_cast<unsigned>(envInt("SWAS_TORTURE_SEED", std::random_device{}()));
  std::cout << "[ torture ] " << kills << " kills, SWAS_TORTURE_SEED=" << seed << "\n";
  std::mt19937 rng(seed);
  // Creation stops a little after the last kill; everything finishes within 1.5 s after that.
  double churn = 2 + kills * 1.0;
  std::string scenario = R"(generator:
  seed: )" + std::to_string(seed) +
                         R"(
  regions: [cn-hangzhou, ap-southeast-1]
  instances: 4
  instances_per_invocation: 2
  retained: 0
  rate: 3
  outcomes: {Success: 0.6, Failed: 0.2, Timeout: 0.1, Error: 0.1}
  pending: 0.1s
  duration_min: 0.1s
  duration_max: 1s
  stop_after: )" + std::to_string(churn) +
                         "s\n";
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml", scenario));
  // The simulator's stop_after counts from its start; add the longest pending + duration.
  auto churn_over = std::chrono::steady_clock::now() + std::chrono::duration<double>(churn + 1.5);
  Recorder recorder;
  std::string config = testing::writeTempFile(
      std::string(testName()) + "/config.yaml",
      testing::MonitorConfig{.sim_url = sim.url(),
                             .state_path = dir + "/state.db",
                             .regions = {"cn-hangzhou", "ap-southeast-1"},
                             .webhook_url = recorder.url() + "/hook",
                             .receiver_extra = "      max_alerts_per_message: 3\n"}
          .yaml());
  std::uniform_int_distribution<int> alive_ms(50, 1500);
  std::uniform_int_distribution<int> answer(0, 2);
  for (int k = 0; k < kills; ++k) {
    recorder.answer(std::array{200, 503, 0}[answer(rng)]);
    MonitorProcess daemon(SWAS_DAEMON_PATH, config, dir);
    ASSERT_FALSE(daemon.url().empty()) << "start " << k << ": " << daemon.stderrText();
    std::this_thread::sleep_for(std::chrono::milliseconds(alive_ms(rng)));
    daemon.process().signal(SIGKILL);
    daemon.process().wait();
  }
  recorder.answer(200);
  auto daemon = std::make_unique<MonitorProcess>(SWAS_DAEMON_PATH, config, dir);
  ASSERT_FALSE(daemon->url().empty()) << daemon->stderrText();
  // Once everything created has finished, the daemon catches up: every terminal state in the
  // journal and every failure delivered. The truth is re-read on each probe, so a state that
  // appears late is waited for, not missed.
  std::this_thread::sleep_until(churn_over);
  Truth truth;
  Deliveries got;
  std::map<std::string, int> stored;
  bool all = eventually(
      [&] {
        truth = groundTruth(sim);
        got = deliveries(recorder);
        stored = journal(dir + "/state.db");
        for (const auto& o : truth.occurrences) {
          if (!got.firing.contains(o)) return false;
        }
        for (const auto& [key, status] : truth.terminal) {
          if (!stored.contains(key + "/" + status)) return false;
        }
        return true;
      },
      std::chrono::seconds(120));
  ASSERT_FALSE(truth.occurrences.empty()) << "the scenario produced no failures";
  for (const auto& o : truth.occurrences) {
    EXPECT_TRUE(got.firing.contains(o)) << "lost: " << o;
  }
  EXPECT_TRUE(all);
  // At least once, and how often more: a repeat is the message a kill cut off after the
  // receiver accepted it and before the daemon recorded that. Its composition was stored before
  // the send, so it goes again whole, under the same Idempotency-Key; with one message in flight
  // per receiver, a kill repeats at most one message.
  int repeats = 0, repeated_occurrences = 0, repeated_messages = 0, most = 1;
  for (const auto& [o, n] : got.firing) {
    EXPECT_TRUE(truth.occurrences.contains(o)) << "phantom alert: " << o;
    repeats += n - 1;
    repeated_occurrences += n > 1 ? 1 : 0;
    most = std::max(most, n);
    EXPECT_EQ(got.firing_keys[o].size(), 1u)
        << o << " was accepted in " << got.firing_keys[o].size()
        << " different messages: a repeat must be the same message again";
  }
  for (const auto& [key, n] : got.key_accepted) repeated_messages += n > 1 ? n - 1 : 0;
  EXPECT_LE(repeated_messages, kills) << "more messages accepted again than there were kills";
  for (const auto& [key, bodies] : got.key_bodies) {
    EXPECT_EQ(bodies.size(), 1u) << "Idempotency-Key " << key << " with different bodies";
  }
  daemon->process().signal(SIGTERM);
  EXPECT_EQ(daemon->process().wait(), 0);
  stored = journal(dir + "/state.db");
  for (const auto& [key, status] : truth.terminal) {
    EXPECT_EQ(stored[key + "/" + status], 1) << "terminal state of " << key << " in the journal";
  }
  std::cout << "[ torture ] " << truth.terminal.size() << " terminal states, "
            << truth.occurrences.size() << " occurrences, all delivered; " << repeats
            << " repeats of " << repeated_occurrences << " occurrences (at most " << most
            << " deliveries of one), all in " << repeated_messages
            << " messages accepted again after a kill cut them off (bound: " << kills << " kills), "
            << recorder.requests().size() << " requests\n";
}

}  // namespace
}  // namespace swas
