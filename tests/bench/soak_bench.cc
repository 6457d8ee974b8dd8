// Resource flatness: the daemon against swas-sim for --seconds (10 regions, 30% of API calls
// throttled, 1 s polls, a webhook receiver), restarted once midway (SIGTERM, then a new
// process on the same state). Samples RSS, open file descriptors, the WAL and the state file at
// the start, the middle (just before the restart) and the end, and prints one JSON object.
//
// state.retention is a sixth of the run (poll.full_scan_every half of that, so finished rows
// are forgotten every twelfth of the run): by the middle the daemon holds a full retention of
// history and is in its steady state, so the middle and the end must match. The start is
// before that (seconds into the run, a few hundred rows) and is reported, never compared.
//
// With --check it exits 1 when either daemon died or did not stop cleanly, the WAL exceeded
// --max-wal-mib, or from the middle to the end RSS grew by more than 10% + 1 MiB, the state
// file by more than 10% + 0.5 MiB, or the descriptors by more than 2 (after the restart).
//
//   soak_bench [--seconds N] [--regions N] [--check] [--max-wal-mib N]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/proc_stats.h"
#include "tests/support/recorder.h"
#include "tests/support/sim_process.h"

namespace {

namespace t = swas::testing;
namespace fs = std::filesystem;

struct Sample {
  double seconds = 0;
  double rss_mib = 0;
  int fds = 0;
  double wal_mib = 0;
  double state_mib = 0;
};

int openFds(pid_t pid) {
  int n = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

double fileMib(const std::string& path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  return ec ? 0 : static_cast<double>(size) / (1 << 20);
}

std::string json(const Sample& s) {
  char out[256];
  std::snprintf(
      out, sizeof out,
      "{\"seconds\":%.0f,\"rss_mib\":%.1f,\"fds\":%d,\"wal_mib\":%.2f,\"state_mib\":%.2f}",
      s.seconds, s.rss_mib, s.fds, s.wal_mib, s.state_mib);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 1800;
  int regions = 10;
  bool check = false;
  double max_wal_mib = 8;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--check") {
      check = true;
    } else if (i + 1 < argc) {
      double value = std::stod(argv[++i]);
      if (arg == "--seconds") seconds = static_cast<int>(value);
      if (arg == "--regions") regions = static_cast<int>(value);
      if (arg == "--max-wal-mib") max_wal_mib = value;
    }
  }
  std::string dir = fs::temp_directory_path() / ("swas-soak-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string region_list;
  for (int r = 0; r < regions; ++r) region_list += (r ? ", " : "") + ("soak-" + std::to_string(r));
  std::ofstream(dir + "/scenario.yaml") << "generator:\n  seed: 11\n  regions: [" << region_list
                                        << "]\n  instances: 5\n  retained: 200\n"
                                        << "  max_retained: 400\n  rate: 2\n"
                                        << "  outcomes: {Success: 0.9, Failed: 0.1}\n"
                                        << "  pending: 0.2s\n  duration_min: 0.5s\n"
                                        << "  duration_max: 3s\n  output_bytes: 512\n"
                                        << "faults:\n  throttle: 0.3\n";
  t::SimProcess sim(dir + "/scenario.yaml");
  t::Recorder receiver;
  t::MonitorConfig settings{.sim_url = sim.url(),
                            .state_path = dir + "/state.db",
                            .regions = {},
                            .webhook_url = receiver.url() + "/hook"};
  for (int r = 0; r < regions; ++r) settings.regions.push_back("soak-" + std::to_string(r));
  settings.api = {{"rate_limit", "50"}};
  int retention = std::max(20, seconds / 6);
  settings.poll = {{"interval", "1s"}, {"full_scan_every", std::to_string(retention / 2) + "s"}};
  settings.state = {{"retention", std::to_string(retention) + "s"}};
  settings.retry.clear();
  std::string config = dir + "/config.yaml";
  std::ofstream(config) << settings.yaml();
  auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  auto sample = [&](pid_t pid) {
    return Sample{elapsed(), t::rssMib(pid), openFds(pid), fileMib(dir + "/state.db-wal"),
                  fileMib(dir + "/state.db")};
  };
  double max_wal = 0;
  auto run = [&](t::MonitorProcess& daemon, double until) {
    while (elapsed() < until && daemon.process().running()) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      max_wal = std::max(max_wal, fileMib(dir + "/state.db-wal"));
    }
  };
  Sample start, middle, after_restart, end;
  bool first_alive = false, first_clean = false;
  {
    t::MonitorProcess daemon(SWAS_DAEMON_PATH, config, dir, "info");
    if (daemon.url().empty()) {
      std::cerr << "soak: the daemon did not start:\n" << daemon.stderrText();
      return 2;
    }
    run(daemon, std::min(10.0, seconds / 10.0));
    start = sample(daemon.process().pid());
    run(daemon, seconds / 2.0);
    middle = sample(daemon.process().pid());
    first_alive = daemon.process().running();
    daemon.process().signal(SIGTERM);
    first_clean = daemon.process().wait() == 0;
  }
  t::MonitorProcess daemon(SWAS_DAEMON_PATH, config, dir, "info");
  if (daemon.url().empty()) {
    std::cerr << "soak: the daemon did not restart:\n" << daemon.stderrText();
    return 2;
  }
  run(daemon, seconds / 2.0 + std::min(10.0, seconds / 10.0));
  after_restart = sample(daemon.process().pid());
  run(daemon, seconds);
  end = sample(daemon.process().pid());
  bool alive = daemon.process().running();
  std::cout << "{\"seconds\":" << seconds << ",\"regions\":" << regions
            << ",\"start\":" << json(start) << ",\"middle\":" << json(middle)
            << ",\"after_restart\":" << json(after_restart) << ",\"end\":" << json(end)
            << ",\"max_wal_mib\":" << max_wal << ",\"deliveries\":" << receiver.requests().size()
            << ",\"retention_seconds\":" << retention << ",\"first_alive\":" << first_alive
            << ",\"second_alive\":" << alive << "}\n";
  daemon.process().signal(SIGTERM);
  bool second_clean = daemon.process().wait() == 0;
  if (std::getenv("SWAS_BENCH_KEEP")) {
    std::cerr << "soak: kept " << dir << "\n";
  } else {
    fs::remove_all(dir);
  }
  if (!check) return 0;
  int failures = 0;
  if (!first_alive || !first_clean || !alive || !second_clean) {
    std::cerr << "soak: a daemon died or did not stop cleanly (first alive " << first_alive
              << ", exit 0 " << first_clean << "; second alive " << alive << ", exit 0 "
              << second_clean << ")\n";
    ++failures;
  }
  if (end.rss_mib > middle.rss_mib * 1.10 + 1) {
    std::cerr << "soak: RSS grew from " << middle.rss_mib << " MiB (middle) to " << end.rss_mib
              << " MiB (end)\n";
    ++failures;
  }
  if (end.state_mib > middle.state_mib * 1.10 + 0.5) {
    std::cerr << "soak: the state file grew from " << middle.state_mib << " MiB (middle) to "
              << end.state_mib << " MiB (end), past its retention\n";
    ++failures;
  }
  if (max_wal > max_wal_mib) {
    std::cerr << "soak: the WAL reached " << max_wal << " MiB (limit " << max_wal_mib << ")\n";
    ++failures;
  }
  if (end.fds > after_restart.fds + 2) {
    std::cerr << "soak: open descriptors grew from " << after_restart.fds << " to " << end.fds
              << "\n";
    ++failures;
  }
  return failures == 0 ? 0 : 1;
}
