/* alerter_sdk.c: see alerter_sdk.h. */
#include <stdlib.h>
#include <string.h>

#include "alerter_sdk.h"

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

sdk_setting_spec_t sdk_setting_spec(const char *name, const char *description, bool required, const char *default_) {
  sdk_setting_spec_t s;
  memset(&s, 0, sizeof s);
  s.name = sdk_str_dup(name);
  s.description = sdk_str_dup(description);
  s.required = required;
  s.default_.is_some = default_ != NULL;
  if (default_) s.default_.val = sdk_str_dup(default_);
  return s;
}

sdk_setting_spec_t sdk_secret_header_spec(const char *name, const char *description, bool required, const char *header,
                                          const char *format, const char *origin) {
  sdk_setting_spec_t s = sdk_setting_spec(name, description, required, NULL);
  s.secret.is_some = true;
  s.secret.val.slot.tag = ALERTER_FLAVOR_TYPES_SECRET_SLOT_HEADER;
  s.secret.val.slot.val.header.name = sdk_str_dup(header);
  s.secret.val.slot.val.header.format = sdk_str_dup(format);
  s.secret.val.origins = sdk_strings(1, &origin);
  return s;
}

alerter_flavor_list_string_t sdk_strings(size_t n, const char *const *items) {
  alerter_flavor_list_string_t l;
  l.len = n;
  l.ptr = n ? malloc(n * sizeof *l.ptr) : NULL;
  for (size_t i = 0; i < n; i++) l.ptr[i] = sdk_str_dup(items[i]);
  return l;
}

bool sdk_err_invalid_settings(sdk_error_t *err, const char *message) {
  err->tag = ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_INVALID_SETTINGS;
  err->val.invalid_settings = sdk_str_dup(message);
  return false;
}

static bool rejected(sdk_error_t *err, sdk_str_t code, sdk_str_t message, int status) {
  err->tag = ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_REJECTED;
  err->val.rejected.code = code;
  err->val.rejected.message = message;
  err->val.rejected.status.is_some = status >= 0 && status <= 0xFFFF;
  err->val.rejected.status.val = err->val.rejected.status.is_some ? (uint16_t)status : 0;
  return false;
}

bool sdk_err_rejected(sdk_error_t *err, const char *code, const char *message, int status) {
  return rejected(err, sdk_str_dup(code), sdk_str_dup(message), status);
}

bool sdk_err_rejected_buf(sdk_error_t *err, sdk_buf_t *code, sdk_buf_t *message, int status) {
  sdk_str_t c = sdk_buf_take(code);
  return rejected(err, c, sdk_buf_take(message), status);
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

bool sdk_err_response(const sdk_response_t *resp, sdk_error_t *err) {
  if (resp->status == 429) return sdk_err_rate_limited(err, sdk_retry_after_ms(resp, 1000), "rate limited (HTTP 429)");
  sdk_buf_t code = {0}, msg = {0};
  sdk_buf_u64(&code, resp->status);
  sdk_buf_puts(&msg, "HTTP ");
  sdk_buf_u64(&msg, resp->status);
  sdk_buf_puts(&msg, ": ");
  sdk_buf_put_lossy(&msg, resp->body.ptr, sdk_utf8_prefix(resp->body.ptr, resp->body.len, 300));
  return sdk_err_rejected_buf(err, &code, &msg, resp->status);
}

sdk_header_t sdk_bearer(sdk_buf_t *storage, sdk_str_t token) {
  sdk_buf_puts(storage, "Bearer ");
  sdk_buf_str(storage, token); /* a placeholder: the host puts the secret in, only here */
  sdk_header_t h = {"authorization", {storage->ptr, storage->len}};
  return h;
}

/* ======================================================================== */
/* log                                                                         */

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
