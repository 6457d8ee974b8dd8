#!/usr/bin/env python3
"""deploy/kubernetes/base/prometheusrule.yaml from deploy/prometheus/alerts.yml: one source of
truth for the alerting rules. The rule file's `groups:` becomes the PrometheusRule's spec, text
for text (comments too).

  scripts/prometheus_rule.py [ROOT]          writes it
  scripts/prometheus_rule.py --check [ROOT]  fails when it differs from what would be written
"""
import pathlib
import sys

args = [a for a in sys.argv[1:] if a != "--check"]
root = pathlib.Path(args[0] if args else ".")
rules = (root / "deploy/prometheus/alerts.yml").read_text()
target = root / "deploy/kubernetes/base/prometheusrule.yaml"
header = """# Made by scripts/prometheus_rule.py from deploy/prometheus/alerts.yml: edit that file, then
# run the script (make test fails while the two differ).
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: swas-invocation-monitor
spec:
"""
body = "".join(("  " + line if line.strip() else line) for line in rules.splitlines(True))
text = header + body
if "--check" in sys.argv:
    if not target.exists() or target.read_text() != text:
        sys.exit(f"{target}: not made from deploy/prometheus/alerts.yml; run scripts/prometheus_rule.py")
    print(f"{target}: made from deploy/prometheus/alerts.yml")
else:
    target.write_text(text)
