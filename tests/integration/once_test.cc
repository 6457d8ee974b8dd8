// The command line: --once output, exit codes, and refusals.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/answering_server.h"
#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::Process;
using testing::readFile;

class OnceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_ = std::make_unique<testing::SimProcess>(testing::testdataPath("conformance.yaml"));
    dir_ = std::filesystem::path(
               testing::writeTempFile(std::string("once/") + testing::testName() + "/x", ""))
               .parent_path()
               .string();
    std::filesystem::remove(dir_ + "/state.db");
  }

  std::string config(const std::string& secret = "testsecret") {
    testing::MonitorConfig settings{.sim_url = sim_->url(), .state_path = dir_ + "/state.db"};
    settings.access_key_secret = secret;
    settings.api.clear();
    settings.poll.clear();
    return settings.write(std::string("once/") + testing::testName() + "/config.yaml");
  }

  // Runs the daemon to completion; returns the exit code, stdout in out_ and stderr in err_.
  int run(std::vector<std::string> args) {
    args.insert(args.begin(), SWAS_DAEMON_PATH);
    Process p(args, dir_ + "/out", dir_ + "/err");
    int code = p.wait();
    out_ = readFile(dir_ + "/out");
    err_ = readFile(dir_ + "/err");
    return code;
  }

  std::vector<std::string> lines() {
    std::vector<std::string> out;
    std::istringstream in(out_);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  std::unique_ptr<testing::SimProcess> sim_;
  std::string dir_, out_, err_;
};

TEST_F(OnceTest, ColdStartPrintsEveryExecutionAsAFirstSightingThenNothing) {
  std::string cfg = config();
  ASSERT_EQ(run({"--config", cfg, "--once"}), 0) << err_;
  auto first = lines();
  ASSERT_EQ(first.size(), 3u) << out_;  // three (invocation, instance) pairs in the scenario
  for (const auto& line : first) {
    for (const char* key :
         {"\"region_id\":\"cn-hangzhou\"", "\"invoke_id\":", "\"instance_id\":", "\"command_id\":",
          "\"command_name\":", "\"from\":\"none\"", "\"to\":", "\"error_code\":", "\"exit_code\":",
          "\"creation_time\":", "\"finish_time\":"}) {
      EXPECT_NE(line.find(key), std::string::npos) << key << " missing in " << line;
    }
  }
  EXPECT_NE(out_.find("\"to\":\"Failed\",\"error_code\":\"ExitCodeNonzero\",\"exit_code\":3"),
            std::string::npos);
  ASSERT_EQ(run({"--config", cfg, "--once"}), 0) << err_;
  EXPECT_TRUE(lines().empty()) << "nothing changed: " << out_;
}

// Issue 15: a region watched by tag, with nothing stored, reads the inventory before its one poll
// (web-3 is tagged env=prod in the scenario; the other instance is not).
TEST_F(OnceTest, ARegionWatchedByTagReadsTheInventoryFirst) {
  testing::MonitorConfig settings{.sim_url = sim_->url(), .state_path = dir_ + "/state.db"};
  settings.api.clear();
  settings.poll.clear();
  settings.region_extra["cn-hangzhou"] = "    instance_tags: {env: prod}\n";
  std::string cfg = settings.write(std::string("once/") + testing::testName() + "/config.yaml");
  ASSERT_EQ(run({"--config", cfg, "--once"}), 0) << err_;
  auto printed = lines();
  ASSERT_EQ(printed.size(), 1u) << out_;
  EXPECT_NE(printed[0].find("\"instance_id\":\"ace0706b2ac4454d984295a94213bbbb\""),
            std::string::npos)
      << printed[0];
}

TEST_F(OnceTest, AFailingRegionExitsOneWithTheReason) {
  EXPECT_EQ(run({"--config", config("wrong"), "--once"}), 1);
  EXPECT_NE(err_.find("region cn-hangzhou"), std::string::npos) << err_;
  EXPECT_NE(err_.find("SignatureDoesNotMatch"), std::string::npos) << err_;
  EXPECT_EQ(err_.find("wrong"), std::string::npos) << "the secret leaked: " << err_;
}

TEST_F(OnceTest, InvalidConfigurationExitsTwoWithPositions) {
  std::string cfg =
      testing::writeTempFile(std::string("once/") + testing::testName() + "/bad.yaml",
                             "regions:\n  - region_id: cn-hangzhou\n    intervall: 5s\n");
  EXPECT_EQ(run({"--config", cfg, "--once"}), 2);
  EXPECT_NE(err_.find(cfg + ":3:5: unknown key 'intervall'"), std::string::npos) << err_;
  EXPECT_EQ(run({"--bogus"}), 2);
  EXPECT_EQ(run({"--config", cfg, "--check-config"}), 2);
  EXPECT_EQ(run({"--config", config(), "--check-config"}), 0);
  EXPECT_TRUE(out_.starts_with("OK\n")) << out_;
}

TEST_F(OnceTest, JsonLogsAreOneObjectPerLine) {
  std::string cfg = config("wrongsecret");
  std::ofstream(cfg, std::ios::app) << "log: {level: debug, format: json}\n";
  EXPECT_EQ(run({"--config", cfg, "--once"}), 1);
  // The log, without the exit reason printed after it (not a log line; it may span lines).
  std::istringstream in(err_.substr(0, err_.find("swas-invocation-monitor: region")));
  size_t objects = 0;
  for (std::string line; std::getline(in, line);) {
    EXPECT_TRUE(line.starts_with("{\"ts\":\"") && line.ends_with("\"}")) << line;
    EXPECT_NE(line.find("\"level\":\""), std::string::npos) << line;
    EXPECT_NE(line.find("\"msg\":\""), std::string::npos) << line;
    ++objects;
  }
  EXPECT_GT(objects, 1u) << err_;
  EXPECT_NE(err_.find("region=cn-hangzhou action=DescribeCommandInvocations poll failed: api "
                      "Code=SignatureDoesNotMatch"),
            std::string::npos)
      << "an API error line names the region, the action and the Code: " << err_;
  EXPECT_NE(err_.find("RequestId="), std::string::npos) << err_;
}

TEST_F(OnceTest, AStateFileInUseIsRefusedNamingIt) {
  std::string cfg = config();
  Process daemon({SWAS_DAEMON_PATH, "--config", cfg}, dir_ + "/d.out", dir_ + "/d.err");
  // "serving" comes after the state file is locked and the signals are caught: waiting for the
  // file alone raced both (the SIGTERM could kill a daemon not yet catching it).
  ASSERT_NE(
      testing::waitForLine(dir_ + "/d.err", "serving /metrics", std::chrono::seconds(30), &daemon),
      "")
      << readFile(dir_ + "/d.err");
  EXPECT_EQ(run({"--config", cfg, "--once"}), 1);
  EXPECT_NE(err_.find(dir_ + "/state.db is in use by another running"), std::string::npos) << err_;
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(), 0);
}

// A credential source that refuses (an ECS metadata service without the role) ends --once at
// once with its message: it used to retry the inventory and then the poll six times each (about
// 30 s) and print a region's error.
TEST_F(OnceTest, CredentialsThatCannotBeHadEndTheRunAtOnce) {
  testing::SimProcess metadata(testing::writeTempFile(
      std::string("once/") + testing::testName() + "/scenario.yaml",
      "clock: manual\nregions:\n  - region_id: cn-hangzhou\n    instances: [i-a]\n"
      "metadata:\n  fail: true\n"));
  std::string text = readFile(config());
  std::string keys = "  access_key_id: testid\n  access_key_secret: testsecret\n";
  ASSERT_NE(text.find(keys), std::string::npos) << text;
  text.replace(
      text.find(keys), keys.size(),
      "  ecs_ram_role: SwasMonitorRole\n  metadata_endpoint: \"" + metadata.url() + "\"\n");
  std::string path =
      testing::writeTempFile(std::string("once/") + testing::testName() + "/ram.yaml", text);
  EXPECT_EQ(run({"--config", path, "--once"}), 1);
  EXPECT_NE(err_.find("swas-invocation-monitor: credentials: "), std::string::npos) << err_;
  EXPECT_EQ(err_.find("region cn-hangzhou"), std::string::npos)
      << "nothing polled without credentials: " << err_;
}

// ACK's RRSA (issue 27): with the three variables its webhook gives a pod, the daemon assumes
// the role at STS (swas-sim's) with the pod's token file and polls with the credentials STS
// issued; a token STS refuses ends --once with STS's words, never the token.
TEST_F(OnceTest, RrsaAssumesTheRoleWithThePodsTokenAndPollsWithIt) {
  std::string test = testing::testName();
  testing::SimProcess sts(testing::writeTempFile("once/" + test + "/scenario.yaml", R"(clock: manual
oidc:
  role_arn: "acs:ram::1:role/monitor"
  provider_arn: "acs:ram::1:oidc-provider/ack-rrsa-c1"
  token: eyJ.pod-token.sig
regions:
  - region_id: cn-hangzhou
    instances: [i-a]
    invocations:
      - invoke_id: t-rrsa
        command_id: c-deploy
        command_name: deploy-app
        created_at: 0s
        instances:
          - instance_id: i-a
            timeline: [{at: 0s, status: Failed, exit_code: 1, error_code: ExitCodeNonzero}]
)"));
  testing::MonitorConfig settings{.sim_url = sts.url(), .state_path = dir_ + "/state.db"};
  settings.api.clear();
  settings.poll.clear();
  std::string text = settings.yaml();
  std::string keys = "credentials:\n  access_key_id: testid\n  access_key_secret: testsecret\n";
  ASSERT_NE(text.find(keys), std::string::npos) << text;
  text.replace(text.find(keys), keys.size(),
               "credentials:\n  sts_endpoint: \"" + sts.url() + "\"\n");
  std::string path = testing::writeTempFile("once/" + test + "/config.yaml", text);
  auto once = [&](const std::string& token) {
    std::string token_file = testing::writeTempFile("once/" + test + "/token", token);
    Process p({"/usr/bin/env", "-u", "ALIBABA_CLOUD_ACCESS_KEY_ID", "-u",
               "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "-u", "ALIBABA_CLOUD_SECURITY_TOKEN",
               "ALIBABA_CLOUD_ROLE_ARN=acs:ram::1:role/monitor",
               "ALIBABA_CLOUD_OIDC_PROVIDER_ARN=acs:ram::1:oidc-provider/ack-rrsa-c1",
               "ALIBABA_CLOUD_OIDC_TOKEN_FILE=" + token_file, SWAS_DAEMON_PATH, "--config", path,
               "--once"},
              dir_ + "/out", dir_ + "/err");
    int code = p.wait();
    out_ = readFile(dir_ + "/out");
    err_ = readFile(dir_ + "/err");
    return code;
  };
  EXPECT_EQ(once("eyJ.pod-token.sig\n"), 0) << err_;
  EXPECT_NE(out_.find("\"t-rrsa\""), std::string::npos) << out_ << err_;
  EXPECT_NE(out_.find("\"Failed\""), std::string::npos) << out_;
  std::string stats = testing::fetchOk("GET", sts.url() + "/_sim/stats");
  EXPECT_NE(stats.find("AssumeRoleWithOIDC"), std::string::npos) << stats;

  EXPECT_EQ(once("eyJ.stolen-or-stale.sig\n"), 1);
  EXPECT_NE(err_.find("AuthenticationFail.OIDCToken.Invalid"), std::string::npos) << err_;
  EXPECT_NE(err_.find("the OIDC token *** is not valid"), std::string::npos) << err_;
  EXPECT_EQ(err_.find("stolen-or-stale"), std::string::npos) << "the token is never shown";
}

// The API's error text reaches the operator's terminal through the filter: a Message holding a
// title-setting OSC, a screen clear and a C1 CSI is printed as text.
TEST_F(OnceTest, TheApisErrorTextIsPrintedTerminalSafe) {
  testing::AnsweringServer api(
      400,
      "{\"Code\":\"InvalidParameter\",\"Message\":\"\\u001b]0;owned\\u0007\\u001b[2J"
      "\\u009b31mfake\",\"RequestId\":\"r-1\"}");
  testing::MonitorConfig settings{.sim_url = api.url(), .state_path = dir_ + "/state.db"};
  settings.api.clear();
  settings.poll.clear();
  std::string path = settings.write(std::string("once/") + testing::testName() + "/config.yaml");
  EXPECT_EQ(run({"--config", path, "--once"}), 1);
  EXPECT_NE(err_.find("InvalidParameter"), std::string::npos) << err_;
  EXPECT_NE(err_.find("fake"), std::string::npos) << err_;
  EXPECT_FALSE(testing::hasTerminalControl(err_)) << err_;
}

}  // namespace
}  // namespace swas
