#!/usr/bin/env bash
# Builds the `telegram` flavor (Python, componentize-py) into a component.
#
# Usage: plugins/telegram/build.sh [OUT_DIR]
#   OUT_DIR defaults to ${CARGO_TARGET_DIR:-$HOME/.cache/alerter/target}/guests/telegram.
#   The last line printed is the path of OUT_DIR/telegram.wasm.
#
# Installs the toolchain first when missing (scripts/guest-toolchains python),
# then: componentize-py with the SDK (plugins/sdk-python) on the Python path,
# `wasm-tools validate`, and a check of the component's world: it must export
# alerter:flavor/flavor@0.2.0 and import no wasi:http.
set -euo pipefail

NAME="telegram"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT_DIR="${1:-${CARGO_TARGET_DIR:-$HOME/.cache/alerter/target}/guests/$NAME}"
mkdir -p "$OUT_DIR"
OUT_DIR="$(cd "$OUT_DIR" && pwd)"
OUT="$OUT_DIR/$NAME.wasm"
say() { echo "$NAME: $*" >&2; }

"$ROOT/scripts/guest-toolchains" python
eval "$("$ROOT/scripts/guest-toolchains" --print-env)"

# Keep the user's own site-packages out of the component: componentize-py
# falls back to them when no virtualenv is active.
export VIRTUAL_ENV="$(dirname "$(dirname "$(command -v componentize-py)")")"

start=$EPOCHREALTIME
componentize-py -d "$ROOT/wit" -w alerter-flavor componentize \
    -p "$HERE" -p "$ROOT/plugins/sdk-python" app -o "$OUT.tmp" >&2
wasm-tools validate "$OUT.tmp"

# --- the component's world ------------------------------------------------------
wit="$(wasm-tools component wit "$OUT.tmp")"
root_world="$(awk '/^world root \{/ {on = 1; next} on && /^\}/ {exit} on' <<<"$wit")"
if ! grep -qE '^\s*export alerter:flavor/flavor@0\.2\.0;' <<<"$root_world"; then
    say "the component does not export alerter:flavor/flavor@0.2.0:"; echo "$root_world" >&2; exit 1
fi
if grep -qE '^\s*import wasi:http/' <<<"$root_world"; then
    say "the component imports wasi:http, which the host refuses:"; grep 'wasi:http' <<<"$root_world" >&2; exit 1
fi
mv -f "$OUT.tmp" "$OUT"
wasi_count="$(grep -cE '^\s*import wasi:' <<<"$root_world" || true)"
say "built $(wc -c <"$OUT") bytes in $(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $start }") s;" \
    "exports alerter:flavor/flavor@0.2.0; imports alerter:flavor/{http,log} and $wasi_count wasi:* (linked inert by the host), no wasi:http"
echo "$OUT"
