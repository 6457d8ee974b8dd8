#!/usr/bin/env bash
# cmake --install puts every file where the unit and the README say, and keeps an existing
# configuration on a second install.
set -euo pipefail
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
DESTDIR=$dest cmake --install "$build" --prefix /usr >/dev/null
for f in usr/bin/swas-invocation-monitor etc/swas-invocation-monitor/config.yaml \
         lib/systemd/system/swas-invocation-monitor.service \
         usr/share/swas-invocation-monitor/prometheus/alerts.yml \
         usr/share/swas-invocation-monitor/alertmanager/alertmanager.yml \
         usr/share/doc/swas-invocation-monitor/copyright; do
  [ -e "$dest/$f" ] || { echo "check_install: missing /$f" >&2; exit 1; }
done
echo "# edited by the operator" >"$dest/etc/swas-invocation-monitor/config.yaml"
DESTDIR=$dest cmake --install "$build" --prefix /usr >/dev/null
grep -qx "# edited by the operator" "$dest/etc/swas-invocation-monitor/config.yaml" ||
  { echo "check_install: a second install overwrote the configuration" >&2; exit 1; }
echo "check_install: OK"
