/* __NAME__: an alerter flavor in freestanding C.
 *
 * Posts each message as JSON, {"text": ..., "title": ...}, to `{url}/messages`,
 * with `authorization: Bearer <token>` when the secret `token` is set, and
 * returns the answer's "id" as the reference. Post-only.
 *
 * Conventions (wit-bindgen 0.63 C bindings, contract alerter:flavor@0.2.0):
 * - implement the five exports_alerter_flavor_flavor_* functions declared
 *   in alerter_flavor.h; fallible ones return true (ok, fill *ret) or false
 *   (error, fill *err);
 * - an export owns its arguments: free them before returning;
 * - what an export returns is freed by the generated post-return code, so
 *   every returned string must be malloc'ed (sdk_str_dup, sdk_buf_take);
 * - the caller of an import owns the request and the response.
 * alerter_sdk.h (the C SDK) supplies malloc & co. for the freestanding build,
 * a JSON writer and field reader, settings and error helpers. */
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
  ret->settings.ptr[0].name = sdk_str_dup("url");
  ret->settings.ptr[0].description = sdk_str_dup("Base URL of the service");
  ret->settings.ptr[0].required = true;
  ret->settings.ptr[1].name = sdk_str_dup("token");
  ret->settings.ptr[1].description = sdk_str_dup("Bearer token (optional)");
  /* The token may go only into `authorization: Bearer {}`, only to {url}. */
  ret->settings.ptr[1].secret.is_some = true;
  alerter_flavor_types_secret_spec_t *sec = &ret->settings.ptr[1].secret.val;
  sec->slot.tag = ALERTER_FLAVOR_TYPES_SECRET_SLOT_HEADER;
  sec->slot.val.header.name = sdk_str_dup("authorization");
  sec->slot.val.header.format = sdk_str_dup("Bearer {}");
  sec->origins.len = 1;
  sec->origins.ptr = malloc(sizeof *sec->origins.ptr);
  sec->origins.ptr[0] = sdk_str_dup("{url}");

  ret->hosts.len = 1;
  ret->hosts.ptr = malloc(sizeof *ret->hosts.ptr);
  ret->hosts.ptr[0] = sdk_str_dup("{url}");
  capabilities(&ret->capabilities);
}

void exports_alerter_flavor_flavor_capabilities_for(exports_alerter_flavor_flavor_settings_t *settings,
                                                     exports_alerter_flavor_flavor_capabilities_t *ret) {
  capabilities(ret);
  exports_alerter_flavor_flavor_settings_free(settings);
}

static bool post(const sdk_settings_t *settings, const exports_alerter_flavor_flavor_message_t *m,
                 exports_alerter_flavor_flavor_sent_t *ret, sdk_error_t *err) {
  sdk_str_t url, token;
  if (!sdk_setting(settings, "url", &url)) return sdk_err_required(err, "url");
  while (url.len && url.ptr[url.len - 1] == '/') url.len--;

  sdk_buf_t target = {0}, body = {0}, bearer = {0};
  sdk_buf_str(&target, url);
  sdk_buf_puts(&target, "/messages");
  bool first = true;
  sdk_buf_byte(&body, '{');
  sdk_json_key(&body, &first, "text");
  sdk_json_string(&body, m->body.ptr, m->body.len);
  sdk_json_key(&body, &first, "title");
  if (m->title.is_some)
    sdk_json_string(&body, m->title.val.ptr, m->title.val.len);
  else
    sdk_buf_puts(&body, "null");
  sdk_buf_byte(&body, '}');

  sdk_header_t headers[2] = {{"content-type", sdk_str_lit("application/json")}};
  size_t n = 1;
  if (sdk_setting(settings, "token", &token)) {
    sdk_buf_puts(&bearer, "Bearer "); /* the token is a placeholder the host fills in */
    sdk_buf_str(&bearer, token);
    headers[n].name = "authorization";
    headers[n].value.ptr = bearer.ptr;
    headers[n++].value.len = bearer.len;
  }
  sdk_response_t resp;
  sdk_str_t target_s = {target.ptr, target.len};
  bool got = sdk_fetch("POST", target_s, headers, n, &body, &resp, err);
  sdk_buf_free(&target);
  sdk_buf_free(&body);
  sdk_buf_free(&bearer);
  if (!got) return false;

  bool ok = true;
  if (resp.status == 429) {
    ok = sdk_err_rate_limited(err, sdk_retry_after_ms(&resp, 1000), "rate limited (HTTP 429)");
  } else if (!sdk_is_success(&resp)) {
    sdk_buf_t code = {0}, msg = {0};
    sdk_buf_u64(&code, resp.status);
    sdk_buf_puts(&msg, "HTTP ");
    sdk_buf_u64(&msg, resp.status);
    sdk_buf_puts(&msg, ": ");
    sdk_buf_put_lossy(&msg, resp.body.ptr, sdk_utf8_prefix(resp.body.ptr, resp.body.len, 300));
    err->tag = ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_REJECTED;
    err->val.rejected.code = sdk_buf_take(&code);
    err->val.rejected.message = sdk_buf_take(&msg);
    ok = false;
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

bool exports_alerter_flavor_flavor_send(exports_alerter_flavor_flavor_settings_t *settings,
                                        exports_alerter_flavor_flavor_message_t *message,
                                        exports_alerter_flavor_flavor_sent_t *ret, sdk_error_t *err) {
  bool ok = post(settings, message, ret, err);
  exports_alerter_flavor_flavor_settings_free(settings);
  exports_alerter_flavor_flavor_message_free(message);
  return ok;
}

bool exports_alerter_flavor_flavor_replies(exports_alerter_flavor_flavor_settings_t *settings,
                                           alerter_flavor_string_t *reference, alerter_flavor_string_t *maybe_cursor,
                                           exports_alerter_flavor_flavor_replies_page_t *ret, sdk_error_t *err) {
  (void)ret;
  exports_alerter_flavor_flavor_settings_free(settings);
  alerter_flavor_string_free(reference);
  if (maybe_cursor) alerter_flavor_string_free(maybe_cursor);
  return sdk_err_unsupported(err, "__NAME__ only posts: it cannot read replies");
}

bool exports_alerter_flavor_flavor_update(exports_alerter_flavor_flavor_settings_t *settings,
                                          alerter_flavor_string_t *reference,
                                          exports_alerter_flavor_flavor_message_t *message, sdk_error_t *err) {
  exports_alerter_flavor_flavor_settings_free(settings);
  alerter_flavor_string_free(reference);
  exports_alerter_flavor_flavor_message_free(message);
  return sdk_err_unsupported(err, "__NAME__ cannot edit a posted message");
}
