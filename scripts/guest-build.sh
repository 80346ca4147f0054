# The steps every non-Rust flavor's build.sh shares, as shell functions:
# source this file, then
#
#   guest_begin NAME LANG [OUT_DIR]   install the toolchain (guest-toolchains
#                                     LANG, next to this file), put it on
#                                     PATH; set HERE (the calling script's
#                                     dir), ROOT (this file's parent's
#                                     parent: the repository, or a
#                                     skeleton), OUT (OUT_DIR/NAME.wasm;
#                                     OUT_DIR defaults to
#                                     ${CARGO_TARGET_DIR:-~/.cache/alerter/target}/guests/NAME)
#                                     and WORK (an empty scratch dir)
#   guest_c WIT SDK SOURCE...         C only: bindings (`wit-bindgen c`),
#                                     clang-19 for wasm32 with the SDK's
#                                     libc.c, `wasm-tools component new`;
#                                     prints the component's path
#   guest_finish WASM VERSION POLICY  `wasm-tools validate`, check the
#                                     component's world, move it to OUT,
#                                     print one summary line on stderr and
#                                     OUT on stdout (the last line)
#
# POLICY says which imports the world may have besides
# alerter:flavor/{http,log}@VERSION: `wasi-inert` (any wasi:* interface,
# which the host links inert, but never wasi:http, which it refuses) or
# `none` (nothing else at all). The export must be alerter:flavor/flavor@VERSION.
#
# Used by plugins/{telegram,teams,ntfy,c-echo}/build.sh, and copied into the
# skeletons `alerter flavor new` writes (as tools/guest-build.sh, next to
# tools/guest-toolchains), so a skeleton builds outside this repository.

# shellcheck shell=bash
GUEST_TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

guest_say() { echo "$GUEST_NAME: $*" >&2; }

guest_begin() {
    GUEST_NAME="$1"
    local lang="$2" out_dir="${3:-${CARGO_TARGET_DIR:-$HOME/.cache/alerter/target}/guests/$1}"
    HERE="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
    ROOT="$(cd "$GUEST_TOOLS_DIR/.." && pwd)"
    mkdir -p "$out_dir"
    OUT="$(cd "$out_dir" && pwd)/$GUEST_NAME.wasm"
    WORK="$(mktemp -d)"
    # shellcheck disable=SC2064
    trap "rm -rf '$WORK'" EXIT
    "$GUEST_TOOLS_DIR/guest-toolchains" "$lang"
    eval "$("$GUEST_TOOLS_DIR/guest-toolchains" --print-env)"
    GUEST_START=$EPOCHREALTIME
}

guest_c() {
    local wit="$1" sdk="$2" src objs=()
    shift 2
    mkdir -p "$WORK/gen"
    # gen/alerter_flavor.{c,h} + alerter_flavor_component_type.o (the WIT in
    # a custom section, so `component new` needs no `embed` step).
    wit-bindgen c "$wit" -w alerter-flavor --out-dir "$WORK/gen" >"$WORK/gen.log" 2>&1 || { cat "$WORK/gen.log" >&2; return 1; }
    # -ffreestanding also implies -fno-builtin: clang never turns byte loops
    # into calls to memcpy/memset. Our sources build with -Werror, the
    # generated glue without.
    local cflags=(--target=wasm32-unknown-unknown -Os -ffreestanding -nostdlib -std=c11 -Wall -Wextra
                  -I "$sdk/include" -I "$sdk" -I "$WORK/gen")
    for src in "$@" "$sdk/libc.c"; do
        objs+=("$WORK/$(basename "$src" .c).o")
        clang-19 "${cflags[@]}" -Werror -c "$src" -o "${objs[-1]}"
    done
    clang-19 "${cflags[@]}" -Wno-unused-parameter -c "$WORK/gen/alerter_flavor.c" -o "$WORK/glue.o"
    # --strip-debug (not --strip-all) keeps the component-type section.
    clang-19 --target=wasm32-unknown-unknown -nostdlib -Wl,--no-entry -Wl,--strip-debug -o "$WORK/core.wasm" \
        "${objs[@]}" "$WORK/glue.o" "$WORK/gen/alerter_flavor_component_type.o"
    wasm-tools component new "$WORK/core.wasm" -o "$WORK/component.wasm"
    echo "$WORK/component.wasm"
}

guest_finish() {
    local wasm="$1" version="$2" policy="$3"
    wasm-tools validate "$wasm"
    # The component's own world is the first `world root { ... }` block;
    # alerter:flavor/types is type-only and needs nothing from the host.
    local world imports exports others
    world="$(wasm-tools component wit "$wasm" | awk '/^world root \{/ {on = 1; next} on && /^\}/ {exit} on')"
    imports="$(sed -nE 's/^\s*import ([^;]*);.*/\1/p' <<<"$world" | grep -vx "alerter:flavor/types@$version" | sort || true)"
    exports="$(sed -nE 's/^\s*export ([^;]*);.*/\1/p' <<<"$world" | sort | tr '\n' ' ')"
    others="$(grep -vxE "alerter:flavor/(http|log)@$version" <<<"$imports" || true)"
    if [ "$exports" != "alerter:flavor/flavor@$version " ]; then
        guest_say "the component exports [$exports], not alerter:flavor/flavor@$version:"; echo "$world" >&2; return 1
    fi
    if grep -q '^wasi:http/' <<<"$others"; then
        guest_say "the component imports wasi:http, which the host refuses:"; grep '^wasi:http/' <<<"$others" >&2; return 1
    fi
    if [ "$policy" = none ] && [ -n "$others" ]; then
        guest_say "the component imports more than alerter:flavor/{http,log}:"; echo "$others" >&2; return 1
    fi
    mv -f "$wasm" "$OUT"
    local wasi=""
    [ -z "$others" ] || wasi=" and $(wc -l <<<"$others") wasi:* (linked inert by the host)"
    guest_say "built $(wc -c <"$OUT") bytes in $(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $GUEST_START }") s;" \
        "exports alerter:flavor/flavor@$version; imports alerter:flavor/{http,log}$wasi"
    echo "$OUT"
}
