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
#   - the objects agree (selectors of the Service, the PodDisruptionBudget and the
#     ServiceMonitor find the pods; cluster.shards is the replica count, cluster.peers the pods'
#     names; nothing the daemon writes is on the read-only root), which no schema sees;
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

command -v kubectl >/dev/null || fail "kubectl 1.27 or later (kustomize v5) is needed: not installed"
kustomize=$(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9]*\).*/\1/p')
[ "${kustomize:-0}" -ge 5 ] ||
  fail "kubectl's kustomize is not v5 (kubectl 1.27 or later is needed; Debian 12's is 1.20)"
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
  # What the schemas cannot see: the objects agree with each other and with the configuration.
  python3 - "$out" "$work/$overlay" "$version" <<'PY' || fail "$overlay: the objects do not agree"
import sys, yaml
path, prefix, version = sys.argv[1], sys.argv[2], sys.argv[3]
docs = [d for d in yaml.safe_load_all(open(path)) if d]
by_kind = {d["kind"]: d for d in docs}
problems = []
def check(ok, message):
    if not ok:
        problems.append(message)
sts, svc = by_kind["StatefulSet"], by_kind["Service"]
pod = sts["spec"]["template"]
pod_labels = pod["metadata"]["labels"]
def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())
check(selects(sts["spec"]["selector"]["matchLabels"], pod_labels), "StatefulSet: its selector misses its pods")
check(selects(svc["spec"]["selector"], pod_labels), "Service: its selector misses the pods")
check(selects(by_kind["PodDisruptionBudget"]["spec"].get("selector", {}).get("matchLabels"), pod_labels),
      "PodDisruptionBudget: its selector misses the pods (it would protect none)")
monitor = by_kind["ServiceMonitor"]["spec"]
check(selects(monitor["selector"]["matchLabels"], svc["metadata"]["labels"]), "ServiceMonitor: misses the Service")
ports = {p["name"] for p in svc["spec"]["ports"]}
check(all(e["port"] in ports for e in monitor["endpoints"]), "ServiceMonitor: a port the Service has not")
check(sts["spec"]["serviceName"] == svc["metadata"]["name"], "StatefulSet: serviceName is not the Service")
container = pod["spec"]["containers"][0]
image = container["image"]
check(image.rsplit(":", 1)[-1] == version, f"the image {image} is not version {version}")
mounts = {m["mountPath"] for m in container["volumeMounts"]}
for needed in ("/etc/swas-invocation-monitor", "/var/lib/swas-invocation-monitor", "/tmp"):
    check(needed in mounts, f"nothing mounted at {needed} (the root is read-only)")
check(container["securityContext"].get("readOnlyRootFilesystem") is True, "the root is not read-only")
config = yaml.safe_load(by_kind["ConfigMap"]["data"]["config.yaml"])
cluster = config.get("cluster", {})
replicas = sts["spec"].get("replicas", 1)
check(cluster.get("shards", 1) == replicas, f"cluster.shards {cluster.get('shards', 1)} is not the {replicas} replicas")
name, service = sts["metadata"]["name"], svc["metadata"]["name"]
for i, peer in enumerate(cluster.get("peers", [])):
    check(peer.startswith(f"http://{name}-{i}.{service}:"), f"cluster.peers[{i}] {peer} is not pod {i}'s name")
open(prefix + ".rules.yml", "w").write(yaml.safe_dump(by_kind["PrometheusRule"]["spec"]))
open(prefix + ".config.yaml", "w").write(by_kind["ConfigMap"]["data"]["config.yaml"])
open(prefix + ".replicas", "w").write(str(replicas))
for p in problems:
    print(f"{path}: {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
  promtool check rules "$work/$overlay.rules.yml" >/dev/null ||
    fail "$overlay: promtool check rules refused the PrometheusRule"
  for ((index = 0; index < $(cat "$work/$overlay.replicas"); ++index)); do
    POD_INDEX=$index CREDENTIALS_DIRECTORY="$work/secrets" "$daemon" \
      --config "$work/$overlay.config.yaml" --check-config >"$work/$overlay.check" 2>&1 ||
      fail "$overlay: pod $index's configuration does not pass --check-config: $(cat "$work/$overlay.check")"
  done
  echo "check_deploy: $overlay: rendered, schemas, rules and configuration OK"
done

compose="$root/deploy/compose"
node "$here/validate_compose.mjs" "$compose/compose.yaml"
if grep 'image: swas-invocation-monitor' "$compose/compose.yaml" | grep -vq ":$version$"; then
  fail "compose.yaml runs a swas-invocation-monitor image other than $version"
fi
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
