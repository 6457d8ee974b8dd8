// End to end at scale: the daemon against swas-sim's seeded generator on loopback, alerting a
// local webhook receiver. After the cold-start walk (timed: the full-walk duration), it measures
// for --seconds: API calls per region per poll, daemon CPU per 1,000 observed state changes,
// peak RSS, detection latency from the simulator's status change to the receiver's receipt, and
// the inventory's calls (ListInstances, DescribeCloudAssistantStatus), scaled to an hour at the
// default inventory.refresh of 5 minutes. Prints one JSON object.
//
// Calls per poll are counted twice: by the daemon (calls_per_region_per_poll) and as the API
// saw them (sim_calls_per_region_per_poll, the simulator's own count); the cold start's calls
// (everything the simulator answered before the window) are reported apart. Detection latency
// covers every alerting change the simulator made in the window: alerts still in flight at its
// close are waited for (alerts_in_flight_at_close) and any never received are missed
// (alerts_missed; they make the percentiles -1 when they reach them). SWAS_BENCH_LOG=FILE keeps
// the daemon's log.
//
// With --accounts N, the daemon polls the regions of N accounts (accounts: acct-0.., each every
// region, all on the one simulator: N times the regions' pollers, states and series).
//
// --product ecs watches the regions' ECS instances instead (DescribeInvocations, NextToken
// paging, the Timed listing every 12th poll), --product both each region for both products.
// --hints 1 (ECS) has the simulator's EventBridge push every finished execution to the daemon's
// event hints (http.event_token_file), as ecs:CloudAssistant:TaskCompleted.
//
//   e2e_bench [--regions N] [--retained N] [--instances N] [--per-invocation N] [--rate PER_S]
//             [--seconds N] [--refresh SECONDS] [--accounts N] [--interval SECONDS]
//             [--product swas|ecs|both] [--hints 0|1]
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/proc_stats.h"
#include "tests/support/recorder.h"
#include "tests/support/sim_process.h"

namespace {

namespace t = swas::testing;
using Clock = std::chrono::steady_clock;

struct Options {
  int regions = 10;
  int retained = 3000;
  int instances = 3;
  int per_invocation = 0;  // instances per invocation; 0: all of them
  double rate = 1;
  int seconds = 120;
  int refresh = 0;   // inventory.refresh in seconds; 0: the default (5 min)
  int accounts = 0;  // 0: the single-account form
  int interval = 1;  // poll.interval in seconds
  bool swas = true;
  bool ecs = false;
  bool hints = false;
};

// The calls the simulator answered for `action`, whatever their outcome: what the API saw.
double simCalls(const t::SimProcess& sim, const char* action) {
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(t::fetchOk("GET", sim.url() + "/_sim/stats?truth=0"));
  double n = 0;
  simdjson::dom::object codes;
  if (doc["requests"][action].get(codes)) return 0;
  for (auto [code, count] : codes) n += static_cast<double>(count.get_int64().value());
  return n;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  double at = v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
  return std::isfinite(at) ? at : -1;  // -1: beyond what was received (a missed alert)
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string arg = argv[i];
    if (arg == "--product") {
      std::string product = argv[i + 1];
      o.swas = product != "ecs";
      o.ecs = product != "swas";
      continue;
    }
    double value = std::stod(argv[i + 1]);
    if (arg == "--regions")
      o.regions = static_cast<int>(value);
    else if (arg == "--retained")
      o.retained = static_cast<int>(value);
    else if (arg == "--instances")
      o.instances = static_cast<int>(value);
    else if (arg == "--per-invocation")
      o.per_invocation = static_cast<int>(value);
    else if (arg == "--refresh")
      o.refresh = static_cast<int>(value);
    else if (arg == "--rate")
      o.rate = value;
    else if (arg == "--seconds")
      o.seconds = static_cast<int>(value);
    else if (arg == "--accounts")
      o.accounts = static_cast<int>(value);
    else if (arg == "--interval")
      o.interval = static_cast<int>(value);
    else if (arg == "--hints")
      o.hints = value != 0;
    else {
      std::cerr << "unknown argument " << arg << "\n";
      return 2;
    }
  }
  auto dir =
      std::filesystem::temp_directory_path() / ("swas-e2e-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string regions_list;             // the simulator's: ECS's world is written "ecs:REGION"
  std::vector<std::string> region_ids;  // the configuration's entries
  for (int r = 0; r < o.regions; ++r) {
    std::string id = "bench-region-" + std::to_string(r);
    if (o.swas) {
      regions_list += (regions_list.empty() ? "" : ", ") + id;
      region_ids.push_back(id);
    }
    if (o.ecs) {
      regions_list += (regions_list.empty() ? "ecs:" : ", ecs:") + id;
      region_ids.push_back(id + "\n    product: ecs");
    }
  }
  t::Recorder receiver;
  // One key pair per account (two accounts of one identity are refused), all the simulator's.
  std::string keys;
  for (int a = 0; a < std::max(o.accounts, 1); ++a) {
    keys += "  - {access_key_id: testid" + (a > 0 ? std::to_string(a) : std::string()) +
            ", access_key_secret: testsecret}\n";
  }
  t::SimProcess sim(t::writeTempFile(
      "e2e-bench/scenario.yaml",
      "accounts:\n" + keys + "generator:\n  seed: 42\n  regions: [" + regions_list +
          "]\n  instances: " + std::to_string(o.instances) + "\n  instances_per_invocation: " +
          std::to_string(o.per_invocation > 0 ? o.per_invocation : o.instances) + "\n  retained: " +
          std::to_string(o.retained) + "\n  rate: " + std::to_string(o.rate) + R"(
  outcomes: {Success: 0.9, Failed: 0.05, Timeout: 0.03, Error: 0.02}
  pending: 0.2s
  duration_min: 0.5s
  duration_max: 3s
  output_bytes: 256
)"));
  t::MonitorConfig settings{.sim_url = sim.url(),
                            .state_path = (dir / "state.db").string(),
                            .regions = region_ids,
                            .receivers = {{.name = "bench", .url = receiver.url()}}};
  settings.api = {{"rate_limit", "100"}};
  settings.poll = {{"interval", std::to_string(o.interval) + "s"}, {"jitter", "0.1"}};
  if (o.accounts > 0) {
    settings.accounts = "accounts:\n";
    for (int a = 0; a < o.accounts; ++a) {
      settings.accounts += "  - name: acct-" + std::to_string(a) +
                           "\n    credentials: {access_key_id: testid" +
                           (a > 0 ? std::to_string(a) : std::string()) +
                           ", access_key_secret: testsecret}\n    regions:\n";
      for (const auto& id : region_ids) settings.accounts += "      - region_id: " + id + "\n";
    }
  }
  settings.retry.clear();
  const std::string token = "bench-event-token-0123456789";
  if (o.hints) settings.event_token_file = t::writeTempFile("e2e-bench/event_token", token);
  settings.log_level = "warn";
  if (o.refresh > 0) {
    settings.extra = "inventory:\n  refresh: " + std::to_string(o.refresh) + "s\n";
  }
  std::string config = settings.write("e2e-bench/config.yaml");
  auto started = Clock::now();
  t::MonitorProcess daemon(SWAS_DAEMON_PATH, config, dir.string(), "info");
  if (daemon.url().empty()) {
    std::cerr << "daemon did not start: " << daemon.stderrText();
    return 1;
  }
  pid_t pid = daemon.process().pid();
  bool ready = t::eventually(
      [&] {
        auto r = t::fetch("GET", daemon.url() + "/readyz");
        return r && r->status == 200;
      },
      std::chrono::minutes(10));
  double full_walk = std::chrono::duration<double>(Clock::now() - started).count();
  if (!ready) {
    std::cerr << "the daemon never became ready\n";
    return 1;
  }
  if (o.hints) {
    t::fetchOk("POST", sim.url() + "/_sim/events?token=" + token + "&url=" + daemon.url() +
                           "/api/eventbridge/cloud-assistant");
  }
  std::string before = t::fetchOk("GET", daemon.url() + "/metrics");
  // The simulator's clock at the start of the window (its ground truth is kept from there on).
  double window_sim_start = 0;
  {
    simdjson::dom::parser p;
    window_sim_start =
        p.parse(t::fetchOk("GET", sim.url() + "/_sim/stats?truth=0"))["now"].get_double().value();
  }
  auto simListCalls = [&] {
    return simCalls(sim, "DescribeCommandInvocations") + simCalls(sim, "DescribeInvocations");
  };
  double sim_calls_before = simListCalls();
  double cpu_before = t::cpuSeconds(pid);
  size_t requests_before = receiver.requests().size();
  auto window_start = std::chrono::system_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(o.seconds));
  std::string after = t::fetchOk("GET", daemon.url() + "/metrics");
  double cpu = t::cpuSeconds(pid) - cpu_before;
  double sim_calls = simListCalls() - sim_calls_before;
  double rss = t::peakRssMib(pid);

  auto callsOf = [&](const char* action) {
    std::vector<std::string> m = {std::string("action=\"") + action + "\""};
    return t::sumOf(after, "swas_api_requests_total", m) -
           t::sumOf(before, "swas_api_requests_total", m);
  };
  double calls = callsOf("DescribeCommandInvocations") + callsOf("DescribeInvocations");
  double inventory_calls = callsOf("ListInstances") + callsOf("DescribeCloudAssistantStatus");
  double hinted_polls = t::sumOf(after, "swas_event_hints_total", {"outcome=\"poll\""}) -
                        t::sumOf(before, "swas_event_hints_total", {"outcome=\"poll\""});
  // Per hour at the default refresh: the calls of one refresh of every region (a refresh is
  // ceil(instances / 100) ListInstances pages), times 12 refreshes.
  double listings = callsOf("ListInstances") / ((o.instances + 99) / 100);
  double inventory_per_hour = listings > 0 ? inventory_calls / listings * o.regions * 12 : -1;
  double polls = t::sumOf(after, "swas_poll_duration_seconds_count") -
                 t::sumOf(before, "swas_poll_duration_seconds_count");
  double full_walks = t::sumOf(after, "swas_poll_full_walks_total") -
                      t::sumOf(before, "swas_poll_full_walks_total");
  double fallbacks = t::sumOf(after, "swas_paging_fallbacks_total") -
                     t::sumOf(before, "swas_paging_fallbacks_total");
  double changes = t::sumOf(after, "swas_invocation_transitions_total") -
                   t::sumOf(before, "swas_invocation_transitions_total");
  double tracked = t::sumOf(after, "swas_invocation_instances");

  // Detection latency: every alerting change the simulator made in the window (its ground
  // truth) to the receiver's receipt. Alerts still in flight when the window closes are waited
  // for (30 s, or two intervals, more at most) and counted; one never received is missed, not left
  // out.
  auto window_close = std::chrono::system_clock::now();
  std::string stats =
      t::fetchOk("GET", sim.url() + "/_sim/stats?since=" + std::to_string(window_sim_start));
  auto queried = std::chrono::system_clock::now();
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(stats);
  double sim_now = doc["now"].get_double().value();
  auto epoch = queried - std::chrono::duration_cast<std::chrono::system_clock::duration>(
                             std::chrono::duration<double>(sim_now));
  auto simTime = [&](double seconds) {
    return epoch + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                       std::chrono::duration<double>(seconds));
  };
  const std::set<std::string, std::less<>> alerting = {"Failed", "Timeout", "Error", "Invalid",
                                                       "Aborted"};
  std::map<std::string, std::chrono::system_clock::time_point> expected;  // key -> changed at
  for (simdjson::dom::element e : doc["truth"].get_array()) {
    auto at = simTime(e["time"].get_double().value());
    std::string_view to = e["to"].get_string().value();
    if (at < window_start || at > window_close || !alerting.contains(to)) continue;
    expected[std::string(e["region_id"].get_string().value()) + "/" +
             std::string(e["invoke_id"].get_string().value()) + "/" +
             std::string(e["instance_id"].get_string().value()) + "/" + std::string(to)] = at;
  }
  std::map<std::string, std::chrono::system_clock::time_point> received;  // first receipt
  simdjson::dom::parser body_parser;
  size_t scanned = requests_before;
  auto allReceived = [&] {
    auto requests = receiver.requests();
    for (; scanned < requests.size(); ++scanned) {
      simdjson::dom::element body;
      if (body_parser.parse(requests[scanned].request.body).get(body)) continue;
      for (simdjson::dom::element a : body["alerts"].get_array()) {
        if (std::string_view(a["status"].get_string().value()) != "firing") continue;
        auto labels = a["labels"];
        std::string_view product;
        if (labels["product"].get(product)) product = "";
        std::string key = (product == "ecs" ? "ecs:" : "") +
                          std::string(labels["region_id"].get_string().value()) + "/" +
                          std::string(labels["invoke_id"].get_string().value()) + "/" +
                          std::string(labels["instance_id"].get_string().value()) + "/" +
                          std::string(labels["invocation_status"].get_string().value());
        received.emplace(key, requests[scanned].received_at);
      }
    }
    return std::all_of(expected.begin(), expected.end(),
                       [&](const auto& e) { return received.contains(e.first); });
  };
  t::eventually(allReceived, std::chrono::seconds(std::max(30, 2 * o.interval + 5)));
  std::vector<double> latency_ms;
  size_t in_flight = 0, missed = 0;
  for (const auto& [key, at] : expected) {
    auto it = received.find(key);
    if (it == received.end()) {
      ++missed;
      latency_ms.push_back(std::numeric_limits<double>::infinity());
      continue;
    }
    if (it->second > window_close) ++in_flight;
    latency_ms.push_back(std::chrono::duration<double, std::milli>(it->second - at).count());
  }
  int pages_per_walk = (o.retained + 49) / 50;
  std::printf(
      "{\"regions\":%d,\"retained\":%d,\"instances\":%d,\"tracked_pairs\":%.0f,\"seconds\":%d,"
      "\"full_walk_seconds\":%.2f,\"calls_per_region_per_poll\":%.2f,\"full_walk_calls\":%d,"
      "\"state_changes\":%.0f,\"cpu_seconds_per_1000_changes\":%.3f,\"peak_rss_mib\":%.1f,"
      "\"alerts_measured\":%zu,\"latency_p50_ms\":%.0f,\"latency_p99_ms\":%.0f,"
      "\"inventory_calls\":%.0f,\"inventory_calls_per_hour_default\":%.0f,\"accounts\":%d,"
      "\"interval\":%d,\"cpu_percent\":%.1f,\"sim_calls_per_region_per_poll\":%.2f,"
      "\"full_walks\":%.0f,\"paging_fallbacks\":%.0f,\"alerts_in_flight_at_close\":%zu,"
      "\"alerts_missed\":%zu,\"cold_start_calls\":%.0f,\"hinted_polls\":%.0f,"
      "\"polls\":%.0f}\n",
      o.regions, o.retained, o.instances, tracked, o.seconds, full_walk,
      polls > 0 ? calls / polls : -1, pages_per_walk + 1, changes,
      changes > 0 ? cpu / changes * 1000 : -1, rss, latency_ms.size(), percentile(latency_ms, 0.5),
      percentile(latency_ms, 0.99), inventory_calls, inventory_per_hour, o.accounts, o.interval,
      cpu / o.seconds * 100, polls > 0 ? sim_calls / polls : -1, full_walks, fallbacks, in_flight,
      missed, sim_calls_before, hinted_polls, polls);
  if (const char* log = std::getenv("SWAS_BENCH_LOG")) std::ofstream(log) << daemon.stderrText();
  std::filesystem::remove_all(dir);
  return 0;
}
