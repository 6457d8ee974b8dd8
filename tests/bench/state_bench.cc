// Diff and store: one region tracking 100,002 (invocation, instance) pairs (33,334 invocations
// on 3 instances each). One poll cycle that sees every pair (a full walk) with 1% or 0% of the
// pairs changed: diff() and the SQLite commit. Reports CPU time per cycle and the bytes the
// process wrote (write(2) calls: WAL and database) per cycle.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "daemon/state/differ.h"
#include "daemon/state/store.h"

namespace {

using namespace swas;

constexpr int kInvocations = 33'334;
constexpr int kInstances = 3;

// Bytes this process has passed to write(2) so far (/proc/self/io wchar).
int64_t bytesWritten() {
  std::ifstream in("/proc/self/io");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("wchar:")) return std::stoll(line.substr(6));
  }
  return 0;
}

std::string creationTime(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "2026-11-%02dT%02d:%02d:%02d", 1 + i / 86400 % 27, i / 3600 % 24,
                i / 60 % 60, i % 60);
  return buf;
}

struct Fixture {
  std::string path;
  std::unique_ptr<state::Store> store;
  state::TrackedRegion region;  // as the poller keeps it
  std::vector<core::Invocation> fetched;
  std::chrono::system_clock::time_point now =
      std::chrono::sys_days(std::chrono::year(2026) / 11 / 28);

  Fixture() {
    path = (std::filesystem::temp_directory_path() /
            ("swas-state-bench-" + std::to_string(getpid()) + ".db"))
               .string();
    std::filesystem::remove(path);
    store = std::move(state::Store::open(path).value());
    for (int i = 0; i < kInvocations; ++i) {
      core::Invocation inv{"cn-hangzhou",    "t-" + std::to_string(i), "c-1",     "deploy-app",
                           "RunShellScript", creationTime(i),          "Running", {}};
      for (int k = 0; k < kInstances; ++k) {
        inv.instances.push_back(core::InstanceState{
            .instance_id = "i-" + std::to_string(k), .status = "Running", .output = "ok\n"});
      }
      fetched.push_back(std::move(inv));
    }
    cycle();  // the first sighting of everything
  }
  ~Fixture() {
    store.reset();
    for (auto suffix : {"", "-wal", "-shm", ".lock"}) std::filesystem::remove(path + suffix);
  }

  // One poll as the poller does it: diff what was fetched, commit when something changed,
  // apply to the region.
  size_t cycle() {
    state::DiffOptions options;
    options.now = now;
    state::DiffResult diff = state::diff(region.snapshot(), fetched, options);
    if (diff.changed.empty() && diff.transitions.empty()) return 0;
    state::PollCommit commit{
        "cn-hangzhou", std::move(diff.changed), std::move(diff.transitions), {true}, now};
    auto ok = store->commit(commit);
    if (!ok) throw std::runtime_error(ok.error().message);
    region.apply(commit.changed);
    return commit.transitions.size();
  }

  // Flips `count` pairs between two non-terminal statuses.
  void change(int count, int round) {
    for (int j = 0; j < count; ++j) {
      auto& inst = fetched[static_cast<size_t>(j * 97 % kInvocations)].instances[j % kInstances];
      inst.status = round % 2 ? "Stopping" : "Running";
    }
  }
};

void BM_PollCycle(benchmark::State& state) {
  static Fixture fixture;
  int changed = static_cast<int>(state.range(0)) * kInvocations * kInstances / 100;
  int round = 0;
  int64_t written = 0;
  size_t transitions = 0;
  for (auto _ : state) {
    state.PauseTiming();
    fixture.change(changed, ++round);
    int64_t before = bytesWritten();
    state.ResumeTiming();
    transitions += fixture.cycle();
    state.PauseTiming();
    written += bytesWritten() - before;
    state.ResumeTiming();
  }
  auto n = static_cast<double>(state.iterations());
  state.counters["pairs"] = kInvocations * kInstances;
  state.counters["transitions_per_cycle"] = static_cast<double>(transitions) / n;
  state.counters["bytes_written_per_cycle"] = static_cast<double>(written) / n;
}
BENCHMARK(BM_PollCycle)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->MinTime(3);

}  // namespace

BENCHMARK_MAIN();
