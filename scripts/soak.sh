#!/usr/bin/env bash
# make soak: resource flatness over SOAK_SECONDS (default 1800) with a restart midway, checked
# against the soak's bounds (soak_bench --check) and printed. `make bench` runs the same soak
# (600 s by default) and writes it into tests/bench/results.md with every other figure.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SOAK_SECONDS:-1800}
echo "soak: 10 regions, 30% throttled, 1 s polls, ${seconds} s, restarted at half time..." >&2
./build/tests/bench/soak_bench --seconds "$seconds" --check --max-wal-mib 8 | python3 -c '
import json, sys
data = json.load(sys.stdin)
print("| when | s | RSS MiB | open fds | WAL MiB | state MiB |\n|---|---|---|---|---|---|")
for name, key in [("start", "start"), ("middle (before the restart)", "middle"),
                  ("after the restart", "after_restart"), ("end", "end")]:
    x = data[key]
    print(f"| {name} | {x[\"seconds\"]:.0f} | {x[\"rss_mib\"]:.1f} | {x[\"fds\"]} | "
          f"{x[\"wal_mib\"]:.2f} | {x[\"state_mib\"]:.2f} |")
print(f"largest WAL {data[\"max_wal_mib\"]:.2f} MiB; {data[\"deliveries\"]} webhook deliveries; "
      f"state.retention {data[\"retention_seconds\"]} s")
'
