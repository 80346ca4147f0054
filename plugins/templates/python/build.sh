#!/usr/bin/env bash
# Builds the __NAME__ flavor (Python, componentize-py) into OUT_DIR/__NAME__.wasm.
#
# Usage: ./build.sh [OUT_DIR]     (default: this directory)
#   The contract is ./wit/flavor.wit (a copy from alerter).
#   tools/guest-toolchains installs what is missing into
#   ${ALERTER_TOOLS:-~/.cache/alerter/tools}/py: a venv with componentize-py
#   and wasm-tools from PyPI. tools/guest-build.sh checks the component.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools/guest-build.sh"
guest_begin __NAME__ python "${1:-$(dirname "${BASH_SOURCE[0]}")}"
# VIRTUAL_ENV keeps your own site-packages out of the component.
VIRTUAL_ENV="$(dirname "$(dirname "$(command -v componentize-py)")")" \
    componentize-py -d "$HERE/wit" -w alerter-flavor componentize -p "$HERE" app -o "$WORK/out.wasm" >&2
guest_finish "$WORK/out.wasm" 0.2.0 wasi-inert
