// The listener under the three classic abuses at once, each from an address of its own on
// loopback: peers that pipeline requests and never read the answers, slowloris heads that never
// end, and large bodies without the relay's token. Meanwhile a scrape, a health probe and an
// authenticated relay POST keep succeeding, and the daemon's memory stays bounded (the large
// unauthenticated bodies are refused from their heads, never read).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "tests/support/chat_vendor.h"
#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/proc_stats.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::eventually;
using testing::MonitorProcess;
using testing::SimProcess;
using testing::testName;

constexpr const char* kToken = "relay-token-abuse-0123";

int connectFrom(const char* source, uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source, &from.sin_addr);
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends what the socket takes, without blocking on a peer that stopped reading.
void sendSome(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

std::string notification() {
  return R"({"receiver":"chat","status":"firing","version":"4","groupKey":"{}:{}",)"
         R"("groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"",)"
         R"("truncatedAlerts":0,"alerts":[{"status":"firing","labels":{"alertname":"X",)"
         R"("instance":"db-1"},"annotations":{"summary":"disk"},)"
         R"("startsAt":"2026-12-02T05:00:00Z","endsAt":"0001-01-01T00:00:00Z"}]})";
}

TEST(Abuse, ScrapesProbesAndTheRelayAreAnsweredWhileThreePeersAbuseTheListener) {
  std::string dir = testing::freshTestDir();
  SimProcess sim(testing::writeTempFile(std::string(testName()) + "/scenario.yaml",
                                        "clock: manual\nregions:\n  - region_id: cn-hangzhou\n"
                                        "    instances: [i-a]\n"));
  testing::ChatVendor dingtalk({"dingtalk", ""});
  testing::MonitorConfig config{.sim_url = sim.url(), .state_path = dir + "/state.db"};
  config.receivers.push_back({"chat", "dingtalk", dingtalk.url(), ""});
  config.relay_token_file =
      testing::writeTempFile(std::string(testName()) + "/token", std::string(kToken) + "\n");
  MonitorProcess daemon(SWAS_DAEMON_PATH, config.write(std::string(testName()) + "/config.yaml"),
                        dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  uint16_t port =
      static_cast<uint16_t>(std::stoi(daemon.url().substr(daemon.url().rfind(':') + 1)));
  double before = testing::peakRssMib(daemon.process().pid());

  std::vector<int> held;
  // Slow readers: many pipelined scrapes, no answer ever read.
  std::string pipelined;
  for (int i = 0; i < 400; ++i) pipelined += "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  for (int i = 0; i < 40; ++i) {
    int fd = connectFrom("127.0.0.2", port);
    if (fd >= 0) {
      sendSome(fd, pipelined);
      held.push_back(fd);
    }
  }
  // Slowloris: heads that never end.
  for (int i = 0; i < 40; ++i) {
    int fd = connectFrom("127.0.0.3", port);
    if (fd >= 0) {
      sendSome(fd, "POST /api/alertmanager/webhook/chat HTTP/1.1\r\nHost: x\r\nX-Slow: ");
      held.push_back(fd);
    }
  }
  // Large bodies without the token, two rounds of 32 at once: refused from their heads.
  std::string large =
      "POST /api/alertmanager/webhook/chat HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: application/json\r\nContent-Length: 4194304\r\n\r\n" +
      std::string(4 << 20, '{');
  for (int round = 0; round < 2; ++round) {
    std::vector<std::future<void>> posts;
    for (int i = 0; i < 32; ++i) {
      posts.push_back(std::async(std::launch::async, [&] {
        int fd = connectFrom("127.0.0.4", port);
        if (fd < 0) return;
        size_t sent = 0;
        while (sent < large.size()) {
          ssize_t n = send(fd, large.data() + sent, large.size() - sent, MSG_NOSIGNAL);
          if (n <= 0) break;  // answered 413 and closed
          sent += static_cast<size_t>(n);
        }
        close(fd);
      }));
    }
    for (auto& p : posts) p.get();
  }

  // The honest peers, from 127.0.0.1.
  ASSERT_TRUE(eventually(
      [&] {
        auto probe = testing::fetch("GET", daemon.url() + "/healthz");
        return probe && probe->status == 200;
      },
      std::chrono::seconds(10)));
  int answered = 0;
  for (int i = 0; i < 20; ++i) {
    auto probe = testing::fetch("GET", daemon.url() + "/healthz");
    auto scrape = testing::fetch("GET", daemon.url() + "/metrics");
    if (probe && probe->status == 200 && scrape && scrape->status == 200) ++answered;
  }
  EXPECT_EQ(answered, 20) << "scrapes and probes answered under the abuse";
  auto relayed =
      testing::fetch("POST", daemon.url() + "/api/alertmanager/webhook/chat", notification(),
                     {{"Authorization", std::string("Bearer ") + kToken}});
  ASSERT_TRUE(relayed) << core::describe(relayed.error());
  EXPECT_EQ(relayed->status, 200) << relayed->body;
  EXPECT_TRUE(eventually([&] { return !dingtalk.messages().empty(); }));

  double peak = testing::peakRssMib(daemon.process().pid());
  std::cout << "peak RSS: " << before << " MiB before, " << peak
            << " MiB after 64 unauthenticated 4 MiB bodies, 40 slow readers, 40 slowloris\n";
  // 64 bodies of 4 MiB read and copied took it past 146 MiB; refused from the head, nothing
  // of them is held. (Under AddressSanitizer freed memory sits in its quarantine: the bound is
  // the Release build's.)
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(peak - before, 32.0) << "MiB grown";
#endif
  EXPECT_TRUE(eventually([&] {
    std::string metrics = testing::fetchOk("GET", daemon.url() + "/metrics");
    return testing::sumOf(metrics, "swas_http_connections_closed_total",
                          {"reason=\"too_large\""}) >= 1;
  }));
  for (int fd : held) close(fd);
  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait(), 0) << daemon.stderrText();
}

}  // namespace
}  // namespace swas
