#!/usr/bin/env bash
# Builds the `telegram` flavor (Python, componentize-py) into a component.
#
# Usage: plugins/telegram/build.sh [OUT_DIR]
#   OUT_DIR defaults to ${CARGO_TARGET_DIR:-$HOME/.cache/alerter/target}/guests/telegram.
#   The last line printed is the path of OUT_DIR/telegram.wasm.
#
# Installs the toolchain when missing (scripts/guest-toolchains python), runs
# componentize-py with the SDK (plugins/sdk-python) on the Python path, then
# checks the component (scripts/guest-build.sh): it exports
# alerter:flavor/flavor@0.2.0 and imports no wasi:http (the other wasi:*
# interfaces of componentize-py's runtime are linked inert by the host).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/guest-build.sh"
guest_begin telegram python "${1:-}"
# VIRTUAL_ENV keeps the user's own site-packages out of the component:
# componentize-py falls back to them when no virtualenv is active.
VIRTUAL_ENV="$(dirname "$(dirname "$(command -v componentize-py)")")" \
    componentize-py -d "$ROOT/wit" -w alerter-flavor componentize \
    -p "$HERE" -p "$ROOT/plugins/sdk-python" app -o "$WORK/telegram.wasm" >&2
guest_finish "$WORK/telegram.wasm" 0.2.0 wasi-inert
