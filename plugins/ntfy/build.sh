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
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/guest-build.sh"
guest_begin ntfy c "${1:-}"
wasm="$(guest_c "$ROOT/wit" "$ROOT/plugins/sdk-c" "$HERE/src/ntfy.c" "$ROOT/plugins/sdk-c/alerter_sdk.c" "$ROOT/plugins/sdk-c/sdk_text.c")"
guest_finish "$wasm" 0.2.0 none
