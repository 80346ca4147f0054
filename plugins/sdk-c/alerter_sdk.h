/* alerter_sdk.h: support for alerter flavors written in freestanding C,
 * for the contract alerter:flavor@0.2.0.
 *
 * A flavor in C is built for wasm32-unknown-unknown without libc
 * (clang-19 -ffreestanding -nostdlib), against the bindings that
 * `wit-bindgen c wit -w alerter-flavor` generates (alerter_flavor.h/.c and
 * alerter_flavor_component_type.o), and made a component with
 * `wasm-tools component new`. The SDK has three parts:
 *
 *   - libc.c (+ include/stdlib.h, include/string.h): the libc subset the
 *     generated glue calls (malloc, calloc, realloc, free, abort, memcpy,
 *     memmove, memset, memcmp, strlen), with an arena allocator that
 *     rewinds when every block is freed: each call starts with an empty
 *     heap. Independent of the contract;
 *   - sdk_text.{h,c}: strings, a growable byte buffer, a JSON writer and a
 *     minimal JSON reader, UTF-8-safe truncation. Independent of the
 *     contract too;
 *   - alerter_sdk.{h,c} (this file): settings, setting specs, flavor
 *     errors, http.fetch with the host's errors mapped to flavor errors,
 *     response helpers (headers, Retry-After, the usual error for a
 *     non-2xx answer), the usual "cannot" exports, log lines.
 *
 * Ownership, as wit-bindgen's C bindings define it:
 *   - an exported function owns its arguments: free them before returning
 *     (e.g. exports_alerter_flavor_flavor_settings_free(settings));
 *   - what it returns (ret or err) is freed by the generated post-return
 *     function, so every string in it must come from malloc (use
 *     sdk_str_dup / sdk_buf_take), never a literal; free() here ignores
 *     pointers outside the heap, so a literal by mistake does no harm;
 *   - for an import (http.fetch) the caller owns both the request and the
 *     response (free the response with alerter_flavor_http_response_free).
 *
 * Native unit tests compile everything but libc.c with the host's compiler
 * and libc (see test/run.sh).
 */
#ifndef ALERTER_SDK_H
#define ALERTER_SDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdk_export.h"
#include "sdk_text.h"

typedef exports_alerter_flavor_flavor_settings_t sdk_settings_t;
typedef exports_alerter_flavor_flavor_flavor_error_t sdk_error_t;
typedef alerter_flavor_http_response_t sdk_response_t;
typedef alerter_flavor_types_setting_spec_t sdk_setting_spec_t;

/* --- settings ---------------------------------------------------------------------------- */

/** The value of setting `name` if set to something non-blank (the last
 *  pair wins); a view into `settings`, valid until they are freed. */
bool sdk_setting(const sdk_settings_t *settings, const char *name, sdk_str_t *value);

/** A plain setting for `info`: `default_` may be NULL. */
sdk_setting_spec_t sdk_setting_spec(const char *name, const char *description, bool required, const char *default_);
/** A secret setting for `info` whose value goes only into header `header`
 *  as `format` (one `{}`, e.g. "Bearer {}"), only towards `origin`
 *  ("https://host" or "{setting}"). */
sdk_setting_spec_t sdk_secret_header_spec(const char *name, const char *description, bool required, const char *header,
                                          const char *format, const char *origin);
/** `n` heap copies of strings, for `info`'s list fields (hosts). */
alerter_flavor_list_string_t sdk_strings(size_t n, const char *const *items);

/* --- errors ---------------------------------------------------------------------------- */

/* Each sets `*err` (heap copies of the texts) and returns false, so an
 * export can `return sdk_err_...(err, ...);`. */
bool sdk_err_invalid_settings(sdk_error_t *err, const char *message);
/* `status` is the HTTP status of the answer, or SDK_NO_STATUS (the host
 * treats a 5xx rejection as transient: an `ask` keeps waiting). */
#define SDK_NO_STATUS (-1)
bool sdk_err_rejected(sdk_error_t *err, const char *code, const char *message, int status);
/** sdk_err_rejected with the texts taken from buffers (left empty). */
bool sdk_err_rejected_buf(sdk_error_t *err, sdk_buf_t *code, sdk_buf_t *message, int status);
bool sdk_err_rate_limited(sdk_error_t *err, uint64_t retry_after_ms, const char *message);
bool sdk_err_unsupported(sdk_error_t *err, const char *message);
bool sdk_err_internal(sdk_error_t *err, const char *message);
/** `invalid-settings`: "setting `NAME` is required: pass --set NAME=VALUE". */
bool sdk_err_required(sdk_error_t *err, const char *name);

/* --- http ------------------------------------------------------------------------------------ */

typedef struct {
  const char *name;
  sdk_str_t value;
} sdk_header_t;

/** Sends one request. `body` may be NULL. On a response (any status) fills
 *  `*resp` (free it with alerter_flavor_http_response_free) and returns
 *  true; when no response came, sets `*err` (rate-limited stays
 *  rate-limited, the rest is internal with the host's text) and returns false. */
bool sdk_fetch(const char *method, sdk_str_t url, const sdk_header_t *headers, size_t n_headers,
               const sdk_buf_t *body, sdk_response_t *resp, sdk_error_t *err);
/** The first response header `name` (lowercase), as a view. */
bool sdk_response_header(const sdk_response_t *resp, const char *name, sdk_str_t *value);
/** `Retry-After` in milliseconds (whole or fractional seconds), else `fallback_ms`. */
uint64_t sdk_retry_after_ms(const sdk_response_t *resp, uint64_t fallback_ms);
bool sdk_is_success(const sdk_response_t *resp);
/** The usual error for an answer that is not 2xx: 429 is `rate-limited`
 *  (Retry-After, else 1 s); anything else `rejected` with the status as
 *  code and status, and "HTTP <status>: <start of the body>". */
bool sdk_err_response(const sdk_response_t *resp, sdk_error_t *err);
/** The header `authorization: Bearer <token>`; its value lives in
 *  `storage` (free it after the request). */
sdk_header_t sdk_bearer(sdk_buf_t *storage, sdk_str_t token);

/* --- exports a flavor cannot serve ------------------------------------------------------ */

/* `update` of a flavor that cannot edit messages (0.2): frees the arguments,
 * answers `unsupported` with `why`. (`send` and `replies`: sdk_export.h.) */
#define SDK_EXPORT_NO_UPDATE(why)                                                                      \
  bool exports_alerter_flavor_flavor_update(exports_alerter_flavor_flavor_settings_t *settings,        \
                                            alerter_flavor_string_t *reference,                        \
                                            exports_alerter_flavor_flavor_message_t *message,          \
                                            sdk_error_t *err) {                                        \
    exports_alerter_flavor_flavor_settings_free(settings);                                             \
    alerter_flavor_string_free(reference);                                                             \
    exports_alerter_flavor_flavor_message_free(message);                                               \
    return sdk_err_unsupported(err, why);                                                              \
  }

/* --- log ------------------------------------------------------------------------------------- */

void sdk_log(alerter_flavor_log_log_level_t level, const char *message);
void sdk_log_buf(alerter_flavor_log_log_level_t level, const sdk_buf_t *message);

#endif
