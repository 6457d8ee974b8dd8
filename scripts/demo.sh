#!/usr/bin/env bash
# make demo: swas-sim with the demo scenario. Until the poll engine lands (issue 3) the daemon
# cannot poll yet, so the demo shows the simulator's ground truth of failing executions, the
# events the daemon will alert on, as they happen. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
fifo=$(mktemp -u); mkfifo "$fifo"
state=$(mktemp)
./build/swas-sim --listen 127.0.0.1:0 --scenario config/demo-scenario.yaml >"$fifo" &
sim=$!
trap 'kill $sim 2>/dev/null; rm -f "$fifo" "$state"' EXIT
read -r line <"$fifo"
echo "swas-sim: $line (AccessKey testid / testsecret)"
url="http://127.0.0.1:${line##*:}"
echo "daemon: $(./build/swas-invocation-monitor --version); polling arrives with the poll engine (issue 3)"
echo "failing executions as the simulator produces them:"
seen=0
while kill -0 $sim 2>/dev/null; do
  curl -s "$url/_sim/stats" | python3 -c '
import json, sys
seen = int(sys.argv[1]); truth = json.load(sys.stdin)["truth"]
for t in truth[seen:]:
    if t["to"] in ("Failed", "Timeout", "Error", "Invalid", "Aborted"):
        print("  t=%7.1fs %s %s on %s: %s -> %s" % (t["time"], t["region_id"], t["invoke_id"],
                                                  t["instance_id"], t["from"], t["to"]), flush=True)
print(len(truth), file=sys.stderr)' "$seen" 2>"$state"
  seen=$(tail -n1 "$state")
  sleep 2
done
