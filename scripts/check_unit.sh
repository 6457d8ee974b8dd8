#!/usr/bin/env bash
# The systemd unit: `systemd-analyze verify` passes (with ExecStart pointed at the built binary)
# and its exposure under `systemd-analyze security` is at most 1.5; memory is fenced.
set -euo pipefail
unit=$1 binary=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s#/usr/bin/swas-invocation-monitor#$binary#g" "$unit" >"$work/$(basename "$unit")"
systemd-analyze verify "$work/$(basename "$unit")"
for key in MemoryHigh MemoryMax LimitNOFILE; do
  grep -q "^$key=" "$unit" || { echo "$unit: no $key= (the last fence on what peers can make it hold)"; exit 1; }
done
systemd-analyze security --offline=yes --threshold=15 "$unit" | tail -1
