#!/usr/bin/env bash
# make bench: every benchmark of the Release build, as one Markdown table beside its target,
# with the soak's flatness, printed and written whole to tests/bench/results.md and to the
# README's copy of it. Seeded generators: runs are repeatable. Nothing in results.md is edited
# by hand; `make test` (scripts/check_bench_results.sh) checks that it names one revision, an
# ancestor of HEAD, and that the README's copy is the same.
#   BENCH_SECONDS (default 120): the end-to-end measurement window.
#   SOAK_SECONDS (default 600): the soak's length (`make soak` alone: 1800).
# From a tree with uncommitted changes the results go to build/bench-results.md only: figures
# belong to a committed revision.
set -euo pipefail
cd "$(dirname "$0")/.."
out=tests/bench/results.md
if ! git diff --quiet HEAD -- daemon tests scripts CMakeLists.txt cmake 2>/dev/null; then
  echo "bench: uncommitted changes: results go to build/bench-results.md, not $out" >&2
  out=build/bench-results.md
fi
seconds=${BENCH_SECONDS:-120}
soak_seconds=${SOAK_SECONDS:-600}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
memory=$(awk '/MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)
revision=$(git rev-parse --short=12 HEAD)
when=$(date -u +%Y-%m-%d)

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
echo "ECS: 2 regions x 1,000 invocations, 1 s polls, ${seconds} s..." >&2
./build/tests/bench/e2e_bench --product ecs --regions 2 --retained 1000 --instances 3 --rate 1 \
  --seconds "$seconds" >"$work/ecs.json"
echo "ECS: detection latency at 30 s polls, without and with event hints, ${seconds} s each..." >&2
./build/tests/bench/e2e_bench --product ecs --regions 2 --retained 1000 --instances 3 --rate 1 \
  --interval 30 --seconds "$seconds" >"$work/ecs30.json"
./build/tests/bench/e2e_bench --product ecs --regions 2 --retained 1000 --instances 3 --rate 1 \
  --interval 30 --seconds "$seconds" --hints 1 >"$work/ecs_hints.json"
echo "SWAS and ECS together: 10 regions x 3,000 invocations for each product, 60 s..." >&2
./build/tests/bench/e2e_bench --product both --regions 10 --retained 3000 --instances 3 --rate 1 \
  --seconds 60 >"$work/both.json"
echo "beside an official-SDK script: 1 region x 3,000 invocations, 1 s polls, ${seconds} s; idle at 30 s, ${seconds} s..." >&2
./build/tests/bench/sdk_compare_bench --retained 3000 --seconds "$seconds" \
  --idle-seconds "$seconds" >"$work/sdk.json"
echo "burst..." >&2
./build/tests/bench/burst_bench >"$work/burst.json"
echo "chat burst..." >&2
./build/tests/bench/chat_burst_bench >"$work/chat.json"
echo "scrape during a full walk..." >&2
./build/tests/bench/scrape_bench >"$work/scrape.json"
echo "soak: 10 regions, 30% throttled, 1 s polls, ${soak_seconds} s, restarted at half time..." >&2
./build/tests/bench/soak_bench --seconds "$soak_seconds" --check --max-wal-mib 8 >"$work/soak.json"

python3 - "$work" "$cpu" "$(nproc)" "$memory" "$revision" "$when" "$seconds" >"$out" <<'PY'
import json, sys
work, cpu, cores, memory, rev, when, seconds = sys.argv[1:]
load = lambda name: json.load(open(f"{work}/{name}.json"))
parse = {b["name"]: b for b in load("parse")["benchmarks"]}
ours, raw = parse["BM_ParsePage"], parse["BM_RawOnDemandIteration"]
state = {b["name"].split("/")[1]: b for b in load("state")["benchmarks"]}
e2e, scale, burst, scrape = load("e2e"), load("scale"), load("burst"), load("scrape")
chat, inventory, accounts, soak = load("chat"), load("inventory"), load("accounts"), load("soak")
ecs, ecs30, ecs_hints, both = load("ecs"), load("ecs30"), load("ecs_hints"), load("both")
sdk = load("sdk")
daemon, sdk_all, sdk_page1 = sdk["daemon"], sdk["sdk_all"], sdk["sdk_page1"]
times = lambda theirs, ours: theirs / ours if ours > 0 else 0
ratio = ours["real_time"] / raw["real_time"]
ok = lambda good: "met" if good else "**missed**"
def latency(run):
    p50, p99 = run["latency_p50_ms"], run["latency_p99_ms"]
    text = lambda ms: f"{ms / 1000:.2f} s" if ms >= 0 else "beyond the missed"
    return (f"p50 {text(p50)}, p99 {text(p99)} ({run['alerts_measured']} alerts, "
            f"{run['alerts_in_flight_at_close']} in flight at the window's close, "
            f"{run['alerts_missed']} missed)")
rows = [
  ("Parse: 50-invocation page (3 instances, 1 KiB Output each)",
   f"{ours['bytes_per_second']/1e6:,.0f} MB/s, {ours['items_per_second']:,.0f} records/s; raw simdjson "
   f"{raw['bytes_per_second']/1e6:,.0f} MB/s; ratio {ratio:.2f}x", "within 3x of raw", ok(ratio <= 3)),
  ("Diff and store: 100,002 pairs, 1% changed (a full walk's cycle)",
   f"{state['1']['cpu_time']:.1f} ms CPU, {state['1']['bytes_written_per_cycle']/1e6:.1f} MB written", "", ""),
  ("Diff and store: 100,002 pairs, 0% changed",
   f"{state['0']['cpu_time']:.1f} ms CPU, {state['0']['bytes_written_per_cycle']:.0f} bytes written", "", ""),
  (f"End to end: API calls per region per poll, as the simulator answered them ({e2e['regions']} regions x {e2e['retained']:,} invocations x {e2e['instances']} instances, 1 s polls, {seconds} s)",
   f"{e2e['sim_calls_per_region_per_poll']:.2f} (the daemon counted {e2e['calls_per_region_per_poll']:.2f}); "
   f"a full walk is {e2e['full_walk_calls']} calls (computed: pages of 50, plus one)",
   "<= 1.1", ok(0 <= e2e['sim_calls_per_region_per_poll'] <= 1.1)),
  ("End to end: daemon CPU per 1,000 observed state changes",
   f"{e2e['cpu_seconds_per_1000_changes']:.2f} s ({e2e['state_changes']:,.0f} changes)", "", ""),
  ("End to end: peak RSS", f"{e2e['peak_rss_mib']:.1f} MiB ({e2e['tracked_pairs']:,.0f} pairs)", "", ""),
  ("End to end: detection latency, simulator change to webhook receipt, every alerting change of the window",
   latency(e2e), "p99 <= 2 s (interval + 1 s), none missed",
   ok(0 <= e2e['latency_p99_ms'] <= 2000 and e2e['alerts_missed'] == 0)),
  (f"Beside an official-SDK script, all at once ({sdk['retained']:,} invocations x 3 instances, one new a second, 1 s polls, {sdk['seconds']} s): CPU per poll",
   f"the daemon {daemon['cpu_ms_per_poll']:.2f} ms (one call, {daemon.get('wakeups_per_poll', -1):.1f} wakeups); the script listing every page (it sees every end, as the daemon does) "
   f"{sdk_all['cpu_ms_per_poll']:.1f} ms ({sdk_all['calls_per_poll']:.0f} calls, {sdk_all['errors']:.0f} failed), "
   f"{times(sdk_all['cpu_ms_per_poll'], daemon['cpu_ms_per_poll']):.0f}x the daemon's; "
   f"listing the newest page only {sdk_page1['cpu_ms_per_poll']:.2f} ms ({sdk_page1['errors']:.0f} failed), "
   f"{times(sdk_page1['cpu_ms_per_poll'], daemon['cpu_ms_per_poll']):.1f}x",
   ">= 60x less than the script listing every page",
   ok(times(sdk_all['cpu_ms_per_poll'], daemon['cpu_ms_per_poll']) >= 60)),
  ("Beside the official-SDK script: peak RSS (the daemon's includes its cold walk of every invocation)",
   f"the daemon {daemon['peak_rss_mib']:.1f} MiB; the script listing every page {sdk_all['peak_rss_mib']:.1f} MiB, "
   f"{times(sdk_all['peak_rss_mib'], daemon['peak_rss_mib']):.1f}x the daemon's; newest page only {sdk_page1['peak_rss_mib']:.1f} MiB, "
   f"{times(sdk_page1['peak_rss_mib'], daemon['peak_rss_mib']):.1f}x",
   ">= 6x less than the script listing every page",
   ok(times(sdk_all['peak_rss_mib'], daemon['peak_rss_mib']) >= 6)),
  (f"Idle: 30 s polls, every invocation long finished, {sdk['idle_seconds']} s",
   f"the daemon {daemon['idle_cpu_ms_per_min']:.1f} ms CPU and {daemon['idle_wakeups_per_min']:.0f} wakeups a minute, RSS {daemon['idle_rss_mib']:.1f} MiB; "
   f"the SDK script {sdk_page1['idle_cpu_ms_per_min']:.0f} ms and {sdk_page1['idle_wakeups_per_min']:.0f} wakeups a minute, RSS {sdk_page1['idle_rss_mib']:.1f} MiB", "", ""),
  (f"Scale: one region, {scale['tracked_pairs']:,.0f} pairs: peak RSS", f"{scale['peak_rss_mib']:.1f} MiB", "<= 40 MiB at 100,000", ok(scale['peak_rss_mib'] <= 40)),
  ("Scale: cold-start full walk", f"{scale['full_walk_seconds']:.1f} s ({scale['cold_start_calls']:,.0f} calls answered)", "", ""),
  (f"Inventory: calls per hour at {inventory['regions']} regions x {inventory['instances']} instances, default refresh (5 min)",
   f"{inventory['inventory_calls_per_hour_default']:,.0f} (computed: {inventory['inventory_calls']:,.0f} calls in {inventory['seconds']} s at a 10 s refresh, "
   f"scaled to 12 refreshes an hour); API calls per region per poll meanwhile {inventory['sim_calls_per_region_per_poll']:.2f}",
   "<= 2,000 (15 per region per refresh)", ok(0 <= inventory['inventory_calls_per_hour_default'] <= 2000)),
  (f"Accounts: {accounts['accounts']} accounts x {accounts['regions']} regions x {accounts['retained']:,} invocations, {accounts['interval']} s polls ({accounts['tracked_pairs']:,.0f} pairs), after the cold start",
   f"{accounts['sim_calls_per_region_per_poll']:.2f} calls per region per poll as the simulator answered them, "
   f"{accounts['full_walks']:.0f} full walks in {accounts['seconds']} s; CPU {accounts['cpu_percent']:.1f}% of a core, "
   f"peak RSS {accounts['peak_rss_mib']:.1f} MiB",
   "<= 1.1 calls per region per poll", ok(0 <= accounts['sim_calls_per_region_per_poll'] <= 1.1)),
  ("Accounts: the cold start (every scope's first full walk, 100 at once)",
   f"{accounts['full_walk_seconds']:.1f} s, {accounts['cold_start_calls']:,.0f} calls answered "
   f"({accounts['cold_start_calls'] / (accounts['accounts'] * accounts['regions']):.1f} per scope; a walk is {accounts['full_walk_calls']})", "", ""),
  (f"ECS end to end: API calls per region per poll, as the simulator answered them ({ecs['regions']} regions x {ecs['retained']:,} invocations x {ecs['instances']} instances, 1 s polls, {seconds} s; the Timed listing every 12th poll included)",
   f"{ecs['sim_calls_per_region_per_poll']:.2f} (the daemon counted {ecs['calls_per_region_per_poll']:.2f})",
   "<= 1.1", ok(0 <= ecs['sim_calls_per_region_per_poll'] <= 1.1)),
  (f"ECS: detection latency at {ecs30['interval']} s polls, without event hints",
   latency(ecs30), f"p99 <= {ecs30['interval'] + 2} s (interval + 2 s), none missed",
   ok(0 <= ecs30['latency_p99_ms'] <= (ecs30['interval'] + 2) * 1000 and ecs30['alerts_missed'] == 0)),
  (f"ECS: detection latency at {ecs_hints['interval']} s polls, with EventBridge's TaskCompleted hints (every finished execution pushed)",
   latency(ecs_hints) + f"; {ecs_hints['hinted_polls'] / ecs_hints['regions'] / (ecs_hints['seconds'] / 60):.1f} "
   f"hinted polls per region per minute, {ecs_hints['sim_calls_per_region_per_poll']:.2f} calls per poll",
   "p99 <= 2 s, none missed", ok(0 <= ecs_hints['latency_p99_ms'] <= 2000 and ecs_hints['alerts_missed'] == 0)),
  (f"SWAS and ECS together: {both['regions']} regions x {both['retained']:,} invocations for each product, 1 s polls",
   f"peak RSS {both['peak_rss_mib']:.1f} MiB ({both['tracked_pairs']:,.0f} pairs); "
   f"{both['sim_calls_per_region_per_poll']:.2f} calls per region per poll", "", ""),
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
print(f"Machine: {cpu}, {cores} cores, {memory} GiB memory; {when}; revision {rev}; `make bench`, "
      "written whole by it (no figure edited by hand)\n")
print("| benchmark | figure | target | |")
print("|---|---|---|---|")
for name, figure, target, verdict in rows:
    print(f"| {name} | {figure} | {target} | {verdict} |")
mid, end = soak["middle"], soak["end"]
growth = lambda a, b: f"{(b - a) / a * 100:+.0f}%" if a > 0 else "n/a"
print(f"\n**Soak** (revision {rev}): {soak['regions']} regions, 30% of API calls throttled, 1 s polls, "
      f"{soak['seconds']} s, SIGTERM and restart at half time; `state.retention` {soak['retention_seconds']} s "
      f"(a sixth of the run), full walks every {soak['retention_seconds'] // 2} s; largest WAL "
      f"{soak['max_wal_mib']:.2f} MiB; {soak['deliveries']} webhook deliveries; both daemons alive and stopped cleanly: "
      f"{'yes' if soak['first_alive'] and soak['second_alive'] else '**no**'}. From the middle to the end: "
      f"RSS {growth(mid['rss_mib'], end['rss_mib'])} (bound +10% + 1 MiB), state file "
      f"{growth(mid['state_mib'], end['state_mib'])} (bound +10% + 0.5 MiB). The start is before the "
      "daemon holds a retention's worth of history, and is not compared.\n")
print("| when | s | RSS MiB | open fds | WAL MiB | state MiB |")
print("|---|---|---|---|---|---|")
for name, key in [("start", "start"), ("middle (before the restart)", "middle"),
                  ("after the restart", "after_restart"), ("end", "end")]:
    x = soak[key]
    print(f"| {name} | {x['seconds']:.0f} | {x['rss_mib']:.1f} | {x['fds']} | {x['wal_mib']:.2f} | {x['state_mib']:.2f} |")
PY
if [[ $out == tests/bench/results.md ]]; then
  python3 scripts/check_bench_results.py . --copy-to-readme
fi
cat "$out"
