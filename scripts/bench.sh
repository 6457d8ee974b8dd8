#!/usr/bin/env bash
# make bench: every benchmark of the Release build, as one Markdown table beside its target,
# printed and written to tests/bench/results.md. Seeded generators: runs are repeatable.
#   BENCH_SECONDS (default 120): the end-to-end measurement window.
set -euo pipefail
cd "$(dirname "$0")/.."
out=tests/bench/results.md
seconds=${BENCH_SECONDS:-120}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')

echo "parse..." >&2
./build/tests/bench/parse_bench --benchmark_min_time=2 --benchmark_format=json >"$work/parse.json"
echo "diff and store..." >&2
./build/tests/bench/state_bench --benchmark_format=json >"$work/state.json"
echo "end to end: 10 regions x 3,000 invocations x 3 instances, ${seconds} s..." >&2
./build/tests/bench/e2e_bench --regions 10 --retained 3000 --instances 3 --rate 1 \
  --seconds "$seconds" >"$work/e2e.json"
echo "scale: 1 region, about 100,000 pairs..." >&2
# The generator puts each invocation on 1 to 3 instances: 50,000 invocations make ~100,000 pairs.
./build/tests/bench/e2e_bench --regions 1 --retained 50000 --instances 3 --rate 1 \
  --seconds 20 >"$work/scale.json"
echo "inventory: 10 regions x 500 instances, refreshed every 10 s for 100 s..." >&2
./build/tests/bench/e2e_bench --regions 10 --retained 100 --instances 500 --per-invocation 3 \
  --rate 1 --seconds 100 --refresh 10 >"$work/inventory.json"
echo "accounts: 20 accounts x 5 regions x 1,000 invocations, 10 s polls, 120 s..." >&2
./build/tests/bench/e2e_bench --accounts 20 --regions 5 --retained 1000 --instances 3 --rate 1 \
  --interval 10 --seconds 120 >"$work/accounts.json"
echo "burst..." >&2
./build/tests/bench/burst_bench >"$work/burst.json"
echo "chat burst..." >&2
./build/tests/bench/chat_burst_bench >"$work/chat.json"
echo "scrape during a full walk..." >&2
./build/tests/bench/scrape_bench >"$work/scrape.json"

# The soak's section (make soak) stays as it was.
soak=$(sed -n '/^## Soak/,$p' "$out" 2>/dev/null || true)
python3 - "$work" "$cpu" "$(nproc)" "$(git describe --always --dirty)" "$seconds" >"$out" <<'PY'
import json, sys
work, cpu, cores, rev, seconds = sys.argv[1:]
load = lambda name: json.load(open(f"{work}/{name}.json"))
parse = {b["name"]: b for b in load("parse")["benchmarks"]}
ours, raw = parse["BM_ParsePage"], parse["BM_RawOnDemandIteration"]
state = {b["name"].split("/")[1]: b for b in load("state")["benchmarks"]}
e2e, scale, burst, scrape = load("e2e"), load("scale"), load("burst"), load("scrape")
chat, inventory, accounts = load("chat"), load("inventory"), load("accounts")
ratio = ours["real_time"] / raw["real_time"]
ok = lambda good: "met" if good else "**missed**"
rows = [
  ("Parse: 50-invocation page (3 instances, 1 KiB Output each)",
   f"{ours['bytes_per_second']/1e6:,.0f} MB/s, {ours['items_per_second']:,.0f} records/s; raw simdjson "
   f"{raw['bytes_per_second']/1e6:,.0f} MB/s; ratio {ratio:.2f}x", "within 3x of raw", ok(ratio <= 3)),
  ("Diff and store: 100,002 pairs, 1% changed (a full walk's cycle)",
   f"{state['1']['cpu_time']:.1f} ms CPU, {state['1']['bytes_written_per_cycle']/1e6:.1f} MB written", "", ""),
  ("Diff and store: 100,002 pairs, 0% changed",
   f"{state['0']['cpu_time']:.1f} ms CPU, {state['0']['bytes_written_per_cycle']:.0f} bytes written", "", ""),
  (f"End to end: API calls per region per poll ({e2e['regions']} regions x {e2e['retained']:,} invocations x {e2e['instances']} instances, 1 s polls, {seconds} s)",
   f"{e2e['calls_per_region_per_poll']:.2f} (a full walk: {e2e['full_walk_calls']})", "<= 1.1", ok(e2e['calls_per_region_per_poll'] <= 1.1)),
  ("End to end: daemon CPU per 1,000 observed state changes",
   f"{e2e['cpu_seconds_per_1000_changes']:.2f} s ({e2e['state_changes']:,.0f} changes)", "", ""),
  ("End to end: peak RSS", f"{e2e['peak_rss_mib']:.1f} MiB ({e2e['tracked_pairs']:,.0f} pairs)", "", ""),
  ("End to end: detection latency, simulator change to webhook receipt",
   f"p50 {e2e['latency_p50_ms']/1000:.2f} s, p99 {e2e['latency_p99_ms']/1000:.2f} s ({e2e['alerts_measured']} alerts)",
   "p99 <= 2 s (interval + 1 s)", ok(0 <= e2e['latency_p99_ms'] <= 2000)),
  (f"Scale: one region, {scale['tracked_pairs']:,.0f} pairs: peak RSS", f"{scale['peak_rss_mib']:.1f} MiB", "<= 64 MiB at 100,000", ok(scale['peak_rss_mib'] <= 64)),
  ("Scale: cold-start full walk", f"{scale['full_walk_seconds']:.1f} s ({scale['full_walk_calls']} calls)", "", ""),
  (f"Inventory: calls per hour at {inventory['regions']} regions x {inventory['instances']} instances, default refresh (5 min)",
   f"{inventory['inventory_calls_per_hour_default']:,.0f} ({inventory['inventory_calls']:,.0f} calls in {inventory['seconds']} s at a 10 s refresh); "
   f"API calls per region per poll meanwhile {inventory['calls_per_region_per_poll']:.2f}",
   "<= 2,000 (15 per region per refresh)", ok(0 <= inventory['inventory_calls_per_hour_default'] <= 2000)),
  (f"Accounts: {accounts['accounts']} accounts x {accounts['regions']} regions x {accounts['retained']:,} invocations, {accounts['interval']} s polls ({accounts['tracked_pairs']:,.0f} pairs)",
   f"CPU {accounts['cpu_percent']:.1f}% of a core, peak RSS {accounts['peak_rss_mib']:.1f} MiB, "
   f"{accounts['calls_per_region_per_poll']:.2f} calls per region per poll; cold start {accounts['full_walk_seconds']:.1f} s",
   "<= 1.1 calls per region per poll", ok(0 <= accounts['calls_per_region_per_poll'] <= 1.1)),
  ("Burst: 10,000 failures in one poll, until the last notification",
   f"{burst['seconds']:.2f} s, {burst['messages']} messages of <= {burst['largest_message']}", "<= 30 s", ok(burst['seconds'] <= 30)),
  ("Scrape during a 20,000-invocation full walk",
   f"p50 {scrape['p50_ms']:.2f} ms, p99 {scrape['p99_ms']:.2f} ms, max {scrape['max_ms']:.1f} ms ({scrape['scrapes']:,} scrapes)",
   "< 100 ms", ok(scrape['max_ms'] < 100)),
] + [
  (f"Chat burst: 10,000 failures to {vendor}, until the last alert is accounted for",
   f"{c['seconds']:.2f} s, {c['messages']} messages (largest {c['largest_body_bytes']:,} bytes), {c['rejected']} refused",
   "0 refused", ok(c['rejected'] == 0 and c['seconds'] >= 0))
  for vendor, c in chat.items()
]
print(f"Machine: {cpu}, {cores} cores; revision {rev}; `make bench`\n")
print("| benchmark | figure | target | |")
print("|---|---|---|---|")
for name, figure, target, verdict in rows:
    print(f"| {name} | {figure} | {target} | {verdict} |")
PY
if [[ -n "$soak" ]]; then printf '\n%s\n' "$soak" >>"$out"; fi
cat "$out"
