// ECS and SWAS of one region through a real Prometheus (issue 26): the shipped dashboard's
// product variable lists both, every panel's query is accepted, and its panels group by
// product, so the two scopes of cn-hangzhou are two regions up and two inventories, never one.
#include <gtest/gtest.h>

#include <numeric>

#include "daemon/util/percent_encoding.h"
#include "tests/integration/dashboard.h"
#include "tests/integration/prometheus_process.h"
#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::eventually;

constexpr const char* kScenario = R"(clock: manual
regions:
  - region_id: cn-hangzhou
    instances: [{instance_id: ace0706b2ac4454d984295a942110001, name: swas-web}]
  - region_id: ecs:cn-hangzhou
    instances: [{instance_id: i-a, name: ecs-web}]
)";

TEST(EcsPrometheus, TheDashboardKeepsBothProductsOfARegionApart) {
  std::string dir = testing::freshTestDir();
  std::string test = testing::testName();
  testing::SimProcess sim(testing::writeTempFile(test + "/scenario.yaml", kScenario));
  testing::MonitorConfig settings{.sim_url = sim.url(),
                                  .state_path = dir + "/state.db",
                                  .regions = {"cn-hangzhou", "cn-hangzhou\n    product: ecs"}};
  settings.poll["interval"] = "500ms";
  testing::MonitorProcess daemon(SWAS_DAEMON_PATH, settings.write(test + "/config.yaml"), dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  testing::PrometheusProcess prometheus(dir, daemon.url().substr(7));
  ASSERT_FALSE(prometheus.url().empty()) << testing::readFile(dir + "/prometheus.stderr");
  auto get = [&](const std::string& path) { return prometheus.get(path); };
  ASSERT_TRUE(eventually([&] {
    return prometheus.query("count(swas_instance_info)") == 2 &&
           prometheus.query("count(swas_region_up)") == 2;
  })) << daemon.stderrText();

  std::string path = std::string(SWAS_SOURCE_DIR) + "/deploy/grafana/swas-invocation-monitor.json";
  std::map<std::string, std::string> all = {{"account", ".*"},         {"product", ".*"},
                                            {"region", "cn-hangzhou"}, {"__rate_interval", "1m"},
                                            {"__range", "1h"},         {"__interval", "15s"}};
  auto dashboard = testing::readDashboard(path, all);
  for (const auto& problem : dashboard.problems) ADD_FAILURE() << "dashboard: " << problem;
  ASSERT_EQ(dashboard.variable_queries.size(), 3u);
  std::string products = dashboard.variable_queries[1];
  products.replace(products.find("$account"), 8, ".*");
  std::string body =
      prometheus.get("/api/v1/label/product/values?match[]=" +
                     util::percentEncode(products.substr(
                         products.find('(') + 1, products.rfind(',') - products.find('(') - 1)));
  EXPECT_NE(body.find(R"("ecs","swas")"), std::string::npos) << body;

  std::vector<std::string> titles;
  for (const auto& q : dashboard.queries) titles.push_back(q.panel);
  for (const auto& problem : testing::runDashboardQueries(dashboard, get, titles)) {
    ADD_FAILURE() << "dashboard: " << problem;  // a query Prometheus refuses
  }
  auto panel = [&](const testing::Dashboard& d, const std::string& title) {
    for (const auto& q : d.queries) {
      if (q.panel == title) return testing::queryValues(get, q.expr);
    }
    ADD_FAILURE() << "no panel " << title;
    return std::vector<double>{};
  };
  auto sum = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); };
  std::vector<double> up = panel(dashboard, "Regions up");
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0], 2) << "cn-hangzhou's two products are two regions";
  EXPECT_EQ(panel(dashboard, "Instances by region").size(), 2u) << "one series per product";
  all["product"] = "ecs";
  auto ecs = testing::readDashboard(path, all);
  EXPECT_EQ(sum(panel(ecs, "Regions up")), 1) << "the product variable chooses";
  EXPECT_EQ(sum(panel(ecs, "Instances by region")), 1);
}

}  // namespace
}  // namespace swas
