// Retention and full walks in a running daemon, seen from outside: with a short
// poll.full_scan_every the full walks come on schedule (swas_poll_full_walks_total), and with a
// short state.retention the finished invocations leave the state file (its rows, and the
// tracked gauges) while the API still lists them, and are not taken in again.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/sim_process.h"

namespace swas {
namespace {

using testing::eventually;

// Rows of `table` in the state file, read as the operator's commands read it (read-only).
int64_t rows(const std::string& path, const std::string& table) {
  sqlite3* db = nullptr;
  int64_t n = -1;
  if (sqlite3_open_v2(("file:" + path + "?mode=ro").c_str(), &db,
                      SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) == SQLITE_OK) {
    sqlite3_stmt* q = nullptr;
    std::string sql = "SELECT count(*) FROM " + table;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &q, nullptr) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW) {
      n = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
  }
  sqlite3_close(db);
  return n;
}

TEST(Retention, FullWalksComeOnScheduleAndOldRowsLeaveTheStateFile) {
  std::string dir = testing::freshTestDir();
  // Ten invocations a second for 2 s, each finished within half a second; then nothing new.
  testing::SimProcess sim(testing::writeTempFile(std::string(testing::testName()) + "/sim.yaml",
                                                 R"(generator:
  seed: 9
  regions: [cn-hangzhou]
  instances: 2
  retained: 0
  rate: 10
  stop_after: 2s
  pending: 0.1s
  duration_min: 0.1s
  duration_max: 0.3s
)"));
  testing::MonitorConfig settings{.sim_url = sim.url(), .state_path = dir + "/state.db"};
  settings.poll = {{"interval", "200ms"}, {"full_scan_every", "1s"}, {"initial_lookback", "1h"}};
  settings.state = {{"retention", "3s"}};
  testing::MonitorProcess daemon(
      SWAS_DAEMON_PATH, settings.write(std::string(testing::testName()) + "/config.yaml"), dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  auto scrape = [&] { return testing::fetchOk("GET", daemon.url() + "/metrics"); };
  auto walks = [&] { return testing::sumOf(scrape(), "swas_poll_full_walks_total"); };
  const std::string state = dir + "/state.db";

  EXPECT_TRUE(eventually([&] { return rows(state, "invocations") >= 10; }))
      << "tracked first: " << rows(state, "invocations");
  // Every invocation finished over 3 s ago is forgotten at the next full walk, and stays so
  // although the API still lists it.
  EXPECT_TRUE(eventually(
      [&] {
        return rows(state, "invocations") == 0 && rows(state, "instance_states") == 0 &&
               testing::sumOf(scrape(), "swas_invocations") == 0;
      },
      std::chrono::seconds(60)))
      << rows(state, "invocations") << " rows left";
  int64_t listed = 0;
  {
    std::string stats = testing::fetchOk("GET", sim.url() + "/_sim/stats?truth=0");
    size_t at = stats.find("\"invocations\":");
    ASSERT_NE(at, std::string::npos) << stats;
    listed = std::stoll(stats.substr(at + 14));
  }
  EXPECT_GE(listed, 10) << "the API still lists them";
  // Full walks go on every second or so (cold start, then full_scan_every): three more within
  // ten seconds, and the forgotten invocations are not taken in again.
  double before = walks();
  EXPECT_TRUE(eventually([&] { return walks() >= before + 3; }, std::chrono::seconds(10)))
      << walks() << " full walks";
  EXPECT_EQ(rows(state, "invocations"), 0);
  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait(), 0);
}

}  // namespace
}  // namespace swas
