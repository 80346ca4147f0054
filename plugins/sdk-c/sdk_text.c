/* sdk_text.c: see sdk_text.h. */
#include <stdlib.h>
#include <string.h>

#include "sdk_text.h"

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
/* text                                                                        */

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
