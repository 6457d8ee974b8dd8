#!/usr/bin/env bash
# The layering rule as a test: each module of daemon/ may include only the modules listed for
# it. poller never sees metrics, alerting, config or app; nothing below app sees config.
# alerting and config use util (hashing, HMAC, the environment, secret files) instead of api.
# systemd (the notify protocol) and hints (ECS's event push, which only makes pollers poll) are
# features of their own, below app.
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
  [systemd]="util"
  [hints]="core util http poller"
  [cluster]="core http"
  [app]="core util http state api poller inventory metrics alerting ops config systemd hints cluster"
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
# The rooms of alerting: its root (rules, routing, delivery, the receivers' interface) sees none
# of them; chat/ (the message view) sees the root; receivers/ (the chat vendors and the factory
# of every type) sees the root and chat/; relay/ sees the root. No two rooms include each other.
declare -A sub_allowed=(
  [root]=""
  [chat]="root"
  [receivers]="root chat"
  [relay]="root"
)
for room in "${!sub_allowed[@]}"; do
  if [[ $room == root ]]; then
    files=$(find "$root/daemon/alerting" -maxdepth 1 -name '*.h' -o -maxdepth 1 -name '*.cc')
  else
    files=$(find "$root/daemon/alerting/$room" -name '*.h' -o -name '*.cc')
  fi
  for file in $files; do
    while IFS=: read -r line include; do
      dep=$(sed -E 's|#include "daemon/alerting/([a-z_]+)/.*|\1|; t; s|.*|root|' <<<"$include")
      [[ "$dep" == "$room" ]] && continue
      if [[ " ${sub_allowed[$room]} " != *" $dep "* ]]; then
        echo "layering: $file:$line includes alerting/$dep (alerting/$room may see: ${sub_allowed[$room]:-none of the rooms})"
        failed=1
      fi
    done < <(grep -nE '^#include "daemon/alerting/' "$file" || true)
  done
done
for dir in "$root"/daemon/alerting/*/; do
  room=$(basename "$dir")
  [[ -v "sub_allowed[$room]" ]] || { echo "layering: daemon/alerting/$room has no rule"; failed=1; }
done
# app is the composition root: wiring, not features. A feature that grows there belongs in a
# room of its own.
app_budget=2200
app_lines=$(cat "$root"/daemon/app/*.h "$root"/daemon/app/*.cc | wc -l)
if ((app_lines > app_budget)); then
  echo "layering: daemon/app has $app_lines lines, over its budget of $app_budget: move the feature that grew into its room"
  failed=1
fi
if [[ $failed -eq 0 ]]; then
  echo "layering: every module includes only what it may, alerting's rooms one way only, app $app_lines of $app_budget lines"
fi
exit $failed
