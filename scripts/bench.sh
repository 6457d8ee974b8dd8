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
cat "$out"
