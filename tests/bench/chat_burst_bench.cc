// Chat burst: 10,000 executions fail between two polls, and four chat receivers (emulated
// DingTalk, Feishu, WeCom and Slack robots that enforce the vendors' rates and sizes) get them.
// Per vendor: messages sent, seconds until the last alert is accounted for in an accepted
// message's text, refused messages (must be 0) and the largest body. Prints one JSON object.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "tests/support/chat_vendor.h"
#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/sim_process.h"

int main() {
  namespace t = swas::testing;
  using Clock = std::chrono::steady_clock;
  auto dir = std::filesystem::temp_directory_path() / "swas-chat-burst-bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  t::SimProcess sim(t::testdataPath("chat-burst.yaml"));
  const char* types[] = {"dingtalk", "feishu", "wecom", "slack"};
  std::vector<std::unique_ptr<t::ChatVendor>> vendors;
  t::MonitorConfig settings{.sim_url = sim.url(), .state_path = dir.string() + "/state.db"};
  for (const char* type : types) {
    vendors.push_back(std::make_unique<t::ChatVendor>(t::ChatVendor::Options{type, ""}));
    settings.receivers.push_back({type, type, vendors.back()->url(), ""});
  }
  settings.poll = {{"interval", "1s"}, {"jitter", "0"}};
  settings.retry.clear();
  t::MonitorProcess daemon(SWAS_DAEMON_PATH, settings.write("chat-burst-bench/config.yaml"),
                           dir.string());
  if (daemon.url().empty()) {
    std::cerr << "daemon did not start: " << daemon.stderrText();
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // a first, empty poll
  t::fetchOk("POST", sim.url() + "/_sim/advance?seconds=2");
  auto started = Clock::now();
  std::vector<double> done(4, -1);
  while (Clock::now() - started < std::chrono::minutes(5)) {
    bool all = true;
    for (size_t i = 0; i < 4; ++i) {
      if (done[i] >= 0) continue;
      size_t n = 0;
      for (const auto& m : vendors[i]->messages())
        n += m.accepted ? t::chatAlertsAccounted(m.text) : 0;
      if (n >= 10'000) {
        done[i] = std::chrono::duration<double>(Clock::now() - started).count();
      } else {
        all = false;
      }
    }
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  bool ok = true;
  std::string out = "{";
  for (size_t i = 0; i < 4; ++i) {
    auto messages = vendors[i]->messages();
    size_t largest = 0;
    for (const auto& m : messages) largest = std::max(largest, m.body.size());
    size_t rejected = vendors[i]->rejected();
    ok = ok && done[i] >= 0 && rejected == 0;
    char row[256];
    std::snprintf(row, sizeof row,
                  "%s\"%s\":{\"messages\":%zu,\"seconds\":%.2f,\"rejected\":%zu,"
                  "\"largest_body_bytes\":%zu}",
                  i ? "," : "", types[i], messages.size(), done[i], rejected, largest);
    out += row;
  }
  std::cout << out << "}\n";
  return ok ? 0 : 1;
}
