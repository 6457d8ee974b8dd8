// The operator's commands (issue 16) against a state file a real run produced: `alerts` and
// `history`, their JSON and table output, filters, and reading beside a running daemon without
// disturbing it.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "daemon/http/http_server.h"
#include "tests/support/answering_server.h"
#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/recorder.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::eventually;
using testing::MonitorProcess;
using testing::Process;
using testing::readFile;

// web-1 fails deploy-app (exit 3, "boom"), and backup-db succeeds on both instances; all of it
// between two whole seconds, so every poll sees the same three transitions (none -> final).
constexpr const char* kScenario = R"(clock: manual
regions:
  - region_id: cn-hangzhou
    instances:
      - {instance_id: i-web1, name: web-1}
      - {instance_id: i-web2, name: web-2}
    invocations:
      - invoke_id: t-1
        command_id: c-deploy
        command_name: deploy-app
        created_at: 0.5s
        instances:
          - instance_id: i-web1
            timeline:
              - {at: 0.2s, status: Failed, exit_code: 3, error_code: ExitCodeNonzero,
                 output: "boom: manifest unknown\nsecond line\n"}
      - invoke_id: t-2
        command_id: c-backup
        command_name: backup-db
        created_at: 0.6s
        instances:
          - instance_id: i-web1
            timeline: [{at: 0.2s, status: Success, exit_code: 0}]
          - instance_id: i-web2
            timeline: [{at: 0.2s, status: Success, exit_code: 0}]
)";

using testing::hasTerminalControl;
using AnsweringReceiver = testing::AnsweringServer;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::freshTestDir();
    sim_ = std::make_unique<testing::SimProcess>(
        testing::writeTempFile(std::string(testing::testName()) + "/scenario.yaml", kScenario));
    testing::MonitorConfig settings{.sim_url = sim_->url(),
                                    .state_path = dir_ + "/state.db",
                                    .webhook_url = recorder_.url() + "/hook"};
    config_ = settings.write(std::string(testing::testName()) + "/config.yaml");
  }

  // Runs a command to completion: its exit code; stdout in out_, stderr in err_.
  int run(std::vector<std::string> args) {
    args.insert(args.begin(), SWAS_DAEMON_PATH);
    Process p(args, dir_ + "/cli.out", dir_ + "/cli.err");
    int code = p.wait();
    out_ = readFile(dir_ + "/cli.out");
    err_ = readFile(dir_ + "/cli.err");
    return code;
  }

  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    std::istringstream in(out_);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  // Runs the daemon until the failure was delivered and both successes recorded.
  std::unique_ptr<MonitorProcess> runScenario() {
    auto daemon = std::make_unique<MonitorProcess>(SWAS_DAEMON_PATH, config_, dir_);
    EXPECT_FALSE(daemon->url().empty()) << daemon->stderrText();
    // The inventory is read at start: the failure comes after it, so its alert has the name.
    EXPECT_TRUE(eventually([&] {
      return testing::fetchOk("GET", daemon->url() + "/metrics").find("swas_instance_info{") !=
             std::string::npos;
    }));
    for (int s = 0; s < 6; ++s) {
      testing::fetchOk("POST", sim_->url() + "/_sim/advance?seconds=1");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(eventually([&] {
      std::string m = testing::fetchOk("GET", daemon->url() + "/metrics");
      return testing::sumOf(m, "swas_invocation_transitions_total", {R"(to="Success")"}) == 2 &&
             !recorder_.requests().empty();
    })) << daemon->stderrText();
    return daemon;
  }

  std::string dir_, config_, out_, err_;
  testing::Recorder recorder_;
  std::unique_ptr<testing::SimProcess> sim_;
};

TEST_F(CliTest, AlertsAndHistoryAsJsonLinesAndAsATable) {
  auto daemon = runScenario();
  ASSERT_EQ(run({"alerts", "--config", config_, "--output", "json"}), 0) << err_;
  auto alert_lines = lines();
  ASSERT_EQ(alert_lines.size(), 1u) << out_;
  simdjson::dom::parser parser;
  simdjson::dom::element a = parser.parse(alert_lines[0]);
  EXPECT_EQ(std::string_view(a["instance_name"]), "web-1");
  EXPECT_EQ(std::string_view(a["instance_id"]), "i-web1");
  EXPECT_EQ(std::string_view(a["command_name"]), "deploy-app");
  EXPECT_EQ(std::string_view(a["status"]), "Failed");
  EXPECT_EQ(std::string_view(a["error_code"]), "ExitCodeNonzero");
  EXPECT_EQ(std::string_view(a["exit_code"]), "3");
  EXPECT_NE(std::string_view(a["output"]).find("boom: manifest unknown"), std::string::npos);

  ASSERT_EQ(run({"history", "--config", config_, "--output", "json"}), 0) << err_;
  auto all = lines();
  ASSERT_EQ(all.size(), 3u) << out_;  // t-1 none>Failed; t-2 none>Success twice
  int64_t previous = std::numeric_limits<int64_t>::max();
  for (const auto& line : all) {
    simdjson::dom::element h = parser.parse(line);
    EXPECT_EQ(std::string_view(h["from"]), "none");
    EXPECT_LE(int64_t(h["observed_at"]), previous) << "newest first";
    previous = int64_t(h["observed_at"]);
  }

  ASSERT_EQ(run({"history", "--config", config_, "--output", "json", "--instance", "web-2"}), 0);
  ASSERT_EQ(lines().size(), 1u) << "by name: " << out_;
  ASSERT_EQ(run({"history", "--config", config_, "--output", "json", "--instance", "i-web1",
                 "--status", "Failed"}),
            0);
  ASSERT_EQ(lines().size(), 1u) << out_;
  EXPECT_NE(out_.find("\"exit_code\":3"), std::string::npos) << out_;
  ASSERT_EQ(run({"history", "--config", config_, "--output", "json", "--command", "backup-db",
                 "--limit", "1"}),
            0);
  ASSERT_EQ(lines().size(), 1u) << out_;

  // A table (stdout is not a terminal here, so asked for): aligned columns, no colour codes.
  ASSERT_EQ(run({"alerts", "--config", config_, "--output", "table"}), 0) << err_;
  auto table = lines();
  ASSERT_EQ(table.size(), 2u) << out_;
  EXPECT_TRUE(table[0].starts_with("WHEN")) << table[0];
  EXPECT_EQ(table[0].find("REGION"), table[1].find("cn-hangzhou")) << out_;
  EXPECT_NE(table[1].find("web-1 (i-web1)"), std::string::npos) << table[1];
  EXPECT_NE(table[1].find("min ago)") == std::string::npos ? table[1].find("s ago)")
                                                           : table[1].find("min ago)"),
            std::string::npos)
      << table[1];
  EXPECT_EQ(out_.find('\033'), std::string::npos) << "colour only on a terminal";
  EXPECT_EQ(out_.find("second line"), std::string::npos) << "the first line of output only";
  ASSERT_EQ(run({"alerts", "--config", config_}), 0);
  EXPECT_EQ(lines().size(), 1u) << "not a terminal: JSON lines by default: " << out_;
}

TEST_F(CliTest, StatusSaysWhatTheDaemonRecorded) {
  auto daemon = runScenario();
  simdjson::dom::parser parser;
  simdjson::dom::element s;
  // Recorded every 5 s: until it shows the delivery.
  ASSERT_TRUE(eventually([&] {
    if (run({"status", "--config", config_, "--output", "json"}) != 0) return false;
    s = parser.parse(out_);
    simdjson::dom::array receivers = s["receivers"];
    for (simdjson::dom::element r : receivers) {
      if (std::string_view(r["last_outcome"]) == "delivered") return true;
    }
    return false;
  })) << out_
      << err_;
  EXPECT_GT(int64_t(s["recorded_at"]), 0);
  EXPECT_EQ(int64_t(s["firing"]), 1);
  simdjson::dom::array regions = s["regions"];
  ASSERT_EQ(regions.size(), 1u);
  simdjson::dom::element r = regions.at(0);
  EXPECT_EQ(std::string_view(r["region_id"]), "cn-hangzhou");
  EXPECT_EQ(std::string_view(r["account"]), "default");
  EXPECT_TRUE(bool(r["up"]));
  EXPECT_GT(int64_t(r["last_success"]), 0);
  EXPECT_GT(int64_t(r["calls_last_hour"]), 0);
  EXPECT_EQ(int64_t(r["throttled_last_hour"]), 0);
  EXPECT_EQ(int64_t(r["invocations"]["Failed"]), 1);
  EXPECT_EQ(int64_t(r["invocations"]["Success"]), 1);
  simdjson::dom::element ops = s["receivers"].at(0);
  EXPECT_EQ(std::string_view(ops["receiver"]), "ops");
  EXPECT_EQ(int64_t(ops["queued"]), 0);

  ASSERT_EQ(run({"status", "--config", config_, "--output", "table"}), 0) << err_;
  EXPECT_NE(out_.find("cn-hangzhou"), std::string::npos) << out_;
  EXPECT_NE(out_.find("1 alert(s) firing"), std::string::npos) << out_;
  EXPECT_NE(out_.find("delivered ("), std::string::npos) << out_;
  EXPECT_NE(out_.find("Failed 1, Success 1"), std::string::npos) << out_;
  EXPECT_EQ(out_.find("is it running?"), std::string::npos) << out_;
}

// The commands read beside a running daemon: it keeps polling and committing, never meets a
// lock, and the commands never fail.
TEST_F(CliTest, ReadingNeverDisturbsARunningDaemon) {
  auto daemon = runScenario();
  auto polls = [&] {
    return testing::sumOf(testing::fetchOk("GET", daemon->url() + "/metrics"),
                          "swas_poll_duration_seconds_count");
  };
  double before = polls();
  for (int i = 0; i < 30; ++i) {
    const char* command = i % 3 == 0 ? "status" : i % 3 == 1 ? "alerts" : "history";
    ASSERT_EQ(run({command, "--config", config_, "--output", "json"}), 0) << err_;
  }
  EXPECT_GT(polls(), before) << "it polled meanwhile";
  std::string m = testing::fetchOk("GET", daemon->url() + "/metrics");
  EXPECT_EQ(testing::sumOf(m, "swas_state_errors_total"), 0) << m;
  EXPECT_EQ(daemon->stderrText().find("locked"), std::string::npos) << daemon->stderrText();
  EXPECT_EQ(daemon->stderrText().find("BUSY"), std::string::npos);

  // Stopped, the file is not changed by reading it, and nothing is created beside it.
  daemon->process().signal(SIGTERM);
  ASSERT_EQ(daemon->process().wait(), 0);
  std::string bytes = readFile(dir_ + "/state.db");
  ASSERT_FALSE(std::filesystem::exists(dir_ + "/state.db-wal"));
  ASSERT_EQ(run({"history", "--config", config_, "--output", "json"}), 0) << err_;
  EXPECT_EQ(lines().size(), 3u);
  EXPECT_EQ(readFile(dir_ + "/state.db"), bytes);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/state.db-wal"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/state.db-shm"));
}

// The shipped configuration names variables and files only the service sees
// (${CREDENTIALS_DIRECTORY}): the reading commands need state.path alone.
TEST_F(CliTest, TheReadingCommandsNeedOnlyTheStatePath) {
  auto daemon = runScenario();
  std::string service_config =
      testing::writeTempFile(std::string(testing::testName()) + "/service.yaml",
                             "credentials:\n  access_key_id: ${SWAS_TEST_UNSET_VARIABLE}\n"
                             "  access_key_secret_file: ${CREDENTIALS_DIRECTORY_UNSET}/ak_secret\n"
                             "regions: [{region_id: cn-hangzhou}]\nstate: {path: " +
                                 dir_ + "/state.db}\n");
  ASSERT_EQ(run({"alerts", "--config", service_config, "--output", "json"}), 0) << err_;
  EXPECT_EQ(lines().size(), 1u) << out_;
  ASSERT_EQ(run({"history", "--state", dir_ + "/state.db", "--status", "failed"}), 0) << err_;
  EXPECT_EQ(lines().size(), 1u) << "statuses match whatever their case: " << out_;
  ASSERT_EQ(run({"status", "--help"}), 0);
  EXPECT_NE(out_.find("usage:"), std::string::npos) << out_;
}

// The first thing an operator runs after configuring a receiver: a marked sample, firing then
// resolved, sent now (no daemon, no outbox), with the receiver's answers.
TEST_F(CliTest, TestAlertSendsAMarkedSampleAndItsResolutionNow) {
  ASSERT_EQ(run({"test-alert", "--config", config_, "--receiver", "ops"}), 0) << out_ << err_;
  EXPECT_NE(out_.find("firing: delivered (HTTP 200"), std::string::npos) << out_;
  EXPECT_NE(out_.find("resolved: delivered (HTTP 200"), std::string::npos) << out_;
  auto requests = recorder_.requests();
  ASSERT_EQ(requests.size(), 2u);
  simdjson::dom::parser parser;
  for (size_t i = 0; i < 2; ++i) {
    simdjson::dom::element body = parser.parse(requests[i].request.body);
    simdjson::dom::element a = body["alerts"].at(0);
    EXPECT_EQ(std::string_view(a["status"]), i == 0 ? "firing" : "resolved");
    EXPECT_EQ(std::string_view(a["labels"]["instance_name"]), "TEST-ALERT");
    EXPECT_NE(std::string_view(a["annotations"]["summary"]).find("test-alert"), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/state.db")) << "nothing stored";

  recorder_.answer(500);
  EXPECT_EQ(run({"test-alert", "--config", config_, "--receiver", "ops"}), 1);
  EXPECT_NE(out_.find("firing: NOT delivered (HTTP 500"), std::string::npos) << out_;
  std::string quiet = testing::MonitorConfig{.sim_url = sim_->url(),
                                             .state_path = dir_ + "/state.db",
                                             .webhook_url = recorder_.url() + "/hook",
                                             .receiver_extra = "      send_resolved: false\n"}
                          .write(std::string(testing::testName()) + "/quiet.yaml");
  recorder_.answer(200);
  size_t before = recorder_.requests().size();
  ASSERT_EQ(run({"test-alert", "--config", quiet, "--receiver", "ops"}), 0) << out_ << err_;
  EXPECT_NE(out_.find("resolved: not sent (send_resolved: false)"), std::string::npos) << out_;
  EXPECT_EQ(recorder_.requests().size(), before + 1);
  EXPECT_EQ(run({"test-alert", "--config", config_, "--receiver", "nobody"}), 2);
  EXPECT_NE(err_.find("no receiver named 'nobody' (configured: ops)"), std::string::npos) << err_;
}

// Defect 7: a receiver answered with escape sequences and test-alert printed them, setting the
// window title and clearing the operator's screen. Delivered or not, the answer is shown with
// every control character as '?'.
TEST_F(CliTest, TestAlertPrintsNoControlCharacterOfAReceiversAnswer) {
  const std::string hostile =
      "\x1b]0;pwned\x07\x1b[2J \xC2\x9B"
      "31m";
  for (int status : {200, 500}) {
    AnsweringReceiver receiver(status, hostile);
    std::string config = testing::MonitorConfig{.sim_url = sim_->url(),
                                                .state_path = dir_ + "/state.db",
                                                .webhook_url = receiver.url() + "/hook"}
                             .write(std::string(testing::testName()) + "/hostile" +
                                    std::to_string(status) + ".yaml");
    EXPECT_EQ(run({"test-alert", "--config", config, "--receiver", "ops"}), status == 200 ? 0 : 1)
        << out_ << err_;
    EXPECT_FALSE(hasTerminalControl(out_)) << ::testing::PrintToString(out_);
    EXPECT_FALSE(hasTerminalControl(err_)) << ::testing::PrintToString(err_);
    EXPECT_NE(out_.find("(HTTP " + std::to_string(status) + ": ?]0;pwned??[2J ?31m)"),
              std::string::npos)
        << "the answer is still shown: " << out_;
  }
}

TEST_F(CliTest, AMissingOrNewerStateFileIsAClearErrorAndBadArgumentsExitTwo) {
  EXPECT_EQ(run({"alerts", "--config", config_}), 1);
  EXPECT_NE(err_.find("does not exist"), std::string::npos) << err_;
  {
    std::string script =
        "sqlite3 " + dir_ + "/state.db 'PRAGMA user_version=99; CREATE TABLE x(a);'";
    ASSERT_EQ(std::system(script.c_str()), 0);
  }
  EXPECT_EQ(run({"history", "--config", config_}), 1);
  EXPECT_NE(err_.find("schema version 99, newer than this build"), std::string::npos) << err_;
  EXPECT_EQ(run({"history", "--config", config_, "--since", "yesterday"}), 2);
  EXPECT_NE(err_.find("--since"), std::string::npos) << err_;
  EXPECT_EQ(run({"alerts", "--config", config_, "--output", "yaml"}), 2);
  EXPECT_EQ(run({"alerts"}), 2);
  EXPECT_NE(err_.find("--config FILE is required"), std::string::npos) << err_;
}

}  // namespace
}  // namespace swas
