// The daemon's alerts through a real Alertmanager (Debian package prometheus-alertmanager):
// they appear in its API with the contract's labels and our fingerprint, reach a webhook
// receiver through its routing, resolve after a later success, and come back after an
// Alertmanager restart because the daemon re-sends the firing set every minute.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <thread>

#include "daemon/alerting/rules.h"
#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/recorder.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::eventually;
using testing::MonitorProcess;
using testing::Process;
using testing::Recorder;
using testing::SimProcess;

// t-1 fails on i-a and i-b; t-2, the same command, succeeds on i-a later.
constexpr const char* kScenario = R"(clock: manual
regions:
  - region_id: cn-hangzhou
    instances: [i-a, i-b]
    invocations:
      - invoke_id: t-1
        command_id: c-deploy
        command_name: deploy-app
        created_at: 1s
        instances:
          - instance_id: i-a
            timeline:
              - {at: 2s, status: Failed, exit_code: 3, error_code: ExitCodeNonzero}
          - instance_id: i-b
            timeline:
              - {at: 3s, status: Timeout, error_code: ExecutionTimeout}
      - invoke_id: t-2
        command_id: c-deploy
        command_name: deploy-app
        created_at: 20s
        instances:
          - instance_id: i-a
            timeline:
              - {at: 2s, status: Success, exit_code: 0}
)";

class Alertmanager {
 public:
  // Port 0 for any free port; a given port to come back where the daemon expects it.
  Alertmanager(const std::string& dir, const std::string& webhook, uint16_t port = 0) {
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/am.yml") << testing::alertmanagerConfig(webhook);
    server_ = std::make_unique<testing::GoServer>(
        std::vector<std::string>{"prometheus-alertmanager", "--config.file=" + dir + "/am.yml",
                                 "--storage.path=" + dir + "/data",
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port),
                                 "--cluster.listen-address="},
        dir, "am");
  }
  const std::string& url() const { return server_->url(); }
  uint16_t port() const {
    return static_cast<uint16_t>(std::stoi(url().substr(url().rfind(':') + 1)));
  }

  struct Active {
    std::string occurrence;  // invoke_id/instance_id
    std::string fingerprint;
    std::string computed;  // our fingerprint of the labels Alertmanager holds
    std::string alertname, severity, command_name, error_code, summary;
  };
  std::vector<Active> active() const {
    auto result = testing::fetch("GET", url() + "/api/v2/alerts?active=true");
    std::vector<Active> out;
    if (!result || result->status != 200) return out;
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(result->body);
    for (simdjson::dom::element a : doc.get_array()) {
      std::string state(a["status"]["state"].get_string().value());
      if (state != "active") continue;
      alerting::Labels labels;
      for (auto [key, value] : a["labels"].get_object()) {
        labels.emplace_back(std::string(key), std::string(value.get_string().value()));
      }
      auto label = [&](const std::string& name) {
        for (const auto& [k, v] : labels)
          if (k == name) return v;
        return std::string();
      };
      out.push_back({label("invoke_id") + "/" + label("instance_id"),
                     std::string(a["fingerprint"].get_string().value()),
                     alerting::fingerprint(labels), label("alertname"), label("severity"),
                     label("command_name"), label("error_code"),
                     std::string(a["annotations"]["summary"].get_string().value())});
    }
    return out;
  }
  std::set<std::string> activeOccurrences() const {
    std::set<std::string> out;
    for (const auto& a : active()) out.insert(a.occurrence);
    return out;
  }

 private:
  std::unique_ptr<testing::GoServer> server_;
};

// (status, invoke_id/instance_id) of every alert Alertmanager sent the recorder.
std::set<std::pair<std::string, std::string>> routed(const Recorder& recorder) {
  std::set<std::pair<std::string, std::string>> out;
  simdjson::dom::parser parser;
  for (const auto& r : recorder.requests()) {
    simdjson::dom::element doc;
    if (parser.parse(r.request.body).get(doc)) continue;
    for (simdjson::dom::element a : doc["alerts"].get_array()) {
      out.insert({std::string(a["status"].get_string().value()),
                  std::string(a["labels"]["invoke_id"].get_string().value()) + "/" +
                      std::string(a["labels"]["instance_id"].get_string().value())});
    }
  }
  return out;
}

TEST(Alertmanager, AlertsArriveRouteResolveAndSurviveARestart) {
  std::string dir =
      std::filesystem::path(testing::writeTempFile("alertmanager/x", "")).parent_path();
  std::filesystem::remove(dir + "/state.db");
  Recorder recorder;
  auto am = std::make_unique<Alertmanager>(dir + "/am1", recorder.url() + "/am");
  ASSERT_FALSE(am->url().empty()) << testing::readFile(dir + "/am1/am.stderr");
  SimProcess sim(testing::writeTempFile("alertmanager/scenario.yaml", kScenario));
  testing::MonitorConfig settings{
      .sim_url = sim.url(),
      .state_path = dir + "/state.db",
      .receivers = {{.name = "am", .type = "alertmanager", .url = am->url()}}};
  settings.api.clear();
  settings.poll = {{"interval", "200ms"}, {"jitter", "0"}};
  settings.retry.clear();
  std::string config = settings.write("alertmanager/config.yaml");
  MonitorProcess daemon(SWAS_DAEMON_PATH, config, dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  // The inventory is read at start: the failures come after it, so they carry the names.
  ASSERT_TRUE(eventually([&] {
    return testing::fetchOk("GET", daemon.url() + "/metrics").find("swas_instance_info{") !=
           std::string::npos;
  }));

  testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=10");
  ASSERT_TRUE(
      eventually([&] { return am->activeOccurrences().size() == 2; }, std::chrono::seconds(60)));
  for (const auto& a : am->active()) {
    EXPECT_EQ(a.fingerprint, a.computed) << "Alertmanager and the daemon agree on fingerprints";
    EXPECT_EQ(a.severity, "critical");
    EXPECT_EQ(a.command_name, "deploy-app");
    if (a.occurrence == "t-1/i-a") {
      EXPECT_EQ(a.alertname, "SwasInvocationFailed");
      EXPECT_EQ(a.error_code, "ExitCodeNonzero");
      EXPECT_EQ(a.summary,
                "deploy-app failed on name-i-a (i-a) (cn-hangzhou): Failed, ExitCodeNonzero, "
                "exit code 3");
    } else {
      EXPECT_EQ(a.occurrence, "t-1/i-b");
      EXPECT_EQ(a.alertname, "SwasInvocationTimeout");
    }
  }
  EXPECT_TRUE(eventually(
      [&] {
        auto r = routed(recorder);
        return r.contains({"firing", "t-1/i-a"}) && r.contains({"firing", "t-1/i-b"});
      },
      std::chrono::seconds(30)))
      << "Alertmanager routes them to its webhook receiver";

  // The later success of the same command on i-a resolves that alert only.
  testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=15");
  EXPECT_TRUE(
      eventually([&] { return am->activeOccurrences() == std::set<std::string>{"t-1/i-b"}; },
                 std::chrono::seconds(60)));
  EXPECT_TRUE(eventually(
      [&] {
        return routed(recorder).contains({"resolved", "t-1/i-a"});
      },
      std::chrono::seconds(30)));

  // Alertmanager restarts without its state; the daemon's re-send brings the firing alert back.
  uint16_t port = am->port();
  auto restarted = std::chrono::steady_clock::now();
  am.reset();
  am = std::make_unique<Alertmanager>(dir + "/am2", recorder.url() + "/am", port);
  ASSERT_FALSE(am->url().empty()) << testing::readFile(dir + "/am2/am.stderr");
  EXPECT_TRUE(am->activeOccurrences().empty());
  EXPECT_TRUE(
      eventually([&] { return am->activeOccurrences() == std::set<std::string>{"t-1/i-b"}; },
                 std::chrono::seconds(120)))
      << "within two minutes, by the re-sends";
  std::cout << "[ alertmanager ] the firing alert was back "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                restarted)
                   .count()
            << " s after the restart\n";
}

}  // namespace
}  // namespace swas
