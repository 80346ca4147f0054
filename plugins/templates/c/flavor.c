/* __NAME__: an alerter flavor in freestanding C.
 *
 * Posts each message as JSON, {"text": ..., "title": ...}, to `{url}/messages`,
 * with `authorization: Bearer <token>` when the secret `token` is set, and
 * returns the answer's "id" as the reference. Post-only.
 *
 * Conventions (wit-bindgen 0.63 C bindings, contract alerter:flavor@0.2.0):
 * - implement the five exports_alerter_flavor_flavor_* functions declared
 *   in alerter_flavor.h (SDK_EXPORT_SEND and SDK_EXPORT_NO_* write the usual
 *   bodies); fallible ones return true (ok, fill *ret) or false (error,
 *   fill *err);
 * - an export owns its arguments: free them before returning;
 * - what an export returns is freed by the generated post-return code, so
 *   every returned string must be malloc'ed (sdk_str_dup, sdk_buf_take);
 * - the caller of an import owns the request and the response.
 * The C SDK in ./sdk (a copy of alerter's plugins/sdk-c) supplies malloc &
 * co. for the freestanding build (libc.c), a JSON writer and field reader
 * (sdk_text.h), settings, setting specs, errors and http helpers
 * (alerter_sdk.h). */
#include <stdlib.h>
#include <string.h>

#include "alerter_sdk.h"

static void capabilities(exports_alerter_flavor_flavor_capabilities_t *c) {
  memset(c, 0, sizeof *c);
  c->post = true;
}

void exports_alerter_flavor_flavor_info(exports_alerter_flavor_flavor_flavor_info_t *ret) {
  ret->name = sdk_str_dup("__NAME__");
  ret->version = sdk_str_dup("0.1.0");
  ret->description = sdk_str_dup("Posts messages as JSON to a web service");
  ret->settings.len = 2;
  ret->settings.ptr = calloc(2, sizeof *ret->settings.ptr);
  ret->settings.ptr[0] = sdk_setting_spec("url", "Base URL of the service", true, NULL);
  /* The token may go only into `authorization: Bearer {}`, only to {url}. */
  ret->settings.ptr[1] =
      sdk_secret_header_spec("token", "Bearer token (optional)", false, "authorization", "Bearer {}", "{url}");
  static const char *const HOSTS[] = {"{url}"};
  ret->hosts = sdk_strings(1, HOSTS);
  capabilities(&ret->capabilities);
}

void exports_alerter_flavor_flavor_capabilities_for(exports_alerter_flavor_flavor_settings_t *settings,
                                                     exports_alerter_flavor_flavor_capabilities_t *ret) {
  capabilities(ret);
  exports_alerter_flavor_flavor_settings_free(settings);
}

/* {"text": ..., "title": ... or null} */
static void body_json(const exports_alerter_flavor_flavor_message_t *m, sdk_buf_t *body) {
  bool first = true;
  sdk_buf_byte(body, '{');
  sdk_json_key(body, &first, "text");
  sdk_json_string(body, m->body.ptr, m->body.len);
  sdk_json_key(body, &first, "title");
  if (m->title.is_some)
    sdk_json_string(body, m->title.val.ptr, m->title.val.len);
  else
    sdk_buf_puts(body, "null");
  sdk_buf_byte(body, '}');
}

static bool post(const sdk_settings_t *settings, const exports_alerter_flavor_flavor_message_t *m,
                 exports_alerter_flavor_flavor_sent_t *ret, sdk_error_t *err) {
  sdk_str_t url, token;
  if (!sdk_setting(settings, "url", &url)) return sdk_err_required(err, "url");
  while (url.len && url.ptr[url.len - 1] == '/') url.len--;
  sdk_buf_t target = {0}, body = {0}, bearer = {0};
  sdk_buf_str(&target, url);
  sdk_buf_puts(&target, "/messages");
  body_json(m, &body);
  sdk_header_t headers[2] = {{"content-type", sdk_str_lit("application/json")}};
  size_t n = 1;
  if (sdk_setting(settings, "token", &token)) headers[n++] = sdk_bearer(&bearer, token);

  sdk_response_t resp;
  bool ok = sdk_fetch("POST", (sdk_str_t){target.ptr, target.len}, headers, n, &body, &resp, err);
  sdk_buf_free(&target);
  sdk_buf_free(&body);
  sdk_buf_free(&bearer);
  if (!ok) return false; /* no answer: *err says why */
  if (!sdk_is_success(&resp)) {
    ok = sdk_err_response(&resp, err); /* 429: rate-limited; else rejected with the status */
  } else {
    sdk_buf_t id = {0}, ref = {0};
    sdk_json_get_string(resp.body.ptr, resp.body.len, "id", &id); /* "" when absent */
    sdk_buf_put_lossy(&ref, id.ptr, id.len);
    sdk_buf_free(&id);
    ret->reference = sdk_buf_take(&ref);
    ret->link.is_some = false;
    sdk_log(ALERTER_FLAVOR_LOG_LOG_LEVEL_DEBUG, "posted");
  }
  alerter_flavor_http_response_free(&resp);
  return ok;
}

SDK_EXPORT_SEND(post)
SDK_EXPORT_NO_REPLIES("__NAME__ only posts: it cannot read replies")
SDK_EXPORT_NO_UPDATE("__NAME__ cannot edit a posted message")
