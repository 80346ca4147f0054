/* Native unit tests of the C SDK (and, with -DTEST_NTFY, of the ntfy flavor):
 * built with the host's C compiler and libc (-DALERTER_SDK_HOSTED), with a
 * fake http.fetch. Run by run.sh. Prints "N passed, M failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerter_sdk.h"

static int passed, failed;
#define CHECK(cond)                                                   \
  do {                                                                \
    if (cond) {                                                       \
      passed++;                                                       \
    } else {                                                          \
      failed++;                                                       \
      fprintf(stderr, "FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                 \
  } while (0)

static bool buf_is(const sdk_buf_t *b, const char *s) { return b->len == strlen(s) && memcmp(b->ptr, s, b->len) == 0; }
static bool str_is(sdk_str_t s, const char *lit) { return sdk_str_eq(s, lit); }

/* --- the fake host ---------------------------------------------------------- */

static char last_url[512], last_body[16384], last_auth[256];
static int answer_status = 200;
static const char *answer_body = "{}";
static const char *answer_retry_after = NULL;
static int fetch_error_tag = -1;

bool alerter_flavor_http_fetch(alerter_flavor_http_request_t *req, alerter_flavor_http_response_t *ret,
                               alerter_flavor_http_http_error_t *err) {
  snprintf(last_url, sizeof last_url, "%.*s", (int)req->url.len, (const char *)req->url.ptr);
  snprintf(last_body, sizeof last_body, "%.*s", req->body.is_some ? (int)req->body.val.len : 0,
           req->body.is_some ? (const char *)req->body.val.ptr : "");
  last_auth[0] = 0;
  for (size_t i = 0; i < req->headers.len; i++)
    if (sdk_str_eq(req->headers.ptr[i].f0, "authorization"))
      snprintf(last_auth, sizeof last_auth, "%.*s", (int)req->headers.ptr[i].f1.len, (const char *)req->headers.ptr[i].f1.ptr);
  if (fetch_error_tag >= 0) {
    err->tag = (uint8_t)fetch_error_tag;
    if (fetch_error_tag == ALERTER_FLAVOR_HTTP_HTTP_ERROR_RATE_LIMITED) {
      err->val.rate_limited.retry_after_ms = 1234;
      err->val.rate_limited.message = sdk_str_dup("held back");
    } else {
      err->val.denied = sdk_str_dup("refused");
    }
    return false;
  }
  ret->status = (uint16_t)answer_status;
  size_t nh = answer_retry_after ? 1 : 0;
  ret->headers.len = nh;
  ret->headers.ptr = nh ? malloc(sizeof *ret->headers.ptr) : NULL;
  if (nh) {
    ret->headers.ptr[0].f0 = sdk_str_dup("retry-after");
    ret->headers.ptr[0].f1 = sdk_str_dup(answer_retry_after);
  }
  sdk_str_t b = sdk_str_dup(answer_body);
  ret->body.ptr = b.ptr;
  ret->body.len = b.len;
  return true;
}

void alerter_flavor_log_write(alerter_flavor_log_log_level_t level, alerter_flavor_string_t *message) {
  (void)level;
  (void)message;
}

/* The glue is compiled natively with its import wrappers renamed away; these
 * stand in for the wasm imports it declares. */
void __wasm_import_alerter_flavor_http_fetch(void) {}
void __wasm_import_alerter_flavor_log_write(void) {}
void __component_type_object_force_link_alerter_flavor(void) {}

/* --- tests ------------------------------------------------------------------------ */

static void test_json_writer(void) {
  sdk_buf_t b = {0};
  const char in[] = "a\"b\\c\n\t\x01\x7f\xE2\x80\xA8 \xC3\xA9";
  sdk_json_string(&b, in, sizeof in - 1);
  CHECK(buf_is(&b, "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\\u2028 \xC3\xA9\""));
  sdk_buf_free(&b);
  bool first = true;
  sdk_buf_byte(&b, '{');
  sdk_json_key(&b, &first, "a");
  sdk_buf_u64(&b, 18446744073709551615ull);
  sdk_json_key(&b, &first, "b");
  sdk_json_cstring(&b, "x");
  sdk_buf_byte(&b, '}');
  CHECK(buf_is(&b, "{\"a\":18446744073709551615,\"b\":\"x\"}"));
  sdk_buf_free(&b);
}

static void test_json_reader(void) {
  const char *j = " { \"n\": {\"id\": \"inner\", \"a\": [1, \"]\", {\"}\": 2}]}, \"id\" : \"h\\u00e9\\n\\ud83d\\ude00\\\"x\","
                  " \"code\": -40301, \"f\": 1.5, \"t\": true, \"z\": null } ";
  const uint8_t *p = (const uint8_t *)j;
  size_t n = strlen(j);
  sdk_buf_t s = {0};
  CHECK(sdk_json_get_string(p, n, "id", &s));
  CHECK(buf_is(&s, "h\xC3\xA9\n\xF0\x9F\x98\x80\"x"));
  sdk_buf_free(&s);
  int64_t v = 0;
  CHECK(sdk_json_get_int(p, n, "code", &v) && v == -40301);
  CHECK(!sdk_json_get_int(p, n, "f", &v));
  CHECK(!sdk_json_get_int(p, n, "id", &v));
  const uint8_t *raw;
  size_t rl;
  CHECK(sdk_json_find(p, n, "n", &raw, &rl) == SDK_JSON_OBJECT);
  CHECK(sdk_json_find(p, n, "t", &raw, &rl) == SDK_JSON_TRUE);
  CHECK(sdk_json_find(p, n, "z", &raw, &rl) == SDK_JSON_NULL);
  CHECK(sdk_json_find(p, n, "missing", &raw, &rl) == SDK_JSON_NONE);
  CHECK(!sdk_json_get_string(p, n, "inner", &s)); /* only top-level members */
  const char *bad[] = {"", "[1]", "{\"id\": ", "{\"id\" \"x\"}", "{\"id\": \"x\"", "{\"id\": \"x\",}", "nope"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK(sdk_json_find((const uint8_t *)bad[i], strlen(bad[i]), "id", &raw, &rl) == SDK_JSON_NONE);
  const char *dup = "{\"id\":\"a\",\"id\":\"b\"}";
  CHECK(sdk_json_get_string((const uint8_t *)dup, strlen(dup), "id", &s) && buf_is(&s, "b"));
  sdk_buf_free(&s);
}

static void test_text(void) {
  const uint8_t *e = (const uint8_t *)"\xC3\xA9\xC3\xA9\xC3\xA9"; /* 3 x 2 bytes */
  CHECK(sdk_utf8_prefix(e, 6, 5) == 4);
  CHECK(sdk_utf8_prefix(e, 6, 6) == 6);
  CHECK(sdk_utf8_prefix(e, 6, 1) == 0);
  sdk_buf_t b = {0};
  char big[100];
  memset(big, 'x', sizeof big);
  CHECK(sdk_buf_put_truncated(&b, (const uint8_t *)big, sizeof big, 40));
  CHECK(b.len == 40 && memcmp(b.ptr + 25, SDK_TRUNCATION_MARKER, 15) == 0);
  sdk_buf_free(&b);
  CHECK(!sdk_buf_put_truncated(&b, (const uint8_t *)big, 10, 40) && b.len == 10);
  sdk_buf_free(&b);
  sdk_buf_put_lossy(&b, "a\xFF\xC3\xA9\xED\xA0\x80z", 8); /* invalid byte, é, a surrogate */
  CHECK(buf_is(&b, "a\xEF\xBF\xBD\xC3\xA9\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz"));
  sdk_buf_free(&b);
}

static sdk_response_t response_with_retry(const char *v) {
  sdk_response_t r;
  memset(&r, 0, sizeof r);
  r.headers.len = 1;
  r.headers.ptr = malloc(sizeof *r.headers.ptr);
  r.headers.ptr[0].f0 = sdk_str_dup("Retry-After");
  r.headers.ptr[0].f1 = sdk_str_dup(v);
  return r;
}

static void test_retry_after(void) {
  struct { const char *v; uint64_t ms; } cases[] = {
      {"2", 2000}, {"1.5", 1500}, {"0.0001", 1}, {" 3 ", 3000}, {"0", 0},
      {"Wed, 21 Oct 2015 07:28:00 GMT", 777}, {"-1", 777}, {"", 777}, {".", 777},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    sdk_response_t r = response_with_retry(cases[i].v);
    uint64_t got = sdk_retry_after_ms(&r, 777);
    if (got != cases[i].ms) fprintf(stderr, "retry-after '%s': %llu\n", cases[i].v, (unsigned long long)got);
    CHECK(got == cases[i].ms);
    alerter_flavor_http_response_free(&r);
  }
}

static void test_settings_and_fetch(void) {
  alerter_flavor_tuple2_string_string_t pairs[3] = {
      {sdk_str_lit("a"), sdk_str_lit("1")}, {sdk_str_lit("b"), sdk_str_lit("  ")}, {sdk_str_lit("a"), sdk_str_lit("2")}};
  sdk_settings_t s = {pairs, 3};
  sdk_str_t v;
  CHECK(sdk_setting(&s, "a", &v) && str_is(v, "2"));
  CHECK(!sdk_setting(&s, "b", &v));
  CHECK(!sdk_setting(&s, "c", &v));

  sdk_error_t err;
  sdk_response_t resp;
  fetch_error_tag = ALERTER_FLAVOR_HTTP_HTTP_ERROR_CONNECT;
  CHECK(!sdk_fetch("GET", sdk_str_lit("https://x.test"), NULL, 0, NULL, &resp, &err));
  CHECK(err.tag == ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_INTERNAL && str_is(err.val.internal, "cannot connect: refused"));
  exports_alerter_flavor_flavor_flavor_error_free(&err);
  fetch_error_tag = ALERTER_FLAVOR_HTTP_HTTP_ERROR_RATE_LIMITED;
  CHECK(!sdk_fetch("GET", sdk_str_lit("https://x.test"), NULL, 0, NULL, &resp, &err));
  CHECK(err.tag == ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_RATE_LIMITED && err.val.rate_limited.retry_after_ms == 1234);
  exports_alerter_flavor_flavor_flavor_error_free(&err);
  fetch_error_tag = -1;
  CHECK(!sdk_err_required(&err, "topic") &&
        str_is(err.val.invalid_settings, "setting `topic` is required: pass --set topic=VALUE"));
  exports_alerter_flavor_flavor_flavor_error_free(&err);
}

static void test_errors_and_specs(void) {
  sdk_error_t err;
  CHECK(!sdk_err_rejected(&err, "channel_not_found", "no such channel", SDK_NO_STATUS));
  CHECK(err.tag == ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_REJECTED && !err.val.rejected.status.is_some);
  exports_alerter_flavor_flavor_flavor_error_free(&err);

  alerter_flavor_tuple2_string_string_t h = {sdk_str_lit("retry-after"), sdk_str_lit("3")};
  sdk_response_t resp = {404, {NULL, 0}, {(uint8_t *)"no hook", 7}};
  CHECK(!sdk_err_response(&resp, &err));
  CHECK(err.tag == ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_REJECTED && str_is(err.val.rejected.code, "404") &&
        str_is(err.val.rejected.message, "HTTP 404: no hook") && err.val.rejected.status.is_some &&
        err.val.rejected.status.val == 404);
  exports_alerter_flavor_flavor_flavor_error_free(&err);
  resp.status = 429;
  resp.headers.ptr = &h;
  resp.headers.len = 1;
  CHECK(!sdk_err_response(&resp, &err));
  CHECK(err.tag == ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_RATE_LIMITED && err.val.rate_limited.retry_after_ms == 3000);
  exports_alerter_flavor_flavor_flavor_error_free(&err);

  sdk_setting_spec_t s = sdk_secret_header_spec("token", "Token", true, "authorization", "Bearer {}", "{url}");
  CHECK(str_is(s.name, "token") && s.required && !s.default_.is_some && s.secret.is_some);
  CHECK(s.secret.val.slot.tag == ALERTER_FLAVOR_TYPES_SECRET_SLOT_HEADER &&
        str_is(s.secret.val.slot.val.header.format, "Bearer {}") && s.secret.val.origins.len == 1 &&
        str_is(s.secret.val.origins.ptr[0], "{url}"));
  alerter_flavor_types_setting_spec_free(&s);
  s = sdk_setting_spec("server", "Server", false, "https://ntfy.sh");
  CHECK(!s.secret.is_some && s.default_.is_some && str_is(s.default_.val, "https://ntfy.sh"));
  alerter_flavor_types_setting_spec_free(&s);

  sdk_buf_t storage = {0};
  sdk_header_t bearer = sdk_bearer(&storage, sdk_str_lit("PH"));
  CHECK(strcmp(bearer.name, "authorization") == 0 && str_is(bearer.value, "Bearer PH"));
  sdk_buf_free(&storage);

}

#ifdef TEST_NTFY
/* Builds owned (heap) arguments, as the host would pass them. */
static exports_alerter_flavor_flavor_settings_t settings3(const char *topic, const char *token) {
  exports_alerter_flavor_flavor_settings_t s;
  s.len = token ? 2 : 1;
  s.ptr = malloc(2 * sizeof *s.ptr);
  s.ptr[0].f0 = sdk_str_dup("topic");
  s.ptr[0].f1 = sdk_str_dup(topic);
  if (token) {
    s.ptr[1].f0 = sdk_str_dup("token");
    s.ptr[1].f1 = sdk_str_dup(token);
  }
  return s;
}

static exports_alerter_flavor_flavor_message_t message(const char *body, alerter_flavor_types_level_t level) {
  exports_alerter_flavor_flavor_message_t m;
  memset(&m, 0, sizeof m);
  m.body = sdk_str_dup(body);
  m.level = level;
  m.title.is_some = true;
  m.title.val = sdk_str_dup("T\xC3\xA9st");
  m.metadata.len = 1;
  m.metadata.ptr = malloc(sizeof *m.metadata.ptr);
  m.metadata.ptr[0].f0 = sdk_str_dup("run");
  m.metadata.ptr[0].f1 = sdk_str_dup("42");
  return m;
}

static void test_ntfy(void) {
  exports_alerter_flavor_flavor_settings_t s = settings3("alerts", "PH");
  exports_alerter_flavor_flavor_message_t m = message("disk \"full\"", ALERTER_FLAVOR_TYPES_LEVEL_WARNING);
  exports_alerter_flavor_flavor_sent_t sent;
  sdk_error_t err;
  answer_status = 200;
  answer_body = "{\"id\":\"abc123\",\"time\":1,\"event\":\"message\",\"topic\":\"alerts\"}";
  CHECK(exports_alerter_flavor_flavor_send(&s, &m, &sent, &err));
  CHECK(str_is(sent.reference, "abc123") && sent.link.is_some && str_is(sent.link.val, "https://ntfy.sh/alerts"));
  CHECK(strcmp(last_url, "https://ntfy.sh/") == 0 && strcmp(last_auth, "Bearer PH") == 0);
  CHECK(strcmp(last_body, "{\"topic\":\"alerts\",\"message\":\"disk \\\"full\\\"\\n\\nrun: 42\",\"title\":\"T\xC3\xA9st\","
                          "\"priority\":4,\"tags\":[\"warning\"]}") == 0);
  if (failed) fprintf(stderr, "body: %s\n", last_body);
  exports_alerter_flavor_flavor_sent_free(&sent);

  char *big = malloc(10001);
  memset(big, 'x', 10000);
  big[10000] = 0;
  s = settings3("alerts", NULL);
  m = message(big, ALERTER_FLAVOR_TYPES_LEVEL_FAILURE);
  CHECK(exports_alerter_flavor_flavor_send(&s, &m, &sent, &err));
  sdk_buf_t msg = {0};
  CHECK(sdk_json_get_string((const uint8_t *)last_body, strlen(last_body), "message", &msg));
  CHECK(msg.len <= 4096 && msg.len > 4000 && strstr(last_body, "[truncated]\\n\\nrun: 42") != NULL);
  CHECK(last_auth[0] == 0);
  sdk_buf_free(&msg);
  exports_alerter_flavor_flavor_sent_free(&sent);
  free(big);

  s = settings3("alerts", NULL);
  m = message("x", ALERTER_FLAVOR_TYPES_LEVEL_INFO);
  answer_status = 403;
  answer_body = "{\"code\":40301,\"http\":403,\"error\":\"forbidden\",\"link\":\"https://ntfy.sh/docs/publish/#authentication\"}";
  CHECK(!exports_alerter_flavor_flavor_send(&s, &m, &sent, &err));
  CHECK(err.tag == ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_REJECTED && str_is(err.val.rejected.code, "40301"));
  CHECK(err.val.rejected.status.is_some && err.val.rejected.status.val == 403);
  exports_alerter_flavor_flavor_flavor_error_free(&err);

  s = settings3("alerts", NULL);
  m = message("x", ALERTER_FLAVOR_TYPES_LEVEL_INFO);
  answer_status = 429;
  answer_retry_after = "7";
  answer_body = "{\"code\":42901,\"http\":429,\"error\":\"limit reached: too many requests\"}";
  CHECK(!exports_alerter_flavor_flavor_send(&s, &m, &sent, &err));
  CHECK(err.tag == ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_RATE_LIMITED && err.val.rate_limited.retry_after_ms == 7000);
  exports_alerter_flavor_flavor_flavor_error_free(&err);
  answer_retry_after = NULL;

  /* replies and update: the SDK_EXPORT_NO_* bodies free the arguments. */
  s = settings3("alerts", NULL);
  alerter_flavor_string_t reference = sdk_str_dup("abc123"), cursor = sdk_str_dup("c");
  CHECK(!exports_alerter_flavor_flavor_replies(&s, &reference, &cursor, NULL, &err));
  CHECK(err.tag == ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_UNSUPPORTED && strstr((const char *)err.val.unsupported.ptr, "only publishes"));
  exports_alerter_flavor_flavor_flavor_error_free(&err);
  s = settings3("alerts", NULL);
  m = message("x", ALERTER_FLAVOR_TYPES_LEVEL_INFO);
  reference = sdk_str_dup("abc123");
  CHECK(!exports_alerter_flavor_flavor_update(&s, &reference, &m, &err));
  CHECK(err.tag == ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_UNSUPPORTED);
  exports_alerter_flavor_flavor_flavor_error_free(&err);

  s = settings3("no spaces allowed", NULL);
  m = message("x", ALERTER_FLAVOR_TYPES_LEVEL_INFO);
  CHECK(!exports_alerter_flavor_flavor_send(&s, &m, &sent, &err));
  CHECK(err.tag == ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_INVALID_SETTINGS);
  exports_alerter_flavor_flavor_flavor_error_free(&err);
}
#endif

int main(void) {
  test_json_writer();
  test_json_reader();
  test_text();
  test_retry_after();
  test_settings_and_fetch();
  test_errors_and_specs();
#ifdef TEST_NTFY
  test_ntfy();
#endif
  printf("%d passed, %d failed\n", passed, failed);
  fflush(stdout);
  return failed ? 1 : 0;
}
