// Many accounts in one daemon (issue 17): two accounts on two simulators with different
// AccessKeys and overlapping region, invocation and instance IDs. Nothing crosses between them in
// state, metrics or alerts; one account's key revoked takes down only its regions; a SIGHUP
// removes and adds accounts without a restart.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/recorder.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::eventually;
using testing::sample;

constexpr const char* kProd = R"(clock: manual
accounts:
  - {access_key_id: prodid, access_key_secret: prodsecret}
  - {access_key_id: qaid, access_key_secret: qasecret}
regions:
  - region_id: cn-hangzhou
    instances: [{instance_id: i-a, name: prod-web}]
    invocations:
      - invoke_id: t-1
        command_id: c-deploy
        command_name: deploy-app
        created_at: 1s
        instances:
          - instance_id: i-a
            timeline: [{at: 1s, status: Failed, exit_code: 3, error_code: ExitCodeNonzero}]
)";

// The same region, invocation and instance IDs as prod's, in another account: a success.
constexpr const char* kStaging = R"(clock: manual
accounts:
  - {access_key_id: stagingid, access_key_secret: stagingsecret}
regions:
  - region_id: cn-hangzhou
    instances: [{instance_id: i-a, name: staging-web}]
    invocations:
      - invoke_id: t-1
        command_id: c-deploy
        command_name: deploy-app
        created_at: 1s
        instances:
          - instance_id: i-a
            timeline: [{at: 1s, status: Success, exit_code: 0}]
  - region_id: ap-southeast-1
    instances: [{instance_id: i-b, name: staging-db}]
    invocations:
      - invoke_id: t-2
        command_id: c-backup
        command_name: backup-db
        created_at: 1s
        instances:
          - instance_id: i-b
            timeline: [{at: 1s, status: Timeout, error_code: ExecutionTimeout}]
)";

std::string account(const std::string& name, const std::string& key, const std::string& endpoint,
                    const std::vector<std::string>& regions) {
  std::string out = "  - name: " + name + "\n    credentials: {access_key_id: " + key +
                    "id, access_key_secret: " + key + "secret}\n";
  if (!endpoint.empty()) out += "    api: {endpoint: \"" + endpoint + "\"}\n";
  out += "    regions:\n";
  for (const auto& r : regions) out += "      - region_id: " + r + "\n";
  return out;
}

// Firing alerts the webhook took: (account, region_id, invoke/instance) -> count; and each one's
// instance_name in `names`.
using Key = std::tuple<std::string, std::string, std::string>;
using Seen = std::map<Key, int>;
Seen firing(const testing::Recorder& recorder, std::map<Key, std::string>* names = nullptr) {
  Seen out;
  simdjson::dom::parser parser;
  for (const auto& r : recorder.requests()) {
    simdjson::dom::array alerts;
    if (r.answered != 200 || parser.parse(r.request.body)["alerts"].get(alerts)) continue;
    for (auto a : alerts) {
      if (std::string_view(a["status"]) != "firing") continue;
      auto l = a["labels"];
      std::string_view account;  // none: the single-account form's
      if (l["account"].get(account)) account = "";
      Key key{std::string(account), std::string(std::string_view(l["region_id"])),
              std::string(std::string_view(l["invoke_id"])) + "/" +
                  std::string(std::string_view(l["instance_id"]))};
      ++out[key];
      if (names) (*names)[key] = std::string(std::string_view(l["instance_name"]));
    }
  }
  return out;
}

double up(const std::string& metrics, const std::string& account, const std::string& region) {
  return sample(metrics,
                "swas_region_up{account=\"" + account + "\",region_id=\"" + region + "\"}");
}

TEST(Accounts, TwoAccountsNeverMixAndARevokedKeyDownsOnlyItsRegions) {
  std::string dir = testing::freshTestDir();
  std::string test = testing::testName();
  testing::SimProcess prod(testing::writeTempFile(test + "/prod.yaml", kProd));
  testing::SimProcess staging(testing::writeTempFile(test + "/staging.yaml", kStaging));
  testing::Recorder recorder;
  // prod inherits the top-level api (its simulator); staging overrides the endpoint.
  testing::MonitorConfig settings{.sim_url = prod.url(),
                                  .state_path = dir + "/state.db",
                                  .webhook_url = recorder.url() + "/hook"};
  settings.accounts =
      "accounts:\n" + account("prod", "prod", "", {"cn-hangzhou"}) +
      account("staging", "staging", staging.url(), {"cn-hangzhou", "ap-southeast-1"});
  std::string config = settings.write(test + "/config.yaml");
  testing::MonitorProcess daemon(SWAS_DAEMON_PATH, config, dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  auto metrics = [&] { return testing::fetchOk("GET", daemon.url() + "/metrics"); };
  ASSERT_TRUE(eventually([&] {
    std::string m = metrics();
    return m.find("instance_name=\"prod-web\"") != std::string::npos &&
           m.find("instance_name=\"staging-db\"") != std::string::npos;
  })) << "each account's inventory";

  for (const auto* sim : {&prod, &staging}) {
    testing::fetchOk("POST", sim->url() + "/_sim/advance?seconds=3");
  }
  Seen expected = {{{"prod", "cn-hangzhou", "t-1/i-a"}, 1},
                   {{"staging", "ap-southeast-1", "t-2/i-b"}, 1}};
  ASSERT_TRUE(eventually([&] { return firing(recorder) == expected; }))
      << recorder.requests().size() << " request(s)\n"
      << daemon.stderrText();
  std::map<Key, std::string> names;
  firing(recorder, &names);
  EXPECT_EQ((names[{"prod", "cn-hangzhou", "t-1/i-a"}]), "prod-web") << "prod's inventory";
  EXPECT_EQ((names[{"staging", "ap-southeast-1", "t-2/i-b"}]), "staging-db");
  std::string m = metrics();
  EXPECT_EQ(up(m, "prod", "cn-hangzhou"), 1);
  EXPECT_EQ(up(m, "staging", "cn-hangzhou"), 1);
  EXPECT_EQ(up(m, "staging", "ap-southeast-1"), 1);
  // The same invocation ID in the same region, tracked apart: Failed in prod, Success in staging.
  EXPECT_EQ(
      sample(
          m,
          R"(swas_invocations{account="prod",invocation_status="Failed",region_id="cn-hangzhou"})"),
      1)
      << m;
  EXPECT_EQ(
      sample(
          m,
          R"(swas_invocations{account="staging",invocation_status="Success",region_id="cn-hangzhou"})"),
      1);
  EXPECT_EQ(
      sample(
          m,
          R"(swas_invocations{account="staging",invocation_status="Failed",region_id="cn-hangzhou"})"),
      0);
  // Every series with a region carries its account.
  std::istringstream lines(m);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("region_id=") != std::string::npos && line[0] != '#') {
      EXPECT_NE(line.find("account=\""), std::string::npos) << line;
    }
  }

  // staging is throttled: it backs off alone; prod's polls go on, never throttled.
  auto count = [&](const std::string& family, const std::vector<std::string>& matchers) {
    return testing::sumOf(metrics(), family, matchers);
  };
  testing::fetchOk("POST", staging.url() + "/_sim/faults", R"({"throttle": 1})");
  ASSERT_TRUE(eventually([&] {
    return count("swas_api_requests_total", {"account=\"staging\"", "code=\"Throttling"}) > 0;
  }));
  double prod_polls = count("swas_poll_duration_seconds_count", {"account=\"prod\""});
  EXPECT_TRUE(eventually([&] {
    return count("swas_poll_duration_seconds_count", {"account=\"prod\""}) >= prod_polls + 5;
  })) << "prod polls on while staging is throttled";
  EXPECT_EQ(count("swas_api_requests_total", {"account=\"prod\"", "code=\"Throttling"}), 0);
  testing::fetchOk("POST", staging.url() + "/_sim/faults", R"({"throttle": 0})");

  // staging's key is deleted: its regions go down and say why; prod polls on.
  testing::fetchOk("POST", staging.url() + "/_sim/revoke?access_key_id=stagingid");
  ASSERT_TRUE(eventually([&] {
    std::string now = metrics();
    return up(now, "staging", "cn-hangzhou") == 0 && up(now, "staging", "ap-southeast-1") == 0;
  })) << metrics();
  m = metrics();
  EXPECT_EQ(up(m, "prod", "cn-hangzhou"), 1);
  EXPECT_GT(testing::sumOf(m, "swas_api_requests_total",
                           {"account=\"staging\"", "code=\"InvalidAccessKeyId.NotFound\""}),
            0);
  EXPECT_EQ(testing::sumOf(m, "swas_api_requests_total",
                           {"account=\"prod\"", "code=\"InvalidAccessKeyId.NotFound\""}),
            0);
  std::string log = daemon.stderrText();
  EXPECT_NE(log.find("region=staging/cn-hangzhou action=DescribeCommandInvocations poll failed: "
                     "api Code=InvalidAccessKeyId.NotFound"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("region=prod/cn-hangzhou action=DescribeCommandInvocations poll failed"),
            std::string::npos);

  // SIGHUP: staging removed, qa added (prod's simulator with a key of its own, its own state: a
  // cold start that sees t-1 fail within the lookback, as qa's).
  settings.accounts = "accounts:\n" + account("prod", "prod", "", {"cn-hangzhou"}) +
                      account("qa", "qa", "", {"cn-hangzhou"});
  std::ofstream(config) << settings.yaml();
  daemon.process().signal(SIGHUP);
  expected[{"qa", "cn-hangzhou", "t-1/i-a"}] = 1;
  EXPECT_TRUE(eventually([&] { return firing(recorder) == expected; }))
      << recorder.requests().size() << " request(s)\n"
      << daemon.stderrText();
  EXPECT_TRUE(eventually([&] {
    std::string now = metrics();
    return up(now, "qa", "cn-hangzhou") == 1 && up(now, "staging", "cn-hangzhou") == -1;
  })) << "staging's gauges went with it\n"
      << metrics();
  EXPECT_EQ((firing(recorder)[{"prod", "cn-hangzhou", "t-1/i-a"}]), 1)
      << "prod's alert was not sent again";
  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait(), 0);
}

// An account with region_id: all polls what its own ListRegions lists, beside an account of
// listed regions.
TEST(Accounts, AnAccountOfEveryRegionPollsWhatItsListRegionsLists) {
  std::string dir = testing::freshTestDir();
  std::string test = testing::testName();
  testing::SimProcess prod(testing::writeTempFile(test + "/prod.yaml", kProd));
  testing::SimProcess staging(testing::writeTempFile(test + "/staging.yaml", kStaging));
  testing::MonitorConfig settings{.sim_url = prod.url(), .state_path = dir + "/state.db"};
  settings.accounts = "accounts:\n" + account("prod", "prod", "", {"cn-hangzhou"}) +
                      account("staging", "staging", staging.url(), {"all"});
  testing::MonitorProcess daemon(SWAS_DAEMON_PATH, settings.write(test + "/config.yaml"), dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  auto metrics = [&] { return testing::fetchOk("GET", daemon.url() + "/metrics"); };
  ASSERT_TRUE(eventually([&] {
    std::string m = metrics();
    return up(m, "staging", "cn-hangzhou") == 1 && up(m, "staging", "ap-southeast-1") == 1 &&
           up(m, "prod", "cn-hangzhou") == 1;
  })) << metrics()
      << daemon.stderrText();
  std::string m = metrics();
  EXPECT_EQ(testing::sumOf(m, "swas_region_up"), 3) << "no other region: " << m;
  EXPECT_GT(testing::sumOf(m, "swas_api_requests_total",
                           {"account=\"staging\"", "action=\"ListRegions\"", "code=\"OK\""}),
            0);
  EXPECT_EQ(testing::sumOf(m, "swas_api_requests_total", {"account=\"prod\"", "ListRegions"}), 0);
  EXPECT_TRUE(eventually([&] {
    auto ready = testing::fetch("GET", daemon.url() + "/readyz");
    return ready && ready->status == 200;
  }));
}

// One account with region_id: all and a key its ListRegions refuses: it is named as down (a
// scope of its own, "staging/all") in swas_region_up, /readyz and `status`, beside an account
// that polls. It used to have no series at all and a /readyz that named no account.
TEST(Accounts, AnAccountWhoseRegionsCannotBeListedIsNamedAsDown) {
  std::string dir = testing::freshTestDir();
  std::string test = testing::testName();
  testing::SimProcess prod(testing::writeTempFile(test + "/prod.yaml", kProd));
  testing::SimProcess staging(testing::writeTempFile(test + "/staging.yaml", kStaging));
  testing::MonitorConfig settings{.sim_url = prod.url(), .state_path = dir + "/state.db"};
  settings.accounts = "accounts:\n" + account("prod", "prod", "", {"cn-hangzhou"}) +
                      account("staging", "wrong", staging.url(), {"all"});
  std::string config = settings.write(test + "/config.yaml");
  testing::MonitorProcess daemon(SWAS_DAEMON_PATH, config, dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  auto metrics = [&] { return testing::fetchOk("GET", daemon.url() + "/metrics"); };
  ASSERT_TRUE(eventually([&] {
    std::string m = metrics();
    return up(m, "prod", "cn-hangzhou") == 1 && up(m, "staging", "all") == 0;
  })) << metrics();
  std::string why;
  ASSERT_TRUE(eventually([&] {
    auto ready = testing::fetch("GET", daemon.url() + "/readyz");
    why = ready ? ready->body : "";
    return ready && ready->status == 503 && why.find("ListRegions failed") != std::string::npos;
  })) << why;
  EXPECT_NE(why.find("region staging/all not ready"), std::string::npos) << why;
  EXPECT_NE(why.find("InvalidAccessKeyId"), std::string::npos) << why;
  EXPECT_EQ(why.find("prod/"), std::string::npos) << "prod is ready: " << why;
  // `status` reads what the daemon recorded (every 5 s).
  std::string out;
  ASSERT_TRUE(eventually([&] {
    testing::Process status({SWAS_DAEMON_PATH, "status", "--config", config, "--output", "json"},
                            dir + "/status.out", dir + "/status.err");
    status.wait();
    out = testing::readFile(dir + "/status.out");
    return out.find("ListRegions failed") != std::string::npos;
  })) << out;
  EXPECT_NE(out.find("\"account\":\"staging\""), std::string::npos) << out;
  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait(), 0);
}

}  // namespace
}  // namespace swas
