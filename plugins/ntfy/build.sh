#!/usr/bin/env bash
# Builds the `ntfy` flavor (C, freestanding wasm32, no libc) into a component.
#
# Usage: plugins/ntfy/build.sh [OUT_DIR]
#   OUT_DIR defaults to ${CARGO_TARGET_DIR:-$HOME/.cache/alerter/target}/guests/ntfy.
#   The last line printed is the path of OUT_DIR/ntfy.wasm.
#
# Installs the toolchain first when missing (scripts/guest-toolchains c:
# clang-19 + lld-19 from apt, wit-bindgen-cli 0.63.0, wasm-tools), then:
# `wit-bindgen c` bindings into OUT_DIR/build/gen, clang-19 for
# wasm32-unknown-unknown with plugins/sdk-c (libc subset, JSON, helpers),
# `wasm-tools component new`, `wasm-tools validate`, and a check of the
# component's world: exports alerter:flavor/flavor@0.2.0, imports only
# alerter:flavor/http and alerter:flavor/log (no WASI at all).
set -euo pipefail

NAME="ntfy"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SDK="$ROOT/plugins/sdk-c"
OUT_DIR="${1:-${CARGO_TARGET_DIR:-$HOME/.cache/alerter/target}/guests/$NAME}"
mkdir -p "$OUT_DIR"
OUT_DIR="$(cd "$OUT_DIR" && pwd)"
OUT="$OUT_DIR/$NAME.wasm"
WORK="$OUT_DIR/build"
say() { echo "$NAME: $*" >&2; }

"$ROOT/scripts/guest-toolchains" c
eval "$("$ROOT/scripts/guest-toolchains" --print-env)"

start=$EPOCHREALTIME
rm -rf "$WORK"
mkdir -p "$WORK/gen"
# gen/alerter_flavor.{c,h} + alerter_flavor_component_type.o (the WIT in a
# custom section, so `component new` needs no `embed` step).
wit-bindgen c "$ROOT/wit" -w alerter-flavor --out-dir "$WORK/gen" >/dev/null

# -ffreestanding also implies -fno-builtin: clang never turns the SDK's byte
# loops into calls to memcpy/memset. Our sources build with -Werror, the
# generated glue without. --strip-debug (not --strip-all) keeps the
# component-type section `component new` reads.
CFLAGS=(--target=wasm32-unknown-unknown -Os -ffreestanding -nostdlib -std=c11 -Wall -Wextra
        -I "$SDK/include" -I "$SDK" -I "$WORK/gen")
clang-19 "${CFLAGS[@]}" -Werror -c "$HERE/src/ntfy.c" -o "$WORK/ntfy.o"
clang-19 "${CFLAGS[@]}" -Werror -c "$SDK/alerter_sdk.c" -o "$WORK/alerter_sdk.o"
clang-19 "${CFLAGS[@]}" -Wno-unused-parameter -c "$WORK/gen/alerter_flavor.c" -o "$WORK/alerter_flavor.o"
clang-19 --target=wasm32-unknown-unknown -nostdlib -Wl,--no-entry -Wl,--strip-debug \
    -o "$WORK/$NAME.core.wasm" \
    "$WORK/ntfy.o" "$WORK/alerter_sdk.o" "$WORK/alerter_flavor.o" "$WORK/gen/alerter_flavor_component_type.o"
wasm-tools component new "$WORK/$NAME.core.wasm" -o "$WORK/$NAME.wasm"
wasm-tools validate "$WORK/$NAME.wasm"

# --- the component's world ------------------------------------------------------
wit="$(wasm-tools component wit "$WORK/$NAME.wasm")"
root_world="$(awk '/^world root \{/ {on = 1; next} on && /^\}/ {exit} on' <<<"$wit")"
imports="$(sed -nE 's/^\s*import ([^;]*);.*/\1/p' <<<"$root_world" | grep -vx 'alerter:flavor/types@0.2.0' | sort | tr '\n' ' ')"
exports="$(sed -nE 's/^\s*export ([^;]*);.*/\1/p' <<<"$root_world" | sort | tr '\n' ' ')"
if [ "$imports" != "alerter:flavor/http@0.2.0 alerter:flavor/log@0.2.0 " ] || [ "$exports" != "alerter:flavor/flavor@0.2.0 " ]; then
    say "unexpected world: imports [$imports], exports [$exports]"; echo "$root_world" >&2; exit 1
fi
mv -f "$WORK/$NAME.wasm" "$OUT"
say "built $(wc -c <"$OUT") bytes in $(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $start }") s;" \
    "exports alerter:flavor/flavor@0.2.0; imports only alerter:flavor/{http,log}"
echo "$OUT"
