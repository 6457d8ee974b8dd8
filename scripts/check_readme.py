#!/usr/bin/env python3
"""The configuration reference in README.md is the example file, verbatim."""
import pathlib
import sys

root = pathlib.Path(sys.argv[1])
readme = (root / "README.md").read_text()
begin, end = "<!-- config:begin -->\n```yaml\n", "```\n<!-- config:end -->"
if begin not in readme or end not in readme:
    sys.exit("README.md: the configuration reference markers are missing")
block = readme[readme.index(begin) + len(begin):readme.index(end)]
example = (root / "config/swas-invocation-monitor.yaml").read_text()
if block != example:
    sys.exit("README.md's configuration reference differs from config/swas-invocation-monitor.yaml;"
             " copy the file into the block between the markers")
print("README configuration reference matches the example file")
