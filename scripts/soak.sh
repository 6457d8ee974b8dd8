#!/usr/bin/env bash
# make soak: resource flatness over SOAK_SECONDS (default 1800) with a restart midway; the
# figures replace the "Soak" section of tests/bench/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SOAK_SECONDS:-1800}
out=tests/bench/results.md
echo "soak: 10 regions, 30% throttled, 1 s polls, ${seconds} s, restarted at half time..." >&2
json=$(./build/tests/bench/soak_bench --seconds "$seconds" --check --max-wal-mib 8)
python3 - "$out" "$json" "$(git describe --always --dirty)" <<'PY'
import json, sys
out, data, rev = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
rows = [("start", data["start"]), ("middle (before the restart)", data["middle"]),
        ("after the restart", data["after_restart"]), ("end", data["end"])]
section = [f"\n## Soak\n",
           f"`make soak` at revision {rev}: {data['regions']} regions, 30% of API calls throttled, "
           f"1 s polls, {data['seconds']} s, SIGTERM and restart at half time; largest WAL "
           f"{data['max_wal_mib']:.2f} MiB; {data['deliveries']} webhook deliveries.\n",
           "| when | s | RSS MiB | open fds | WAL MiB | state MiB |", "|---|---|---|---|---|---|"]
for name, s in rows:
    section.append(f"| {name} | {s['seconds']:.0f} | {s['rss_mib']:.1f} | {s['fds']} | "
                   f"{s['wal_mib']:.2f} | {s['state_mib']:.2f} |")
text = open(out).read()
if "\n## Soak\n" in text:
    text = text[:text.index("\n## Soak\n")]
open(out, "w").write(text.rstrip("\n") + "\n" + "\n".join(section) + "\n")
PY
sed -n '/## Soak/,$p' "$out"
