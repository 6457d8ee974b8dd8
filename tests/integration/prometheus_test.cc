// The daemon seen through Prometheus: the exposition passes promtool, its series stay bounded
// however many invocations there are, and a real Prometheus scraping it with the shipped
// deploy/prometheus configuration and rules reads the values the scenario implies.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <thread>

#include "daemon/core/invocation.h"
#include "daemon/util/percent_encoding.h"
#include "tests/integration/dashboard.h"
#include "tests/integration/prometheus_process.h"
#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::eventually;
using testing::MonitorProcess;
using testing::Process;
using testing::SimProcess;
using testing::testName;

std::string daemonConfig(const SimProcess& sim, const std::string& dir,
                         const std::string& interval = "200ms",
                         const std::string& secret = "testsecret",
                         const std::string& webhook_url = "") {
  testing::MonitorConfig settings{.sim_url = sim.url(),
                                  .state_path = dir + "/state.db",
                                  .regions = {"cn-hangzhou", "ap-southeast-1"},
                                  .webhook_url = webhook_url};
  settings.access_key_secret = secret;
  settings.api["timeout"] = "5s";
  settings.poll = {{"interval", interval}, {"jitter", "0"}, {"initial_lookback", "30d"}};
  return settings.write(std::string(testName()) + "/config.yaml");
}

// Series (non-comment lines) of an exposition, by family name.
std::map<std::string, size_t> seriesByFamily(const std::string& exposition) {
  std::map<std::string, size_t> out;
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::string name = line.substr(0, line.find_first_of("{ "));
    for (std::string suffix : {"_bucket", "_sum", "_count"}) {
      if (name.ends_with(suffix) && name.starts_with("swas_") &&
          name.find("duration") != std::string::npos)
        name.resize(name.size() - suffix.size());
    }
    ++out[name];
  }
  return out;
}

size_t total(const std::map<std::string, size_t>& by_family) {
  size_t n = 0;
  for (const auto& [family, count] : by_family) n += count;
  return n;
}

struct SimStats {
  size_t invocations = 0;
  std::map<std::string, int64_t> codes;  // DescribeCommandInvocations answers by code
  std::set<std::string> invoke_ids;
  size_t terminal = 0;  // terminal per-instance states
  size_t failing = 0;   // terminal states that alert (default alerts.statuses)
};

SimStats simStats(const SimProcess& sim) {
  std::string body = testing::fetchOk("GET", sim.url() + "/_sim/stats");
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(body);
  SimStats stats;
  stats.invocations = static_cast<size_t>(doc["invocations"].get_int64().value());
  simdjson::dom::object codes;
  if (!doc["requests"]["DescribeCommandInvocations"].get(codes)) {
    for (auto [code, n] : codes) stats.codes[std::string(code)] = n.get_int64().value();
  }
  const core::AlertCondition alerting;
  for (simdjson::dom::element e : doc["truth"].get_array()) {
    stats.invoke_ids.insert(std::string(e["invoke_id"].get_string().value()));
    std::string to(e["to"].get_string().value());
    if (!core::isTerminalInstanceStatus(to)) continue;
    ++stats.terminal;
    if (alerting.matches(to, "")) ++stats.failing;
  }
  return stats;
}

std::string scrape(const MonitorProcess& daemon) {
  return testing::fetchOk("GET", daemon.url() + "/metrics");
}

// `promtool check metrics` on one scrape: its output (empty when the exposition is clean).
std::string promtoolCheck(const std::string& exposition, const std::string& dir) {
  std::string in = dir + "/scrape.txt", out = dir + "/promtool.out";
  std::ofstream(in) << exposition;
  std::string command = "promtool check metrics < " + in + " > " + out + " 2>&1";
  int rc = std::system(command.c_str());
  std::string output = testing::readFile(out);
  if (rc != 0 && output.empty()) output = "promtool exited with " + std::to_string(rc);
  return output;
}

TEST(Metrics, AScrapePassesPromtoolAndSeriesDoNotGrowWithInvocations) {
  std::string dir = testing::freshTestDir();
  // 2 regions x 4 instances: 50 finished invocations each at start (100), then 995 a second each
  // for 10 simulated seconds (20,000 in all).
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml", R"(clock: manual
generator:
  seed: 7
  regions: [cn-hangzhou, ap-southeast-1]
  instances: 4
  instances_per_invocation: 3
  retained: 50
  rate: 995
  stop_after: 9.9999s
  pending: 1s
  duration_min: 1s
  duration_max: 5s
  output_bytes: 16
)"));
  MonitorProcess daemon(SWAS_DAEMON_PATH, daemonConfig(sim, dir), dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();

  // Waits until the daemon tracks every invocation the simulator holds, and its counters of
  // what it saw have settled (the simulator's clock stands still); returns the scrape.
  auto caughtUp = [&](size_t expected) {
    std::string exposition;
    double last_counted = -1;
    bool ok = eventually([&] {
      exposition = scrape(daemon);
      double counted = testing::sumOf(exposition, "swas_invocation_transitions_total") +
                       testing::sumOf(exposition, "swas_invocation_failures_total");
      bool settled = counted == last_counted;
      last_counted = counted;
      return settled &&
             testing::sumOf(exposition, "swas_invocations") == static_cast<double>(expected);
    });
    EXPECT_TRUE(ok) << "tracking " << testing::sumOf(exposition, "swas_invocations") << " of "
                    << expected;
    return exposition;
  };
  std::map<std::string, size_t> series_at;
  size_t expected = simStats(sim).invocations;
  ASSERT_GE(expected, 100u);
  ASSERT_LE(expected, 110u);
  std::string small = caughtUp(expected);
  EXPECT_EQ(promtoolCheck(small, dir), "");

  testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=5");
  std::string half = caughtUp(simStats(sim).invocations);
  testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=5");
  testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=10");  // everything finishes
  SimStats stats = simStats(sim);
  ASSERT_GE(stats.invocations, 20'000u);
  ASSERT_LE(stats.invocations, 20'010u);
  std::string large = caughtUp(stats.invocations);
  EXPECT_TRUE(eventually([&] {
    large = scrape(daemon);
    return testing::sumOf(large, "swas_invocation_instances", {"invocation_status=\"Running\""}) ==
               0 &&
           testing::sumOf(large, "swas_invocation_instances", {"invocation_status=\"Pending\""}) ==
               0;
  }));
  EXPECT_EQ(promtoolCheck(large, dir), "");

  auto small_series = seriesByFamily(small);
  auto half_series = seriesByFamily(half);
  auto large_series = seriesByFamily(large);
  std::cout << "[ series ] " << total(small_series) << " at "
            << testing::sumOf(small, "swas_invocations") << " invocations, " << total(half_series)
            << " at " << testing::sumOf(half, "swas_invocations") << ", " << total(large_series)
            << " at " << stats.invocations << "\n";
  for (const auto& [family, n] : large_series) std::cout << "  " << family << " " << n << "\n";

  // What the series depend on: regions, statuses, instances, error codes and result codes.
  const size_t regions = 2, instances = 4, overall = std::size(core::kOverallStatuses),
               per_instance = std::size(core::kInstanceStatuses);
  EXPECT_EQ(large_series["swas_invocations"], regions * overall);
  EXPECT_EQ(large_series["swas_invocation_instances"], regions * per_instance);
  EXPECT_EQ(large_series["swas_region_up"], regions);
  EXPECT_LE(large_series["swas_invocation_transitions_total"],
            regions * (per_instance + 1) * per_instance);
  // Failed, Timeout and Error, each with its one ErrorCode in the simulator.
  EXPECT_LE(large_series["swas_invocation_failures_total"], regions * instances * 3);
  EXPECT_LE(total(small_series), total(large_series));
  // Which (from, to) pairs have been seen yet depends on timing, within the bound above; the
  // other families are the same at 10,000 and 20,000 invocations.
  // Likewise the result codes of API calls (a slow machine may add `timeout`).
  EXPECT_LE(large_series["swas_api_requests_total"], regions * 8);
  for (auto* series : {&half_series, &large_series}) {
    series->erase("swas_invocation_transitions_total");
    series->erase("swas_api_requests_total");
  }
  EXPECT_EQ(large_series, half_series) << "10,000 more invocations added series";

  for (const auto& id : stats.invoke_ids) {
    ASSERT_EQ(large.find(id), std::string::npos) << "invoke id " << id << " in a label";
  }
}

TEST(Endpoints, ReadyOnlyOnceEveryRegionPolledAndScrapesNeverCallTheApi) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::testdataPath("conformance.yaml"));
  {
    // Refused credentials: alive, not ready, and each region says why.
    MonitorProcess refused(SWAS_DAEMON_PATH, daemonConfig(sim, dir, "1h", "wrongsecret"), dir);
    ASSERT_FALSE(refused.url().empty()) << refused.stderrText();
    http::HttpResult ready;
    EXPECT_TRUE(eventually([&] {
      ready = testing::fetch("GET", refused.url() + "/readyz");
      // Both regions' failures: readiness follows each poll within the refresh throttle, so
      // one region may still read "first poll in progress" when the other has failed.
      if (!ready) return false;
      size_t failed = 0;
      for (size_t at = ready->body.find("last poll failed"); at != std::string::npos;
           at = ready->body.find("last poll failed", at + 1))
        ++failed;
      return failed == 2;
    }));
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->status, 503);
    std::istringstream lines(ready->body);
    for (std::string region : {"ap-southeast-1", "cn-hangzhou"}) {
      std::string line;
      std::getline(lines, line);
      EXPECT_TRUE(line.starts_with("region " + region + " not ready: last poll failed: ")) << line;
      EXPECT_NE(line.find("SignatureDoesNotMatch"), std::string::npos) << line;
    }
    EXPECT_EQ(testing::fetch("GET", refused.url() + "/healthz")->status, 200);
  }
  std::filesystem::remove(dir + "/state.db");
  MonitorProcess daemon(SWAS_DAEMON_PATH, daemonConfig(sim, dir, "1h"), dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  EXPECT_TRUE(eventually([&] {
    auto ready = testing::fetch("GET", daemon.url() + "/readyz");
    return ready && ready->status == 200;
  }));
  auto calls = [&] {
    int64_t n = 0;
    for (const auto& [code, count] : simStats(sim).codes) n += count;
    return n;
  };
  int64_t before = calls();
  for (int i = 0; i < 20; ++i) {
    for (std::string path : {"/metrics", "/healthz", "/readyz"}) {
      EXPECT_EQ(testing::fetch("GET", daemon.url() + path)->status, 200) << path;
    }
  }
  EXPECT_EQ(calls(), before) << "a scrape must be answered from memory";
}

using testing::PrometheusProcess;

// label_values(METRIC, LABEL) as Grafana asks Prometheus: /api/v1/label/LABEL/values?match[]=.
std::vector<std::string> labelValues(const PrometheusProcess& prometheus, std::string definition) {
  std::string inner = definition.substr(13, definition.size() - 14);  // label_values( ... )
  size_t comma = inner.rfind(", ");
  std::string body =
      prometheus.get("/api/v1/label/" + inner.substr(comma + 2) +
                     "/values?match[]=" + util::percentEncode(inner.substr(0, comma)));
  simdjson::dom::parser parser;
  std::vector<std::string> out;
  simdjson::dom::array values;
  if (parser.parse(body)["data"].get(values)) return {"(not an answer: " + body + ")"};
  for (auto v : values) out.emplace_back(std::string_view(v));
  return out;
}

// The shipped Grafana dashboard against this scenario (throttled, failures, alerts firing, a
// failing receiver): schema basics, its variables list the account and both regions, and every
// panel's query is valid and returns data, with the variables chosen and with "All"; the
// failures table counts every failure once.
void checkDashboard(const PrometheusProcess& prometheus, uint64_t failing) {
  auto get = [&](const std::string& path) { return prometheus.get(path); };
  std::string path = std::string(SWAS_SOURCE_DIR) + "/deploy/grafana/swas-invocation-monitor.json";
  std::map<std::string, std::string> chosen = {
      {"account", "test"},       {"product", ".*"}, {"region", "(ap-southeast-1|cn-hangzhou)"},
      {"__rate_interval", "1m"}, {"__range", "1h"}, {"__interval", "15s"}};
  auto all = chosen;
  all["account"] = all["region"] = ".*";  // Grafana's "All" with allValue .*
  auto dashboard = testing::readDashboard(path, chosen);
  for (const auto& problem : dashboard.problems) ADD_FAILURE() << "dashboard: " << problem;
  EXPECT_GE(dashboard.queries.size(), 15u);
  ASSERT_EQ(dashboard.variable_queries.size(), 3u);
  EXPECT_EQ(labelValues(prometheus, dashboard.variable_queries[0]),
            (std::vector<std::string>{"test"}));
  std::string products = dashboard.variable_queries[1];
  products.replace(products.find("$account"), 8, "test");
  EXPECT_EQ(labelValues(prometheus, products), (std::vector<std::string>{}))
      << "SWAS alone: no product label (issue 26)";
  std::string regions = dashboard.variable_queries[2];
  regions.replace(regions.find("$account"), 8, "test");
  regions.replace(regions.find("$product"), 8, ".*");
  EXPECT_EQ(labelValues(prometheus, regions),
            (std::vector<std::string>{"ap-southeast-1", "cn-hangzhou"}));
  for (const auto& d : {dashboard, testing::readDashboard(path, all)}) {
    std::vector<std::string> problems;
    bool all_have_data =
        eventually([&] { return (problems = testing::runDashboardQueries(d, get, {})).empty(); },
                   std::chrono::seconds(60));
    EXPECT_TRUE(all_have_data);
    for (const auto& problem : problems) ADD_FAILURE() << "dashboard: " << problem;
  }
  auto query = [&](const std::string& title) {
    for (const auto& q : dashboard.queries) {
      if (q.panel == title) return testing::queryValues(get, q.expr);
    }
    ADD_FAILURE() << "no panel " << title;
    return std::vector<double>{};
  };
  auto sum = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); };
  EXPECT_EQ(sum(query("Failures by instance and error code")), static_cast<double>(failing));
  EXPECT_GT(sum(query("Alerts firing")), 0);
  EXPECT_GT(sum(query("Notifications waiting")), 0) << "the receiver nobody listens on";
}

TEST(Prometheus, ScrapesTheValuesTheScenarioImplies) {
  std::string dir = testing::freshTestDir();
  // 2 regions x 3 instances, 2 new invocations a second each for 20 simulated seconds; 10%
  // Failed, 5% Timeout, 5% Error; 30% of API calls throttled.
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml", R"(clock: manual
generator:
  seed: 5
  regions: [cn-hangzhou, ap-southeast-1]
  instances: 3
  instances_per_invocation: 2
  retained: 0
  rate: 2
  stop_after: 19.9s
  pending: 1s
  duration_min: 1s
  duration_max: 5s
faults:
  throttle: 0.3
)"));
  // A receiver nobody listens on: its deliveries fail and its queue grows (the dashboard's
  // delivery panels).
  MonitorProcess daemon(SWAS_DAEMON_PATH,
                        daemonConfig(sim, dir, "200ms", "testsecret", "http://127.0.0.1:1/hook"),
                        dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  PrometheusProcess prometheus(dir, daemon.url().substr(7));
  ASSERT_FALSE(prometheus.url().empty()) << testing::readFile(dir + "/prometheus.stderr");

  for (int second = 0; second < 30; ++second) {
    testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=1");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  testing::fetchOk("POST", sim.url() + "/_sim/faults", R"({"throttle": 0})");
  SimStats stats = simStats(sim);
  ASSERT_GT(stats.failing, 5u);
  const std::string terminal = "to=~\"Success|Failed|Timeout|Error\"";

  // The daemon has caught up once it reported every terminal state and answered every throttled
  // call the simulator counted (the simulator throttles nothing any more).
  std::string exposition;
  bool caught_up = eventually([&] {
    exposition = scrape(daemon);
    stats = simStats(sim);
    double reported = 0;
    for (std::string to : {"Success", "Failed", "Timeout", "Error"})
      reported +=
          testing::sumOf(exposition, "swas_invocation_transitions_total", {"to=\"" + to + "\""});
    return reported == static_cast<double>(stats.terminal) &&
           testing::sumOf(exposition, "swas_api_requests_total",
                          {"action=\"DescribeCommandInvocations\"", "code=\"Throttling.User\""}) ==
               static_cast<double>(stats.codes["Throttling.User"]);
  });
  ASSERT_TRUE(caught_up) << exposition;
  ASSERT_GT(stats.codes["Throttling.User"], 0);

  struct Expectation {
    std::string promql;
    double value;
  };
  std::vector<Expectation> expected = {
      {"sum(swas_invocation_transitions_total{" + terminal + "})",
       static_cast<double>(stats.terminal)},
      {"sum(swas_invocation_failures_total)", static_cast<double>(stats.failing)},
      {"count(swas_region_up == 1)", 2},
      {"sum(swas_api_requests_total{action=\"DescribeCommandInvocations\","
       "code=\"Throttling.User\"})",
       static_cast<double>(stats.codes["Throttling.User"])},
      {"count(up{job=\"swas-invocation-monitor\",account=\"test\",instance=\"127.0.0.1\"} == 1)",
       1},
  };
  for (const auto& e : expected) {
    double got = NAN;
    EXPECT_TRUE(eventually([&] { return (got = prometheus.query(e.promql)) == e.value; },
                           std::chrono::seconds(60)))
        << e.promql << " = " << got << ", expected " << e.value;
  }
  std::string rules = prometheus.get("/api/v1/rules");
  for (std::string rule :
       {"SwasMonitorDown", "SwasRegionDown", "SwasPollStale", "SwasApiThrottled",
        "SwasApiAuthFailing", "SwasAlertDeliveryFailing", "SwasInvocationFailureRateHigh",
        "SwasInventoryFailing", "SwasInstanceFailingRepeatedly"}) {
    EXPECT_NE(rules.find("\"name\":\"" + rule + "\""), std::string::npos) << rule;
  }
  EXPECT_EQ(rules.find("\"health\":\"err\""), std::string::npos) << rules;
  checkDashboard(prometheus, stats.failing);
}

}  // namespace
}  // namespace swas
