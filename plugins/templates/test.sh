#!/usr/bin/env bash
# Tests the __NAME__ flavor: builds it when __NAME__.wasm is missing, then
# runs `alerter flavor test` on it: a conformance run against a local
# recording service that alerter starts on 127.0.0.1 for this run only (it
# points every URL setting at that service). Extra arguments go to
# `alerter flavor test` (e.g. --set channel=ops). Needs `alerter` on PATH,
# or ALERTER=/path/to/alerter.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ -f "$HERE/__NAME__.wasm" ] || "$HERE/build.sh" >/dev/null
"${ALERTER:-alerter}" flavor test "$HERE/__NAME__.wasm" "$@"
