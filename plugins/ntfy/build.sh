#!/usr/bin/env bash
# Builds the `ntfy` flavor (C, freestanding wasm32, no libc) into a component.
#
# Usage: plugins/ntfy/build.sh [OUT_DIR]
#   OUT_DIR defaults to ${CARGO_TARGET_DIR:-$HOME/.cache/alerter/target}/guests/ntfy.
#   The last line printed is the path of OUT_DIR/ntfy.wasm.
#
# Installs the toolchain when missing (scripts/guest-toolchains c: clang-19 +
# lld-19 from apt, wit-bindgen-cli 0.63.0, wasm-tools), then builds with
# scripts/guest-build.sh: `wit-bindgen c` bindings, clang-19 for
# wasm32-unknown-unknown with plugins/sdk-c, `wasm-tools component new`, and
# a check that the component imports only alerter:flavor/{http,log} (no WASI
# at all) and exports alerter:flavor/flavor@0.2.0.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SDK="$ROOT/plugins/sdk-c"
source "$ROOT/scripts/guest-build.sh"
guest_begin ntfy c "${1:-${CARGO_TARGET_DIR:-$HOME/.cache/alerter/target}/guests/ntfy}"
wasm="$(guest_c "$ROOT/wit" "$SDK" "$HERE/src/ntfy.c" "$SDK/alerter_sdk.c" "$SDK/sdk_text.c")"
guest_finish "$wasm" 0.2.0 none
