#!/usr/bin/env python3
"""tests/bench/results.md is one `make bench` run at one committed revision, and the README's
Performance section holds the same text.

  check_bench_results.py ROOT                   the check (make test)
  check_bench_results.py ROOT --copy-to-readme  what `make bench` does after writing results.md

Fails when results.md names no revision, names two, names one that is not an ancestor of HEAD
(figures of code that is not this code's past), or names a tree with uncommitted changes."""
import pathlib
import re
import subprocess
import sys

root = pathlib.Path(sys.argv[1])
results_path = root / "tests/bench/results.md"
readme_path = root / "README.md"
results = results_path.read_text()
begin, end = "<!-- bench:begin (written by make bench) -->\n", "<!-- bench:end -->"

if "--copy-to-readme" in sys.argv[2:]:
    readme = readme_path.read_text()
    if begin not in readme or end not in readme:
        sys.exit("README.md: the benchmark markers are missing")
    readme = readme[:readme.index(begin) + len(begin)] + results + readme[readme.index(end):]
    readme_path.write_text(readme)
    print("README.md: the benchmark results copied from tests/bench/results.md")
    sys.exit(0)

revisions = set(re.findall(r"\brevision ([0-9a-f]{7,40}(?:-dirty)?)\b", results))
if not revisions:
    sys.exit("tests/bench/results.md names no revision: regenerate it with make bench")
if len(revisions) > 1:
    sys.exit(f"tests/bench/results.md mixes revisions {sorted(revisions)}: regenerate it whole "
             "with make bench")
revision = revisions.pop()
if revision.endswith("-dirty"):
    sys.exit(f"tests/bench/results.md was measured on uncommitted changes ({revision})")
ancestor = subprocess.run(["git", "-C", str(root), "merge-base", "--is-ancestor", revision, "HEAD"],
                          capture_output=True, text=True)
if ancestor.returncode != 0:
    sys.exit(f"tests/bench/results.md names revision {revision}, not an ancestor of HEAD "
             f"{ancestor.stderr.strip()}")
for field in ("Machine:", "cores", "GiB memory"):
    if field not in results.splitlines()[0]:
        sys.exit("tests/bench/results.md: the first line names the machine (CPU, cores, memory) "
                 "and the date")
if not re.search(r"\b\d{4}-\d{2}-\d{2}\b", results.splitlines()[0]):
    sys.exit("tests/bench/results.md: the first line has no date")
readme = readme_path.read_text()
if begin not in readme or end not in readme:
    sys.exit("README.md: the benchmark markers are missing")
if readme[readme.index(begin) + len(begin):readme.index(end)] != results:
    sys.exit("README.md's benchmark table differs from tests/bench/results.md; make bench writes "
             "both (scripts/check_bench_results.py . --copy-to-readme)")
print(f"tests/bench/results.md: one revision ({revision}), an ancestor of HEAD; README's copy "
      "is the same")
