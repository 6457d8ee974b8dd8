// The operator's view of two accounts polling the same region, with the same invocation and
// instance IDs in both: `status`, `alerts`, `history` (JSON lines) and the status page each name
// the account on every row, so prod's failure is never read as staging's.
#include <gtest/gtest.h>
#include <signal.h>

#include <set>
#include <sstream>

#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/recorder.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::eventually;

std::string scenario(const std::string& key, const std::string& status) {
  return "clock: manual\naccounts:\n  - {access_key_id: " + key + "id, access_key_secret: " + key +
         "secret}\nregions:\n  - region_id: cn-hangzhou\n"
         "    instances: [{instance_id: i-a, name: " +
         key +
         "-web}]\n"
         "    invocations:\n      - invoke_id: t-1\n        command_id: c-deploy\n"
         "        command_name: deploy-app\n        created_at: 1s\n        instances:\n"
         "          - instance_id: i-a\n            timeline: [{at: 1s, status: " +
         status + ", exit_code: 3, error_code: ExitCodeNonzero}]\n";
}

std::string account(const std::string& name, const std::string& endpoint) {
  return "  - name: " + name + "\n    credentials: {access_key_id: " + name +
         "id, access_key_secret: " + name + "secret}\n    api: {endpoint: \"" + endpoint +
         "\"}\n    regions:\n      - region_id: cn-hangzhou\n";
}

// The "account" of each JSON line of `out`.
std::multiset<std::string> accountsOfLines(const std::string& out) {
  std::multiset<std::string> accounts;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    size_t at = line.find("\"account\":\"");
    accounts.insert(at == std::string::npos
                        ? "(none)"
                        : line.substr(at + 11, line.find('"', at + 11) - at - 11));
  }
  return accounts;
}

TEST(AccountsView, EveryRowOfTheCommandsAndThePageNamesItsAccount) {
  std::string dir = testing::freshTestDir();
  std::string test = testing::testName();
  testing::SimProcess prod(testing::writeTempFile(test + "/prod.yaml", scenario("prod", "Failed")));
  testing::SimProcess staging(
      testing::writeTempFile(test + "/staging.yaml", scenario("staging", "Failed")));
  testing::Recorder webhook;
  testing::MonitorConfig settings{
      .sim_url = prod.url(), .state_path = dir + "/state.db", .webhook_url = webhook.url()};
  settings.accounts =
      "accounts:\n" + account("prod", prod.url()) + account("staging", staging.url());
  std::string config = settings.write(test + "/config.yaml");
  testing::MonitorProcess daemon(SWAS_DAEMON_PATH, config, dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  // The inventories first: an alert that fires before its account's first refresh rightly has
  // no name.
  ASSERT_TRUE(eventually([&] {
    std::string m = testing::fetchOk("GET", daemon.url() + "/metrics");
    return m.find("swas_instance_info{account=\"prod\"") != std::string::npos &&
           m.find("swas_instance_info{account=\"staging\"") != std::string::npos;
  }));
  for (auto* sim : {&prod, &staging}) {
    testing::fetchOk("POST", sim->url() + "/_sim/advance?seconds=3");
  }
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), SWAS_DAEMON_PATH);
    testing::Process p(args, dir + "/cli.out", dir + "/cli.err");
    EXPECT_EQ(p.wait(), 0) << testing::readFile(dir + "/cli.err");
    return testing::readFile(dir + "/cli.out");
  };
  using Accounts = std::multiset<std::string>;
  std::string alerts;
  ASSERT_TRUE(eventually([&] {
    alerts = run({"alerts", "--config", config, "--output", "json"});
    return accountsOfLines(alerts) == Accounts{"prod", "staging"};
  })) << alerts;
  EXPECT_NE(alerts.find("prod-web"), std::string::npos) << "each its own inventory: " << alerts;
  EXPECT_NE(alerts.find("staging-web"), std::string::npos) << alerts;
  std::string history = run({"history", "--config", config, "--output", "json", "--failures"});
  EXPECT_EQ(accountsOfLines(history), (Accounts{"prod", "staging"})) << history;
  std::string status;
  ASSERT_TRUE(eventually([&] {
    status = run({"status", "--config", config, "--output", "json"});
    return status.find("\"account\":\"prod\"") != std::string::npos &&
           status.find("\"account\":\"staging\"") != std::string::npos;
  })) << status;
  std::string table = run({"alerts", "--config", config});
  EXPECT_NE(table.find("prod"), std::string::npos) << table;
  EXPECT_NE(table.find("staging"), std::string::npos) << table;

  std::string page = testing::fetchOk("GET", daemon.url() + "/");
  for (std::string name : {"prod", "staging"}) {
    EXPECT_NE(page.find("<td>" + name + "</td>"), std::string::npos) << name << "\n" << page;
  }
  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait(), 0);
}

}  // namespace
}  // namespace swas
