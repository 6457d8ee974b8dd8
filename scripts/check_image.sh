#!/usr/bin/env bash
# make test-image: the image made by make image, run with runc as a container runtime would run
# it (its own user, a read-only root filesystem, the configuration and the state mounted):
#   1. what it holds: a non-root user, the entrypoint, the port, the labels, CA certificates and
#      the time zone database;
#   2. --check-config of a configuration using alerts.timezone (read from the image's tzdata);
#   3. --once against swas-sim running on the host: the transitions as JSON lines;
#   4. the daemon itself, serving /healthz and /metrics from inside the container until SIGTERM.
# runc needs root (and so does make image, for mmdebstrap): without it the test says so and is
# skipped (exit 0); make test runs as root.
#
#   scripts/check_image.sh OUT SWAS_SIM
set -euo pipefail
out=$(realpath "$1")
sim_bin=$(realpath "$2")
name=swas-invocation-monitor
fail() {
  echo "check_image: $*" >&2
  exit 1
}
if [ "$(id -u)" != 0 ]; then
  echo "check_image: SKIPPED: running the image with runc needs root (run make test-image as root)"
  exit 0
fi
work=$(mktemp -d)
container="swas-check-$$"
cleanup() {
  runc kill "$container" KILL 2>/dev/null || true
  runc delete --force "$container" 2>/dev/null || true
  [ -n "${sim:-}" ] && kill "$sim" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

version=$(umoci ls --layout "$out/oci" | head -1)
[ -n "$version" ] || fail "no tag in $out/oci"
config=$(skopeo inspect --config "oci:$out/oci:$version")
check() { python3 -c "import json,sys; c=json.loads(sys.argv[1]); $1" "$config" || fail "$2"; }
check 'assert c["config"]["User"] == "65532:65532"' "the image's user is not 65532:65532"
check 'assert c["config"]["Entrypoint"] == ["/usr/bin/'$name'"]' "the entrypoint is not the daemon"
check 'assert "9786/tcp" in c["config"]["ExposedPorts"]' "port 9786 is not exposed"
check 'assert c["config"]["Labels"]["org.opencontainers.image.version"] == "'"$version"'"' \
  "no version label"
check 'assert len(c["config"]["Labels"]["org.opencontainers.image.revision"]) == 40' \
  "no revision label"

umoci unpack --image "$out/oci:$version" "$work/bundle" >/dev/null
rootfs="$work/bundle/rootfs"
certificates=$(grep -c 'BEGIN CERTIFICATE' "$rootfs/etc/ssl/certs/ca-certificates.crt" || true)
[ "$certificates" -gt 100 ] || fail "the CA bundle holds $certificates certificates"
[ -f "$rootfs/usr/share/zoneinfo/Asia/Shanghai" ] || fail "no time zone database"
[ -x "$rootfs/usr/lib/$name/swas-sim" ] || fail "no swas-sim for the compose demo"
[ "$(stat -c %u "$rootfs/var/lib/$name")" = 65532 ] || fail "the state directory is not the user's"
for leftover in etc/resolv.conf etc/hostname; do
  [ ! -e "$rootfs/$leftover" ] || fail "the build host's /$leftover is in the image"
done
debs=$(find "$rootfs" -xdev -name '*.deb' | head -3)
[ -z "$debs" ] || fail "package files left in the image: $debs"

[ -f "$rootfs/usr/share/$name/demo-scenario.yaml" ] || fail "no demo scenario for the compose demo"

# The host's swas-sim, on loopback (the container shares the host's network, below), with one
# execution that has failed already and one still running.
cat >"$work/scenario.yaml" <<'YAML'
regions:
  - region_id: cn-hangzhou
    instances: [i-web-1, i-web-2]
    invocations:
      - invoke_id: t-image-1
        command_id: c-deploy
        command_name: deploy-app
        created_at: 0s
        instances:
          - instance_id: i-web-1
            timeline: [{at: 0s, status: Failed, exit_code: 2, error_code: ExitCodeNonzero}]
          - instance_id: i-web-2
            timeline: [{at: 0s, status: Running}]
YAML
"$sim_bin" --listen 127.0.0.1:0 --scenario "$work/scenario.yaml" >"$work/sim.out" 2>"$work/sim.err" &
sim=$!
for _ in $(seq 100); do grep -q '^listening on' "$work/sim.out" && break; sleep 0.1; done
sim_at=$(sed -n 's/^listening on //p' "$work/sim.out")
[ -n "$sim_at" ] || fail "swas-sim did not start: $(cat "$work/sim.err")"

mkdir -p "$work/etc" "$work/state"
chown 65532:65532 "$work/state"
cat >"$work/etc/config.yaml" <<YAML
credentials: {access_key_id: testid, access_key_secret: testsecret}
api: {endpoint: "http://$sim_at"}
poll: {interval: 1s}
regions:
  - region_id: cn-hangzhou
http: {listen: "127.0.0.1:0"}
alerts:
  timezone: Asia/Shanghai
YAML

# The bundle as Kubernetes would run it (deploy/kubernetes): read-only root, the configuration
# read-only, the state writable, no new privileges, no capabilities; the host's network, so
# the daemon reaches swas-sim and the test reaches the daemon.
run() {
  python3 - "$work/bundle/config.json" "$work" "$@" <<'PY'
import json, sys
path, work, args = sys.argv[1], sys.argv[2], sys.argv[3:]
c = json.load(open(path))
c["process"]["args"] = ["/usr/bin/swas-invocation-monitor"] + args
c["process"]["terminal"] = False
c["process"]["noNewPrivileges"] = True
c["process"]["capabilities"] = {k: [] for k in ("bounding", "effective", "permitted", "ambient")}
c["root"]["readonly"] = True
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
c["mounts"] = [m for m in c["mounts"] if m["destination"] not in ("/etc/swas-invocation-monitor",
                                                                  "/var/lib/swas-invocation-monitor")]
c["mounts"] += [
    {"destination": "/etc/swas-invocation-monitor", "type": "bind", "source": work + "/etc",
     "options": ["rbind", "ro"]},
    {"destination": "/var/lib/swas-invocation-monitor", "type": "bind", "source": work + "/state",
     "options": ["rbind", "rw"]},
    {"destination": "/etc/resolv.conf", "type": "bind", "source": "/etc/resolv.conf",
     "options": ["rbind", "ro"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "nodev", "mode=1777", "size=65536k"]},
]
c["process"]["env"] = c["process"].get("env", []) + ["SQLITE_TMPDIR=/tmp"]
json.dump(c, open(path, "w"), indent=1)
PY
}

# 2. --check-config.
run --config /etc/$name/config.yaml --check-config
runc run --bundle "$work/bundle" "$container" >"$work/check.out" 2>&1 ||
  fail "--check-config in the container: $(cat "$work/check.out")"
head -1 "$work/check.out" | grep -q '^OK' || fail "--check-config said: $(cat "$work/check.out")"
echo "check_image: --check-config: $(head -1 "$work/check.out")"

# 3. --once against swas-sim.
run --config /etc/$name/config.yaml --once
runc run --bundle "$work/bundle" "$container" >"$work/once.out" 2>"$work/once.err" ||
  fail "--once in the container: $(cat "$work/once.err")"
lines=$(grep -c '"t-image-1"' "$work/once.out" || true)
[ "$lines" -eq 2 ] || fail "--once printed $lines transition(s) of t-image-1, not 2: $(cat "$work/once.out" "$work/once.err")"
grep -q '"Failed"' "$work/once.out" || fail "--once did not see the failure: $(cat "$work/once.out")"
echo "check_image: --once: $lines transition(s) from swas-sim"

# 4. The daemon, serving /healthz from inside the container.
run --config /etc/$name/config.yaml
runc run --bundle "$work/bundle" "$container" >"$work/daemon.out" 2>"$work/daemon.err" &
daemon=$!
for _ in $(seq 200); do grep -q 'serving /metrics' "$work/daemon.err" && break; sleep 0.1; done
at=$(grep -o 'serving /metrics, /healthz and /readyz on http://[^ ]*' "$work/daemon.err" | head -1 |
  sed 's/.* on //')
[ -n "$at" ] || fail "the daemon did not serve: $(cat "$work/daemon.err")"
health=$(curl -sf "$at/healthz") || fail "/healthz of the daemon in the container did not answer 200"
for _ in $(seq 200); do curl -sf "$at/readyz" >/dev/null && break; sleep 0.1; done
curl -sf "$at/metrics" | grep -q '^swas_region_up{region_id="cn-hangzhou"} 1' ||
  fail "the daemon in the container has not polled swas-sim"
runc kill "$container" TERM
for _ in $(seq 300); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
kill -0 "$daemon" 2>/dev/null && fail "the daemon did not stop within 30 s of SIGTERM"
wait "$daemon" || fail "the daemon did not stop cleanly on SIGTERM: $(tail -5 "$work/daemon.err")"
[ -s "$work/state/state.db" ] || fail "no state written to the volume"
echo "check_image: the daemon in the container served /healthz ($health) and polled swas-sim"
echo "check_image: $(grep -E '^(image|compressed|unpacked)' "$out/image.txt" | paste -sd ';')"
