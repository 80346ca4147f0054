/* alerter_sdk.h: support for alerter flavors written in freestanding C.
 *
 * A flavor in C is built for wasm32-unknown-unknown without libc
 * (clang-19 -ffreestanding -nostdlib), against the bindings that
 * `wit-bindgen c wit -w alerter-flavor` generates (alerter_flavor.h/.c and
 * alerter_flavor_component_type.o), and made a component with
 * `wasm-tools component new`. This SDK supplies what that needs:
 *
 *   - the libc subset the generated glue calls (malloc, realloc, free,
 *     abort, memcpy, memmove, memset, memcmp, strlen; declared by the two
 *     tiny headers in include/), with an arena allocator that rewinds when
 *     every block is freed: each call starts with an empty heap;
 *   - a growable byte buffer with a JSON string writer/escaper;
 *   - a minimal JSON reader: a top-level field of an object, as a string
 *     (unescaped to UTF-8), an integer, or the raw value text;
 *   - settings lookup, setting flavor errors, http.fetch with the host's
 *     errors mapped to flavor errors, response helpers (headers,
 *     Retry-After), log lines, UTF-8 truncation with a visible marker.
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
 * Compile with -DALERTER_SDK_HOSTED to leave the libc subset out (native
 * unit tests link the real libc instead).
 */
#ifndef ALERTER_SDK_H
#define ALERTER_SDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alerter_flavor.h"

typedef alerter_flavor_string_t sdk_str_t;
typedef exports_alerter_flavor_flavor_settings_t sdk_settings_t;
typedef exports_alerter_flavor_flavor_flavor_error_t sdk_error_t;
typedef alerter_flavor_http_response_t sdk_response_t;

/* --- strings ------------------------------------------------------------ */

/** A heap copy of a NUL-terminated string (returned values need one). */
sdk_str_t sdk_str_dup(const char *s);
/** A heap copy of `n` bytes. */
sdk_str_t sdk_str_dup_n(const void *p, size_t n);
/** A view of a literal, for requests only (never for returned values). */
sdk_str_t sdk_str_lit(const char *s);
/** `s` equals the NUL-terminated `lit`. */
bool sdk_str_eq(sdk_str_t s, const char *lit);
/** `s` equals `lit`, ASCII case ignored. */
bool sdk_str_eq_nocase(sdk_str_t s, const char *lit);

/* --- buffer ------------------------------------------------------------------ */

typedef struct {
  uint8_t *ptr;
  size_t len, cap;
} sdk_buf_t;

void sdk_buf_put(sdk_buf_t *b, const void *p, size_t n);
void sdk_buf_puts(sdk_buf_t *b, const char *s);
void sdk_buf_str(sdk_buf_t *b, sdk_str_t s);
void sdk_buf_byte(sdk_buf_t *b, uint8_t c);
void sdk_buf_u64(sdk_buf_t *b, uint64_t v);
/** Appends bytes from outside (a response) as valid UTF-8: each invalid
 *  sequence becomes U+FFFD. A returned string must be valid UTF-8. */
void sdk_buf_put_lossy(sdk_buf_t *b, const void *p, size_t n);
/** The buffer's bytes as a string; the buffer is left empty. An empty
 *  result owns no memory (the glue frees only non-empty strings). */
sdk_str_t sdk_buf_take(sdk_buf_t *b);
void sdk_buf_free(sdk_buf_t *b);

/* --- JSON writer ------------------------------------------------------------------ */

/** A JSON string literal of `n` UTF-8 bytes: `"`, `\` and control
 *  characters escaped (DEL and U+2028/U+2029 too), the rest kept. */
void sdk_json_string(sdk_buf_t *b, const void *s, size_t n);
void sdk_json_cstring(sdk_buf_t *b, const char *s);
/** Starts a member of an object: writes `,` unless `*first`, then `"key":`. */
void sdk_json_key(sdk_buf_t *b, bool *first, const char *key);

/* --- JSON reader --------------------------------------------------------------------- */

typedef enum {
  SDK_JSON_NONE = 0, /* absent, or the input is not an object */
  SDK_JSON_STRING,
  SDK_JSON_NUMBER,
  SDK_JSON_OBJECT,
  SDK_JSON_ARRAY,
  SDK_JSON_TRUE,
  SDK_JSON_FALSE,
  SDK_JSON_NULL,
} sdk_json_type_t;

/** Finds member `key` of the top-level object in `json[0..len)`. On success
 *  `*value`/`*value_len` is the raw value text (a string with its quotes).
 *  Later duplicates win, as in most parsers. Returns SDK_JSON_NONE when the
 *  input is not an object or has no such member, or is malformed. */
sdk_json_type_t sdk_json_find(const uint8_t *json, size_t len, const char *key,
                              const uint8_t **value, size_t *value_len);
/** Member `key` as a string, unescaped to UTF-8 into `out` (appended).
 *  False when absent or not a string. */
bool sdk_json_get_string(const uint8_t *json, size_t len, const char *key, sdk_buf_t *out);
/** Member `key` as an integer (a number without fraction). */
bool sdk_json_get_int(const uint8_t *json, size_t len, const char *key, int64_t *out);

/* --- settings ---------------------------------------------------------------------------- */

/** The value of setting `name` if set to something non-blank (the last
 *  pair wins); a view into `settings`, valid until they are freed. */
bool sdk_setting(const sdk_settings_t *settings, const char *name, sdk_str_t *value);

/* --- errors ---------------------------------------------------------------------------- */

/* Each sets `*err` (heap copies of the texts) and returns false, so an
 * export can `return sdk_err_...(err, ...);`. */
bool sdk_err_invalid_settings(sdk_error_t *err, const char *message);
bool sdk_err_rejected(sdk_error_t *err, const char *code, const char *message);
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

/* --- text ------------------------------------------------------------------------------------ */

#define SDK_TRUNCATION_MARKER "\xE2\x80\xA6 [truncated]" /* "… [truncated]", 15 bytes */

/** The longest prefix of `s[0..n)` of at most `max` bytes that does not
 *  split a UTF-8 sequence. */
size_t sdk_utf8_prefix(const uint8_t *s, size_t n, size_t max);
/** Appends `s` cut to at most `max` bytes (UTF-8 safe); when it had to cut,
 *  the kept part plus SDK_TRUNCATION_MARKER fit in `max`. Returns true when cut. */
bool sdk_buf_put_truncated(sdk_buf_t *b, const uint8_t *s, size_t n, size_t max);

/* --- log ------------------------------------------------------------------------------------- */

void sdk_log(alerter_flavor_log_log_level_t level, const char *message);
void sdk_log_buf(alerter_flavor_log_log_level_t level, const sdk_buf_t *message);

#endif
