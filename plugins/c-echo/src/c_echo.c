/* `c-echo`: a test flavor written in C for the PREVIOUS contract,
 * alerter:flavor@0.1.0, on purpose: it proves 0.1 components still load and
 * run. It does the job of the Rust `echo` fixture (plugins/fixtures/echo)
 * for posting: POST `{url}/messages` with
 * {"flavor":"c-echo","text":...,"title":...} and report the answer's "id".
 *
 * Built freestanding (wasm32-unknown-unknown, no libc) with the
 * contract-independent part of ../../sdk-c: libc.c (malloc, memcpy, ...)
 * sdk_text.{h,c} (buffers, JSON) and sdk_export.h (the usual export
 * bodies). The 0.2 part of that SDK
 * (alerter_sdk.c) does not apply to 0.1, so the few contract calls are
 * written out here. See ../build.sh.
 *
 * Ownership (wit-bindgen C): exported functions own their arguments and free
 * them; what they return is freed by the generated post-return function, so
 * every returned string is heap-allocated. For imports the caller owns both
 * the arguments (borrowed by the call) and the results. */
#include <stdlib.h>
#include <string.h>

#include "sdk_export.h"
#include "sdk_text.h"

typedef exports_alerter_flavor_flavor_flavor_error_t error_t;
typedef exports_alerter_flavor_flavor_settings_t settings_t;

static bool fail(error_t *err, uint8_t tag, const char *text) {
  err->tag = tag;
  /* invalid-settings, unsupported and internal all carry a string. */
  err->val.internal = sdk_str_dup(text);
  return false;
}

/* The value of setting `name`, or NULL. */
static const sdk_str_t *get_setting(const settings_t *settings, const char *name) {
  for (size_t i = 0; i < settings->len; i++)
    if (sdk_str_eq(settings->ptr[i].f0, name)) return &settings->ptr[i].f1;
  return NULL;
}

static alerter_flavor_types_setting_spec_t spec(const char *name, const char *description, bool required, bool secret) {
  alerter_flavor_types_setting_spec_t s;
  s.name = sdk_str_dup(name);
  s.description = sdk_str_dup(description);
  s.required = required;
  s.secret = secret; /* 0.1: a flag, no slot (the host gives it no value) */
  s.default_.is_some = false;
  return s;
}

static void post_only(exports_alerter_flavor_flavor_capabilities_t *c) {
  c->post = true;
  c->read_replies = false;
  c->threads = false;
}

void exports_alerter_flavor_flavor_info(exports_alerter_flavor_flavor_flavor_info_t *ret) {
  ret->name = sdk_str_dup("c-echo");
  ret->version = sdk_str_dup("0.1.0");
  ret->description = sdk_str_dup("Posts JSON to a generic HTTP endpoint; written in C (tests)");
  ret->settings.len = 2;
  ret->settings.ptr = malloc(2 * sizeof(*ret->settings.ptr));
  ret->settings.ptr[0] = spec("url", "Base URL of the service", true, false);
  ret->settings.ptr[1] = spec("token", "Bearer token", false, true);
  ret->hosts.len = 1;
  ret->hosts.ptr = malloc(sizeof(*ret->hosts.ptr));
  ret->hosts.ptr[0] = sdk_str_dup("{url}");
  post_only(&ret->capabilities);
}

void exports_alerter_flavor_flavor_capabilities_for(settings_t *settings,
                                                     exports_alerter_flavor_flavor_capabilities_t *ret) {
  post_only(ret);
  exports_alerter_flavor_flavor_settings_free(settings);
}

/* 0.1's http-error cases, all carrying a string at the same place. */
static const char *const HTTP_ERROR[] = {"denied", "timeout", "too large", "connect", "invalid request"};

/* The answer's error: code = the status, "HTTP N: <up to 200 bytes>". */
static bool rejected(const alerter_flavor_http_response_t *resp, error_t *err) {
  sdk_buf_t code = {0}, msg = {0};
  sdk_buf_u64(&code, resp->status);
  sdk_buf_puts(&msg, "HTTP ");
  sdk_buf_u64(&msg, resp->status);
  if (resp->body.len) {
    sdk_buf_puts(&msg, ": ");
    sdk_buf_put_truncated(&msg, resp->body.ptr, resp->body.len, 200);
  }
  sdk_str_t line = {msg.ptr, msg.len};
  alerter_flavor_log_write(ALERTER_FLAVOR_LOG_LOG_LEVEL_DEBUG, &line); /* the host prints the error itself */
  err->tag = ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_REJECTED;
  err->val.rejected.code = sdk_buf_take(&code);
  err->val.rejected.message = sdk_buf_take(&msg);
  return false;
}

/* The answer's top-level "id" (a string or a number) as the reference. */
static bool reference(const alerter_flavor_http_response_t *resp, exports_alerter_flavor_flavor_sent_t *ret,
                      error_t *err) {
  const uint8_t *v;
  size_t n;
  sdk_buf_t id = {0}, ref = {0};
  switch (sdk_json_find(resp->body.ptr, resp->body.len, "id", &v, &n)) {
    case SDK_JSON_STRING: sdk_json_get_string(resp->body.ptr, resp->body.len, "id", &id); break;
    case SDK_JSON_NUMBER: sdk_buf_put(&id, v, n); break;
    default: return fail(err, ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_INTERNAL, "the service's answer has no \"id\"");
  }
  sdk_buf_put_lossy(&ref, id.ptr, id.len); /* keep it valid UTF-8 */
  sdk_buf_free(&id);
  ret->reference = sdk_buf_take(&ref);
  ret->link.is_some = false;
  return true;
}

static bool send_message(const settings_t *settings, const exports_alerter_flavor_flavor_message_t *message,
                         exports_alerter_flavor_flavor_sent_t *ret, error_t *err) {
  const sdk_str_t *url = get_setting(settings, "url");
  if (url == NULL || url->len == 0)
    return fail(err, ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_INVALID_SETTINGS, "setting `url` is required");
  const sdk_str_t *token = get_setting(settings, "token");

  /* {url}/messages, without doubling a trailing slash. */
  size_t base_len = url->len;
  while (base_len > 0 && url->ptr[base_len - 1] == '/') base_len--;
  sdk_buf_t target = {0}, body = {0}, bearer = {0}, line = {0};
  sdk_buf_put(&target, url->ptr, base_len);
  sdk_buf_puts(&target, "/messages");
  sdk_buf_puts(&body, "{\"flavor\":\"c-echo\",\"text\":");
  sdk_json_string(&body, message->body.ptr, message->body.len);
  sdk_buf_puts(&body, ",\"title\":");
  if (message->title.is_some)
    sdk_json_string(&body, message->title.val.ptr, message->title.val.len);
  else
    sdk_buf_puts(&body, "null");
  sdk_buf_byte(&body, '}');

  alerter_flavor_tuple2_string_string_t headers[3] = {
      {sdk_str_lit("content-type"), sdk_str_lit("application/json")},
      {sdk_str_lit("accept"), sdk_str_lit("application/json")},
  };
  size_t nheaders = 2;
  if (token != NULL && token->len > 0) {
    /* The token is an opaque placeholder: the host swaps in the secret. */
    sdk_buf_puts(&bearer, "Bearer ");
    sdk_buf_str(&bearer, *token);
    headers[nheaders].f0 = sdk_str_lit("authorization");
    headers[nheaders++].f1 = (sdk_str_t){bearer.ptr, bearer.len};
  }

  sdk_buf_puts(&line, "POST ");
  sdk_buf_put(&line, target.ptr, target.len);
  sdk_buf_puts(&line, " (");
  sdk_buf_u64(&line, body.len);
  sdk_buf_puts(&line, " bytes)");
  sdk_str_t log_line = {line.ptr, line.len};
  alerter_flavor_log_write(ALERTER_FLAVOR_LOG_LOG_LEVEL_DEBUG, &log_line);
  sdk_buf_free(&line);

  alerter_flavor_http_request_t req = {
      .method = sdk_str_lit("POST"),
      .url = {target.ptr, target.len},
      .headers = {headers, nheaders},
      .body = {.is_some = true, .val = {body.ptr, body.len}},
  };
  alerter_flavor_http_response_t resp;
  alerter_flavor_http_http_error_t herr;
  bool got = alerter_flavor_http_fetch(&req, &resp, &herr);
  /* The request was only borrowed by the call. */
  sdk_buf_free(&bearer);
  sdk_buf_free(&body);
  sdk_buf_free(&target);

  if (!got) {
    sdk_buf_t t = {0};
    sdk_buf_puts(&t, "http ");
    sdk_buf_puts(&t, herr.tag < sizeof HTTP_ERROR / sizeof HTTP_ERROR[0] ? HTTP_ERROR[herr.tag] : "error");
    sdk_buf_puts(&t, ": ");
    sdk_buf_str(&t, herr.val.denied);
    alerter_flavor_http_http_error_free(&herr);
    err->tag = ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_INTERNAL;
    err->val.internal = sdk_buf_take(&t);
    return false;
  }
  bool ok = resp.status >= 200 && resp.status <= 299 ? reference(&resp, ret, err) : rejected(&resp, err);
  alerter_flavor_http_response_free(&resp);
  return ok;
}

SDK_EXPORT_SEND(send_message)
SDK_EXPORT_NO_REPLIES("c-echo only posts: it cannot read replies")
