// The daemon as a service: the systemd notify protocol, SIGHUP reloads (good and bad), and
// SIGTERM with a last delivery attempt.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
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

// A datagram socket standing in for systemd's $NOTIFY_SOCKET.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    std::filesystem::remove(path);
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ADD_FAILURE() << "bind " << path << ": " << std::strerror(errno);
    }
  }
  ~NotifySocket() {
    ::close(fd_);
    std::filesystem::remove(path_);
  }
  // Every datagram so far.
  const std::vector<std::string>& messages() {
    char buffer[4096];
    ssize_t n;
    while ((n = ::recv(fd_, buffer, sizeof buffer, 0)) > 0) {
      received_.emplace_back(buffer, static_cast<size_t>(n));
    }
    return received_;
  }
  bool saw(const std::string& part) {
    for (const auto& m : messages())
      if (m.find(part) != std::string::npos) return true;
    return false;
  }
  size_t count(const std::string& part) {
    size_t n = 0;
    for (const auto& m : messages())
      if (m.find(part) != std::string::npos) ++n;
    return n;
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<std::string> received_;
};

// Two regions, three instances, a new invocation every 2 s each, one in five failing.
constexpr const char* kScenario = R"(generator:
  seed: 4
  regions: [cn-hangzhou, ap-southeast-1]
  instances: 3
  retained: 5
  rate: 0.5
  outcomes: {Success: 0.8, Failed: 0.2}
  pending: 0.2s
  duration_min: 0.5s
  duration_max: 1s
)";

// 200 ms polls of `region`, and `extra` top-level lines.
std::string config(const SimProcess& sim, const std::string& dir, const std::string& region,
                   const std::string& extra = "") {
  testing::MonitorConfig settings{
      .sim_url = sim.url(), .state_path = dir + "/state.db", .regions = {region}};
  settings.api.clear();
  settings.poll = {{"interval", "200ms"}};
  settings.extra = extra;
  return settings.yaml();
}

std::string scrape(const MonitorProcess& daemon) {
  return testing::fetchOk("GET", daemon.url() + "/metrics");
}

// The daemon started as systemd starts it: NOTIFY_SOCKET in `dir`, WatchdogSec=0.4 s.
std::unique_ptr<MonitorProcess> underSystemd(const std::string& dir, const std::string& config) {
  ::setenv("NOTIFY_SOCKET", (dir + "/notify.sock").c_str(), 1);
  ::setenv("WATCHDOG_USEC", "400000", 1);
  auto daemon = std::make_unique<MonitorProcess>(SWAS_DAEMON_PATH, config, dir, "");
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  return daemon;
}

// With no poll ending (an hour's interval), the beat alone keeps the watchdog fed: polls put it
// off, and nothing else may break its chain.
TEST(Service, TheWatchdogIsFedWhileNoPollEnds) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml", kScenario));
  std::string yaml = config(sim, dir, "cn-hangzhou");
  auto at = yaml.find("200ms");
  ASSERT_NE(at, std::string::npos);
  yaml.replace(at, 5, "1h");
  NotifySocket systemd(dir + "/notify.sock");
  auto daemon =
      underSystemd(dir, testing::writeTempFile(std::string(testName()) + "/config.yaml", yaml));
  ASSERT_FALSE(daemon->url().empty()) << daemon->stderrText();
  EXPECT_TRUE(eventually([&] { return systemd.saw("STATUS=1 of 1 region(s) up"); }));
  size_t fed = systemd.count("WATCHDOG=1");
  EXPECT_TRUE(eventually([&] { return systemd.count("WATCHDOG=1") >= fed + 10; }))
      << "every 200 ms (half of WATCHDOG_USEC), with no poll in between";
}

TEST(Service, NotifiesSystemdAndReloadsOnSighup) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml", kScenario));
  Recorder receiver;
  std::string path = testing::writeTempFile(std::string(testName()) + "/config.yaml",
                                            config(sim, dir, "cn-hangzhou"));
  NotifySocket systemd(dir + "/notify.sock");
  auto started = underSystemd(dir, path);
  MonitorProcess& daemon = *started;
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();

  EXPECT_TRUE(eventually([&] { return systemd.saw("READY=1\nSTATUS="); }));
  EXPECT_TRUE(eventually([&] { return systemd.count("WATCHDOG=1") >= 3; }))
      << "at least every 200 ms (half of WATCHDOG_USEC)";
  EXPECT_TRUE(eventually([&] { return systemd.saw("STATUS=1 of 1 region(s) up"); }));
  EXPECT_TRUE(eventually([&] {
    return testing::sample(scrape(daemon), R"(swas_region_up{region_id="cn-hangzhou"})") == 1;
  }));

  // A valid change: another region instead, a receiver, debug logging.
  std::ofstream(path) << config(sim, dir, "ap-southeast-1", R"(alerts:
  receivers:
    - name: ops
      type: webhook
      url: ")" + receiver.url() + R"("
log:
  level: debug
)");
  daemon.process().signal(SIGHUP);
  EXPECT_TRUE(eventually([&] { return systemd.saw("RELOADING=1"); }));
  for (const auto& m : systemd.messages()) {
    if (m.starts_with("RELOADING=1")) {
      EXPECT_NE(m.find("\nMONOTONIC_USEC="), std::string::npos) << m;
    }
  }
  EXPECT_TRUE(eventually([&] { return systemd.count("READY=1") == 2; }));
  std::string exposition;
  EXPECT_TRUE(eventually([&] {
    exposition = scrape(daemon);
    return testing::sample(exposition, R"(swas_region_up{region_id="ap-southeast-1"})") == 1;
  }));
  EXPECT_EQ(testing::sample(exposition, R"(swas_region_up{region_id="cn-hangzhou"})"), -1)
      << "a removed region's gauges go";
  EXPECT_EQ(testing::sample(exposition, R"(swas_alert_queue_length{receiver="ops"})") >= 0, true);
  EXPECT_TRUE(eventually([&] { return !receiver.requests().empty(); }))
      << "the new receiver gets the new region's failures";
  EXPECT_TRUE(eventually([&] {
    return daemon.stderrText().find("debug poll region=ap-southeast-1") != std::string::npos;
  })) << "log.level applied";
  std::string log = daemon.stderrText();
  EXPECT_NE(log.find("reloaded " + path), std::string::npos) << log;

  // An invalid change: every problem logged with its position, the running config kept.
  std::ofstream(path) << config(sim, dir, "cn-hangzhou", R"(log:
  levle: debug
)");
  daemon.process().signal(SIGHUP);
  EXPECT_TRUE(eventually([&] {
    return daemon.stderrText().find("still running the previous configuration") !=
           std::string::npos;
  }));
  log = daemon.stderrText();
  EXPECT_NE(log.find(path + ":"), std::string::npos) << log;
  EXPECT_NE(log.find("unknown key 'levle' in log (did you mean 'level'?)"), std::string::npos)
      << log;
  double calls = testing::sample(
      scrape(daemon),
      R"(swas_api_requests_total{action="DescribeCommandInvocations",code="OK",region_id="ap-southeast-1"})");
  EXPECT_TRUE(eventually([&] {
    return testing::sample(
               scrape(daemon),
               R"(swas_api_requests_total{action="DescribeCommandInvocations",code="OK",region_id="ap-southeast-1"})") >
           calls;
  })) << "still polling the previous configuration's region";
  EXPECT_EQ(systemd.count("READY=1"), 2u);

  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait(), 0);
  EXPECT_TRUE(systemd.saw("STOPPING=1"));
}

// 127.0.0.1:`port`.
sockaddr_in loopback(uint16_t port = 0) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  return addr;
}

// A port free on 127.0.0.1 now (bound, read, released).
uint16_t freePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = loopback();
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// A reload that moves http.listen once left /metrics dead (the endpoint's loop was stopped and
// never restarted). The new address must serve, the old one not.
TEST(Service, AReloadThatMovesTheListenerServesOnTheNewAddress) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml", kScenario));
  std::string path = testing::writeTempFile(std::string(testName()) + "/config.yaml",
                                            config(sim, dir, "cn-hangzhou"));
  MonitorProcess daemon(SWAS_DAEMON_PATH, path, dir, "");
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  std::string before = daemon.url();
  std::string moved = "127.0.0.1:" + std::to_string(freePort());
  std::string text = config(sim, dir, "cn-hangzhou");
  text.replace(text.find("127.0.0.1:0"), 11, moved);
  std::ofstream(path) << text;
  daemon.process().signal(SIGHUP);
  ASSERT_TRUE(eventually([&] {
    return daemon.stderrText().find("on http://" + moved) != std::string::npos;
  })) << daemon.stderrText();
  auto scrape = testing::fetch("GET", "http://" + moved + "/metrics");
  ASSERT_TRUE(scrape) << core::describe(scrape.error());
  EXPECT_EQ(scrape->status, 200);
  EXPECT_FALSE(testing::fetch("GET", before + "/metrics")) << "the old address is closed";

  // Moved to a busy address: /metrics is off. Once it is free, a reload of the same
  // configuration binds it.
  int busy = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = loopback();
  ASSERT_EQ(bind(busy, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(busy, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(busy, reinterpret_cast<sockaddr*>(&addr), &len);
  std::string taken = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  text = config(sim, dir, "cn-hangzhou");
  text.replace(text.find("127.0.0.1:0"), 11, taken);
  std::ofstream(path) << text;
  daemon.process().signal(SIGHUP);
  ASSERT_TRUE(eventually([&] {
    return daemon.stderrText().find("/metrics stays off") != std::string::npos;
  })) << daemon.stderrText();
  close(busy);
  // Only what this reload logs: the busy port may be the one the daemon started on (freed by
  // the first move), whose "serving ... on http://" line is in the log already.
  size_t logged = daemon.stderrText().size();
  daemon.process().signal(SIGHUP);
  ASSERT_TRUE(eventually([&] {
    return daemon.stderrText().find("on http://" + taken, logged) != std::string::npos;
  })) << daemon.stderrText();
  auto again = testing::fetch("GET", "http://" + taken + "/healthz");
  ASSERT_TRUE(again) << core::describe(again.error());
  EXPECT_EQ(again->status, 200);
  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait(), 0);
}

// A reload whose configuration passes --check-config but cannot be built (the environment's
// half key pair, which only the default chain sees at start) leaves the running configuration in
// force, with the secrets it already read: it used to be torn down first and rebuilt from its
// files, and with its secret file rotated away the daemon exited 1.
TEST(Service, AReloadThatCannotBeBuiltKeepsTheRunningConfigurationAndItsSecrets) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml", kScenario));
  std::string secret = testing::writeTempFile(std::string(testName()) + "/secret", "testsecret\n");
  std::string text = config(sim, dir, "cn-hangzhou");
  text.replace(text.find("access_key_secret: testsecret"), 29, "access_key_secret_file: " + secret);
  std::string path = testing::writeTempFile(std::string(testName()) + "/config.yaml", text);
  // Half of the environment's key pair: the default chain refuses it.
  ::setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "half", 1);
  MonitorProcess daemon(SWAS_DAEMON_PATH, path, dir, "");
  ::unsetenv("ALIBABA_CLOUD_ACCESS_KEY_ID");
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  // The new configuration has no credentials (the environment's half pair fails the build), and
  // the running one's secret file is gone.
  std::string next = config(sim, dir, "cn-hangzhou");
  next.erase(0, next.find("api:"));
  std::ofstream(path) << next;
  std::filesystem::remove(secret);
  auto calls = [&] {
    return testing::sample(
        scrape(daemon),
        R"(swas_api_requests_total{action="DescribeCommandInvocations",code="OK",region_id="cn-hangzhou"})");
  };
  double before = calls();
  daemon.process().signal(SIGHUP);
  ASSERT_TRUE(eventually([&] {
    return daemon.stderrText().find("still running the previous configuration") !=
           std::string::npos;
  })) << daemon.stderrText();
  // Still polling with the secret it read at the start, and ready.
  EXPECT_TRUE(eventually([&] { return calls() > before + 1; })) << daemon.stderrText();
  EXPECT_EQ(testing::fetch("GET", daemon.url() + "/readyz")->status, 200);
  EXPECT_EQ(daemon.stderrText().find("cannot rebuild"), std::string::npos) << daemon.stderrText();
  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait(), 0) << daemon.stderrText();
}

// What the /metrics listener closes to protect itself is counted, like every degraded state.
TEST(Service, TheListenersDefencesAreCounted) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml", kScenario));
  std::string path = testing::writeTempFile(std::string(testName()) + "/config.yaml",
                                            config(sim, dir, "cn-hangzhou"));
  MonitorProcess daemon(SWAS_DAEMON_PATH, path, dir, "");
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  std::string host_port = daemon.url().substr(std::string("http://").size());
  sockaddr_in addr =
      loopback(static_cast<uint16_t>(std::stoi(host_port.substr(host_port.rfind(':') + 1))));
  std::vector<int> idle;
  for (int i = 0; i < 80; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    idle.push_back(fd);
  }
  EXPECT_TRUE(eventually([&] {
    return testing::sample(scrape(daemon),
                           R"(swas_http_connections_closed_total{reason="evicted"})") >= 16;
  })) << "80 idle connections against a cap of 64";
  for (int fd : idle) close(fd);
  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait(), 0);
}

// An ECS RAM role whose metadata service fails: the region is down and the failed refreshes are
// counted on /metrics.
TEST(Service, FailedCredentialRefreshesAreCounted) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml",
                                        std::string(kScenario) + "metadata:\n  fail: true\n"));
  std::string text = config(sim, dir, "cn-hangzhou");
  text.replace(text.find("  access_key_id: testid\n  access_key_secret: testsecret\n"),
               std::string("  access_key_id: testid\n  access_key_secret: testsecret\n").size(),
               "  ecs_ram_role: SwasMonitorRole\n  metadata_endpoint: \"" + sim.url() + "\"\n");
  std::string path = testing::writeTempFile(std::string(testName()) + "/config.yaml", text);
  MonitorProcess daemon(SWAS_DAEMON_PATH, path, dir, "");
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  EXPECT_TRUE(eventually([&] {
    std::string m = scrape(daemon);
    return testing::sample(m, "swas_credentials_refresh_failures_total") >= 1 &&
           testing::sample(m, R"(swas_region_up{region_id="cn-hangzhou"})") == 0;
  })) << scrape(daemon);
  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait(), 0);
}

TEST(Service, StopMakesALastDeliveryAttempt) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml", kScenario));
  Recorder receiver;
  receiver.answer(503);
  std::string path = testing::writeTempFile(std::string(testName()) + "/config.yaml",
                                            config(sim, dir, "cn-hangzhou", R"(alerts:
  receivers:
    - name: ops
      type: webhook
      url: ")" + receiver.url() + R"("
  retry:
    initial_backoff: 1h
    max_backoff: 1h
)"));
  auto daemon = std::make_unique<MonitorProcess>(SWAS_DAEMON_PATH, path, dir);
  ASSERT_FALSE(daemon->url().empty()) << daemon->stderrText();
  double waiting = 0;
  EXPECT_TRUE(eventually([&] {
    waiting = testing::sample(scrape(*daemon), R"(swas_alert_queue_length{receiver="ops"})");
    return waiting > 0 && !receiver.requests().empty();
  }));
  // Every message failed once and waits an hour; stopping now tries each once more.
  receiver.answer(200);
  size_t before = receiver.requests().size();
  daemon->process().signal(SIGTERM);
  EXPECT_EQ(daemon->process().wait(std::chrono::seconds(15)), 0);
  EXPECT_GT(receiver.requests().size(), before);
  for (size_t i = before; i < receiver.requests().size(); ++i) {
    EXPECT_EQ(receiver.requests()[i].answered, 200);
  }
  // The outbox was left empty: every pending notification was delivered on the way out.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2((dir + "/state.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  sqlite3_stmt* count = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM outbox", -1, &count, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(count, 0), 0);
  sqlite3_finalize(count);
  sqlite3_close(db);
}

}  // namespace
}  // namespace swas
