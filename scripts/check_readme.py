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


anchors = {anchor(line.lstrip("#")) for line in readme.splitlines() if line.startswith("#")}
rules = (root / "deploy/prometheus/alerts.yml").read_text()
names = re.findall(r"^\s+- alert: (\w+)", rules, re.M)
urls = re.findall(r'runbook_url: "([^"]+)"', rules)
if len(urls) != len(names):
    sys.exit(f"deploy/prometheus/alerts.yml: {len(names)} rules but {len(urls)} runbook_url")
prefix = "https://github.com/swas-invocation-monitor/swas-invocation-monitor/blob/main/README.md#"
for url in urls:
    if not url.startswith(prefix) or url[len(prefix):] not in anchors:
        sys.exit(f"deploy/prometheus/alerts.yml: runbook_url {url} is not a section of README.md")
print(f"every rule's runbook_url ({len(urls)}) is a section of README.md")
