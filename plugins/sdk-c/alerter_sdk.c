/* alerter_sdk.c: see alerter_sdk.h. */
#include <stdlib.h>
#include <string.h>

#include "alerter_sdk.h"

/* ======================================================================== */
/* libc subset (freestanding builds only)                                    */

#ifndef ALERTER_SDK_HOSTED

/* An arena over linear memory from __heap_base, with a count of live
 * blocks: when every block has been freed the arena rewinds, so each call
 * (whose arguments and results the generated glue frees) starts empty.
 * Freeing or growing the newest block works in place. Blocks are 8-byte
 * aligned, enough for every canonical-ABI alignment. free() ignores
 * pointers outside the arena (a literal returned by mistake). */
extern unsigned char __heap_base;

typedef struct {
  size_t size;
  size_t pad;
} block_t;

static uintptr_t heap_start, heap_top, last;
static size_t live;

#define ALIGN8(x) (((x) + 7) & ~(uintptr_t)7)

static void grow_to(uintptr_t end) {
  size_t have = __builtin_wasm_memory_size(0) * 65536u;
  if (end <= have) return;
  if (__builtin_wasm_memory_grow(0, (end - have + 65535u) / 65536u) == (size_t)-1) abort();
}

void *malloc(size_t size) {
  if (heap_top == 0 || live == 0) {
    heap_start = heap_top = ALIGN8((uintptr_t)&__heap_base);
    last = 0;
  }
  uintptr_t payload = heap_top + sizeof(block_t);
  if (size > UINTPTR_MAX - payload - 8) abort();
  uintptr_t end = ALIGN8(payload + size);
  grow_to(end);
  ((block_t *)heap_top)->size = size;
  heap_top = end;
  last = payload;
  live++;
  return (void *)payload;
}

static bool in_heap(void *p) {
  return heap_start && (uintptr_t)p >= heap_start + sizeof(block_t) && (uintptr_t)p < heap_top;
}

void free(void *p) {
  if (p == NULL || live == 0 || !in_heap(p)) return;
  if ((uintptr_t)p == last) {
    heap_top = last - sizeof(block_t);
    last = 0;
  }
  live--;
}

void *realloc(void *p, size_t size) {
  if (p == NULL) return malloc(size);
  if (!in_heap(p)) abort();
  if (size == 0) {
    free(p);
    return NULL;
  }
  block_t *b = (block_t *)p - 1;
  if ((uintptr_t)p == last) {
    uintptr_t end = ALIGN8((uintptr_t)p + size);
    grow_to(end);
    b->size = size;
    heap_top = end;
    return p;
  }
  if (size <= b->size) {
    b->size = size;
    return p;
  }
  void *fresh = malloc(size);
  memcpy(fresh, p, b->size);
  free(p);
  return fresh;
}

void *calloc(size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) abort();
  void *p = malloc(n * size);
  memset(p, 0, n * size);
  return p;
}

_Noreturn void abort(void) { __builtin_trap(); }

void *memcpy(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  while (n--) *d++ = *s++;
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    d += n;
    s += n;
    while (n--) *--d = *--s;
  }
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  unsigned char *d = dst;
  while (n--) *d++ = (unsigned char)c;
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x < *y ? -1 : 1;
  return 0;
}

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

#endif /* ALERTER_SDK_HOSTED */

/* ======================================================================== */
/* strings and buffers                                                        */

/* The empty string. The generated glue frees a string only when its length
 * is not zero, so an empty string must not own a heap block: it would never
 * be freed, and the arena would never rewind. free() ignores this pointer. */
static uint8_t EMPTY[1];

sdk_str_t sdk_str_dup_n(const void *p, size_t n) {
  sdk_str_t s;
  s.len = n;
  if (n == 0) {
    s.ptr = EMPTY;
    return s;
  }
  s.ptr = malloc(n);
  memcpy(s.ptr, p, n);
  return s;
}

sdk_str_t sdk_str_dup(const char *s) { return sdk_str_dup_n(s, strlen(s)); }

sdk_str_t sdk_str_lit(const char *s) {
  sdk_str_t r;
  r.ptr = (uint8_t *)s;
  r.len = strlen(s);
  return r;
}

bool sdk_str_eq(sdk_str_t s, const char *lit) {
  size_t n = strlen(lit);
  return s.len == n && memcmp(s.ptr, lit, n) == 0;
}

static uint8_t lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c; }

bool sdk_str_eq_nocase(sdk_str_t s, const char *lit) {
  size_t n = strlen(lit);
  if (s.len != n) return false;
  for (size_t i = 0; i < n; i++)
    if (lower(s.ptr[i]) != lower((uint8_t)lit[i])) return false;
  return true;
}

static void buf_reserve(sdk_buf_t *b, size_t more) {
  if (b->len + more <= b->cap) return;
  size_t cap = b->cap ? b->cap * 2 : 256;
  while (cap < b->len + more) cap *= 2;
  b->ptr = realloc(b->ptr, cap);
  b->cap = cap;
}

void sdk_buf_put(sdk_buf_t *b, const void *p, size_t n) {
  if (!n) return;
  buf_reserve(b, n);
  memcpy(b->ptr + b->len, p, n);
  b->len += n;
}

void sdk_buf_puts(sdk_buf_t *b, const char *s) { sdk_buf_put(b, s, strlen(s)); }
void sdk_buf_str(sdk_buf_t *b, sdk_str_t s) { sdk_buf_put(b, s.ptr, s.len); }
void sdk_buf_byte(sdk_buf_t *b, uint8_t c) { sdk_buf_put(b, &c, 1); }

void sdk_buf_u64(sdk_buf_t *b, uint64_t v) {
  char tmp[20];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) sdk_buf_byte(b, (uint8_t)tmp[--n]);
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0. */
static size_t utf8_seq(const uint8_t *s, size_t n) {
  uint8_t c = s[0];
  size_t len;
  uint32_t min, cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) len = 2, min = 0x80, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) len = 3, min = 0x800, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4) len = 4, min = 0x10000, cp = c & 0x07;
  else return 0;
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return 0;
  return len;
}

void sdk_buf_put_lossy(sdk_buf_t *b, const void *data, size_t n) {
  const uint8_t *s = data;
  size_t i = 0;
  while (i < n) {
    size_t k = utf8_seq(s + i, n - i);
    if (k) {
      sdk_buf_put(b, s + i, k);
      i += k;
    } else {
      sdk_buf_puts(b, "\xEF\xBF\xBD");
      i++;
    }
  }
}

sdk_str_t sdk_buf_take(sdk_buf_t *b) {
  sdk_str_t s;
  if (b->len == 0) {
    free(b->ptr); /* see EMPTY */
    b->ptr = EMPTY;
  }
  s.ptr = b->ptr;
  s.len = b->len;
  b->ptr = NULL;
  b->len = b->cap = 0;
  return s;
}

void sdk_buf_free(sdk_buf_t *b) {
  free(b->ptr);
  b->ptr = NULL;
  b->len = b->cap = 0;
}

/* ======================================================================== */
/* JSON writer                                                                */

static const char HEX[] = "0123456789abcdef";

void sdk_json_string(sdk_buf_t *b, const void *data, size_t n) {
  const uint8_t *s = data;
  buf_reserve(b, n + 2);
  sdk_buf_byte(b, '"');
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    switch (c) {
      case '"': sdk_buf_puts(b, "\\\""); break;
      case '\\': sdk_buf_puts(b, "\\\\"); break;
      case '\n': sdk_buf_puts(b, "\\n"); break;
      case '\r': sdk_buf_puts(b, "\\r"); break;
      case '\t': sdk_buf_puts(b, "\\t"); break;
      case '\b': sdk_buf_puts(b, "\\b"); break;
      case '\f': sdk_buf_puts(b, "\\f"); break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char u[6] = {'\\', 'u', '0', '0', HEX[c >> 4], HEX[c & 15]};
          sdk_buf_put(b, u, 6);
        } else if (c == 0xE2 && i + 2 < n && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
          /* U+2028/U+2029: valid JSON, but escaped for JavaScript readers. */
          sdk_buf_puts(b, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
          i += 2;
        } else {
          sdk_buf_byte(b, c);
        }
    }
  }
  sdk_buf_byte(b, '"');
}

void sdk_json_cstring(sdk_buf_t *b, const char *s) { sdk_json_string(b, s, strlen(s)); }

void sdk_json_key(sdk_buf_t *b, bool *first, const char *key) {
  if (!*first) sdk_buf_byte(b, ',');
  *first = false;
  sdk_json_cstring(b, key);
  sdk_buf_byte(b, ':');
}

/* ======================================================================== */
/* JSON reader                                                                */

static const uint8_t *ws(const uint8_t *p, const uint8_t *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
  return p;
}

/* After a string starting at the opening quote, or NULL. */
static const uint8_t *skip_string(const uint8_t *p, const uint8_t *end) {
  if (p >= end || *p != '"') return NULL;
  for (p++; p < end; p++) {
    if (*p == '\\') {
      p++;
      continue;
    }
    if (*p == '"') return p + 1;
  }
  return NULL;
}

static bool is_lit(const uint8_t *p, const uint8_t *end, const char *lit) {
  size_t n = strlen(lit);
  return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

/* After the value at p (whitespace skipped first), or NULL; sets *type. */
static const uint8_t *skip_value(const uint8_t *p, const uint8_t *end, sdk_json_type_t *type) {
  p = ws(p, end);
  if (p >= end) return NULL;
  switch (*p) {
    case '"':
      *type = SDK_JSON_STRING;
      return skip_string(p, end);
    case '{':
    case '[': {
      *type = *p == '{' ? SDK_JSON_OBJECT : SDK_JSON_ARRAY;
      size_t depth = 0;
      for (; p < end; p++) {
        if (*p == '"') {
          p = skip_string(p, end);
          if (!p) return NULL;
          p--;
        } else if (*p == '{' || *p == '[') {
          depth++;
        } else if (*p == '}' || *p == ']') {
          if (--depth == 0) return p + 1;
        }
      }
      return NULL;
    }
    case 't':
      *type = SDK_JSON_TRUE;
      return is_lit(p, end, "true") ? p + 4 : NULL;
    case 'f':
      *type = SDK_JSON_FALSE;
      return is_lit(p, end, "false") ? p + 5 : NULL;
    case 'n':
      *type = SDK_JSON_NULL;
      return is_lit(p, end, "null") ? p + 4 : NULL;
    default:
      if (*p == '-' || (*p >= '0' && *p <= '9')) {
        *type = SDK_JSON_NUMBER;
        const uint8_t *q = p + 1;
        while (q < end && ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' || *q == '+' || *q == '-')) q++;
        return q;
      }
      return NULL;
  }
}

sdk_json_type_t sdk_json_find(const uint8_t *json, size_t len, const char *key, const uint8_t **value,
                              size_t *value_len) {
  const uint8_t *p = ws(json, json + len), *end = json + len;
  size_t klen = strlen(key);
  sdk_json_type_t found = SDK_JSON_NONE;
  if (p >= end || *p != '{') return SDK_JSON_NONE;
  p = ws(p + 1, end);
  if (p < end && *p == '}') return SDK_JSON_NONE;
  while (p < end) {
    const uint8_t *kstart = p;
    const uint8_t *kend = skip_string(p, end);
    if (!kend) return SDK_JSON_NONE;
    p = ws(kend, end);
    if (p >= end || *p != ':') return SDK_JSON_NONE;
    sdk_json_type_t type;
    const uint8_t *vstart = ws(p + 1, end);
    const uint8_t *vend = skip_value(vstart, end, &type);
    if (!vend) return SDK_JSON_NONE;
    if ((size_t)(kend - kstart) == klen + 2 && memcmp(kstart + 1, key, klen) == 0) {
      *value = vstart;
      *value_len = (size_t)(vend - vstart);
      found = type;
    }
    p = ws(vend, end);
    if (p < end && *p == ',') {
      p = ws(p + 1, end);
      continue;
    }
    if (p < end && *p == '}') return found;
    return SDK_JSON_NONE;
  }
  return SDK_JSON_NONE;
}

static int hexval(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

static bool read_u16(const uint8_t *p, const uint8_t *end, uint32_t *out) {
  if (end - p < 4) return false;
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(p[i]);
    if (h < 0) return false;
    v = v * 16 + (uint32_t)h;
  }
  *out = v;
  return true;
}

static void put_utf8(sdk_buf_t *b, uint32_t cp) {
  if (cp < 0x80) {
    sdk_buf_byte(b, (uint8_t)cp);
  } else if (cp < 0x800) {
    sdk_buf_byte(b, (uint8_t)(0xC0 | (cp >> 6)));
    sdk_buf_byte(b, (uint8_t)(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    sdk_buf_byte(b, (uint8_t)(0xE0 | (cp >> 12)));
    sdk_buf_byte(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)));
    sdk_buf_byte(b, (uint8_t)(0x80 | (cp & 0x3F)));
  } else {
    sdk_buf_byte(b, (uint8_t)(0xF0 | (cp >> 18)));
    sdk_buf_byte(b, (uint8_t)(0x80 | ((cp >> 12) & 0x3F)));
    sdk_buf_byte(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)));
    sdk_buf_byte(b, (uint8_t)(0x80 | (cp & 0x3F)));
  }
}

bool sdk_json_get_string(const uint8_t *json, size_t len, const char *key, sdk_buf_t *out) {
  const uint8_t *v;
  size_t n;
  if (sdk_json_find(json, len, key, &v, &n) != SDK_JSON_STRING) return false;
  const uint8_t *p = v + 1, *end = v + n - 1; /* inside the quotes */
  while (p < end) {
    if (*p != '\\') {
      sdk_buf_byte(out, *p++);
      continue;
    }
    p++;
    if (p >= end) return false;
    uint8_t e = *p++;
    switch (e) {
      case 'n': sdk_buf_byte(out, '\n'); break;
      case 't': sdk_buf_byte(out, '\t'); break;
      case 'r': sdk_buf_byte(out, '\r'); break;
      case 'b': sdk_buf_byte(out, '\b'); break;
      case 'f': sdk_buf_byte(out, '\f'); break;
      case 'u': {
        uint32_t cp, lo;
        if (!read_u16(p, end, &cp)) return false;
        p += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u' && read_u16(p + 2, end, &lo) &&
            lo >= 0xDC00 && lo < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          p += 6;
        } else if (cp >= 0xD800 && cp < 0xE000) {
          cp = 0xFFFD; /* a lone surrogate */
        }
        put_utf8(out, cp);
        break;
      }
      default: sdk_buf_byte(out, e); /* " \ / */
    }
  }
  return true;
}

bool sdk_json_get_int(const uint8_t *json, size_t len, const char *key, int64_t *out) {
  const uint8_t *v;
  size_t n;
  if (sdk_json_find(json, len, key, &v, &n) != SDK_JSON_NUMBER) return false;
  size_t i = 0;
  bool neg = false;
  if (v[0] == '-') {
    neg = true;
    i = 1;
  }
  if (i >= n) return false;
  int64_t r = 0;
  for (; i < n; i++) {
    if (v[i] < '0' || v[i] > '9') return false; /* a fraction or exponent */
    if (r > (INT64_MAX - 9) / 10) return false;
    r = r * 10 + (v[i] - '0');
  }
  *out = neg ? -r : r;
  return true;
}

/* ======================================================================== */
/* settings, errors                                                            */

static bool blank(sdk_str_t s) {
  for (size_t i = 0; i < s.len; i++)
    if (s.ptr[i] != ' ' && s.ptr[i] != '\t' && s.ptr[i] != '\n' && s.ptr[i] != '\r') return false;
  return true;
}

bool sdk_setting(const sdk_settings_t *settings, const char *name, sdk_str_t *value) {
  for (size_t i = settings->len; i-- > 0;) {
    if (sdk_str_eq(settings->ptr[i].f0, name)) {
      if (blank(settings->ptr[i].f1)) return false;
      *value = settings->ptr[i].f1;
      return true;
    }
  }
  return false;
}

bool sdk_err_invalid_settings(sdk_error_t *err, const char *message) {
  err->tag = ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_INVALID_SETTINGS;
  err->val.invalid_settings = sdk_str_dup(message);
  return false;
}

bool sdk_err_rejected(sdk_error_t *err, const char *code, const char *message) {
  err->tag = ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_REJECTED;
  err->val.rejected.code = sdk_str_dup(code);
  err->val.rejected.message = sdk_str_dup(message);
  return false;
}

bool sdk_err_rate_limited(sdk_error_t *err, uint64_t retry_after_ms, const char *message) {
  err->tag = ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_RATE_LIMITED;
  err->val.rate_limited.retry_after_ms = retry_after_ms;
  err->val.rate_limited.message = sdk_str_dup(message);
  return false;
}

bool sdk_err_unsupported(sdk_error_t *err, const char *message) {
  err->tag = ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_UNSUPPORTED;
  err->val.unsupported = sdk_str_dup(message);
  return false;
}

bool sdk_err_internal(sdk_error_t *err, const char *message) {
  err->tag = ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_INTERNAL;
  err->val.internal = sdk_str_dup(message);
  return false;
}

bool sdk_err_required(sdk_error_t *err, const char *name) {
  sdk_buf_t b = {0};
  sdk_buf_puts(&b, "setting `");
  sdk_buf_puts(&b, name);
  sdk_buf_puts(&b, "` is required: pass --set ");
  sdk_buf_puts(&b, name);
  sdk_buf_puts(&b, "=VALUE");
  err->tag = ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_INVALID_SETTINGS;
  err->val.invalid_settings = sdk_buf_take(&b);
  return false;
}

/* ======================================================================== */
/* http                                                                        */

bool sdk_fetch(const char *method, sdk_str_t url, const sdk_header_t *headers, size_t n_headers,
               const sdk_buf_t *body, sdk_response_t *resp, sdk_error_t *err) {
  alerter_flavor_http_request_t req;
  alerter_flavor_tuple2_string_string_t *hs = n_headers ? malloc(n_headers * sizeof *hs) : NULL;
  for (size_t i = 0; i < n_headers; i++) {
    hs[i].f0 = sdk_str_lit(headers[i].name);
    hs[i].f1 = headers[i].value;
  }
  req.method = sdk_str_lit(method);
  req.url = url;
  req.headers.ptr = hs;
  req.headers.len = n_headers;
  req.body.is_some = body != NULL;
  if (body) {
    req.body.val.ptr = body->ptr;
    req.body.val.len = body->len;
  }
  alerter_flavor_http_http_error_t herr;
  bool ok = alerter_flavor_http_fetch(&req, resp, &herr);
  free(hs);
  if (ok) return true;

  if (herr.tag == ALERTER_FLAVOR_HTTP_HTTP_ERROR_RATE_LIMITED) {
    err->tag = ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_RATE_LIMITED;
    err->val.rate_limited = herr.val.rate_limited; /* ownership moves to err */
    return false;
  }
  static const char *const PREFIX[] = {"", "timed out: ", "too large: ", "cannot connect: ", "invalid request: ",
                                       "secret misplaced: ", "forbidden: "};
  sdk_buf_t m = {0};
  if (herr.tag < sizeof PREFIX / sizeof PREFIX[0]) sdk_buf_puts(&m, PREFIX[herr.tag]);
  sdk_buf_str(&m, herr.val.denied); /* every other case is a string at the same place */
  alerter_flavor_http_http_error_free(&herr);
  err->tag = ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_INTERNAL;
  err->val.internal = sdk_buf_take(&m);
  return false;
}

bool sdk_response_header(const sdk_response_t *resp, const char *name, sdk_str_t *value) {
  for (size_t i = 0; i < resp->headers.len; i++) {
    if (sdk_str_eq_nocase(resp->headers.ptr[i].f0, name)) {
      *value = resp->headers.ptr[i].f1;
      return true;
    }
  }
  return false;
}

uint64_t sdk_retry_after_ms(const sdk_response_t *resp, uint64_t fallback_ms) {
  sdk_str_t v;
  if (!sdk_response_header(resp, "retry-after", &v)) return fallback_ms;
  size_t i = 0;
  while (i < v.len && v.ptr[i] == ' ') i++;
  uint64_t whole = 0, frac_ms = 0, scale = 100;
  bool digits = false;
  for (; i < v.len && v.ptr[i] >= '0' && v.ptr[i] <= '9'; i++, digits = true) {
    if (whole > 100000000) return fallback_ms;
    whole = whole * 10 + (v.ptr[i] - '0');
  }
  if (i < v.len && v.ptr[i] == '.') {
    bool any = false;
    for (i++; i < v.len && v.ptr[i] >= '0' && v.ptr[i] <= '9'; i++) {
      any = true;
      if (scale) {
        frac_ms += (uint64_t)(v.ptr[i] - '0') * scale;
        scale /= 10;
      } else if (v.ptr[i] != '0') {
        frac_ms += 1; /* round sub-millisecond parts up */
        break;
      }
    }
    if (!any && !digits) return fallback_ms;
    while (i < v.len && v.ptr[i] >= '0' && v.ptr[i] <= '9') i++;
  }
  while (i < v.len && v.ptr[i] == ' ') i++;
  if (i != v.len || (!digits && frac_ms == 0)) return fallback_ms; /* an HTTP date, or junk */
  return whole * 1000 + (frac_ms > 1000 ? 1000 : frac_ms);
}

bool sdk_is_success(const sdk_response_t *resp) { return resp->status >= 200 && resp->status < 300; }

/* ======================================================================== */
/* text, log                                                                   */

size_t sdk_utf8_prefix(const uint8_t *s, size_t n, size_t max) {
  if (n <= max) return n;
  size_t cut = max;
  while (cut > 0 && (s[cut] & 0xC0) == 0x80) cut--; /* s[cut] starts the first dropped char */
  return cut;
}

bool sdk_buf_put_truncated(sdk_buf_t *b, const uint8_t *s, size_t n, size_t max) {
  if (n <= max) {
    sdk_buf_put(b, s, n);
    return false;
  }
  size_t marker = sizeof SDK_TRUNCATION_MARKER - 1;
  if (max < marker) {
    sdk_buf_put(b, s, sdk_utf8_prefix(s, n, max));
    return true;
  }
  sdk_buf_put(b, s, sdk_utf8_prefix(s, n, max - marker));
  sdk_buf_puts(b, SDK_TRUNCATION_MARKER);
  return true;
}

void sdk_log(alerter_flavor_log_log_level_t level, const char *message) {
  sdk_str_t s = sdk_str_lit(message);
  alerter_flavor_log_write(level, &s);
}

void sdk_log_buf(alerter_flavor_log_log_level_t level, const sdk_buf_t *message) {
  sdk_str_t s;
  s.ptr = message->ptr;
  s.len = message->len;
  alerter_flavor_log_write(level, &s);
}
