// Scrape latency while the poll loop is busiest: the daemon's cold-start full walk of 20,000
// invocations (400 pages, each parsed, diffed and committed), scraped back to back meanwhile.
// Prints one JSON object: scrapes during the walk and their latency percentiles.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/sim_process.h"

namespace {

using Clock = std::chrono::steady_clock;

double trackedInvocations(const std::string& exposition) {
  double sum = 0;
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("swas_invocations{")) sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

}  // namespace

int main() {
  namespace t = swas::testing;
  auto dir = std::filesystem::temp_directory_path() / "swas-scrape-bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // 10,000 finished invocations per region on 4 instances, 10 ms of API latency per page.
  t::SimProcess sim(t::writeTempFile("scrape-bench/scenario.yaml", R"(generator:
  seed: 3
  regions: [cn-hangzhou, ap-southeast-1]
  instances: 4
  instances_per_invocation: 3
  retained: 10000
  output_bytes: 64
faults:
  latency: 10ms
)"));
  t::MonitorConfig settings{.sim_url = sim.url(),
                            .state_path = dir.string() + "/state.db",
                            .regions = {"cn-hangzhou", "ap-southeast-1"}};
  settings.poll = {{"interval", "1h"}};
  std::string config = settings.write("scrape-bench/config.yaml");
  t::MonitorProcess daemon(SWAS_DAEMON_PATH, config, dir.string());
  if (daemon.url().empty()) {
    std::cerr << "daemon did not start: " << daemon.stderrText();
    return 1;
  }
  std::vector<double> ms;
  auto started = Clock::now();
  double tracked = 0;
  while (tracked < 20'000 && Clock::now() - started < std::chrono::minutes(5)) {
    auto begin = Clock::now();
    auto result = t::fetch("GET", daemon.url() + "/metrics");
    auto took = std::chrono::duration<double, std::milli>(Clock::now() - begin).count();
    if (!result || result->status != 200) {
      std::cerr << "scrape failed\n";
      return 1;
    }
    tracked = trackedInvocations(result->body);
    if (tracked < 20'000) ms.push_back(took);
  }
  double walk = std::chrono::duration<double>(Clock::now() - started).count();
  if (tracked < 20'000 || ms.empty()) {
    std::cerr << "the walk did not finish: tracking " << tracked << "\n";
    return 1;
  }
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) { return ms[std::min(ms.size() - 1, size_t(p * ms.size()))]; };
  std::printf(
      "{\"invocations\":20000,\"walk_seconds\":%.2f,\"scrapes\":%zu,\"p50_ms\":%.2f,"
      "\"p99_ms\":%.2f,\"max_ms\":%.2f}\n",
      walk, ms.size(), pct(0.5), pct(0.99), ms.back());
  return 0;
}
