#!/usr/bin/env bash
# Runs every libFuzzer target of build-fuzz for SECONDS each: first its seed corpus
# (tests/fuzz/corpus/<target>, replayed), then new inputs, kept in build-fuzz/corpus/<target>.
# A crash, leak or sanitizer report fails the run and leaves its input in build-fuzz/artifacts/;
# turn it into a unit test, then add it to the seed corpus.
set -euo pipefail
seconds=${1:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build-fuzz/tests/fuzz
mkdir -p "$root/build-fuzz/artifacts"
total_runs=0
failed=0
for seeds in "$root"/tests/fuzz/corpus/*/; do
  target=$(basename "$seeds")
  work=$root/build-fuzz/corpus/$target
  mkdir -p "$work"
  log=$root/build-fuzz/$target.log
  if ! "$bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$root/build-fuzz/artifacts/$target-" \
      "$work" "$seeds" >"$log" 2>&1; then
    echo "fuzz: $target FAILED; see $log and build-fuzz/artifacts/"
    tail -40 "$log"
    failed=1
    continue
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  corpus=$(find "$work" -type f | wc -l)
  total_runs=$((total_runs + ${runs:-0}))
  printf 'fuzz: %-24s %10s runs in %ss, corpus %s\n' "$target" "${runs:-0}" "$seconds" "$corpus"
done
echo "fuzz: $total_runs runs in all"
exit $failed
