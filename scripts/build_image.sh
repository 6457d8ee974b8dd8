#!/usr/bin/env bash
# make image: an OCI image of the daemon built from the project's own .deb, without pulling a
# base image. mmdebstrap makes a Debian 12 root filesystem of the essential packages, the .deb
# and what it depends on (with ca-certificates and tzdata); umoci makes it an image (a non-root
# user, the entrypoint, the port, labels with version and revision); skopeo writes archives for
# `docker load` and `podman load`. The Debian packages downloaded are kept in a cache outside the
# clone (SWAS_IMAGE_CACHE), so the next build downloads nothing.
#
#   scripts/build_image.sh DEB [EXTRA] [OUT]
#
# EXTRA, when given, is a directory whose tree is added to the root filesystem as it is (make
# image adds swas-sim and the demo scenario, for the compose stack's demo). OUT is build-image by
# default; it receives
#   oci/                                  the OCI image layout (tag VERSION)
#   swas-invocation-monitor.docker.tar    docker load -i ...
#   swas-invocation-monitor.oci.tar       podman load -i ...
#   image.txt                             the image's name, size and layers
set -euo pipefail
deb=$(realpath "$1")
extra=${2:+$(realpath "$2")}
out=$(realpath -m "${3:-build-image}")
cache=${SWAS_IMAGE_CACHE:-/var/cache/swas-invocation-monitor/image-debs}
mirror=${SWAS_IMAGE_MIRROR:-http://deb.debian.org/debian}
name=swas-invocation-monitor
version=$(dpkg-deb -f "$deb" Version)
revision=$(git -C "$(dirname "$0")/.." rev-parse HEAD 2>/dev/null || echo unknown)
uid=65532 # the daemon's user in the image (nonroot, as distroless images number it)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache" "$out"
rm -rf "${out:?}/oci" "$out/$name.docker.tar" "$out/$name.oci.tar"

# Only what the daemon needs: no documentation, manual pages or locales (copyright files stay),
# no recommended packages, /usr merged from the start (usrmerge, and the perl it needs, not
# installed: 47 MB); nothing of the build host (its resolv.conf, hostname, the .deb's path).
mmdebstrap --variant=essential --mode=root \
  --include="ca-certificates,tzdata,$deb" \
  --aptopt='APT::Install-Recommends "false"' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --skip=essential/unlink \
  --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
  --setup-hook="sync-in $cache /var/cache/apt/archives/" \
  --customize-hook="sync-out /var/cache/apt/archives $cache" \
  --customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb "$1"/var/cache/apt/*.bin' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/log/*.log "$1"/var/log/apt/*' \
  --customize-hook='rm -rf "$1"/var/cache/apt/archives/partial "$1"/var/cache/apt/archives/lock' \
  --customize-hook='rm -f "$1"/var/lib/dpkg/*-old "$1"/var/cache/debconf/*-old' \
  --customize-hook='rm -f "$1"/etc/resolv.conf "$1"/etc/hostname' \
  --customize-hook="d=\$(dirname $deb); [ -s \"\$1$deb\" ] || rm -f \"\$1$deb\"; while [ \"\$d\" != / ] && rmdir \"\$1\$d\" 2>/dev/null; do d=\$(dirname \"\$d\"); done" \
  --customize-hook="echo '$name:x:$uid:$uid:$name:/var/lib/$name:/usr/sbin/nologin' >> \"\$1\"/etc/passwd" \
  --customize-hook="echo '$name:x:$uid:' >> \"\$1\"/etc/group" \
  --customize-hook="install -d -o $uid -g $uid -m 0750 \"\$1\"/var/lib/$name" \
  ${extra:+--customize-hook="sync-in $extra /"} \
  bookworm "$work/rootfs.tar" "$mirror"

# The image says it was created at its revision's commit time (not bit for bit reproducible:
# the files carry the build's times, and the mirror moves on).
created=$(git -C "$(dirname "$0")/.." log -1 --format=%cI 2>/dev/null || date -u +%FT%TZ)
layout="$out/oci"
umoci init --layout "$layout"
umoci new --image "$layout:$version"
umoci raw add-layer --image "$layout:$version" "$work/rootfs.tar"
umoci config --image "$layout:$version" \
  --created "$created" --author "swas-invocation-monitor maintainers" \
  --os linux --architecture "$(dpkg --print-architecture)" \
  --config.user "$uid:$uid" \
  --config.entrypoint "/usr/bin/$name" \
  --config.cmd --config --config.cmd "/etc/$name/config.yaml" \
  --config.exposedports 9786/tcp \
  --config.volume "/var/lib/$name" \
  --config.workingdir "/var/lib/$name" \
  --config.env "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --config.label "org.opencontainers.image.title=$name" \
  --config.label "org.opencontainers.image.version=$version" \
  --config.label "org.opencontainers.image.revision=$revision" \
  --config.label "org.opencontainers.image.created=$created" \
  --config.label "org.opencontainers.image.licenses=Apache-2.0" \
  --config.label "org.opencontainers.image.source=https://github.com/swas-invocation-monitor/swas-invocation-monitor" \
  --config.label "org.opencontainers.image.description=Alerts and metrics for Alibaba Cloud Cloud Assistant command executions"
umoci gc --layout "$layout"

skopeo copy --quiet "oci:$layout:$version" "docker-archive:$out/$name.docker.tar:$name:$version"
skopeo copy --quiet "oci:$layout:$version" "oci-archive:$out/$name.oci.tar:$name:$version"

# The size a registry stores (compressed layers) and the size unpacked.
compressed=$(skopeo inspect --raw "oci:$layout:$version" |
  python3 -c 'import json,sys; print(sum(l["size"] for l in json.load(sys.stdin)["layers"]))')
unpacked=$(tar -tvf "$work/rootfs.tar" | awk '{s += $3} END {print s}')
{
  echo "image: $name:$version (revision $revision)"
  echo "compressed: $compressed bytes ($((compressed / 1048576)) MiB)"
  echo "unpacked: $unpacked bytes ($((unpacked / 1048576)) MiB)"
  echo "docker: docker load -i $out/$name.docker.tar"
  echo "podman: podman load -i $out/$name.oci.tar"
} | tee "$out/image.txt"
