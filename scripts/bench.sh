#!/usr/bin/env bash
# make bench: runs the benchmarks of the Release build and writes tests/bench/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
out=tests/bench/results.md
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
json=$(mktemp)
./build/tests/bench/parse_bench --benchmark_min_time=2 --benchmark_format=json >"$json"
python3 - "$json" "$cpu" "$(nproc)" "$(git describe --always --dirty)" >"$out" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
rows = {b["name"]: b for b in data["benchmarks"]}
ours, raw = rows["BM_ParsePage"], rows["BM_RawOnDemandIteration"]
print(f"Machine: {sys.argv[2]}, {sys.argv[3]} cores; revision {sys.argv[4]}\n")
print("| benchmark | MB/s | records/s | time per page |")
print("|---|---|---|---|")
for name, b in (("parse page (ours)", ours), ("raw simdjson On-Demand", raw)):
    print(f"| {name} | {b['bytes_per_second']/1e6:,.0f} | {b['items_per_second']:,.0f} | {b['real_time']/1000:,.1f} µs |")
print(f"\nParser / raw iteration: {ours['real_time']/raw['real_time']:.2f}x (target <= 3x). "
      "Page: 50 invocations x 3 instances, 1 KiB Output each; a record is one (invocation, instance).")
PY
rm -f "$json"
scrape=$(./build/tests/bench/scrape_bench)
python3 - "$scrape" >>"$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print("\n## Scrape latency during a full walk\n")
print(f"{r['scrapes']:,} scrapes of /metrics back to back while the daemon's cold start walked, "
      f"diffed and committed {r['invocations']:,} invocations ({r['walk_seconds']:.1f} s, 10 ms API latency per page):\n")
print("| p50 | p99 | max | target |")
print("|---|---|---|---|")
print(f"| {r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms | {r['max_ms']:.2f} ms | < 100 ms |")
PY
burst=$(./build/tests/bench/burst_bench)
python3 - "$burst" >>"$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print("\n## Alert burst\n")
print(f"{r['failures']:,} executions failing between two polls reached a local webhook receiver in "
      f"{r['seconds']:.2f} s (target 30 s), in {r['messages']} messages of at most "
      f"{r['largest_message']} alerts; the last poll was {r['last_poll_age_seconds']:.2f} s old "
      "when the last alert arrived (poll.interval 1 s).")
PY
cat "$out"
