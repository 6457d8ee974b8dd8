// The status page (issue 16) in a real browser: Debian's chromium, driven by playwright-core,
// loads GET / from a daemon running against the simulator. The DOM has the regions, the alert
// row with the instance and the command, the receivers; an Output of
// `<img src=x onerror=alert(1)>` is text (no element, no dialog); the page loads nothing else;
// a phone does not scroll the whole page sideways. Screenshots go to the build directory.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <filesystem>
#include <thread>

#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/recorder.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::eventually;

// web-1 fails deploy-app with an Output that is HTML; web-2 succeeds. ap-southeast-1 has no
// invocation: a second region row.
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
                 output: "<img src=x onerror=alert(1)>\n"}
          - instance_id: i-web2
            timeline: [{at: 0.2s, status: Success, exit_code: 0}]
  - region_id: ap-southeast-1
)";

std::string str(simdjson::dom::element e) { return std::string(std::string_view(e)); }

TEST(StatusPageBrowser, ChromiumSeesRegionsAndTheAlertAndTheOutputAsText) {
  std::string dir = testing::freshTestDir();
  testing::SimProcess sim(
      testing::writeTempFile(std::string(testing::testName()) + "/s.yaml", kScenario));
  testing::Recorder recorder;
  testing::MonitorConfig settings{.sim_url = sim.url(),
                                  .state_path = dir + "/state.db",
                                  .regions = {"cn-hangzhou", "ap-southeast-1"},
                                  .webhook_url = recorder.url() + "/hook"};
  testing::MonitorProcess daemon(SWAS_DAEMON_PATH,
                                 settings.write(std::string(testing::testName()) + "/c.yaml"), dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  // Names first (the inventory is read at start), then the failure.
  ASSERT_TRUE(eventually([&] {
    return testing::fetchOk("GET", daemon.url() + "/metrics").find("swas_instance_info{") !=
           std::string::npos;
  }));
  for (int s = 0; s < 3; ++s) {
    testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=1");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // The page reads what the daemon records every few seconds: wait until both regions are up
  // there and the alert is firing.
  ASSERT_TRUE(eventually([&] {
    std::string page = testing::fetchOk("GET", daemon.url() + "/");
    return page.find("tr class=\"alert") != std::string::npos &&
           page.find("2 region(s), 0 down") != std::string::npos && !recorder.requests().empty();
  })) << daemon.stderrText();

  std::string out = dir + "/browser.json";
  std::string shot = std::string(SWAS_BINARY_DIR) + "/status_page.png";
  std::string phone = std::string(SWAS_BINARY_DIR) + "/status_page_phone.png";
  testing::Process browser(
      {NODE_PATH, std::string(SWAS_SOURCE_DIR) + "/tests/browser/status_page.mjs",
       daemon.url() + "/", shot, phone},
      out, dir + "/browser.err");
  ASSERT_EQ(browser.wait(), 0) << testing::readFile(dir + "/browser.err");
  std::string seen = testing::readFile(out);
  simdjson::dom::parser parser;
  simdjson::dom::element r = parser.parse(seen);

  EXPECT_EQ(int64_t(r["status"]), 200);
  EXPECT_EQ(str(r["headers"]["content-security-policy"]),
            "default-src 'none'; style-src 'unsafe-inline'");
  EXPECT_EQ(str(r["headers"]["x-content-type-options"]), "nosniff");
  EXPECT_EQ(simdjson::dom::array(r["dialogs"]).size(), 0u) << seen;
  EXPECT_EQ(simdjson::dom::array(r["errors"]).size(), 0u) << "no CSP violation, no error: " << seen;
  for (auto request : simdjson::dom::array(r["requests"])) {
    EXPECT_TRUE(str(request).starts_with(daemon.url() + "/"))
        << "nothing loaded from elsewhere: " << seen;
  }

  simdjson::dom::element dom = r["dom"];
  EXPECT_EQ(int64_t(dom["images"]), 0) << seen;
  EXPECT_EQ(int64_t(dom["scripts"]), 0) << seen;
  EXPECT_NE(str(dom["title"]).find("1 firing"), std::string::npos) << seen;
  EXPECT_FALSE(str(dom["version"]).empty());
  std::vector<std::string> regions;
  for (auto row : simdjson::dom::array(dom["regions"])) {
    simdjson::dom::array cells = row;
    regions.push_back(str(cells.at(1)) + " " + str(cells.at(2)));
  }
  EXPECT_EQ(regions, (std::vector<std::string>{"ap-southeast-1 up", "cn-hangzhou up"})) << seen;
  simdjson::dom::array alerts = dom["alerts"];
  ASSERT_EQ(alerts.size(), 1u) << seen;
  simdjson::dom::element alert = alerts.at(0);
  EXPECT_EQ(str(alert["instance"]), "web-1 (i-web1)");
  EXPECT_EQ(str(alert["command"]), "deploy-app");
  EXPECT_EQ(str(alert["output"]), "<img src=x onerror=alert(1)>\n") << "the Output, as text";
  EXPECT_EQ(int64_t(alert["outputElements"]), 0);
  simdjson::dom::array failures = dom["failures"];
  ASSERT_EQ(failures.size(), 1u) << seen;
  EXPECT_NE(str(simdjson::dom::array(failures.at(0)).at(4)).find("Failed"), std::string::npos);
  simdjson::dom::array receivers = dom["receivers"];
  ASSERT_EQ(receivers.size(), 1u) << seen;
  EXPECT_EQ(str(simdjson::dom::array(receivers.at(0)).at(0)), "ops");
  EXPECT_LE(int64_t(r["phone"]["pageWidth"]), int64_t(r["phone"]["viewportWidth"]))
      << "on a phone only the tables scroll sideways: " << seen;
  std::cout << "the browser saw: " << seen << "\n";

  // The page's reads leave nothing open: a clean stop still checkpoints and removes the WAL.
  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait(), 0) << daemon.stderrText();
  EXPECT_FALSE(std::filesystem::exists(dir + "/state.db-wal"));
}

}  // namespace
}  // namespace swas
