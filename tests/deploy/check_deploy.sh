#!/usr/bin/env bash
# deploy_manifests (make test): deploy/kubernetes and deploy/compose validated offline.
#   - the PrometheusRule is made from deploy/prometheus/alerts.yml (one source of truth);
#   - kubectl kustomize renders each overlay (single, ha, sharded), and every object it renders
#     validates against the Kubernetes and prometheus-operator schemas (kubernetes-models); the
#     rendered PrometheusRule passes promtool check rules;
#   - each overlay's configuration, and the compose stack's, passes the daemon's --check-config;
#   - the compose file validates against the compose specification's schema, its Prometheus and
#     Alertmanager configurations pass promtool and amtool;
#   - yamllint finds nothing in deploy/;
#   - the images named are this version's;
#   - and a broken manifest and a broken compose file are refused.
#
#   tests/deploy/check_deploy.sh SOURCE_DIR DAEMON
set -euo pipefail
root=$(realpath "$1")
daemon=$(realpath "$2")
here="$root/tests/deploy"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "check_deploy: $*" >&2
  exit 1
}

command -v kubectl >/dev/null || fail "kubectl (with kustomize v5) is needed: not installed"
[ -d "$here/node_modules" ] || fail "run make node-deps (npm ci in tests/deploy)"
version=$(sed -n 's/^project(swas_invocation_monitor VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")

python3 "$root/scripts/prometheus_rule.py" --check "$root"

# Fake secrets where the configurations read them.
mkdir -p "$work/secrets"
for f in access_key_secret prod_access_key_secret staging_access_key_secret dingtalk_secret \
  ak_secret; do
  echo "not-a-real-secret-0123456789" >"$work/secrets/$f"
done
echo "https://oapi.dingtalk.com/robot/send?access_token=x" >"$work/secrets/dingtalk_url"
echo "https://hooks.example.com/ops" >"$work/secrets/ops_webhook_url"
chmod 0600 "$work/secrets"/*

for overlay in single ha sharded; do
  out="$work/$overlay.yaml"
  kubectl kustomize "$root/deploy/kubernetes/overlays/$overlay" >"$out" ||
    fail "kubectl kustomize deploy/kubernetes/overlays/$overlay failed"
  node "$here/validate_kubernetes.mjs" "$out"
  python3 - "$out" "$work/$overlay" "$version" <<'PY'
import sys, yaml
path, prefix, version = sys.argv[1], sys.argv[2], sys.argv[3]
docs = [d for d in yaml.safe_load_all(open(path)) if d]
by_kind = {d["kind"]: d for d in docs}
yaml.safe_dump(by_kind["PrometheusRule"]["spec"], open(prefix + ".rules.yml", "w"))
open(prefix + ".config.yaml", "w").write(by_kind["ConfigMap"]["data"]["config.yaml"])
image = by_kind["StatefulSet"]["spec"]["template"]["spec"]["containers"][0]["image"]
if image != "swas-invocation-monitor:" + version:
    sys.exit(f"{path}: the image is {image}, not swas-invocation-monitor:{version}")
PY
  promtool check rules "$work/$overlay.rules.yml" >/dev/null ||
    fail "$overlay: promtool check rules refused the PrometheusRule"
  POD_INDEX=1 CREDENTIALS_DIRECTORY="$work/secrets" "$daemon" --config "$work/$overlay.config.yaml" \
    --check-config >"$work/$overlay.check" 2>&1 ||
    fail "$overlay: the configuration does not pass --check-config: $(cat "$work/$overlay.check")"
  echo "check_deploy: $overlay: rendered, schemas, rules and configuration OK"
done

compose="$root/deploy/compose"
node "$here/validate_compose.mjs" "$compose/compose.yaml"
grep -q "image: swas-invocation-monitor:$version$" "$compose/compose.yaml" ||
  fail "compose.yaml does not run swas-invocation-monitor:$version"
cp "$compose/prometheus.yml" "$root/deploy/prometheus/alerts.yml" "$work/"
promtool check config "$work/prometheus.yml" >/dev/null || fail "compose: promtool check config"
amtool check-config "$compose/alertmanager.yml" >/dev/null || fail "compose: amtool check-config"
CREDENTIALS_DIRECTORY="$work/secrets" "$daemon" --config "$compose/config.yaml" --check-config \
  >"$work/compose.check" 2>&1 ||
  fail "compose: the configuration does not pass --check-config: $(cat "$work/compose.check")"
echo "check_deploy: compose: schema, Prometheus, Alertmanager and configuration OK"

yamllint -c "$root/deploy/.yamllint" "$root/deploy" || fail "yamllint found problems in deploy/"
echo "check_deploy: yamllint: deploy/ OK"

# What must be refused is.
if node "$here/validate_kubernetes.mjs" "$here/broken.yaml" 2>"$work/broken.err"; then
  fail "the broken manifest tests/deploy/broken.yaml passed"
fi
grep -q 'containerPort must be integer' "$work/broken.err" || fail "$(cat "$work/broken.err")"
grep -q 'selector must be object' "$work/broken.err" || fail "$(cat "$work/broken.err")"
if node "$here/validate_compose.mjs" "$here/broken_compose.yaml" 2>"$work/compose.err"; then
  fail "the broken compose file tests/deploy/broken_compose.yaml passed"
fi
grep -q 'additional properties (portz)' "$work/compose.err" || fail "$(cat "$work/compose.err")"
grep -q 'does not exist' "$work/compose.err" || fail "$(cat "$work/compose.err")"
echo "check_deploy: a broken manifest and a broken compose file are refused"
