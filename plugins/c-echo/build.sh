#!/usr/bin/env bash
# Builds the `c-echo` test flavor: C, freestanding (wasm32-unknown-unknown,
# no libc), bindings from `wit-bindgen c` for the PREVIOUS contract,
# wit/archive/0.1.0, on purpose: it proves that 0.1 components still load
# and run. It shares the contract-independent part of plugins/sdk-c (libc.c,
# sdk_text.c) with the 0.2 flavors; alerter_sdk.c is for 0.2 only.
#
# Usage: plugins/c-echo/build.sh [OUT_DIR]
#   OUT_DIR defaults to ${CARGO_TARGET_DIR:-$HOME/.cache/alerter/target}/guests/c-echo.
#   The last line printed is the path of the built component, OUT_DIR/c_echo.wasm.
#
# Installs what is missing (scripts/guest-toolchains c: clang-19 and lld-19
# from apt, wasm-tools from PyPI, wit-bindgen-cli 0.63.0 with the C generator
# only, ~5 min once), then builds with scripts/guest-build.sh and checks that
# the component imports only alerter:flavor/{http,log}@0.1.0 and exports
# alerter:flavor/flavor@0.1.0.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/guest-build.sh"
guest_begin c_echo c "${1:-}"
wasm="$(guest_c "$ROOT/wit/archive/0.1.0" "$ROOT/plugins/sdk-c" "$HERE/src/c_echo.c" "$ROOT/plugins/sdk-c/sdk_text.c")"
guest_finish "$wasm" 0.1.0 none
