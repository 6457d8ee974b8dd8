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

# Every runbook_url of the shipped alerting rules is a section of README.md, as GitHub anchors it.
import re


def anchor(heading):
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


# Headings outside code blocks (a YAML comment in a block is no heading).
anchors, fenced = set(), False
for line in readme.splitlines():
    if line.startswith("```"):
        fenced = not fenced
    elif line.startswith("#") and not fenced:
        anchors.add(anchor(line.lstrip("#")))
rules = (root / "deploy/prometheus/alerts.yml").read_text()
pairs = re.findall(r"^\s+- alert: (\w+)\n(?:(?!\s+- alert:).*\n)*?\s+runbook_url: \"([^\"]+)\"",
                   rules, re.M)
names = re.findall(r"^\s+- alert: (\w+)", rules, re.M)
if [name for name, _ in pairs] != names:
    sys.exit("deploy/prometheus/alerts.yml: every rule needs a runbook_url annotation")
prefix = "https://github.com/swas-invocation-monitor/swas-invocation-monitor/blob/main/README.md#"
for name, url in pairs:
    if url != prefix + name.lower() or name.lower() not in anchors:
        sys.exit(f"deploy/prometheus/alerts.yml: {name}'s runbook_url {url} is not its README section")
print(f"every rule's runbook_url ({len(pairs)}) is its section of README.md")
