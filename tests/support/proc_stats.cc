#include "tests/support/proc_stats.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace swas::testing {

double cpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  long long utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::stoll(field);
    if (i == 15) {
      stime = std::stoll(field);
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double cpuSecondsPrecise(pid_t pid) {
  double ns = 0;
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "schedstat");
    double on_cpu = 0;
    if (in >> on_cpu) ns += on_cpu;
  }
  return ns / 1e9;
}

namespace {

// The value of a "Name:   N kB" or "Name:   N" line of a /proc status file, or -1.
double statusField(const std::string& path, const std::string& name) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(name)) return std::stod(line.substr(name.size()));
  }
  return -1;
}

}  // namespace

double peakRssMib(pid_t pid) {
  double kb = statusField("/proc/" + std::to_string(pid) + "/status", "VmHWM:");
  return kb < 0 ? -1 : kb / 1024.0;
}

double rssMib(pid_t pid) {
  double kb = statusField("/proc/" + std::to_string(pid) + "/status", "VmRSS:");
  return kb < 0 ? -1 : kb / 1024.0;
}

double contextSwitches(pid_t pid) {
  double n = 0;
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::string status = (task.path() / "status").string();
    for (const char* field : {"voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:"}) {
      double v = statusField(status, field);
      if (v > 0) n += v;
    }
  }
  return n;
}

}  // namespace swas::testing
