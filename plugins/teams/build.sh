#!/usr/bin/env bash
# Builds the `teams` flavor (JavaScript, componentize-js) into a component.
#
# Usage: plugins/teams/build.sh [OUT_DIR]
#   OUT_DIR defaults to ${CARGO_TARGET_DIR:-$HOME/.cache/alerter/target}/guests/teams.
#   The last line printed is the path of OUT_DIR/teams.wasm.
#
# Installs the toolchain first when missing (scripts/guest-toolchains js),
# then runs the `componentize-js` CLI (not `jco componentize`: jco 1.35 fails
# with "failed to get path metadata (os error 44)") with every optional
# feature disabled: `-d stdio random clocks http fetch-event`. So the
# component imports no WASI at all and, above all, no wasi:http (the host
# refuses it: it would bypass the egress grants). Then `wasm-tools validate`
# and a check of the component's world.
set -euo pipefail

NAME="teams"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT_DIR="${1:-${CARGO_TARGET_DIR:-$HOME/.cache/alerter/target}/guests/$NAME}"
mkdir -p "$OUT_DIR"
OUT_DIR="$(cd "$OUT_DIR" && pwd)"
OUT="$OUT_DIR/$NAME.wasm"
say() { echo "$NAME: $*" >&2; }

"$ROOT/scripts/guest-toolchains" js
eval "$("$ROOT/scripts/guest-toolchains" --print-env)"

start=$EPOCHREALTIME
# componentize-js lets the module loader see only the current directory when
# the source is inside it: run from plugins/ so `../sdk-js/` resolves.
cd "$ROOT/plugins"
componentize-js "teams/flavor.js" --wit "$ROOT/wit" --world-name alerter-flavor \
    -d stdio random clocks http fetch-event -o "$OUT.tmp" >&2
wasm-tools validate "$OUT.tmp"

# --- the component's world ------------------------------------------------------
wit="$(wasm-tools component wit "$OUT.tmp")"
root_world="$(awk '/^world root \{/ {on = 1; next} on && /^\}/ {exit} on' <<<"$wit")"
if ! grep -qE '^\s*export alerter:flavor/flavor@0\.2\.0;' <<<"$root_world"; then
    say "the component does not export alerter:flavor/flavor@0.2.0:"; echo "$root_world" >&2; exit 1
fi
if grep -qE '^\s*import wasi:' <<<"$root_world"; then
    say "the component imports WASI (wasi:http is refused by the host); check the -d flags:"
    grep 'import wasi:' <<<"$root_world" >&2; exit 1
fi
mv -f "$OUT.tmp" "$OUT"
say "built $(wc -c <"$OUT") bytes in $(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $start }") s;" \
    "exports alerter:flavor/flavor@0.2.0; imports only alerter:flavor/{http,log}"
echo "$OUT"
