#!/usr/bin/env python3
"""No class or struct body under daemon/ over 200 lines (from its opening line to its closing
brace, member functions defined inside included). A body that large holds more than one job.

KNOWN lists bodies allowed over the bound, with their size: each may shrink, never grow, and
must leave the list once within the bound. It is empty: the last five left it when their parts
became rooms or functions of their own (Dispatcher::Impl's outbox and housekeeping; an easy
handle's configuration and callbacks out of CurlHttpClient::Impl; Session's and Parser's longer
members defined out of line; Metrics::Impl's status gauges). A class over 200 fails.

  class_sizes.py ROOT"""
import pathlib
import re
import sys

LIMIT = 200
KNOWN: dict[str, int] = {}
START = re.compile(r"^\s*(?:template\s*<[^>]*>\s*)?(?:class|struct)\s+(?:\[\[[^\]]*\]\]\s*)?"
                   r"([A-Za-z_][\w:]*)[^;{()]*\{\s*(?://.*)?$")


def code(line):
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])*'", "''", line)
    return line.split("//")[0]


def bodies(path):
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        m = START.match(line)
        if not m:
            continue
        depth = 0
        for j in range(i, len(lines)):
            depth += code(lines[j]).count("{") - code(lines[j]).count("}")
            if depth <= 0:
                yield m.group(1), i + 1, j - i + 1
                break


root = pathlib.Path(sys.argv[1])
failed = False
seen = set()
for path in sorted(root.glob("daemon/**/*")):
    if path.suffix not in (".cc", ".h"):
        continue
    rel = path.relative_to(root).as_posix()
    for name, line, size in bodies(path):
        key = f"{rel}: {name}"
        bound = KNOWN.get(key, LIMIT)
        if key in KNOWN:
            seen.add(key)
            if size <= LIMIT:
                print(f"sizes: {rel}:{line}: class {name} is within {LIMIT} lines now: take it off "
                      "scripts/class_sizes.py's list")
                failed = True
        if size > bound:
            what = f"grew past its {bound} lines" if key in KNOWN else f"is over {LIMIT} lines"
            print(f"sizes: {rel}:{line}: class {name} has a body of {size} lines: it {what}; "
                  "split it by job")
            failed = True
for key in sorted(set(KNOWN) - seen):
    print(f"sizes: scripts/class_sizes.py lists {key}, which is gone: take it off the list")
    failed = True
sys.exit(1 if failed else 0)
