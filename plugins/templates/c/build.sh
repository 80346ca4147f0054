#!/usr/bin/env bash
# Builds the __NAME__ flavor (freestanding C) into OUT_DIR/__NAME__.wasm.
#
# Usage: ./build.sh [OUT_DIR]     (default: this directory)
#   The contract is ./wit/flavor.wit, the C SDK ./sdk (copies from alerter).
#   tools/guest-toolchains installs what is missing into
#   ${ALERTER_TOOLS:-~/.cache/alerter/tools}: clang-19 and lld-19 (apt),
#   wasm-tools (PyPI) and wit-bindgen-cli 0.63.0, C generator only (cargo
#   install, ~5 min once). tools/guest-build.sh builds and checks the component.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools/guest-build.sh"
guest_begin __NAME__ c "${1:-$(dirname "${BASH_SOURCE[0]}")}"
wasm="$(guest_c "$HERE/wit" "$HERE/sdk" "$HERE/flavor.c" "$HERE/sdk/alerter_sdk.c" "$HERE/sdk/sdk_text.c")"
guest_finish "$wasm" 0.2.0 none
