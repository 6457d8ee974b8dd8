// The daemon's own cost between polls, seen from outside: at a 30 s interval with nothing
// running it is ready as soon as its first poll ends (readiness follows the polls, not a timer)
// and then sleeps: no thread wakes more than 4 times in 6 s (the beat is every 10 s at most;
// it was 4 a second at 1 s polls and once a second at 30 s). And GnuTLS, which it never uses,
// does not initialize itself in it.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/proc_stats.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::eventually;

TEST(Quiet, AnIdleDaemonSleepsBetweenPolls) {
  std::string dir = testing::freshTestDir();
  // Twenty invocations, a minute apart, all long finished: nothing running.
  testing::SimProcess sim(testing::writeTempFile(std::string(testing::testName()) + "/sim.yaml",
                                                 R"(generator:
  seed: 5
  regions: [cn-hangzhou]
  instances: 2
  retained: 20
  rate: 0
  duration_min: 0.1s
  duration_max: 0.3s
)"));
  testing::MonitorConfig settings{.sim_url = sim.url(), .state_path = dir + "/state.db"};
  settings.poll = {{"interval", "30s"}, {"jitter", "0"}, {"initial_lookback", "1h"}};
  testing::MonitorProcess daemon(
      SWAS_DAEMON_PATH, settings.write(std::string(testing::testName()) + "/config.yaml"), dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  // Ready once the first poll ended (its refresh), not at the next beat 10 s on.
  ASSERT_TRUE(eventually(
      [&] {
        auto r = testing::fetch("GET", daemon.url() + "/readyz");
        return r && r->status == 200;
      },
      std::chrono::seconds(5)))
      << daemon.stderrText();
  // Settled: the first poll's commit and the answers to the probes above are done.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  pid_t pid = daemon.process().pid();
  double before = testing::contextSwitches(pid);
  std::this_thread::sleep_for(std::chrono::seconds(6));
  double woke = testing::contextSwitches(pid) - before;
  // At most one beat (and its status write) falls in the window; 1 Hz beats made 6 or more.
  EXPECT_LE(woke, 4) << "the idle daemon woke " << woke << " times in 6 s";
  // And it still answers.
  EXPECT_EQ(testing::fetchOk("GET", daemon.url() + "/healthz"), "ok\n");
}

// Debian's libcurl drags in GnuTLS, which initializes itself when loaded unless the program
// defines GnuTLS's skip symbol where the dynamic linker finds it (0.7 MiB of RSS).
TEST(Quiet, TheDaemonSkipsGnuTlsSelfInitialization) {
  std::string command = std::string("nm -D --defined-only ") + SWAS_DAEMON_PATH;
  std::unique_ptr<FILE, int (*)(FILE*)> nm(popen(command.c_str(), "r"), pclose);
  ASSERT_TRUE(nm);
  std::string symbols;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, nm.get())) symbols.append(buffer, n);
  EXPECT_NE(symbols.find(" T _gnutls_global_init_skip\n"), std::string::npos) << symbols;
}

}  // namespace
}  // namespace swas
