#!/usr/bin/env bash
# Builds the __NAME__ flavor (Rust, alerter-sdk) into OUT_DIR/__NAME__.wasm.
#
# Usage: ./build.sh [OUT_DIR]     (default: this directory)
#   tools/guest-toolchains adds the rustup target wasm32-wasip2 when missing
#   (and wasm-tools, from PyPI, for the check); cargo links the cdylib
#   straight into a component (wasm-component-ld ships with Rust). The SDK is
#   vendored in ./vendor/alerter-sdk, the contract in ./wit (copies from
#   alerter). tools/guest-build.sh checks the component.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools/guest-build.sh"
guest_begin __NAME__ rust "${1:-$(dirname "${BASH_SOURCE[0]}")}"
TARGET_DIR="${CARGO_TARGET_DIR:-$HERE/target}"
cargo build --release --target wasm32-wasip2 --manifest-path "$HERE/Cargo.toml" --target-dir "$TARGET_DIR" >&2
cp "$TARGET_DIR/wasm32-wasip2/release/$(echo "__NAME__" | tr - _).wasm" "$WORK/out.wasm"
guest_finish "$WORK/out.wasm" 0.2.0 wasi-inert
