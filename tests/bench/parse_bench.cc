// make bench, item 1: our DescribeCommandInvocations parser against simdjson's raw On-Demand
// iteration over the same page (50 invocations, 3 instances each, 1 KiB Output).
#include <benchmark/benchmark.h>

#include "daemon/api/response_parser.h"
#include "tests/bench/raw_iteration.h"

namespace {

const std::string& page() {
  static const std::string body = swas::bench::makePage(50, 3, 1024);
  return body;
}

void BM_ParsePage(benchmark::State& state) {
  const std::string& body = page();
  for (auto _ : state) {
    auto parsed = swas::api::parseCommandInvocationsPage(body);
    if (!parsed || parsed->invocations.size() != 50) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 50 * 3));
}
BENCHMARK(BM_ParsePage);

void BM_RawOnDemandIteration(benchmark::State& state) {
  const std::string& body = page();
  for (auto _ : state) benchmark::DoNotOptimize(swas::bench::rawIterate(body));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 50 * 3));
}
BENCHMARK(BM_RawOnDemandIteration);

}  // namespace

BENCHMARK_MAIN();
