#!/usr/bin/env bash
# Builds the __NAME__ flavor (JavaScript, componentize-js) into OUT_DIR/__NAME__.wasm.
#
# Usage: ./build.sh [OUT_DIR]     (default: this directory)
#   The contract is ./wit/flavor.wit (a copy from alerter).
#   tools/guest-toolchains installs what is missing into
#   ${ALERTER_TOOLS:-~/.cache/alerter/tools}: js/ (npm
#   @bytecodealliance/componentize-js; needs Node >= 20) and py/ (wasm-tools,
#   PyPI). tools/guest-build.sh checks the component.
#
# `-d stdio random clocks http fetch-event` disables every optional runtime
# feature: the component then imports no WASI at all, and above all no
# wasi:http, which alerter refuses. Use the componentize-js CLI: `jco
# componentize` (jco 1.35) fails with "failed to get path metadata (os error 44)".
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools/guest-build.sh"
guest_begin __NAME__ js "${1:-$(dirname "${BASH_SOURCE[0]}")}"
# componentize-js lets the module see only the current directory's files.
(cd "$HERE" && componentize-js flavor.js --wit "$HERE/wit" --world-name alerter-flavor \
    -d stdio random clocks http fetch-event -o "$WORK/out.wasm" >&2)
guest_finish "$WORK/out.wasm" 0.2.0 none
