// Two replicas, one notification (issue 17): two daemons with the same configuration and their
// own state, each with an alertmanager receiver listing both peers of a real Alertmanager
// cluster (gossip on loopback). Behind the cluster's route: one webhook receiver, and each peer
// also relays to a daemon's chat relay (POST /api/alertmanager/webhook/chat), which sends to an
// emulated DingTalk robot. Every failure reaches the webhook and DingTalk exactly once, and its
// resolution too; then one daemon and one Alertmanager peer (one machine's pair: the peer whose
// relay is that daemon) are killed mid-run, and the failures and resolutions after that still
// arrive exactly once at both.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "tests/support/chat_vendor.h"
#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/recorder.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::eventually;

// t-1 fails on i-a and times out on i-b (before the kills); t-3 fails on i-c (after them). The
// later successes of the same commands resolve all three (after the kills).
constexpr const char* kScenario = R"(clock: manual
regions:
  - region_id: cn-hangzhou
    instances:
      - {instance_id: i-a, name: web-a}
      - {instance_id: i-b, name: web-b}
      - {instance_id: i-c, name: web-c}
    invocations:
      - invoke_id: t-1
        command_id: c-deploy
        command_name: deploy-app
        created_at: 1s
        instances:
          - instance_id: i-a
            timeline: [{at: 1s, status: Failed, exit_code: 3, error_code: ExitCodeNonzero}]
          - instance_id: i-b
            timeline: [{at: 1s, status: Timeout, error_code: ExecutionTimeout}]
      - invoke_id: t-2
        command_id: c-deploy
        command_name: deploy-app
        created_at: 30s
        instances:
          - instance_id: i-a
            timeline: [{at: 1s, status: Success, exit_code: 0}]
          - instance_id: i-b
            timeline: [{at: 1s, status: Success, exit_code: 0}]
      - invoke_id: t-3
        command_id: c-backup
        command_name: backup-db
        created_at: 31s
        instances:
          - instance_id: i-c
            timeline: [{at: 1s, status: Failed, exit_code: 1, error_code: ExitCodeNonzero}]
      - invoke_id: t-4
        command_id: c-backup
        command_name: backup-db
        created_at: 60s
        instances:
          - instance_id: i-c
            timeline: [{at: 1s, status: Success, exit_code: 0}]
)";

constexpr const char* kToken = "ha-relay-token-0123";

// How long a peer waits for the peers before it in the cluster to notify (Alertmanager's default
// is 15 s): shorter, for a shorter test.
constexpr std::chrono::seconds kPeerTimeout{3};

// One peer of the cluster: its web API on 127.0.0.1:0, its gossip on 127.0.0.1:0, joining
// `peer` (a gossip address) when given; it routes everything to `webhook`.
class Peer {
 public:
  Peer(const std::string& dir, const std::string& webhook, const std::string& peer) : dir_(dir) {
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/am.yml") << testing::alertmanagerConfig(webhook);
    std::vector<std::string> argv = {
        "prometheus-alertmanager",
        "--config.file=" + dir + "/am.yml",
        "--storage.path=" + dir + "/data",
        "--web.listen-address=127.0.0.1:0",
        "--cluster.listen-address=127.0.0.1:0",
        "--cluster.peer-timeout=" + std::to_string(kPeerTimeout.count()) + "s"};
    if (!peer.empty()) argv.push_back("--cluster.peer=" + peer);
    server_ = std::make_unique<testing::GoServer>(argv, dir, "am");
  }
  const std::string& url() const { return server_->url(); }
  // What /api/v2/status says of the cluster: the gossip addresses of the peers it knows.
  std::vector<std::string> peers() const {
    std::vector<std::string> out;
    auto status = testing::fetch("GET", url() + "/api/v2/status");
    simdjson::dom::parser parser;
    simdjson::dom::array list;
    if (!status || parser.parse(status->body)["cluster"]["peers"].get(list)) return out;
    for (auto p : list) out.emplace_back(std::string_view(p["address"]));
    return out;
  }
  void kill() { server_.reset(); }  // SIGTERM, as a peer stopped or crashed
  // Routes to `webhook` and to the chat relay at `relay_url` too, from now on.
  void relayTo(const std::string& webhook, const std::string& relay_url) {
    std::ofstream(dir_ + "/am.yml") << testing::alertmanagerConfig(webhook, relay_url, kToken);
    testing::fetchOk("POST", url() + "/-/reload");
  }
  // alertmanager_nflog_queries_total: the dedup stage's lookups, one per group and flush,
  // made after the peer's wait for the peers before it.
  double nflogQueries() const {
    auto metrics = testing::fetch("GET", url() + "/metrics");
    return metrics ? testing::sumOf(metrics->body, "alertmanager_nflog_queries_total") : -1;
  }
  // Alerts the peer holds as active.
  size_t activeCount() const {
    auto alerts = testing::fetch("GET", url() + "/api/v2/alerts?active=true");
    simdjson::dom::parser parser;
    simdjson::dom::array list;
    if (!alerts || parser.parse(alerts->body).get(list)) return 0;
    return list.size();
  }

 private:
  std::string dir_;
  std::unique_ptr<testing::GoServer> server_;
};

// (status, invoke_id/instance_id) -> how many times DingTalk was told, from messages the robot
// accepted; the chat receiver's template writes one "status invoke_id/instance_id" line per
// alert.
std::map<std::pair<std::string, std::string>, int> toldInChat(const testing::ChatVendor& robot) {
  std::map<std::pair<std::string, std::string>, int> out;
  for (const auto& m : robot.messages()) {
    if (!m.accepted) continue;
    std::istringstream lines(m.text);
    std::string status, alert;
    while (lines >> status >> alert) ++out[{status, alert}];
  }
  return out;
}

// (status, invoke_id/instance_id) -> how many times the downstream webhook was told.
std::map<std::pair<std::string, std::string>, int> told(const testing::Recorder& downstream) {
  std::map<std::pair<std::string, std::string>, int> out;
  simdjson::dom::parser parser;
  for (const auto& r : downstream.requests()) {
    simdjson::dom::element doc;
    simdjson::dom::array alerts;
    if (parser.parse(r.request.body).get(doc) || doc["alerts"].get(alerts)) continue;
    for (simdjson::dom::element a : alerts) {
      ++out[{std::string(std::string_view(a["status"])),
             std::string(std::string_view(a["labels"]["invoke_id"])) + "/" +
                 std::string(std::string_view(a["labels"]["instance_id"]))}];
    }
  }
  return out;
}

TEST(HighAvailability, TwoReplicasAndAnAlertmanagerClusterNotifyOnceThroughKills) {
  std::string dir = testing::freshTestDir();
  testing::Recorder downstream;
  Peer am1(dir + "/am1", downstream.url() + "/downstream", "");
  ASSERT_FALSE(am1.url().empty()) << testing::readFile(dir + "/am1/am.stderr");
  ASSERT_TRUE(eventually([&] { return am1.peers().size() == 1; }));
  Peer am2(dir + "/am2", downstream.url() + "/downstream", am1.peers().front());
  ASSERT_FALSE(am2.url().empty()) << testing::readFile(dir + "/am2/am.stderr");
  ASSERT_TRUE(eventually([&] { return am1.peers().size() == 2 && am2.peers().size() == 2; }))
      << "the two peers gossip";

  testing::SimProcess sim(
      testing::writeTempFile(std::string(testing::testName()) + "/s.yaml", kScenario));
  testing::ChatVendor dingtalk({"dingtalk", "SEChasecret"});
  std::string test = testing::testName();
  std::string chat_extra =
      "      secret_file: " + testing::writeTempFile(test + "/secret", "SEChasecret") +
      "\n      template_file: " +
      testing::writeTempFile(test + "/chat.mustache",
                             "{{#alerts}}{{status}} {{invoke_id}}/{{instance_id}}\n{{/alerts}}") +
      "\n      relay_only: true\n";  // the daemons' own alerts go to Alertmanager only
  auto replica = [&](const std::string& name) {
    testing::MonitorConfig settings{
        .sim_url = sim.url(),
        .state_path = dir + "/" + name + ".db",
        .receivers = {{.name = "am",
                       .type = "alertmanager",
                       .extra = "      urls: [\"" + am1.url() + "\", \"" + am2.url() + "\"]\n"},
                      {"chat", "dingtalk", dingtalk.url(), chat_extra}}};
    settings.poll = {{"interval", "200ms"}, {"jitter", "0"}};
    settings.relay_token_file = testing::writeTempFile(test + "/token", kToken);
    return std::make_unique<testing::MonitorProcess>(
        SWAS_DAEMON_PATH, settings.write(std::string(testing::testName()) + "/" + name + ".yaml"),
        dir + "/" + name);
  };
  std::filesystem::create_directories(dir + "/a");
  std::filesystem::create_directories(dir + "/b");
  auto a = replica("a");
  auto b = replica("b");
  ASSERT_FALSE(a->url().empty()) << a->stderrText();
  ASSERT_FALSE(b->url().empty()) << b->stderrText();
  for (auto* d : {a.get(), b.get()}) {
    ASSERT_TRUE(eventually([&] {
      return testing::fetchOk("GET", d->url() + "/metrics").find("swas_instance_info{") !=
             std::string::npos;
    })) << "names before the failures";
  }
  // Each peer relays to one daemon: am2 to a, am1 to b, so the pair killed below (b and am1) is
  // one machine's and the survivors (a and am2) still make a chain.
  const std::string kRelayPath = "/api/alertmanager/webhook/chat";
  am1.relayTo(downstream.url() + "/downstream", b->url() + kRelayPath);
  am2.relayTo(downstream.url() + "/downstream", a->url() + kRelayPath);

  // Before the kills: t-1's two failures, once each.
  double queried1 = am1.nflogQueries(), queried2 = am2.nflogQueries();
  testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=5");
  auto firing1 = std::map<std::pair<std::string, std::string>, int>{{{"firing", "t-1/i-a"}, 1},
                                                                    {{"firing", "t-1/i-b"}, 1}};
  ASSERT_TRUE(eventually([&] { return told(downstream) == firing1; }, std::chrono::seconds(60)))
      << downstream.requests().size() << " request(s)";
  ASSERT_TRUE(eventually([&] { return toldInChat(dingtalk) == firing1; }))
      << dingtalk.messages().size() << " message(s)";
  // Each peer has them from the daemons itself, not only through gossip (which carries no
  // alerts): so the surviving peer can notify when the other is gone.
  for (const Peer* peer : {&am1, &am2}) {
    EXPECT_TRUE(eventually([&] { return peer->activeCount() == 2; })) << peer->url();
  }

  // One replica and one Alertmanager peer go, once the second peer has had its turn: it waits
  // kPeerTimeout, then its dedup stage queries the notification log for each of its groups
  // (two alerts, two receivers: four) and finds the first peer's notification there. Seen on
  // the peers' own counters; which peer is second is the cluster's choice, so both. A peer
  // killed within the instant between notifying and gossiping it would be notified again by
  // the other: Alertmanager's clustering is at least once, and that instant is not this test's.
  ASSERT_TRUE(eventually(
      [&] { return am1.nflogQueries() >= queried1 + 4 && am2.nflogQueries() >= queried2 + 4; },
      std::chrono::seconds(60)));
  ASSERT_EQ(told(downstream), firing1) << "the second peer did not notify again";
  ASSERT_EQ(toldInChat(dingtalk), firing1);
  b->process().signal(SIGKILL);
  b->process().wait();
  am1.kill();

  // After them: t-1 resolved on both instances, t-3 fails and is resolved.
  testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=30");
  auto after = firing1;
  after[{"resolved", "t-1/i-a"}] = 1;
  after[{"resolved", "t-1/i-b"}] = 1;
  after[{"firing", "t-3/i-c"}] = 1;
  EXPECT_TRUE(eventually([&] { return told(downstream) == after; }, std::chrono::seconds(90)))
      << a->stderrText();
  testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=30");
  after[{"resolved", "t-3/i-c"}] = 1;
  EXPECT_TRUE(eventually([&] { return told(downstream) == after; }, std::chrono::seconds(90)))
      << a->stderrText();

  // Nothing arrives twice. Nothing more can: the surviving daemon's queue is empty, and the
  // surviving peer has no aggregation group left (each flushed its resolution, past its wait
  // for the dead peer, and was removed as empty at its maintenance), both on their own metrics.
  EXPECT_TRUE(eventually([&] { return toldInChat(dingtalk) == after; }))
      << dingtalk.messages().size() << " message(s)\n"
      << a->stderrText();
  EXPECT_TRUE(eventually(
      [&] {
        auto peer = testing::fetch("GET", am2.url() + "/metrics");
        auto daemon = testing::fetch("GET", a->url() + "/metrics");
        return peer && daemon &&
               testing::sumOf(peer->body, "alertmanager_dispatcher_aggregation_groups") == 0 &&
               testing::sumOf(daemon->body, "swas_alert_queue_length") == 0;
      },
      std::chrono::seconds(90)))
      << "the surviving peer or daemon still has something to send";
  EXPECT_EQ(told(downstream), after);
  EXPECT_EQ(toldInChat(dingtalk), after) << "nothing twice in the chat either";
  EXPECT_EQ(dingtalk.rejected(), 0u);
  std::string m = testing::fetchOk("GET", a->url() + "/metrics");
  EXPECT_GT(testing::sumOf(m, "swas_alert_peer_failures_total", {"receiver=\"am\""}), 0)
      << "the dead peer is counted";
  EXPECT_EQ(testing::sumOf(m, "swas_alert_notifications_total", {"outcome=\"dropped\""}), 0);
  EXPECT_GT(testing::sumOf(m, "swas_relayed_alerts_total", {"outcome=\"queued\""}), 0)
      << "a relayed after the kills";
}

}  // namespace
}  // namespace swas
