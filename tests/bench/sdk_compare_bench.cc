// The daemon side by side with the script an operator writes with the official SDK
// (tests/conformance/sdk_poller.js), all watching one region of swas-sim's seeded generator
// (--retained invocations on 3 instances, one new a second) at once, in the same run. The script
// runs twice: listing every page each poll ("all": it sees every execution end, as the daemon
// does) and the newest page only ("page1": cheaper, blind to long runs).
//  - busy: all poll every second for --seconds: CPU per poll of each (utime + stime over the
//    window, over the polls it made) and its peak RSS (the daemon's includes its cold walk of
//    every retained invocation);
//  - idle: a second simulator whose invocations have all finished, all polling every 30 s for
//    --idle-seconds: CPU per minute, wakeups per minute (context switches of every thread), RSS.
// Prints one JSON object. Needs node and `npm ci` in tests/conformance.
//   sdk_compare_bench [--retained N] [--seconds N] [--idle-seconds N]
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/proc_stats.h"
#include "tests/support/recorder.h"
#include "tests/support/sim_process.h"

namespace {

namespace t = swas::testing;

struct Options {
  int retained = 3000;
  int seconds = 120;
  int idle_seconds = 120;
};

// What one process spent over a window.
struct Spent {
  double cpu = 0;
  double switches = 0;
  double polls = 0;
};

double daemonPolls(const std::string& url) {
  return t::sumOf(t::fetchOk("GET", url + "/metrics"), "swas_poll_duration_seconds_count");
}

const char* const kModes[] = {"all", "1"};

// One SDK script: its counters, as it prints them on SIGUSR2.
struct Script {
  std::string out, err;
  std::unique_ptr<t::Process> process;

  Script(const std::filesystem::path& dir, uint16_t port, int interval_s, const char* pages)
      : out((dir / (std::string("script-") + pages + ".stdout")).string()),
        err((dir / (std::string("script-") + pages + ".stderr")).string()),
        process(std::make_unique<t::Process>(
            std::vector<std::string>{SWAS_NODE_PATH, SWAS_SDK_POLLER,
                                     "127.0.0.1:" + std::to_string(port), "bench-region-0",
                                     std::to_string(interval_s * 1000), pages},
            out, err)) {}

  // Its counters so far (signals it and waits for their line); -1 each when it never answered.
  struct Counts {
    double polls = -1, calls = -1, errors = -1;
  };
  Counts counts() {
    size_t lines = std::ranges::count(t::readFile(err), '\n');
    process->signal(SIGUSR2);
    std::string text;
    bool answered = t::eventually([&] {
      text = t::readFile(err);
      return static_cast<size_t>(std::ranges::count(text, '\n')) > lines;
    });
    Counts c;
    size_t start = text.rfind("\n{");  // its own lines, not a warning Node printed
    if (!answered || start == std::string::npos) return c;
    simdjson::dom::parser p;
    simdjson::dom::element line;
    if (p.parse(text.substr(start + 1, text.find('\n', start + 1) - start - 1)).get(line)) return c;
    for (auto [key, field] :
         {std::pair{"polls", &c.polls}, {"calls", &c.calls}, {"errors", &c.errors}}) {
      if (line[key].get_double().get(*field)) *field = -1;
    }
    return c;
  }
  double polls() { return counts().polls; }
};

// The simulator, the daemon and the scripts, polling every `interval_s`.
struct Setup {
  std::filesystem::path dir;
  t::SimProcess sim;
  t::Recorder receiver;
  std::unique_ptr<t::MonitorProcess> daemon;
  std::vector<Script> scripts;

  Setup(const std::filesystem::path& root, const std::string& name, double rate, int retained,
        int interval_s)
      : dir(root / name),
        sim(t::writeTempFile("sdk-compare/" + name + ".yaml",
                             "generator:\n  seed: 42\n  regions: [bench-region-0]\n"
                             "  instances: 3\n  instances_per_invocation: 3\n  retained: " +
                                 std::to_string(retained) + "\n  rate: " + std::to_string(rate) +
                                 R"(
  outcomes: {Success: 0.9, Failed: 0.05, Timeout: 0.03, Error: 0.02}
  pending: 0.2s
  duration_min: 0.5s
  duration_max: 3s
  output_bytes: 256
)")) {
    std::filesystem::create_directories(dir);
    t::MonitorConfig settings{.sim_url = sim.url(),
                              .state_path = (dir / "state.db").string(),
                              .regions = {"bench-region-0"},
                              .receivers = {{.name = "bench", .url = receiver.url()}}};
    settings.api = {{"rate_limit", "100"}};
    settings.poll = {{"interval", std::to_string(interval_s) + "s"}, {"jitter", "0.1"}};
    settings.retry.clear();
    settings.log_level = "warn";
    std::string config = settings.write("sdk-compare/" + name + "-config.yaml");
    daemon = std::make_unique<t::MonitorProcess>(SWAS_DAEMON_PATH, config, dir.string(), "info");
  }

  // The daemon ready, then the scripts started and past their first poll.
  bool start(int interval_s) {
    if (daemon->url().empty()) {
      std::cerr << "daemon did not start: " << daemon->stderrText();
      return false;
    }
    if (!t::eventually(
            [&] {
              auto r = t::fetch("GET", daemon->url() + "/readyz");
              return r && r->status == 200;
            },
            std::chrono::minutes(5))) {
      std::cerr << "the daemon never became ready\n";
      return false;
    }
    for (const char* pages : kModes) scripts.emplace_back(dir, sim.port(), interval_s, pages);
    for (auto& s : scripts) {
      // Its first poll printed what it saw: from then on it has its SIGUSR2 handler (until
      // then, the signal would end it).
      if (!t::eventually([&] { return !t::readFile(s.out).empty(); }, std::chrono::seconds(120)) ||
          !t::eventually([&] { return s.polls() >= 1; }, std::chrono::seconds(120))) {
        std::cerr << "an SDK script never polled: " << t::readFile(s.err);
        return false;
      }
    }
    return true;
  }

  // Runs for `seconds`: what the daemon (first) and each script spent.
  std::vector<Spent> measure(int seconds) {
    std::vector<pid_t> pids = {daemon->process().pid()};
    for (auto& s : scripts) pids.push_back(s.process->pid());
    auto polls = [&](size_t i) {
      return i == 0 ? daemonPolls(daemon->url()) : scripts[i - 1].polls();
    };
    // The counts are asked outside the window (a scrape or a signal wakes the process).
    std::vector<Spent> spent(pids.size());
    for (size_t i = 0; i < pids.size(); ++i) spent[i].polls = -polls(i);
    for (size_t i = 0; i < pids.size(); ++i) {
      spent[i].cpu = -t::cpuSecondsPrecise(pids[i]);
      spent[i].switches = -t::contextSwitches(pids[i]);
    }
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    for (size_t i = 0; i < pids.size(); ++i) {
      spent[i].cpu += t::cpuSecondsPrecise(pids[i]);
      spent[i].switches += t::contextSwitches(pids[i]);
    }
    for (size_t i = 0; i < pids.size(); ++i) spent[i].polls += polls(i);
    return spent;
  }

  std::vector<double> memory(double (*of)(pid_t)) {
    std::vector<double> mib = {of(daemon->process().pid())};
    for (auto& s : scripts) mib.push_back(of(s.process->pid()));
    return mib;
  }
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string arg = argv[i];
    int value = std::stoi(argv[i + 1]);
    if (arg == "--retained")
      o.retained = value;
    else if (arg == "--seconds")
      o.seconds = value;
    else if (arg == "--idle-seconds")
      o.idle_seconds = value;
  }
  auto dir =
      std::filesystem::temp_directory_path() / ("swas-sdk-compare-" + std::to_string(getpid()));
  std::vector<Spent> busy, idle;
  std::vector<double> busy_rss, idle_rss;
  std::vector<Script::Counts> totals = {{}};  // each script's whole run (none for the daemon)
  {
    Setup s(dir, "busy", 1, o.retained, 1);
    if (!s.start(1)) return 1;
    busy = s.measure(o.seconds);
    busy_rss = s.memory(t::peakRssMib);
    for (auto& script : s.scripts) totals.push_back(script.counts());
  }
  {
    // rate 0: the retained invocations are a minute apart, all long finished.
    Setup s(dir, "idle", 0, 200, 30);
    if (!s.start(30)) return 1;
    idle = s.measure(o.idle_seconds);
    idle_rss = s.memory(t::rssMib);
  }
  double minutes = o.idle_seconds / 60.0;
  std::printf("{\"retained\":%d,\"seconds\":%d,\"idle_seconds\":%d", o.retained, o.seconds,
              o.idle_seconds);
  const char* names[] = {"daemon", "sdk_all", "sdk_page1"};
  for (size_t i = 0; i < busy.size(); ++i) {
    std::printf(
        ",\"%s\":{\"cpu_ms_per_poll\":%.3f,\"wakeups_per_poll\":%.2f,\"polls\":%.0f,"
        "\"peak_rss_mib\":%.1f,"
        "\"idle_cpu_ms_per_min\":%.2f,\"idle_wakeups_per_min\":%.1f,\"idle_rss_mib\":%.1f,"
        "\"calls_per_poll\":%.2f,\"errors\":%.0f}",
        names[i], busy[i].polls > 0 ? busy[i].cpu / busy[i].polls * 1000 : -1,
        busy[i].polls > 0 ? busy[i].switches / busy[i].polls : -1, busy[i].polls, busy_rss[i],
        idle[i].cpu * 1000 / minutes, idle[i].switches / minutes, idle_rss[i],
        totals[i].polls > 0 ? totals[i].calls / totals[i].polls : -1, totals[i].errors);
  }
  std::printf("}\n");
  std::filesystem::remove_all(dir);
  return 0;
}
