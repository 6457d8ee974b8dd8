#!/usr/bin/env bash
# Room sizes as a test: no file in daemon/ over 450 lines, no function over 60 (clang-tidy's
# readability-function-size, lines including blank ones and comments). A source clang-tidy
# cannot parse fails the check rather than passing unmeasured.
#   check_sizes.sh [ROOT] [BUILD_DIR with compile_commands.json]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
build=${2:-$root/build}
max_file=450
max_function=60
failed=0
while read -r lines file; do
  [[ "$file" == total ]] && continue
  if ((lines > max_file)); then
    echo "sizes: $file has $lines lines (at most $max_file)"
    failed=1
  fi
done < <(cd "$root" && wc -l daemon/*/*.cc daemon/*/*.h daemon/*.cc)
tidy=$(command -v clang-tidy-16 || true)
if [[ -z "$tidy" ]]; then
  echo "sizes: clang-tidy-16 is missing (make deps installs it)"
  exit 1
fi
# libstdc++ 12's <expected> and Asio's coroutines, as clang 16 needs them spelled out.
args=(--quiet -p "$build" --extra-arg=-std=c++2b --extra-arg=-Wno-unknown-warning-option
  --extra-arg=-D__cpp_concepts=202002L --extra-arg=-Wno-macro-redefined
  --extra-arg=-DBOOST_ASIO_HAS_CO_AWAIT=1 --extra-arg=-DBOOST_ASIO_HAS_STD_COROUTINE=1
  "--header-filter=/daemon/" "--checks=-*,readability-function-size"
  "--config={CheckOptions: [{key: readability-function-size.LineThreshold, value: $max_function}]}")
# Functions in headers are measured too (once, however many sources include them).
status=0
report=$(cd "$root" && ls daemon/*/*.cc daemon/*.cc | xargs -P 2 -n 4 "$tidy" "${args[@]}" 2>&1) ||
  status=$?
if ((status != 0)) || grep -q "clang-diagnostic-error" <<<"$report"; then
  echo "sizes: clang-tidy could not measure every source (exit $status):"
  grep -E "error|Error" <<<"$report" | head -5
  failed=1
fi
while read -r where name; do
  lines=$(grep -F "$where: note: " <<<"$report" | sed -n 's/.*note: \([0-9]*\) lines.*/\1/p' | head -1)
  echo "sizes: function $name at ${where#"$root"/} has ${lines:-more than $max_function} lines (at most $max_function)"
  failed=1
done < <(sed -n "s/^\(.*:[0-9]*:[0-9]*\): warning: function \('[^']*'\) exceeds.*/\1 \2/p" <<<"$report" |
  sort -u)
if [[ $failed -eq 0 ]]; then
  echo "sizes: every file in daemon/ within $max_file lines, every function within $max_function"
fi
exit $failed
