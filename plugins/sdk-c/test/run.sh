#!/usr/bin/env bash
# Native unit tests of the C SDK and the ntfy flavor: the host's C compiler
# and libc (everything but libc.c), the bindings from `wit-bindgen c` compiled
# natively with their wasm import wrappers renamed away, and a fake
# http.fetch (test_sdk.c). Needs wit-bindgen (scripts/guest-toolchains c).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
eval "$("$ROOT/scripts/guest-toolchains" --print-env)"
CC="${CC:-cc}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
wit-bindgen c "$ROOT/wit" -w alerter-flavor --out-dir "$WORK" >/dev/null 2>&1
FLAGS=(-std=c11 -O1 -g -I "$ROOT/plugins/sdk-c" -I "$WORK" -fsanitize=address,undefined)
"$CC" "${FLAGS[@]}" -w -Dalerter_flavor_http_fetch=unused_glue_fetch -Dalerter_flavor_log_write=unused_glue_log_write \
    -c "$WORK/alerter_flavor.c" -o "$WORK/glue.o"
"$CC" "${FLAGS[@]}" -Wall -Wextra -Werror -DTEST_NTFY -o "$WORK/test_sdk" \
    "$HERE/test_sdk.c" "$ROOT/plugins/sdk-c/alerter_sdk.c" "$ROOT/plugins/sdk-c/sdk_text.c" "$ROOT/plugins/ntfy/src/ntfy.c" "$WORK/glue.o"
"$WORK/test_sdk"
