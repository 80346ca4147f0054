/* `c-echo`: a test flavor written in C, proving the alerter:flavor contract
 * is language-neutral. It does the job of the Rust `echo` fixture
 * (plugins/fixtures/echo) for posting: POST `{url}/messages` with
 * {"flavor":"c-echo","text":...,"title":...} and report the answer's "id".
 *
 * Built freestanding (wasm32-unknown-unknown, no libc): the bindings come
 * from `wit-bindgen c`, malloc/free/memcpy from ../shim. See ../build.sh.
 *
 * Ownership (wit-bindgen C): exported functions own their arguments and free
 * them; what they return is freed by the generated post-return function, so
 * every returned string is heap-allocated. For imports the caller owns both
 * the arguments (borrowed by the call) and the results. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alerter_flavor.h"

typedef alerter_flavor_string_t str_t;

/* ------------------------------------------------------------------------ */
/* Growable byte buffer.                                                      */

typedef struct {
  uint8_t *ptr;
  size_t len, cap;
} buf_t;

static void buf_reserve(buf_t *b, size_t more) {
  if (b->len + more <= b->cap) return;
  size_t cap = b->cap ? b->cap * 2 : 256;
  while (cap < b->len + more) cap *= 2;
  b->ptr = realloc(b->ptr, cap);
  b->cap = cap;
}

static void buf_put(buf_t *b, const void *p, size_t n) {
  buf_reserve(b, n);
  memcpy(b->ptr + b->len, p, n);
  b->len += n;
}

static void buf_puts(buf_t *b, const char *s) { buf_put(b, s, strlen(s)); }

static void buf_byte(buf_t *b, uint8_t c) { buf_put(b, &c, 1); }

static void buf_dec(buf_t *b, unsigned v) {
  char tmp[12];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) buf_byte(b, (uint8_t)tmp[--n]);
}

/* A JSON string literal: quotes, backslashes and control characters escaped;
 * UTF-8 (valid, as every WIT string is) passes through. */
static void buf_json_string(buf_t *b, const uint8_t *s, size_t n) {
  static const char HEX[] = "0123456789abcdef";
  buf_reserve(b, n + 2);
  buf_byte(b, '"');
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    switch (c) {
      case '"': buf_puts(b, "\\\""); break;
      case '\\': buf_puts(b, "\\\\"); break;
      case '\n': buf_puts(b, "\\n"); break;
      case '\r': buf_puts(b, "\\r"); break;
      case '\t': buf_puts(b, "\\t"); break;
      case '\b': buf_puts(b, "\\b"); break;
      case '\f': buf_puts(b, "\\f"); break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char u[6] = {'\\', 'u', '0', '0', HEX[c >> 4], HEX[c & 15]};
          buf_put(b, u, 6);
        } else {
          buf_byte(b, c);
        }
    }
  }
  buf_byte(b, '"');
}

/* Length of the valid UTF-8 sequence at p[0..n), or 0 when it is not one. */
static size_t utf8_seq(const uint8_t *p, size_t n) {
  uint8_t c = p[0];
  size_t len;
  uint32_t min, cp;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) { len = 2; min = 0x80; cp = c & 0x1f; }
  else if (c >= 0xe0 && c <= 0xef) { len = 3; min = 0x800; cp = c & 0x0f; }
  else if (c >= 0xf0 && c <= 0xf4) { len = 4; min = 0x10000; cp = c & 0x07; }
  else return 0;
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (p[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) return 0;
  return len;
}

/* Appends bytes from the service as text: WIT strings must be valid UTF-8
 * (the host traps otherwise), so invalid bytes become U+FFFD. */
static void buf_put_lossy(buf_t *b, const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t k = utf8_seq(p + i, n - i);
    if (k == 0) {
      buf_put(b, "\xef\xbf\xbd", 3);
      i++;
    } else {
      buf_put(b, p + i, k);
      i += k;
    }
  }
}

/* Moves the buffer into a string (ownership passes to the string). */
static str_t buf_into_string(buf_t *b) {
  str_t s;
  if (b->len == 0) {
    free(b->ptr);
    s.ptr = NULL;
  } else {
    s.ptr = b->ptr;
  }
  s.len = b->len;
  b->ptr = NULL;
  b->len = b->cap = 0;
  return s;
}

/* A heap copy of a C string, as returned strings must be. */
static str_t dup(const char *s) {
  str_t out;
  alerter_flavor_string_dup(&out, s);
  return out;
}

static bool str_eq(const str_t *s, const char *c) {
  size_t n = strlen(c);
  return s->len == n && memcmp(s->ptr, c, n) == 0;
}

static void log_line(alerter_flavor_log_log_level_t level, buf_t *b) {
  str_t msg = {b->ptr, b->len};
  alerter_flavor_log_write(level, &msg);
  free(b->ptr);
  b->ptr = NULL;
  b->len = b->cap = 0;
}

/* ------------------------------------------------------------------------ */
/* A tiny JSON scan: the value of "id" in the top-level object.              */

typedef struct {
  const uint8_t *p, *end;
} scan_t;

static void skip_ws(scan_t *s) {
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) s->p++;
}

static int hexval(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void put_utf8(buf_t *b, uint32_t cp) {
  if (cp < 0x80) {
    buf_byte(b, (uint8_t)cp);
  } else if (cp < 0x800) {
    buf_byte(b, (uint8_t)(0xc0 | (cp >> 6)));
    buf_byte(b, (uint8_t)(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    buf_byte(b, (uint8_t)(0xe0 | (cp >> 12)));
    buf_byte(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
    buf_byte(b, (uint8_t)(0x80 | (cp & 0x3f)));
  } else {
    buf_byte(b, (uint8_t)(0xf0 | (cp >> 18)));
    buf_byte(b, (uint8_t)(0x80 | ((cp >> 12) & 0x3f)));
    buf_byte(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
    buf_byte(b, (uint8_t)(0x80 | (cp & 0x3f)));
  }
}

static bool read_hex4(scan_t *s, uint32_t *out) {
  if (s->end - s->p < 4) return false;
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(s->p[i]);
    if (h < 0) return false;
    v = v << 4 | (uint32_t)h;
  }
  s->p += 4;
  *out = v;
  return true;
}

/* Reads a string literal at s->p (which is at '"'); decoded into `out` when
 * it is not NULL. */
static bool scan_string(scan_t *s, buf_t *out) {
  if (s->p >= s->end || *s->p != '"') return false;
  s->p++;
  while (s->p < s->end) {
    uint8_t c = *s->p++;
    if (c == '"') return true;
    if (c != '\\') {
      if (out) buf_byte(out, c);
      continue;
    }
    if (s->p >= s->end) return false;
    uint8_t e = *s->p++;
    uint32_t cp;
    switch (e) {
      case '"': case '\\': case '/': cp = e; break;
      case 'b': cp = '\b'; break;
      case 'f': cp = '\f'; break;
      case 'n': cp = '\n'; break;
      case 'r': cp = '\r'; break;
      case 't': cp = '\t'; break;
      case 'u':
        if (!read_hex4(s, &cp)) return false;
        if (cp >= 0xd800 && cp < 0xdc00) {
          uint32_t lo;
          if (s->end - s->p >= 6 && s->p[0] == '\\' && s->p[1] == 'u') {
            s->p += 2;
            if (!read_hex4(s, &lo) || lo < 0xdc00 || lo >= 0xe000) return false;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          } else {
            return false;
          }
        } else if (cp >= 0xdc00 && cp < 0xe000) {
          return false;
        }
        break;
      default: return false;
    }
    if (out) put_utf8(out, cp);
  }
  return false;
}

/* Skips one value (any type); copies a scalar's text into `out` when given
 * (strings decoded, numbers/literals verbatim). */
static bool scan_value(scan_t *s, buf_t *out) {
  skip_ws(s);
  if (s->p >= s->end) return false;
  uint8_t c = *s->p;
  if (c == '"') return scan_string(s, out);
  if (c == '{' || c == '[') {
    size_t depth = 0;
    while (s->p < s->end) {
      c = *s->p;
      if (c == '"') {
        if (!scan_string(s, NULL)) return false;
        continue;
      }
      s->p++;
      if (c == '{' || c == '[') depth++;
      else if ((c == '}' || c == ']') && --depth == 0) return true;
    }
    return false;
  }
  const uint8_t *start = s->p;
  while (s->p < s->end && *s->p != ',' && *s->p != '}' && *s->p != ']' && *s->p != ' ' && *s->p != '\t' &&
         *s->p != '\n' && *s->p != '\r')
    s->p++;
  if (s->p == start) return false;
  if (out) buf_put(out, start, (size_t)(s->p - start));
  return true;
}

/* The top-level "id" of a JSON object, as text (a string's contents or a
 * number's digits). Returns false when the body is not an object with an id,
 * or the id is null/empty. */
static bool find_id(const uint8_t *body, size_t len, buf_t *id) {
  scan_t s = {body, body + len};
  skip_ws(&s);
  if (s.p >= s.end || *s.p != '{') return false;
  s.p++;
  for (;;) {
    skip_ws(&s);
    if (s.p < s.end && *s.p == '}') return false;
    buf_t key = {0};
    if (!scan_string(&s, &key)) {
      free(key.ptr);
      return false;
    }
    bool is_id = key.len == 2 && key.ptr[0] == 'i' && key.ptr[1] == 'd';
    free(key.ptr);
    skip_ws(&s);
    if (s.p >= s.end || *s.p != ':') return false;
    s.p++;
    if (is_id) {
      skip_ws(&s);
      bool quoted = s.p < s.end && *s.p == '"';
      if (!scan_value(&s, id)) return false;
      if (!quoted && id->len == 4 && memcmp(id->ptr, "null", 4) == 0) return false;
      return quoted || id->len > 0;
    }
    if (!scan_value(&s, NULL)) return false;
    skip_ws(&s);
    if (s.p < s.end && *s.p == ',') {
      s.p++;
      continue;
    }
    return false;
  }
}

/* ------------------------------------------------------------------------ */
/* The flavor.                                                                */

static alerter_flavor_types_setting_spec_t setting(const char *name, const char *description, bool required,
                                                           bool secret) {
  alerter_flavor_types_setting_spec_t s;
  s.name = dup(name);
  s.description = dup(description);
  s.required = required;
  s.secret = secret;
  s.default_.is_some = false;
  return s;
}

void exports_alerter_flavor_flavor_info(exports_alerter_flavor_flavor_flavor_info_t *ret) {
  ret->name = dup("c-echo");
  ret->version = dup("0.1.0");
  ret->description = dup("Posts JSON to a generic HTTP endpoint; written in C (tests)");

  ret->settings.len = 2;
  ret->settings.ptr = malloc(2 * sizeof(*ret->settings.ptr));
  ret->settings.ptr[0] = setting("url", "Base URL of the service", true, false);
  ret->settings.ptr[1] = setting("token", "Bearer token", false, true);

  ret->hosts.len = 1;
  ret->hosts.ptr = malloc(sizeof(*ret->hosts.ptr));
  ret->hosts.ptr[0] = dup("{url}");

  ret->capabilities.post = true;
  ret->capabilities.read_replies = false;
  ret->capabilities.threads = false;
}

/* The value of setting `name`, or NULL. */
static const str_t *get_setting(const exports_alerter_flavor_flavor_settings_t *settings, const char *name) {
  for (size_t i = 0; i < settings->len; i++)
    if (str_eq(&settings->ptr[i].f0, name)) return &settings->ptr[i].f1;
  return NULL;
}

static void error_text(exports_alerter_flavor_flavor_flavor_error_t *err, uint8_t tag, buf_t *text) {
  err->tag = tag;
  /* invalid-settings, unsupported and internal all carry a string. */
  err->val.internal = buf_into_string(text);
}

static const char *http_error_kind(uint8_t tag) {
  switch (tag) {
    case ALERTER_FLAVOR_HTTP_HTTP_ERROR_DENIED: return "denied";
    case ALERTER_FLAVOR_HTTP_HTTP_ERROR_TIMEOUT: return "timeout";
    case ALERTER_FLAVOR_HTTP_HTTP_ERROR_TOO_LARGE: return "too large";
    case ALERTER_FLAVOR_HTTP_HTTP_ERROR_CONNECT: return "connect";
    case ALERTER_FLAVOR_HTTP_HTTP_ERROR_INVALID_REQUEST: return "invalid request";
    default: return "error";
  }
}

static bool send_message(const exports_alerter_flavor_flavor_settings_t *settings,
                         const exports_alerter_flavor_flavor_message_t *message, exports_alerter_flavor_flavor_sent_t *ret,
                         exports_alerter_flavor_flavor_flavor_error_t *err) {
  const str_t *url = get_setting(settings, "url");
  if (url == NULL || url->len == 0) {
    buf_t t = {0};
    buf_puts(&t, "setting `url` is required");
    error_text(err, ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_INVALID_SETTINGS, &t);
    return false;
  }
  const str_t *token = get_setting(settings, "token");

  /* {url}/messages, without doubling a trailing slash. */
  size_t base_len = url->len;
  while (base_len > 0 && url->ptr[base_len - 1] == '/') base_len--;
  buf_t target = {0};
  buf_put(&target, url->ptr, base_len);
  buf_puts(&target, "/messages");

  buf_t body = {0};
  buf_puts(&body, "{\"flavor\":\"c-echo\",\"text\":");
  buf_json_string(&body, message->body.ptr, message->body.len);
  buf_puts(&body, ",\"title\":");
  if (message->title.is_some)
    buf_json_string(&body, message->title.val.ptr, message->title.val.len);
  else
    buf_puts(&body, "null");
  buf_byte(&body, '}');

  buf_t bearer = {0};
  alerter_flavor_tuple2_string_string_t headers[3];
  size_t nheaders = 0;
  alerter_flavor_string_set(&headers[nheaders].f0, "content-type");
  alerter_flavor_string_set(&headers[nheaders].f1, "application/json");
  nheaders++;
  alerter_flavor_string_set(&headers[nheaders].f0, "accept");
  alerter_flavor_string_set(&headers[nheaders].f1, "application/json");
  nheaders++;
  if (token != NULL && token->len > 0) {
    /* The token is an opaque placeholder: the host swaps in the secret. */
    buf_puts(&bearer, "Bearer ");
    buf_put(&bearer, token->ptr, token->len);
    alerter_flavor_string_set(&headers[nheaders].f0, "authorization");
    headers[nheaders].f1.ptr = bearer.ptr;
    headers[nheaders].f1.len = bearer.len;
    nheaders++;
  }

  {
    buf_t l = {0};
    buf_puts(&l, "POST ");
    buf_put(&l, target.ptr, target.len);
    buf_puts(&l, " (");
    buf_dec(&l, (unsigned)body.len);
    buf_puts(&l, " bytes)");
    log_line(ALERTER_FLAVOR_LOG_LOG_LEVEL_DEBUG, &l);
  }

  alerter_flavor_http_request_t req;
  alerter_flavor_string_set(&req.method, "POST");
  req.url.ptr = target.ptr;
  req.url.len = target.len;
  req.headers.ptr = headers;
  req.headers.len = nheaders;
  req.body.is_some = true;
  req.body.val.ptr = body.ptr;
  req.body.val.len = body.len;

  alerter_flavor_http_response_t resp;
  alerter_flavor_http_http_error_t herr;
  bool got = alerter_flavor_http_fetch(&req, &resp, &herr);

  /* The request was only borrowed by the call. */
  free(bearer.ptr);
  free(body.ptr);
  free(target.ptr);

  if (!got) {
    buf_t t = {0};
    buf_puts(&t, "http ");
    buf_puts(&t, http_error_kind(herr.tag));
    buf_puts(&t, ": ");
    /* Every http-error case carries a string. */
    buf_put(&t, herr.val.denied.ptr, herr.val.denied.len);
    alerter_flavor_http_http_error_free(&herr);
    error_text(err, ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_INTERNAL, &t);
    return false;
  }

  if (resp.status < 200 || resp.status > 299) {
    buf_t code = {0}, msg = {0};
    buf_dec(&code, resp.status);
    buf_puts(&msg, "HTTP ");
    buf_dec(&msg, resp.status);
    if (resp.body.len > 0) {
      /* Up to 200 bytes of the answer, cut on a UTF-8 boundary. */
      size_t n = resp.body.len < 200 ? resp.body.len : 200;
      while (n < resp.body.len && n > 0 && (resp.body.ptr[n] & 0xc0) == 0x80) n--;
      buf_puts(&msg, ": ");
      buf_put_lossy(&msg, resp.body.ptr, n);
      if (n < resp.body.len) buf_puts(&msg, "...");
    }
    {
      buf_t l = {0};
      buf_put(&l, msg.ptr, msg.len);
      log_line(ALERTER_FLAVOR_LOG_LOG_LEVEL_DEBUG, &l); /* the host prints the error itself */
    }
    alerter_flavor_http_response_free(&resp);
    err->tag = ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_REJECTED;
    err->val.rejected.code = buf_into_string(&code);
    err->val.rejected.message = buf_into_string(&msg);
    return false;
  }

  buf_t id = {0};
  bool found = find_id(resp.body.ptr, resp.body.len, &id);
  alerter_flavor_http_response_free(&resp);
  if (!found) {
    free(id.ptr);
    buf_t t = {0};
    buf_puts(&t, "the service's answer has no \"id\"");
    error_text(err, ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_INTERNAL, &t);
    return false;
  }
  /* The id may hold raw bytes copied from the answer: keep it valid UTF-8. */
  buf_t ref = {0};
  buf_put_lossy(&ref, id.ptr, id.len);
  free(id.ptr);
  ret->reference = buf_into_string(&ref);
  ret->link.is_some = false;
  return true;
}

void exports_alerter_flavor_flavor_capabilities_for(exports_alerter_flavor_flavor_settings_t *settings,
                                                     exports_alerter_flavor_flavor_capabilities_t *ret) {
  /* Post only, whatever the settings. */
  ret->post = true;
  ret->read_replies = false;
  ret->threads = false;
  exports_alerter_flavor_flavor_settings_free(settings);
}

bool exports_alerter_flavor_flavor_send(exports_alerter_flavor_flavor_settings_t *settings,
                                        exports_alerter_flavor_flavor_message_t *message,
                                        exports_alerter_flavor_flavor_sent_t *ret,
                                        exports_alerter_flavor_flavor_flavor_error_t *err) {
  bool ok = send_message(settings, message, ret, err);
  /* The callee owns its arguments. */
  exports_alerter_flavor_flavor_settings_free(settings);
  exports_alerter_flavor_flavor_message_free(message);
  return ok;
}

bool exports_alerter_flavor_flavor_replies(exports_alerter_flavor_flavor_settings_t *settings,
                                           alerter_flavor_string_t *reference, alerter_flavor_string_t *maybe_cursor,
                                           exports_alerter_flavor_flavor_replies_page_t *ret,
                                           exports_alerter_flavor_flavor_flavor_error_t *err) {
  (void)ret;
  exports_alerter_flavor_flavor_settings_free(settings);
  alerter_flavor_string_free(reference);
  if (maybe_cursor) alerter_flavor_string_free(maybe_cursor);
  buf_t t = {0};
  buf_puts(&t, "c-echo only posts: it cannot read replies");
  error_text(err, ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_UNSUPPORTED, &t);
  return false;
}
