/* ntfy: an alerter flavor for ntfy (https://ntfy.sh or a self-hosted
 * server), written in freestanding C with ../../sdk-c.
 *
 * Publishes as JSON: POST {server}/ with
 *   {"topic","message","title","priority","tags","click"}
 * (JSON rather than X-Title/X-Tags headers, so non-ASCII titles need no
 * header encoding). Post-only.
 *
 * Ownership (wit-bindgen C): each export frees its arguments; what it
 * returns is freed by the generated post-return function, so every
 * returned string is a heap copy (sdk_str_dup / sdk_buf_take). */
#include <stdlib.h>
#include <string.h>

#include "alerter_sdk.h"

#define NTFY_VERSION "0.1.0"
#define DEFAULT_SERVER "https://ntfy.sh"
/* ntfy.sh's default message-size-limit: a longer message is turned into an
 * attachment, so we cut the message (body + metadata) to this many bytes. */
#define MAX_MESSAGE 4096
#define MAX_TITLE 1024
#define MAX_META 2048 /* metadata keeps at most half of the message */
#define MAX_TOPIC 64
#define DEFAULT_RETRY_MS 5000

typedef exports_alerter_flavor_flavor_message_t message_t;

/* ------------------------------------------------------------------------ */
/* info                                                                        */

static void capabilities(exports_alerter_flavor_flavor_capabilities_t *c) {
  c->post = true;
  c->read_replies = false;
  c->threads = false;
  c->attachments = false;
  c->reactions = false;
  c->update = false;
}

void exports_alerter_flavor_flavor_info(exports_alerter_flavor_flavor_flavor_info_t *ret) {
  ret->name = sdk_str_dup("ntfy");
  ret->version = sdk_str_dup(NTFY_VERSION);
  ret->description = sdk_str_dup("Publishes push notifications to an ntfy topic (ntfy.sh or your own server)");

  ret->settings.len = 3;
  ret->settings.ptr = malloc(3 * sizeof *ret->settings.ptr);
  ret->settings.ptr[0] = sdk_setting_spec("server", "ntfy server URL", false, DEFAULT_SERVER);
  ret->settings.ptr[1] = sdk_setting_spec("topic", "Topic to publish to (letters, digits, _ and -; up to 64)", true, NULL);
  /* The token goes only into `authorization: Bearer {}`, only to the server. */
  ret->settings.ptr[2] = sdk_secret_header_spec("token", "Access token (tk_...) for protected topics or servers", false,
                                                "authorization", "Bearer {}", "{server}");
  static const char *const HOSTS[] = {DEFAULT_SERVER, "{server}"};
  ret->hosts = sdk_strings(2, HOSTS);
  capabilities(&ret->capabilities);
}

void exports_alerter_flavor_flavor_capabilities_for(exports_alerter_flavor_flavor_settings_t *settings,
                                                     exports_alerter_flavor_flavor_capabilities_t *ret) {
  capabilities(ret);
  exports_alerter_flavor_flavor_settings_free(settings);
}

/* ------------------------------------------------------------------------ */
/* the publish request                                                          */

static bool topic_ok(sdk_str_t t) {
  if (t.len == 0 || t.len > MAX_TOPIC) return false;
  for (size_t i = 0; i < t.len; i++) {
    uint8_t c = t.ptr[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  }
  return true;
}

static int priority(alerter_flavor_types_level_t level) {
  switch (level) {
    case ALERTER_FLAVOR_TYPES_LEVEL_FAILURE: return 5;
    case ALERTER_FLAVOR_TYPES_LEVEL_WARNING: return 4;
    default: return 3;
  }
}

static const char *tag(alerter_flavor_types_level_t level) {
  switch (level) {
    case ALERTER_FLAVOR_TYPES_LEVEL_FAILURE: return "rotating_light";
    case ALERTER_FLAVOR_TYPES_LEVEL_WARNING: return "warning";
    case ALERTER_FLAVOR_TYPES_LEVEL_SUCCESS: return "white_check_mark";
    default: return "information_source";
  }
}

/* The message text: the body, then a blank line and `key: value` lines,
 * within MAX_MESSAGE bytes. Metadata keeps at most MAX_META bytes; the body
 * is cut first, with a visible marker. Returns true when anything was cut. */
static bool message_text(const message_t *m, sdk_buf_t *out) {
  sdk_buf_t meta = {0};
  for (size_t i = 0; i < m->metadata.len; i++) {
    sdk_buf_puts(&meta, i == 0 ? "\n\n" : "\n");
    sdk_buf_str(&meta, m->metadata.ptr[i].f0);
    sdk_buf_puts(&meta, ": ");
    sdk_buf_str(&meta, m->metadata.ptr[i].f1);
  }
  bool cut = false;
  sdk_buf_t meta_cut = {0};
  cut |= sdk_buf_put_truncated(&meta_cut, meta.ptr, meta.len, MAX_META);
  sdk_buf_free(&meta);
  cut |= sdk_buf_put_truncated(out, m->body.ptr, m->body.len, MAX_MESSAGE - meta_cut.len);
  sdk_buf_put(out, meta_cut.ptr, meta_cut.len);
  sdk_buf_free(&meta_cut);
  return cut;
}

/* `raw`: a JSON object sent as the publish body; "topic" is added when it
 * has none. */
static bool raw_body(sdk_str_t raw, sdk_str_t topic, sdk_buf_t *out, sdk_error_t *err) {
  const uint8_t *v;
  size_t n;
  size_t i = 0;
  while (i < raw.len && (raw.ptr[i] == ' ' || raw.ptr[i] == '\n' || raw.ptr[i] == '\t' || raw.ptr[i] == '\r')) i++;
  if (i >= raw.len || raw.ptr[i] != '{')
    return sdk_err_invalid_settings(err, "raw must be a JSON object of ntfy publish fields, e.g. {\"message\":\"...\",\"actions\":[...]}");
  if (sdk_json_find(raw.ptr, raw.len, "topic", &v, &n) != SDK_JSON_NONE) {
    sdk_buf_str(out, raw);
    return true;
  }
  /* No "topic" (or not parseable: the server will say so): put ours first. */
  size_t j = i + 1;
  while (j < raw.len && (raw.ptr[j] == ' ' || raw.ptr[j] == '\n' || raw.ptr[j] == '\t' || raw.ptr[j] == '\r')) j++;
  sdk_buf_puts(out, "{\"topic\":");
  sdk_json_string(out, topic.ptr, topic.len);
  if (j < raw.len && raw.ptr[j] != '}') sdk_buf_byte(out, ',');
  sdk_buf_put(out, raw.ptr + i + 1, raw.len - i - 1);
  return true;
}

static void publish_body(const message_t *m, sdk_str_t topic, sdk_buf_t *out) {
  bool first = true;
  sdk_buf_byte(out, '{');
  sdk_json_key(out, &first, "topic");
  sdk_json_string(out, topic.ptr, topic.len);

  sdk_buf_t text = {0};
  if (message_text(m, &text)) sdk_log(ALERTER_FLAVOR_LOG_LOG_LEVEL_INFO, "message cut to ntfy's 4096-byte limit");
  sdk_json_key(out, &first, "message");
  sdk_json_string(out, text.ptr, text.len);
  sdk_buf_free(&text);

  if (m->title.is_some && m->title.val.len) {
    sdk_buf_t title = {0};
    sdk_buf_put_truncated(&title, m->title.val.ptr, m->title.val.len, MAX_TITLE);
    sdk_json_key(out, &first, "title");
    sdk_json_string(out, title.ptr, title.len);
    sdk_buf_free(&title);
  }
  sdk_json_key(out, &first, "priority");
  sdk_buf_u64(out, (uint64_t)priority(m->level));
  sdk_json_key(out, &first, "tags");
  sdk_buf_byte(out, '[');
  sdk_json_cstring(out, tag(m->level));
  sdk_buf_byte(out, ']');
  if (m->link.is_some && m->link.val.len) {
    sdk_json_key(out, &first, "click");
    sdk_json_string(out, m->link.val.ptr, m->link.val.len);
  }
  sdk_buf_byte(out, '}');
}

/* ------------------------------------------------------------------------ */
/* answers                                                                       */

static const char *hint(unsigned status) {
  switch (status) {
    case 400: return "ntfy refused the request: check the topic name (letters, digits, _ and -, up to 64) and, with --raw, the fields";
    case 401: return "the server wants a valid access token: create one (`ntfy token add`, or Account > Access tokens in the web app) and store it as the `token` secret";
    case 403: return "this token (or anonymous access) may not publish to this topic: check the topic's access rules, or whether someone reserved it on ntfy.sh";
    case 404: return "nothing answers at this path: `server` must be the ntfy base URL, without the topic";
    case 413: return "the message is too large for this server";
    case 507: return "the server is out of storage for messages or attachments";
    default: return status >= 500 ? "the ntfy server failed: try again later" : NULL;
  }
}

/* A rejection from ntfy's error answer {"code":40301,"http":403,"error":"forbidden","link":...}. */
static bool rejected(const sdk_response_t *resp, sdk_error_t *err) {
  int64_t code = 0;
  sdk_buf_t text = {0}, c = {0}, m = {0};
  bool has_code = sdk_json_get_int(resp->body.ptr, resp->body.len, "code", &code) && code > 0;
  bool has_text = sdk_json_get_string(resp->body.ptr, resp->body.len, "error", &text);
  sdk_buf_u64(&c, has_code ? (uint64_t)code : resp->status);
  sdk_buf_puts(&m, "ntfy (HTTP ");
  sdk_buf_u64(&m, resp->status);
  sdk_buf_puts(&m, "): ");
  if (has_text) {
    sdk_buf_put_lossy(&m, text.ptr, sdk_utf8_prefix(text.ptr, text.len, 300));
  } else if (resp->body.len) {
    sdk_buf_put_lossy(&m, resp->body.ptr, sdk_utf8_prefix(resp->body.ptr, resp->body.len, 300));
  } else {
    sdk_buf_puts(&m, "no details");
  }
  const char *h = hint(resp->status);
  if (h) {
    sdk_buf_puts(&m, " (");
    sdk_buf_puts(&m, h);
    sdk_buf_puts(&m, ")");
  }
  sdk_buf_free(&text);
  return sdk_err_rejected_buf(err, &c, &m, resp->status);
}

static bool rate_limited(const sdk_response_t *resp, sdk_error_t *err) {
  sdk_buf_t text = {0}, m = {0};
  sdk_buf_puts(&m, "ntfy: ");
  if (sdk_json_get_string(resp->body.ptr, resp->body.len, "error", &text))
    sdk_buf_put_lossy(&m, text.ptr, sdk_utf8_prefix(text.ptr, text.len, 300));
  else
    sdk_buf_puts(&m, "too many requests");
  sdk_buf_free(&text);
  err->tag = ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_RATE_LIMITED;
  err->val.rate_limited.retry_after_ms = sdk_retry_after_ms(resp, DEFAULT_RETRY_MS);
  err->val.rate_limited.message = sdk_buf_take(&m);
  return false;
}

/* ------------------------------------------------------------------------ */
/* send                                                                          */

static bool send_message(const sdk_settings_t *settings, const message_t *m, exports_alerter_flavor_flavor_sent_t *ret,
                         sdk_error_t *err) {
  sdk_str_t topic, server, token;
  if (!sdk_setting(settings, "topic", &topic)) return sdk_err_required(err, "topic");
  if (!topic_ok(topic))
    return sdk_err_invalid_settings(err, "setting `topic` may hold only letters, digits, _ and - (up to 64 characters)");
  if (!sdk_setting(settings, "server", &server)) server = sdk_str_lit(DEFAULT_SERVER);
  while (server.len && server.ptr[server.len - 1] == '/') server.len--;
  if (!(server.len > 8 && (memcmp(server.ptr, "https://", 8) == 0 || memcmp(server.ptr, "http://", 7) == 0)))
    return sdk_err_invalid_settings(err, "setting `server` must be an http(s) URL such as https://ntfy.sh");
  bool has_token = sdk_setting(settings, "token", &token);

  sdk_buf_t url = {0}, body = {0}, bearer = {0};
  sdk_buf_str(&url, server);
  sdk_buf_byte(&url, '/');
  if (m->raw.is_some) {
    if (!raw_body(m->raw.val, topic, &body, err)) {
      sdk_buf_free(&url);
      sdk_buf_free(&body);
      return false;
    }
  } else {
    publish_body(m, topic, &body);
  }

  sdk_header_t headers[3];
  size_t n = 0;
  headers[n].name = "content-type";
  headers[n++].value = sdk_str_lit("application/json");
  headers[n].name = "accept";
  headers[n++].value = sdk_str_lit("application/json");
  if (has_token) headers[n++] = sdk_bearer(&bearer, token);

  sdk_response_t resp;
  sdk_str_t url_s = {url.ptr, url.len};
  bool got = sdk_fetch("POST", url_s, headers, n, &body, &resp, err);
  sdk_buf_free(&body);
  sdk_buf_free(&bearer);
  if (!got) {
    sdk_buf_free(&url);
    return false;
  }

  bool ok;
  if (resp.status == 429) {
    ok = rate_limited(&resp, err);
  } else if (!sdk_is_success(&resp)) {
    ok = rejected(&resp, err);
  } else {
    sdk_buf_t id = {0}, ref = {0}, link = {0};
    if (!sdk_json_get_string(resp.body.ptr, resp.body.len, "id", &id)) {
      sdk_buf_t msg = {0};
      sdk_buf_puts(&msg, "ntfy answered without a message id: ");
      sdk_buf_put_lossy(&msg, resp.body.ptr, sdk_utf8_prefix(resp.body.ptr, resp.body.len, 200));
      err->tag = ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_INTERNAL;
      err->val.internal = sdk_buf_take(&msg);
      ok = false;
    } else {
      sdk_buf_put_lossy(&ref, id.ptr, id.len);
      ret->reference = sdk_buf_take(&ref);
      /* The topic's page in the web app (ntfy has no page per message). */
      sdk_buf_put(&link, url.ptr, url.len);
      sdk_buf_str(&link, topic);
      ret->link.is_some = true;
      ret->link.val = sdk_buf_take(&link);
      ok = true;
    }
    sdk_buf_free(&id);
  }
  alerter_flavor_http_response_free(&resp);
  sdk_buf_free(&url);
  return ok;
}

SDK_EXPORT_SEND(send_message)
SDK_EXPORT_NO_REPLIES("ntfy only publishes notifications: it cannot read replies (use another flavor for `ask`)")
SDK_EXPORT_NO_UPDATE("ntfy cannot edit a published notification")
