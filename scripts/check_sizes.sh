#!/usr/bin/env bash
# Room sizes as a test: no file under daemon/ (every level) over 450 lines, no function over 60
# (clang-tidy's readability-function-size, lines including blank ones and comments), no class
# or struct body over 200 lines (scripts/class_sizes.py; the few that are over are listed there,
# each at its size today, and may only shrink), and no file under tests/ over 800 lines (split
# by subject); and, in the same clang-tidy pass, every name by .clang-tidy's naming rules. A
# source clang-tidy cannot parse fails the check rather than passing unmeasured.
#   check_sizes.sh [ROOT] [BUILD_DIR with compile_commands.json]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
build=${2:-$root/build}
max_file=450
max_test_file=800
max_function=60
failed=0
while read -r lines file; do
  [[ "$file" == total ]] && continue
  if ((lines > max_file)); then
    echo "sizes: $file has $lines lines (at most $max_file)"
    failed=1
  fi
done < <(cd "$root" && find daemon -name '*.cc' -o -name '*.h' | sort | xargs wc -l)
while read -r lines file; do
  [[ "$file" == total ]] && continue
  if ((lines > max_test_file)); then
    echo "sizes: $file has $lines lines (at most $max_test_file for a test file: split it by subject)"
    failed=1
  fi
done < <(cd "$root" && find tests -path '*/node_modules' -prune -o \( -name '*.cc' -o -name '*.h' \) \
  -print | sort | xargs wc -l)
python3 "$root/scripts/class_sizes.py" "$root" || failed=1
tidy=$(command -v clang-tidy-16 || true)
if [[ -z "$tidy" ]]; then
  echo "sizes: clang-tidy-16 is missing (make deps installs it)"
  exit 1
fi
# The same pass checks the naming rules of .clang-tidy (readability-identifier-naming): its
# options, with the function size's.
config=$(mktemp)
trap 'rm -f "$config"' EXIT
{
  echo "Checks: '-*,readability-function-size,readability-identifier-naming'"
  echo "CheckOptions:"
  echo "  - { key: readability-function-size.LineThreshold, value: $max_function }"
  grep -E '^\s+- \{ key: readability-identifier-naming\.' "$root/.clang-tidy"
} >"$config"
# libstdc++ 12's <expected> and Asio's coroutines, as clang 16 needs them spelled out.
args=(--quiet -p "$build" --extra-arg=-std=c++2b --extra-arg=-Wno-unknown-warning-option
  --extra-arg=-D__cpp_concepts=202002L --extra-arg=-Wno-macro-redefined
  --extra-arg=-DBOOST_ASIO_HAS_CO_AWAIT=1 --extra-arg=-DBOOST_ASIO_HAS_STD_COROUTINE=1
  "--header-filter=/daemon/" "--config-file=$config")
# Functions in headers are measured too (once, however many sources include them).
status=0
report=$(cd "$root" && find daemon -name '*.cc' | sort | xargs -P 2 -n 4 "$tidy" "${args[@]}" 2>&1) ||
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
naming=$(grep -E "warning: .*\[readability-identifier-naming\]" <<<"$report" | sort -u || true)
if [[ -n "$naming" ]]; then
  echo "naming: names that break .clang-tidy's rules:"
  sed "s|^$root/||" <<<"$naming"
  failed=1
fi
if [[ $failed -eq 0 ]]; then
  echo "sizes: every file in daemon/ within $max_file lines, every function within $max_function," \
    "every class within its bound, every test file within $max_test_file"
fi
exit $failed
