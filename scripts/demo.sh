#!/usr/bin/env bash
# make demo: swas-sim with the demo scenario, the daemon polling it, a webhook receiver that
# prints every alert the daemon delivers (firing, then resolved when the command later succeeds
# on that instance), and a DingTalk-style robot that prints the markdown messages it gets. The daemon serves /metrics on 127.0.0.1:9786. Ctrl-C stops.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
fifo="$work/sim.fifo"; mkfifo "$fifo"
./build/swas-sim --listen 127.0.0.1:0 --scenario config/demo-scenario.yaml >"$fifo" &
sim=$!
read -r line <"$fifo"
echo "swas-sim: $line (AccessKey testid / testsecret)"
hookfifo="$work/hook.fifo"; mkfifo "$hookfifo"
python3 scripts/demo_receiver.py >"$hookfifo" &
hook=$!
trap 'kill $sim $hook 2>/dev/null; rm -rf "$work"' EXIT
read -r hookline <"$hookfifo"
cat "$hookfifo" &
cat >"$work/config.yaml" <<YAML
credentials: {access_key_id: testid, access_key_secret: testsecret}
api: {endpoint: "http://${line#listening on }"}
poll: {interval: 2s, jitter: 0.1}
regions:
  - region_id: cn-hangzhou
  - region_id: ap-southeast-1
state: {path: $work/state.db}
alerts:
  timezone: Asia/Shanghai
  receivers:
    - {name: demo, type: webhook, url: "http://${hookline#listening on }/hook"}
    - {name: oncall, type: dingtalk, url: "http://${hookline#listening on }/robot/send?access_token=demo"}
YAML
echo "daemon: $(./build/swas-invocation-monitor --version), config $work/config.yaml"
echo "webhook receiver: ${hookline#listening on }; metrics: http://127.0.0.1:9786/metrics"
echo "alerts as the receiver gets them, and every 10 s what the daemon tracks:"
# Every 10 s: executions by per-instance status, from the daemon's own metrics.
(while sleep 10; do
  curl -sf http://127.0.0.1:9786/metrics | awk -F'[{}" ]' '
    /^swas_invocation_instances\{/ { for (i = 1; i <= NF; i++) if ($i == "invocation_status=") s = $(i + 1); n[s] += $NF }
    /^swas_alerts_firing / { firing = $NF }
    END { line = ""; for (s in n) if (n[s] > 0) line = line " " s "=" n[s]
          if (line != "") printf "[tracking] executions:%s; alerts firing: %d\n", line, firing }'
done) &
trap 'kill $sim $hook $! 2>/dev/null; rm -rf "$work"' EXIT
./build/swas-invocation-monitor --config "$work/config.yaml" --log-level error "$@"
