#!/usr/bin/env bash
# Builds the __NAME__ flavor (Rust, alerter-sdk) into DIR/__NAME__.wasm.
#
# Usage: ./build.sh [OUT_DIR]     (default: this directory)
#   Adds the rustup target wasm32-wasip2 when missing; cargo then links the
#   cdylib straight into a component (wasm-component-ld ships with Rust).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT_DIR="${1:-$HERE}"
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
    echo "__NAME__: adding the rustup target wasm32-wasip2" >&2
    rustup target add wasm32-wasip2 >&2
fi
TARGET_DIR="${CARGO_TARGET_DIR:-$HERE/target}"
cargo build --release --target wasm32-wasip2 --manifest-path "$HERE/Cargo.toml" --target-dir "$TARGET_DIR" >&2
mkdir -p "$OUT_DIR"
OUT="$(cd "$OUT_DIR" && pwd)/__NAME__.wasm"
cp "$TARGET_DIR/wasm32-wasip2/release/$(echo "__NAME__" | tr - _).wasm" "$OUT"
echo "$OUT"
