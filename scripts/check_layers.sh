#!/usr/bin/env bash
# The layering rule as a test: each module of daemon/ may include only the modules listed for
# it. poller never sees metrics, alerting, config or app; nothing below app sees config.
# alerting and config use util (hashing, HMAC, the environment, secret files) instead of api.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
declare -A allowed=(
  [core]=""
  [util]=""
  [http]="core"
  [state]="core"
  [api]="core http util"
  [poller]="core api state"
  [inventory]="core api state"
  [metrics]="core http"
  [alerting]="core http state util"
  [config]="core http util"
  [ops]="core util state"
  [app]="core util http state api poller inventory metrics alerting ops config"
)
failed=0
for module in "${!allowed[@]}"; do
  while IFS=: read -r file line include; do
    dep=$(sed -E 's|#include "daemon/([a-z_]+)/.*|\1|' <<<"$include")
    [[ "$dep" == "$module" ]] && continue
    if [[ " ${allowed[$module]} " != *" $dep "* ]]; then
      echo "layering: $file:$line includes daemon/$dep (allowed for $module: ${allowed[$module]:-nothing})"
      failed=1
    fi
  done < <(grep -rnE '^#include "daemon/[a-z_]+/' "$root/daemon/$module" || true)
done
for dir in "$root"/daemon/*/; do
  module=$(basename "$dir")
  [[ -v "allowed[$module]" ]] || { echo "layering: daemon/$module has no rule"; failed=1; }
done
if [[ $failed -eq 0 ]]; then echo "layering: every module includes only what it may"; fi
exit $failed
