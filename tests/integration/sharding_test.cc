// Sharding (issue 27): three replicas share six (account, region) keys, two owners each
// (cluster: {shards: 3, replicas: 2}), each polling only the keys it owns. Every failure reaches
// Alertmanager (which deduplicates what both owners send) and a webhook sent to straight (which
// only the first live owner sends to) exactly once; then one replica is killed (SIGKILL) and the
// failures after that still arrive exactly once at both: no alert is lost. Started again, the
// killed replica finds those failures in its catch-up and leaves them to the owners that were
// there: nothing twice. The replicas find
// each other through fronts that stand where a StatefulSet's stable names would, passing
// /healthz on to the replica behind (and failing once it is gone).
#include "daemon/cluster/sharding.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "daemon/http/http_server.h"
#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/recorder.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::eventually;

constexpr int kAccounts = 6;
constexpr int kShards = 3;

// Six accounts with the same region: t-1 fails on i-a before the kill, t-3 on i-c after it.
std::string scenario() {
  std::string out = "clock: manual\naccounts:\n";
  for (int a = 0; a < kAccounts; ++a) {
    out += "  - {access_key_id: k" + std::to_string(a) + "id, access_key_secret: k" +
           std::to_string(a) + "secret}\n";
  }
  return out + R"(regions:
  - region_id: cn-hangzhou
    instances: [{instance_id: i-a, name: web-a}, {instance_id: i-c, name: web-c}]
    invocations:
      - invoke_id: t-1
        command_id: c-deploy
        command_name: deploy-app
        created_at: 1s
        instances:
          - instance_id: i-a
            timeline: [{at: 1s, status: Failed, exit_code: 3, error_code: ExitCodeNonzero}]
      - invoke_id: t-3
        command_id: c-backup
        command_name: backup-db
        created_at: 6s
        instances:
          - instance_id: i-c
            timeline: [{at: 1s, status: Failed, exit_code: 1, error_code: ExitCodeNonzero}]
)";
}

// A replica's stable address: passes GET /healthz on to the replica behind it, its status and
// headers (503 before it is known, 502 once it does not answer), on a thread of its own.
class Front {
 public:
  Front()
      : server_(io_, [this](http::ServerRequest, http::Responder respond) {
          std::string target;
          {
            std::lock_guard lock(mutex_);
            target = target_;
          }
          http::ServerResponse response{503, {{"Content-Type", "text/plain"}}, "front\n"};
          if (!target.empty()) {
            auto answer = testing::fetch("GET", target + "/healthz");
            response.status = answer ? answer->status : 502;
            // Since when the replica runs, and its cluster layout, as it said them.
            for (const char* name : {"x-swas-started-at", "x-swas-cluster"}) {
              if (answer && !answer->header(name).empty()) {
                response.headers.emplace_back(name, std::string(answer->header(name)));
              }
            }
          }
          respond(std::move(response));
        }) {
    port_ = server_.listen("127.0.0.1", 0).value();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Front() {
    boost::asio::post(io_, [this] {
      server_.stop();
      work_.reset();
      io_.stop();
    });
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void behind(const std::string& target) {
    std::lock_guard lock(mutex_);
    target_ = target;
  }

 private:
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::mutex mutex_;
  std::string target_;
  http::HttpServer server_;
  uint16_t port_ = 0;
  std::thread thread_;
};

// (account, invoke_id/instance_id) -> how many times `recorder` was told it fires.
std::map<std::pair<std::string, std::string>, int> firing(const testing::Recorder& recorder) {
  std::map<std::pair<std::string, std::string>, int> out;
  simdjson::dom::parser parser;
  for (const auto& r : recorder.requests()) {
    simdjson::dom::array alerts;
    if (r.answered != 200 || parser.parse(r.request.body)["alerts"].get(alerts)) continue;
    for (auto a : alerts) {
      if (std::string_view(a["status"]) != "firing") continue;
      auto l = a["labels"];
      ++out[{std::string(std::string_view(l["account"])),
             std::string(std::string_view(l["invoke_id"])) + "/" +
                 std::string(std::string_view(l["instance_id"]))}];
    }
  }
  return out;
}

// Alertmanager with one group per alert, to `webhook`.
std::string alertmanagerConfig(const std::string& webhook) {
  return R"(route:
  receiver: recorder
  group_by: [alertname, account, region_id, instance_id, invoke_id]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: recorder
    webhook_configs:
      - url: ")" +
         webhook + "\"\n";
}

std::string accountName(int a) { return "a" + std::to_string(a); }
std::string keyOf(int a) { return accountName(a) + "/cn-hangzhou"; }

TEST(Sharding, ThreeReplicasTwoOwnersEachNotifyOnceAndKillingOneLosesNoAlert) {
  std::string dir = testing::freshTestDir();
  std::string test = testing::testName();
  const cluster::Sharding layout{kShards, 0, 2};
  testing::SimProcess sim(testing::writeTempFile(test + "/s.yaml", scenario()));
  // The simulator's clock starts at its start, before this: t-3 ends by then + 7 s.
  const auto t3_ended_by = std::chrono::system_clock::now() + std::chrono::seconds(7);
  testing::Recorder downstream, direct;
  std::filesystem::create_directories(dir + "/am");
  std::ofstream(dir + "/am/am.yml") << alertmanagerConfig(downstream.url() + "/downstream");
  testing::GoServer am({"prometheus-alertmanager", "--config.file=" + dir + "/am/am.yml",
                        "--storage.path=" + dir + "/am/data", "--web.listen-address=127.0.0.1:0",
                        "--cluster.listen-address="},
                       dir + "/am", "am");
  ASSERT_FALSE(am.url().empty()) << testing::readFile(dir + "/am/am.stderr");

  std::vector<std::unique_ptr<Front>> fronts;
  std::string peers;
  for (int s = 0; s < kShards; ++s) {
    fronts.push_back(std::make_unique<Front>());
    peers += (s ? ", \"" : "\"") + fronts.back()->url() + "\"";
  }
  std::string accounts = "accounts:\n";
  for (int a = 0; a < kAccounts; ++a) {
    accounts += "  - name: " + accountName(a) + "\n    credentials: {access_key_id: k" +
                std::to_string(a) + "id, access_key_secret: k" + std::to_string(a) +
                "secret}\n    regions:\n      - region_id: cn-hangzhou\n";
  }
  std::vector<std::unique_ptr<testing::MonitorProcess>> replicas;
  std::vector<std::string> configs;
  for (int s = 0; s < kShards; ++s) {
    testing::MonitorConfig settings{
        .sim_url = sim.url(),
        .state_path = dir + "/r" + std::to_string(s) + ".db",
        .receivers = {{.name = "am", .type = "alertmanager", .url = am.url()},
                      {.name = "direct", .type = "webhook", .url = direct.url() + "/direct"}}};
    settings.poll = {{"interval", "100ms"}, {"jitter", "0"}};
    settings.accounts = accounts;
    // The hold: 12 polls or an inventory refresh (1 s here), and two probes: 1.6 s.
    settings.extra =
        "inventory:\n  refresh: 1s\ncluster:\n  shards: 3\n  shard: " + std::to_string(s) +
        "\n  replicas: 2\n  probe_interval: 200ms\n  peers: [" + peers + "]\n";
    std::string name = "r" + std::to_string(s);
    std::filesystem::create_directories(dir + "/" + name);
    configs.push_back(settings.write(test + "/" + name + ".yaml"));
    replicas.push_back(std::make_unique<testing::MonitorProcess>(SWAS_DAEMON_PATH, configs.back(),
                                                                 dir + "/" + name));
    ASSERT_FALSE(replicas.back()->url().empty()) << replicas.back()->stderrText();
    fronts[s]->behind(replicas.back()->url());
  }
  auto metrics = [&](int s) { return testing::fetchOk("GET", replicas[s]->url() + "/metrics"); };

  // Each replica polls exactly the keys it owns, and says so.
  for (int s = 0; s < kShards; ++s) {
    cluster::Sharding mine{kShards, s, 2};
    ASSERT_TRUE(eventually([&] {
      return testing::fetch("GET", replicas[s]->url() + "/readyz")->status == 200;
    })) << replicas[s]->stderrText();
    std::string m = metrics(s);
    double owned = 0;
    for (int a = 0; a < kAccounts; ++a) {
      double up = testing::sample(
          m, "swas_region_up{account=\"" + accountName(a) + "\",region_id=\"cn-hangzhou\"}");
      EXPECT_EQ(up, cluster::owns(keyOf(a), mine) ? 1 : -1) << "shard " << s << ", " << keyOf(a);
      owned += cluster::owns(keyOf(a), mine) ? 1 : 0;
    }
    EXPECT_EQ(testing::sample(m, "swas_owned_scopes"), owned);
    EXPECT_EQ(testing::sample(m, "swas_owned_scopes_expected"), kAccounts * 2);
    EXPECT_EQ(testing::sample(m, "swas_shard_info{replicas=\"2\",shard=\"" + std::to_string(s) +
                                     "\",shards=\"3\"}"),
              1);
  }

  // Before the kill: t-1 fails in every account, once at each receiver; the second owner of
  // each key left the straight one to the first.
  auto peerDrops = [&](const std::vector<int>& alive) {
    double n = 0;
    for (int s : alive) {
      n += testing::sumOf(metrics(s), "swas_alert_notifications_total",
                          {"receiver=\"direct\"", "outcome=\"peer\""});
    }
    return n;
  };
  testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=5");
  std::map<std::pair<std::string, std::string>, int> expected;
  for (int a = 0; a < kAccounts; ++a) expected[{accountName(a), "t-1/i-a"}] = 1;
  ASSERT_TRUE(eventually([&] {
    return peerDrops({0, 1, 2}) == kAccounts;
  })) << replicas[0]->stderrText();
  ASSERT_TRUE(eventually([&] {
    return firing(direct) == expected && firing(downstream) == expected;
  })) << direct.requests().size()
      << " direct, " << downstream.requests().size() << " through Alertmanager";

  // The replica that is the first owner of the most keys goes.
  std::map<int, int> first;
  for (int a = 0; a < kAccounts; ++a) ++first[cluster::ownersOf(keyOf(a), layout).front()];
  int victim = std::max_element(first.begin(), first.end(), [](auto x, auto y) {
                 return x.second < y.second;
               })->first;
  std::vector<int> alive;
  int both_alive = 0;  // keys whose two owners live: the second leaves t-3 to the first
  for (int s = 0; s < kShards; ++s) {
    if (s != victim) alive.push_back(s);
  }
  for (int a = 0; a < kAccounts; ++a) {
    auto owners = cluster::ownersOf(keyOf(a), layout);
    if (std::find(owners.begin(), owners.end(), victim) == owners.end()) ++both_alive;
  }
  double dropped_before = peerDrops(alive);
  replicas[victim]->process().signal(SIGKILL);
  replicas[victim]->process().wait();

  // After it: t-3 fails in every account, once at each receiver, from the owner left.
  testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=3");
  for (int a = 0; a < kAccounts; ++a) expected[{accountName(a), "t-3/i-c"}] = 1;
  EXPECT_TRUE(eventually([&] {
    return firing(direct) == expected && firing(downstream) == expected;
  })) << direct.requests().size()
      << " direct, " << downstream.requests().size() << " through Alertmanager\n"
      << replicas[alive[0]]->stderrText();
  // Every decision made (the second owner of each key both of whose owners live left t-3 to
  // the first), nothing waits, and nothing arrived twice.
  EXPECT_TRUE(eventually([&] {
    double queued = 0;
    for (int s : alive) queued += testing::sumOf(metrics(s), "swas_alert_queue_length");
    return queued == 0 && peerDrops(alive) == dropped_before + both_alive;
  })) << peerDrops(alive)
      << " left to a peer";
  EXPECT_EQ(firing(direct), expected);
  EXPECT_EQ(firing(downstream), expected);
  // The keys the killed replica owned have one owner left: what SwasShardsIncomplete compares.
  int victim_keys = 0;
  for (int a = 0; a < kAccounts; ++a) {
    victim_keys += cluster::owns(keyOf(a), cluster::Sharding{kShards, victim, 2}) ? 1 : 0;
  }
  double owned = 0;
  for (int s : alive) owned += testing::sample(metrics(s), "swas_owned_scopes");
  EXPECT_EQ(owned, kAccounts * 2 - victim_keys);

  // The killed replica again, with its state: its catch-up finds t-3 in each key it owns and
  // leaves it to the owner that was there (outcome="peer"), Alertmanager has it already.
  // Back after t-3 and the hold (1.6 s), as a replica back from an outage is: the simulator's
  // manual clock may be ahead of this one.
  std::this_thread::sleep_until(t3_ended_by + std::chrono::milliseconds(3000));
  replicas[victim] = std::make_unique<testing::MonitorProcess>(SWAS_DAEMON_PATH, configs[victim],
                                                               dir + "/r" + std::to_string(victim));
  ASSERT_FALSE(replicas[victim]->url().empty()) << replicas[victim]->stderrText();
  fronts[victim]->behind(replicas[victim]->url());
  EXPECT_TRUE(eventually([&] {
    std::string m = metrics(victim);
    return testing::sumOf(m, "swas_alert_notifications_total",
                          {"receiver=\"direct\"", "outcome=\"peer\""}) == victim_keys &&
           testing::sumOf(m, "swas_alert_queue_length") == 0;
  })) << metrics(victim);
  EXPECT_EQ(firing(direct), expected) << "nothing twice after the restart";
  EXPECT_EQ(firing(downstream), expected);
}

}  // namespace
}  // namespace swas
