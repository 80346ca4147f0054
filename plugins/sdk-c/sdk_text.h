/* sdk_text.h: strings, byte buffers, a JSON writer and reader, UTF-8-safe
 * truncation, for alerter flavors in C.
 *
 * Independent of the contract's version: it uses only
 * alerter_flavor_string_t, which the wit-bindgen C bindings of every
 * alerter:flavor version define alike (plugins/c-echo builds it against
 * 0.1.0, plugins/ntfy against 0.2.0). alerter_sdk.h adds the 0.2 parts
 * (settings, errors, http, log) on top.
 */
#ifndef ALERTER_SDK_TEXT_H
#define ALERTER_SDK_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alerter_flavor.h"

typedef alerter_flavor_string_t sdk_str_t;

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

/* --- text ------------------------------------------------------------------------------------ */

#define SDK_TRUNCATION_MARKER "\xE2\x80\xA6 [truncated]" /* "… [truncated]", 15 bytes */

/** The longest prefix of `s[0..n)` of at most `max` bytes that does not
 *  split a UTF-8 sequence. */
size_t sdk_utf8_prefix(const uint8_t *s, size_t n, size_t max);
/** Appends `s` cut to at most `max` bytes (UTF-8 safe); when it had to cut,
 *  the kept part plus SDK_TRUNCATION_MARKER fit in `max`. Returns true when cut. */
bool sdk_buf_put_truncated(sdk_buf_t *b, const uint8_t *s, size_t n, size_t max);

#endif
