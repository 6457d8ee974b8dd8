// The inventory end to end (issue 15): the daemon against swas-sim's ListInstances and
// DescribeCloudAssistantStatus, notifying a recording webhook receiver. Names and addresses in
// the payloads, a watched set that follows tags, SwasCloudAssistantDown fired and resolved,
// inventory failures that never stop alerts, names kept across a restart.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <map>
#include <string>
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

// The region watches instance_tags {env: prod}: web-1 and db-1 from the start, web-2 from 20 s
// (tagged mid-run). db-1's agent is offline from 5 s to 150 s. t-old failed on web-2 two hours
// before it was tagged (baseline once web-2 is watched, never an alert); t-3 fails on web-2
// after it was tagged. t-5 and t-6 fail on web-1 later (the restart test's failures).
constexpr const char* kScenario = R"(clock: manual
regions:
  - region_id: cn-hangzhou
    instances:
      - {instance_id: i-web1, name: web-1, public_ip: 47.96.1.1, private_ip: 172.16.0.1,
         tags: {env: prod}}
      - {instance_id: i-web2, name: web-2, public_ip: 47.96.1.2, private_ip: 172.16.0.2,
         tags: {env: staging}, timeline: [{at: 20s, tags: {env: prod}}]}
      - {instance_id: i-db1, name: db-1, tags: {env: prod, role: db},
         timeline: [{at: 5s, agent_online: false}, {at: 150s, agent_online: true}]}
    invocations:
      - invoke_id: t-old
        command_id: c-deploy
        command_name: deploy-app
        created_at: -7200s
        instances:
          - instance_id: i-web2
            timeline: [{at: 5s, status: Failed, exit_code: 1, error_code: ExitCodeNonzero}]
      - invoke_id: t-1
        command_id: c-deploy
        command_name: deploy-app
        created_at: 2s
        instances:
          - instance_id: i-web1
            timeline:
              - {at: 1s, status: Running}
              - {at: 2s, status: Failed, exit_code: 3, error_code: ExitCodeNonzero}
      - invoke_id: t-3
        command_id: c-deploy
        command_name: deploy-app
        created_at: 30s
        instances:
          - instance_id: i-web2
            timeline: [{at: 1s, status: Failed, exit_code: 3, error_code: ExitCodeNonzero}]
      - invoke_id: t-5
        command_id: c-backup
        command_name: backup-db
        created_at: 60s
        instances:
          - instance_id: i-web1
            timeline: [{at: 1s, status: Failed, exit_code: 1, error_code: ExitCodeNonzero}]
      - invoke_id: t-6
        command_id: c-backup2
        command_name: backup-logs
        created_at: 90s
        instances:
          - instance_id: i-web1
            timeline: [{at: 1s, status: Failed, exit_code: 1, error_code: ExitCodeNonzero}]
)";

struct Notice {
  std::string alertname;
  std::string status;  // firing | resolved
  std::string what;    // invoke_id/instance_id, or the instance_id of an agent alert
  std::string instance_name;
  std::string public_ip;
  std::string summary;
};

// Notices in messages the receiver accepted.
std::vector<Notice> notices(const Recorder& recorder) {
  std::vector<Notice> out;
  simdjson::dom::parser parser;
  for (const auto& r : recorder.requests()) {
    if (r.answered != 200) continue;
    simdjson::dom::element doc = parser.parse(r.request.body);
    for (simdjson::dom::element a : doc["alerts"].get_array()) {
      auto text = [](simdjson::dom::element e, const char* key) {
        std::string_view v;
        return e[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
      };
      auto labels = a["labels"].value();
      auto annotations = a["annotations"].value();
      Notice n{text(labels, "alertname"),
               text(a, "status"),
               "",
               text(labels, "instance_name"),
               text(annotations, "public_ip"),
               text(annotations, "summary")};
      n.what = n.alertname == "SwasCloudAssistantDown"
                   ? text(labels, "instance_id")
                   : text(labels, "invoke_id") + "/" + text(labels, "instance_id");
      out.push_back(std::move(n));
    }
  }
  return out;
}

// (status, what) -> how many times.
std::map<std::pair<std::string, std::string>, int> counted(const Recorder& recorder) {
  std::map<std::pair<std::string, std::string>, int> out;
  for (const auto& n : notices(recorder)) ++out[{n.status, n.what}];
  return out;
}

std::optional<Notice> find(const Recorder& recorder, const std::string& status,
                           const std::string& what) {
  for (const auto& n : notices(recorder)) {
    if (n.status == status && n.what == what) return n;
  }
  return std::nullopt;
}

class InventoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::freshTestDir();
    sim_ = std::make_unique<SimProcess>(
        testing::writeTempFile(std::string(testName()) + "/scenario.yaml", kScenario));
    testing::MonitorConfig settings{.sim_url = sim_->url(),
                                    .state_path = dir_ + "/state.db",
                                    .webhook_url = recorder_.url() + "/hook"};
    settings.poll["jitter"] = "0";
    settings.region_extra["cn-hangzhou"] = "    instance_tags: {env: prod}\n";
    settings.extra = "inventory:\n  refresh: 1s\n  cloud_assistant_down_after: 2s\n";
    config_ = settings.write(std::string(testName()) + "/config.yaml");
  }

  std::unique_ptr<MonitorProcess> start() {
    auto daemon = std::make_unique<MonitorProcess>(SWAS_DAEMON_PATH, config_, dir_);
    EXPECT_FALSE(daemon->url().empty()) << daemon->stderrText();
    return daemon;
  }

  // Moves the simulator's clock to `second`, a second at a time.
  void playTo(int second) {
    for (; now_ < second; ++now_) {
      testing::fetchOk("POST", sim_->url() + "/_sim/advance?seconds=1");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  std::string metrics(MonitorProcess& daemon) {
    return testing::fetchOk("GET", daemon.url() + "/metrics");
  }

  // Until `refreshes` more inventory refreshes (ListInstances calls) and `polls` more polls have
  // ended and the outbox is empty: whatever more would be sent is sent by then.
  void quiesce(MonitorProcess& daemon, int refreshes = 3, int polls = 5) {
    auto inventory_calls = [](const std::string& e) {
      return testing::sumOf(e, "swas_api_requests_total", {R"(action="ListInstances")"});
    };
    auto polled = [](const std::string& e) {
      return testing::sample(e, R"(swas_poll_duration_seconds_count{region_id="cn-hangzhou"})");
    };
    std::string first = metrics(daemon);
    double calls = inventory_calls(first), polls_before = polled(first);
    EXPECT_TRUE(eventually([&] {
      std::string e = metrics(daemon);
      return inventory_calls(e) >= calls + refreshes && polled(e) >= polls_before + polls &&
             testing::sample(e, R"(swas_alert_queue_length{receiver="ops"})") == 0;
    })) << daemon.stderrText();
  }

  std::string dir_, config_;
  int now_ = 0;
  Recorder recorder_;
  std::unique_ptr<SimProcess> sim_;
};

TEST_F(InventoryTest, NamesTagsAndTheAgentAtWork) {
  auto daemon = start();
  playTo(10);
  ASSERT_TRUE(eventually([&] { return find(recorder_, "firing", "t-1/i-web1").has_value(); }))
      << daemon->stderrText();
  Notice t1 = *find(recorder_, "firing", "t-1/i-web1");
  EXPECT_EQ(t1.instance_name, "web-1");
  EXPECT_EQ(t1.public_ip, "47.96.1.1");
  EXPECT_NE(t1.summary.find("web-1 (i-web1)"), std::string::npos) << t1.summary;

  // db-1's agent went offline at 5 s: after cloud_assistant_down_after, the alert.
  ASSERT_TRUE(eventually([&] { return find(recorder_, "firing", "i-db1").has_value(); }))
      << daemon->stderrText();
  Notice down = *find(recorder_, "firing", "i-db1");
  EXPECT_EQ(down.alertname, "SwasCloudAssistantDown");
  EXPECT_EQ(down.instance_name, "db-1");
  EXPECT_NE(down.summary.find("Start the agent"), std::string::npos) << down.summary;
  std::string e = metrics(*daemon);
  EXPECT_EQ(
      testing::sample(e, R"(swas_cloud_assistant_up{instance_id="i-db1",region_id="cn-hangzhou"})"),
      0);
  EXPECT_EQ(testing::sample(
                e, R"(swas_cloud_assistant_up{instance_id="i-web1",region_id="cn-hangzhou"})"),
            1);
  EXPECT_EQ(
      testing::sample(
          e,
          R"(swas_instance_info{instance_id="i-web2",instance_name="web-2",region_id="cn-hangzhou",status="Running"})"),
      1);
  EXPECT_GT(testing::sumOf(e, "swas_api_requests_total",
                           {R"(action="DescribeCloudAssistantStatus")", R"(code="OK")"}),
            0);

  // web-2 is tagged env=prod at 20 s: watched from the next refresh; t-3 fails at 31 s.
  playTo(35);
  ASSERT_TRUE(eventually([&] { return find(recorder_, "firing", "t-3/i-web2").has_value(); }))
      << daemon->stderrText();
  EXPECT_EQ(find(recorder_, "firing", "t-3/i-web2")->instance_name, "web-2");

  // The agent is back at 150 s: resolved.
  playTo(155);
  ASSERT_TRUE(eventually([&] { return find(recorder_, "resolved", "i-db1").has_value(); }))
      << daemon->stderrText();
  quiesce(*daemon);
  auto c = counted(recorder_);
  EXPECT_EQ(c[std::make_pair(std::string("firing"), std::string("t-1/i-web1"))], 1);
  EXPECT_EQ(c[std::make_pair(std::string("firing"), std::string("t-3/i-web2"))], 1);
  EXPECT_EQ(c[std::make_pair(std::string("firing"), std::string("i-db1"))], 1);
  EXPECT_EQ(c[std::make_pair(std::string("resolved"), std::string("i-db1"))], 1);
  EXPECT_FALSE(c.contains({"firing", "t-old/i-web2"}))
      << "two hours before web-2 was watched: baseline, not news";
  e = metrics(*daemon);
  EXPECT_EQ(
      testing::sample(e, R"(swas_cloud_assistant_up{instance_id="i-db1",region_id="cn-hangzhou"})"),
      1);
}

TEST_F(InventoryTest, InventoryFailuresNeverStopAlertsAndARestartKeepsNames) {
  auto daemon = start();
  playTo(10);
  ASSERT_TRUE(eventually([&] { return find(recorder_, "firing", "t-1/i-web1").has_value(); }))
      << daemon->stderrText();
  daemon->process().signal(SIGTERM);
  EXPECT_EQ(daemon->process().wait(), 0);
  daemon.reset();

  // From now on every ListInstances is throttled: the restarted daemon has only what it stored.
  testing::fetchOk("POST", sim_->url() + "/_sim/faults",
                   R"({"actions": ["ListInstances"], "throttle": 1})");
  daemon = start();
  playTo(65);
  ASSERT_TRUE(eventually([&] { return find(recorder_, "firing", "t-5/i-web1").has_value(); }))
      << daemon->stderrText();
  EXPECT_EQ(find(recorder_, "firing", "t-5/i-web1")->instance_name, "web-1")
      << "the name stored before the restart";
  EXPECT_EQ(find(recorder_, "firing", "t-5/i-web1")->public_ip, "47.96.1.1");
  std::string e = metrics(*daemon);
  EXPECT_GT(testing::sumOf(e, "swas_api_requests_total",
                           {R"(action="ListInstances")", R"(code="Throttling.User")"}),
            0);
  EXPECT_EQ(testing::sample(e, R"(swas_region_up{region_id="cn-hangzhou"})"), 1)
      << "polling goes on";

  // Then the inventory answers 503.
  testing::fetchOk("POST", sim_->url() + "/_sim/faults",
                   R"({"actions": ["ListInstances"], "throttle": 0, "server_error": 1})");
  playTo(95);
  ASSERT_TRUE(eventually([&] { return find(recorder_, "firing", "t-6/i-web1").has_value(); }))
      << daemon->stderrText();
  EXPECT_EQ(find(recorder_, "firing", "t-6/i-web1")->instance_name, "web-1");
  EXPECT_TRUE(eventually([&] {
    return testing::sumOf(metrics(*daemon), "swas_api_requests_total",
                          {R"(action="ListInstances")", R"(code="ServiceUnavailable")"}) > 0;
  })) << "the refresh in its backoff meets the 503s next";
  EXPECT_TRUE(eventually([&] {
    return daemon->stderrText().find("inventory refresh failed") != std::string::npos;
  })) << "each refresh retries within the gate's attempts first";
  quiesce(*daemon, 2);
  auto c = counted(recorder_);
  EXPECT_EQ(c[std::make_pair(std::string("firing"), std::string("t-1/i-web1"))], 1)
      << "not again after the restart";
}

// region_id: all. cn-hangzhou is listed throughout, cn-shanghai from 20 s, cn-beijing until
// 40 s. A failure in each region.
constexpr const char* kRegionsScenario = R"(clock: manual
regions:
  - region_id: cn-hangzhou
    instances: [{instance_id: i-hz, name: hz-1}]
    invocations:
      - invoke_id: t-hz
        command_id: c-deploy
        command_name: deploy-app
        created_at: 2s
        instances:
          - instance_id: i-hz
            timeline: [{at: 1s, status: Failed, exit_code: 1, error_code: ExitCodeNonzero}]
  - region_id: cn-shanghai
    listed_from: 20s
    instances: [{instance_id: i-sh, name: sh-1}]
    invocations:
      - invoke_id: t-sh
        command_id: c-deploy
        command_name: deploy-app
        created_at: 25s
        instances:
          - instance_id: i-sh
            timeline: [{at: 1s, status: Failed, exit_code: 1, error_code: ExitCodeNonzero}]
  - region_id: cn-beijing
    listed_until: 40s
    instances: [{instance_id: i-bj, name: bj-1}]
)";

TEST(InventoryRegions, AllFollowsListRegionsAndARestartPollsWhatItListedAtOnce) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(
      testing::writeTempFile(std::string(testName()) + "/scenario.yaml", kRegionsScenario));
  Recorder recorder;
  testing::MonitorConfig settings{.sim_url = sim.url(),
                                  .state_path = dir + "/state.db",
                                  .regions = {"all"},
                                  .webhook_url = recorder.url() + "/hook"};
  settings.extra = "inventory:\n  refresh: 1s\n";
  std::string config = settings.write(std::string(testName()) + "/config.yaml");
  int now = 0;
  auto playTo = [&](int second) {
    for (; now < second; ++now) {
      testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=1");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };
  auto daemon = std::make_unique<MonitorProcess>(SWAS_DAEMON_PATH, config, dir);
  ASSERT_FALSE(daemon->url().empty()) << daemon->stderrText();
  // The region's first poll and first inventory refresh race once ListRegions names it; an alert
  // names its instance once the inventory knows it (README), so the failure comes after that.
  ASSERT_TRUE(eventually([&] {
    return testing::sumOf(testing::fetchOk("GET", daemon->url() + "/metrics"), "swas_instance_info",
                          {R"(instance_id="i-hz")"}) == 1;
  })) << daemon->stderrText();
  playTo(10);
  ASSERT_TRUE(eventually([&] { return find(recorder, "firing", "t-hz/i-hz").has_value(); }))
      << daemon->stderrText();
  EXPECT_EQ(find(recorder, "firing", "t-hz/i-hz")->instance_name, "hz-1");
  EXPECT_EQ(daemon->stderrText().find("region cn-shanghai"), std::string::npos) << "not listed yet";

  playTo(30);
  ASSERT_TRUE(eventually([&] { return find(recorder, "firing", "t-sh/i-sh").has_value(); }))
      << daemon->stderrText();
  EXPECT_NE(daemon->stderrText().find("region cn-shanghai is listed by ListRegions; polling it"),
            std::string::npos);
  std::string e = testing::fetchOk("GET", daemon->url() + "/metrics");
  EXPECT_EQ(testing::sample(e, R"(swas_region_up{region_id="cn-shanghai"})"), 1);
  EXPECT_GT(testing::sumOf(e, "swas_api_requests_total", {R"(action="ListRegions")"}), 0);

  playTo(45);
  ASSERT_TRUE(eventually([&] {
    return daemon->stderrText().find(
               "region cn-beijing is no longer listed by ListRegions; "
               "stopped polling it") != std::string::npos;
  })) << daemon->stderrText();
  EXPECT_TRUE(eventually([&] {
    return testing::sample(testing::fetchOk("GET", daemon->url() + "/metrics"),
                           R"(swas_region_up{region_id="cn-beijing"})") < 0;
  })) << "its series go with it";

  // A restart with ListRegions throttled polls the two regions it listed last, at once.
  daemon->process().signal(SIGTERM);
  EXPECT_EQ(daemon->process().wait(), 0);
  daemon.reset();
  testing::fetchOk("POST", sim.url() + "/_sim/faults",
                   R"({"actions": ["ListRegions"], "throttle": 1})");
  daemon = std::make_unique<MonitorProcess>(SWAS_DAEMON_PATH, config, dir);
  ASSERT_FALSE(daemon->url().empty()) << daemon->stderrText();
  EXPECT_TRUE(eventually([&] {
    std::string m = testing::fetchOk("GET", daemon->url() + "/metrics");
    return testing::sample(m, R"(swas_region_up{region_id="cn-hangzhou"})") == 1 &&
           testing::sample(m, R"(swas_region_up{region_id="cn-shanghai"})") == 1;
  })) << daemon->stderrText();
  EXPECT_TRUE(eventually([&] {
    return daemon->stderrText().find("ListRegions failed") != std::string::npos;
  })) << daemon->stderrText();
  auto c = counted(recorder);
  EXPECT_EQ(c[std::make_pair(std::string("firing"), std::string("t-hz/i-hz"))], 1);
  EXPECT_EQ(c[std::make_pair(std::string("firing"), std::string("t-sh/i-sh"))], 1);
}

}  // namespace
}  // namespace swas
