// Alert burst: 10,000 executions fail between two polls. Measures how long until a local
// webhook receiver has every one of them, the largest message, and whether polling kept its
// schedule meanwhile. Prints one JSON object.
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/recorder.h"
#include "tests/support/sim_process.h"

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

int main() {
  namespace t = swas::testing;
  auto dir = std::filesystem::temp_directory_path() / "swas-burst-bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  t::Recorder receiver;
  // 10,000 invocations on 4 instances, all failing, created within one simulated second.
  t::SimProcess sim(t::writeTempFile("burst-bench/scenario.yaml", R"(clock: manual
generator:
  seed: 9
  regions: [cn-hangzhou]
  instances: 4
  instances_per_invocation: 1
  retained: 0
  rate: 10000
  stop_after: 0.9999s
  pending: 0.1s
  duration_min: 0.1s
  duration_max: 0.5s
  outcomes: {Failed: 1.0}
  output_bytes: 64
)"));
  t::MonitorConfig settings{.sim_url = sim.url(),
                            .state_path = dir.string() + "/state.db",
                            .receivers = {{.name = "burst", .url = receiver.url()}}};
  settings.poll = {{"interval", "1s"}, {"jitter", "0"}};
  settings.retry.clear();
  std::string config = settings.write("burst-bench/config.yaml");
  t::MonitorProcess daemon(SWAS_DAEMON_PATH, config, dir.string());
  if (daemon.url().empty()) {
    std::cerr << "daemon did not start: " << daemon.stderrText();
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // a first, empty poll
  t::fetchOk("POST", sim.url() + "/_sim/advance?seconds=2");
  auto started = Clock::now();
  std::set<std::string> alerted;
  size_t messages = 0, largest = 0;
  simdjson::dom::parser parser;
  size_t seen_requests = 0;
  while (alerted.size() < 10'000 && Clock::now() - started < std::chrono::minutes(3)) {
    auto requests = receiver.requests();
    for (; seen_requests < requests.size(); ++seen_requests) {
      simdjson::dom::element doc = parser.parse(requests[seen_requests].request.body);
      size_t n = 0;
      for (simdjson::dom::element a : doc["alerts"].get_array()) {
        alerted.insert(std::string(a["fingerprint"].get_string().value()));
        ++n;
      }
      ++messages;
      largest = std::max(largest, n);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::string exposition = t::fetchOk("GET", daemon.url() + "/metrics");
  double last =
      t::sample(exposition, R"(swas_poll_last_success_timestamp_seconds{region_id="cn-hangzhou"})");
  double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::printf(
      "{\"failures\":%zu,\"seconds\":%.2f,\"messages\":%zu,\"largest_message\":%zu,"
      "\"last_poll_age_seconds\":%.2f}\n",
      alerted.size(), seconds, messages, largest, now - last);
  return alerted.size() == 10'000 ? 0 : 1;
}
