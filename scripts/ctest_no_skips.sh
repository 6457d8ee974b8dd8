#!/usr/bin/env bash
# ctest with its arguments, in the current build directory; under CI (CI set, run as root) a
# test reported as skipped (a tmpfs it could not mount, say) fails the run: a skip there means
# a test that proves nothing, and it must not pass as green.
set -uo pipefail
log=$(mktemp)
trap 'rm -f "$log"' EXIT
ctest "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
if [ -n "${CI:-}" ] && grep -q '\*\*\*Skipped' "$log"; then
  echo "ctest_no_skips: under CI every test must run; skipped:" >&2
  grep '\*\*\*Skipped' "$log" >&2
  exit 1
fi
exit "$rc"
