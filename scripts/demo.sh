#!/usr/bin/env bash
# make demo: swas-sim with the demo scenario, and the daemon polling it. Every failed execution
# is printed as it is detected (alert delivery arrives with its own issue), and the daemon serves
# /metrics on 127.0.0.1:9786. Ctrl-C stops.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
fifo="$work/sim.fifo"; mkfifo "$fifo"
./build/swas-sim --listen 127.0.0.1:0 --scenario config/demo-scenario.yaml >"$fifo" &
sim=$!
trap 'kill $sim 2>/dev/null; rm -rf "$work"' EXIT
read -r line <"$fifo"
echo "swas-sim: $line (AccessKey testid / testsecret)"
cat >"$work/config.yaml" <<YAML
credentials: {access_key_id: testid, access_key_secret: testsecret}
api: {endpoint: "http://${line#listening on }"}
poll: {interval: 2s, jitter: 0.1}
regions:
  - region_id: cn-hangzhou
  - region_id: ap-southeast-1
state: {path: $work/state.db}
YAML
echo "daemon: $(./build/swas-invocation-monitor --version), config $work/config.yaml"
echo "failed executions as the daemon detects them (the first poll reports recent history);"
echo "metrics on http://127.0.0.1:9786/metrics; every transition with --log-level debug:"
./build/swas-invocation-monitor --config "$work/config.yaml" "$@"
