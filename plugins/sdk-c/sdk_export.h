/* sdk_export.h: the usual bodies of a flavor's exports, as macros. They use
 * only names the wit-bindgen C bindings of every alerter:flavor version
 * share (plugins/c-echo builds them against 0.1.0, the others against
 * 0.2.0); alerter_sdk.h adds the 0.2-only `update` one.
 *
 *   static bool post(const exports_alerter_flavor_flavor_settings_t *settings,
 *                    const exports_alerter_flavor_flavor_message_t *message,
 *                    exports_alerter_flavor_flavor_sent_t *ret,
 *                    exports_alerter_flavor_flavor_flavor_error_t *err) { ... }
 *   SDK_EXPORT_SEND(post)                     // frees the arguments after post()
 *   SDK_EXPORT_NO_REPLIES("only posts: it cannot read replies")
 */
#ifndef ALERTER_SDK_EXPORT_H
#define ALERTER_SDK_EXPORT_H

#include "sdk_text.h"

/* `send`, calling `impl` and then freeing the arguments it owns. */
#define SDK_EXPORT_SEND(impl)                                                                          \
  bool exports_alerter_flavor_flavor_send(exports_alerter_flavor_flavor_settings_t *settings,          \
                                          exports_alerter_flavor_flavor_message_t *message,            \
                                          exports_alerter_flavor_flavor_sent_t *ret,                   \
                                          exports_alerter_flavor_flavor_flavor_error_t *err) {         \
    bool ok = impl(settings, message, ret, err);                                                       \
    exports_alerter_flavor_flavor_settings_free(settings);                                             \
    exports_alerter_flavor_flavor_message_free(message);                                               \
    return ok;                                                                                         \
  }

/* `replies` of a post-only flavor: frees the arguments, answers
 * `unsupported` with `why` (a string literal). */
#define SDK_EXPORT_NO_REPLIES(why)                                                                     \
  bool exports_alerter_flavor_flavor_replies(                                                          \
      exports_alerter_flavor_flavor_settings_t *settings, alerter_flavor_string_t *reference,          \
      alerter_flavor_string_t *maybe_cursor, exports_alerter_flavor_flavor_replies_page_t *ret,        \
      exports_alerter_flavor_flavor_flavor_error_t *err) {                                             \
    (void)ret;                                                                                         \
    exports_alerter_flavor_flavor_settings_free(settings);                                             \
    alerter_flavor_string_free(reference);                                                             \
    if (maybe_cursor) alerter_flavor_string_free(maybe_cursor);                                        \
    err->tag = ALERTER_FLAVOR_TYPES_FLAVOR_ERROR_UNSUPPORTED;                                          \
    err->val.unsupported = sdk_str_dup(why);                                                           \
    return false;                                                                                      \
  }

#endif
