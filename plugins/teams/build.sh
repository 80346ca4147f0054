#!/usr/bin/env bash
# Builds the `teams` flavor (JavaScript, componentize-js) into a component.
#
# Usage: plugins/teams/build.sh [OUT_DIR]
#   OUT_DIR defaults to ${CARGO_TARGET_DIR:-$HOME/.cache/alerter/target}/guests/teams.
#   The last line printed is the path of OUT_DIR/teams.wasm.
#
# Installs the toolchain when missing (scripts/guest-toolchains js), runs the
# `componentize-js` CLI (not `jco componentize`: jco 1.35 fails with "failed
# to get path metadata (os error 44)") with every optional feature disabled,
# `-d stdio random clocks http fetch-event`, so the component imports no WASI
# at all and above all no wasi:http (the host refuses it: it would bypass the
# egress grants); then checks the component (scripts/guest-build.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/guest-build.sh"
guest_begin teams js "${1:-}"
# componentize-js lets the module loader see only the current directory when
# the source is inside it: run from plugins/ so `../sdk-js/` resolves.
(cd "$ROOT/plugins" && componentize-js "teams/flavor.js" --wit "$ROOT/wit" --world-name alerter-flavor \
    -d stdio random clocks http fetch-event -o "$WORK/teams.wasm" >&2)
guest_finish "$WORK/teams.wasm" 0.2.0 none
