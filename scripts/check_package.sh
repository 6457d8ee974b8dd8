#!/usr/bin/env bash
# make test-package: the .deb has what an operator needs, runs from its unpacked tree, declares
# its runtime libraries, keeps the configuration as a conffile, and lintian finds no error.
set -euo pipefail
deb=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "check_package: $*" >&2; exit 1; }

dpkg-deb -c "$deb" | awk '{print $6}' >"$work/contents"
for path in ./usr/bin/swas-invocation-monitor \
            ./etc/swas-invocation-monitor/config.yaml \
            ./lib/systemd/system/swas-invocation-monitor.service \
            ./usr/share/swas-invocation-monitor/prometheus/prometheus.yml \
            ./usr/share/swas-invocation-monitor/prometheus/alerts.yml \
            ./usr/share/swas-invocation-monitor/alertmanager/alertmanager.yml \
            ./usr/share/swas-invocation-monitor/grafana/swas-invocation-monitor.json \
            ./usr/share/doc/swas-invocation-monitor/copyright \
            ./usr/share/doc/swas-invocation-monitor/changelog.gz \
            ./usr/share/doc/swas-invocation-monitor/README.md; do
  grep -qx "$path" "$work/contents" || fail "missing $path"
done

dpkg-deb -e "$deb" "$work/control"
grep -qx /etc/swas-invocation-monitor/config.yaml "$work/control/conffiles" ||
  fail "config.yaml is not a conffile"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in tzdata libdate-tz3 libcurl4 libsqlite3-0 libyaml-cpp0.7 libprometheus-cpp-core1.0 libssl3 libc6; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done

dpkg-deb -x "$deb" "$work/root"
"$work/root/usr/bin/swas-invocation-monitor" --version | grep -q '^swas-invocation-monitor ' ||
  fail "the packaged binary does not run"
"$work/root/usr/bin/swas-invocation-monitor" --config "$work/root/etc/swas-invocation-monitor/config.yaml" \
  --check-config >/dev/null 2>"$work/check.err" || grep -q 'SWAS_ACCESS_KEY_ID' "$work/check.err" ||
  fail "the packaged example configuration is invalid: $(cat "$work/check.err")"

lintian --fail-on error --suppress-tags no-manual-page "$deb" | tee "$work/lintian" || fail "lintian reports errors"
echo "check_package: $(basename "$deb") OK (Depends: $depends)"
