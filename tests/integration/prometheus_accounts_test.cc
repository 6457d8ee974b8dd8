// A daemon of two accounts scraped by a real Prometheus with the shipped configuration
// (deploy/prometheus): its own `account` label survives the scrape (the shipped job once renamed
// it `exported_account` and merged the accounts under the target's), the shipped rules are
// evaluated per account, and the dashboard's account variable lists both.
#include <gtest/gtest.h>
#include <signal.h>
#include <yaml-cpp/yaml.h>

#include <set>

#include "tests/integration/prometheus_process.h"
#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::eventually;

// One account's simulator: cn-hangzhou, one instance, one failed invocation.
std::string scenario(const std::string& key) {
  return "clock: manual\naccounts:\n  - {access_key_id: " + key + "id, access_key_secret: " + key +
         "secret}\nregions:\n  - region_id: cn-hangzhou\n    instances: [i-a]\n"
         "    invocations:\n      - invoke_id: t-1\n        command_id: c-deploy\n"
         "        command_name: deploy-app\n        created_at: 1s\n        instances:\n"
         "          - instance_id: i-a\n            timeline: [{at: 1s, status: Failed, "
         "exit_code: 3, error_code: ExitCodeNonzero}]\n";
}

std::string account(const std::string& name, const std::string& endpoint) {
  return "  - name: " + name + "\n    credentials: {access_key_id: " + name +
         "id, access_key_secret: " + name + "secret}\n    api: {endpoint: \"" + endpoint +
         "\"}\n    regions:\n      - region_id: cn-hangzhou\n";
}

// The expression of one of the shipped rules.
std::string ruleExpr(const std::string& alert) {
  YAML::Node rules = YAML::LoadFile(std::string(SWAS_SOURCE_DIR) + "/deploy/prometheus/alerts.yml");
  for (const auto& group : rules["groups"]) {
    for (const auto& rule : group["rules"]) {
      if (rule["alert"] && rule["alert"].as<std::string>() == alert) {
        return rule["expr"].as<std::string>();
      }
    }
  }
  return "";
}

std::set<std::string> accountsOf(const std::vector<testing::PrometheusProcess::Sample>& samples) {
  std::set<std::string> out;
  for (const auto& s : samples) {
    auto it = s.labels.find("account");
    out.insert(it == s.labels.end() ? "(none)" : it->second);
  }
  return out;
}

TEST(PrometheusAccounts, EachAccountKeepsItsLabelThroughTheShippedScrapeAndRules) {
  std::string dir = testing::freshTestDir();
  std::string test = testing::testName();
  testing::SimProcess prod(testing::writeTempFile(test + "/prod.yaml", scenario("prod")));
  testing::SimProcess staging(testing::writeTempFile(test + "/staging.yaml", scenario("staging")));
  testing::MonitorConfig settings{.sim_url = prod.url(), .state_path = dir + "/state.db"};
  settings.poll = {{"interval", "200ms"}, {"initial_lookback", "30d"}};
  settings.accounts =
      "accounts:\n" + account("prod", prod.url()) + account("staging", staging.url());
  testing::MonitorProcess daemon(SWAS_DAEMON_PATH, settings.write(test + "/config.yaml"), dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  for (auto* sim : {&prod, &staging})
    testing::fetchOk("POST", sim->url() + "/_sim/advance?seconds=3");
  testing::PrometheusProcess prometheus(dir, daemon.url().substr(7), "the-target");
  ASSERT_FALSE(prometheus.url().empty()) << testing::readFile(dir + "/prometheus.stderr");

  using Set = std::set<std::string>;
  Set both{"prod", "staging"};
  std::vector<testing::PrometheusProcess::Sample> got;
  EXPECT_TRUE(eventually([&] {
    got = prometheus.samples("swas_region_up == 1");
    return accountsOf(got) == both;
  })) << "accounts seen: "
      << got.size();
  EXPECT_TRUE(prometheus.samples("{exported_account!=\"\"}").empty())
      << "the daemon's account label was renamed";
  EXPECT_TRUE(eventually([&] {
    return accountsOf(prometheus.samples("sum by (account) (swas_invocation_failures_total)")) ==
           both;
  }));
  // A single-account daemon's series carry no account: they still get the target's (up does).
  EXPECT_EQ(accountsOf(prometheus.samples("up{job=\"swas-invocation-monitor\"}")),
            Set{"the-target"});

  // staging's key is revoked: the rules' expressions single out staging, never prod.
  testing::fetchOk("POST", staging.url() + "/_sim/revoke?access_key_id=stagingid");
  for (std::string alert : {"SwasApiAuthFailing", "SwasRegionDown"}) {
    std::string expr = ruleExpr(alert);
    ASSERT_FALSE(expr.empty()) << alert;
    EXPECT_TRUE(eventually([&] {
      got = prometheus.samples(expr);
      return accountsOf(got) == Set{"staging"};
    })) << alert
        << ": " << got.size() << " sample(s)";
  }
  // The dashboard's account variable (label_values(swas_region_up, account)) lists both.
  std::string values = prometheus.get("/api/v1/label/account/values?match[]=swas_region_up");
  EXPECT_NE(values.find("\"prod\""), std::string::npos) << values;
  EXPECT_NE(values.find("\"staging\""), std::string::npos) << values;
  EXPECT_EQ(values.find("the-target"), std::string::npos) << values;
  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait(), 0);
}

}  // namespace
}  // namespace swas
