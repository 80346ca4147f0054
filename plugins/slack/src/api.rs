//! The Slack Web API and incoming webhooks: requests, `ok` envelopes, errors
//! and the hint each error code gets.
//!
//! Verbs and encodings follow Slack's method docs: read methods
//! (`conversations.*`, `reactions.get`, `chat.getPermalink`) are `GET` with
//! a query string, because Slack ignores a JSON body there; write methods
//! (`chat.postMessage`, `chat.update`, `files.completeUploadExternal`) take
//! a JSON body; `files.getUploadURLExternal` takes a form body (its docs list
//! `application/x-www-form-urlencoded` only). The token always travels as
//! `Authorization: Bearer`, and only to the Web API.

use alerter_sdk::prelude::*;
use alerter_sdk::{query, truncate, Rejection};
use serde_json::Value;

/// The Web API under one root URL (`https://slack.com/api`), called with one
/// bot token (a placeholder the host fills in).
pub struct WebApi {
    root: String,
    token: String,
}

impl WebApi {
    /// The API at `root`, with `token`.
    pub fn new(root: &str, token: &str) -> WebApi {
        WebApi { root: root.trim_end_matches('/').to_string(), token: token.to_string() }
    }

    fn request(&self, verb: &str, method: &str, params: &[(&str, &str)]) -> Request {
        let url = match params {
            [] => format!("{}/{method}", self.root),
            _ => format!("{}/{method}?{}", self.root, query(params)),
        };
        Request::new(verb, url).bearer(&self.token)
    }

    /// A write method, with a JSON body.
    pub fn write(&self, method: &str, body: &Value) -> Result<Value, FlavorError> {
        envelope(method, self.request("POST", method, &[]).json(body)?.send()?)
    }

    /// A method that takes a form body (`application/x-www-form-urlencoded`).
    pub fn form(&self, method: &str, params: &[(&str, &str)]) -> Result<Value, FlavorError> {
        let req = self
            .request("POST", method, &[])
            .header("content-type", "application/x-www-form-urlencoded")
            .body(query(params).into_bytes());
        envelope(method, req.send()?)
    }

    /// A read method, with the parameters in the query string.
    pub fn read(&self, method: &str, params: &[(&str, &str)]) -> Result<Value, FlavorError> {
        envelope(method, self.request("GET", method, params).send()?)
    }

    /// The message's permalink, or `None` when Slack gives none. Never an
    /// error: the message is already posted, and failing here would make the
    /// host retry (and post it twice).
    pub fn permalink(&self, channel: &str, ts: &str) -> Option<String> {
        match self.read("chat.getPermalink", &[("channel", channel), ("message_ts", ts)]) {
            Ok(v) => v["permalink"].as_str().map(str::to_string),
            Err(e) => {
                log::debug(&format!("no permalink for {channel}:{ts}: {e:?}"));
                None
            }
        }
    }
}

/// Interprets a Web API answer: 429 is rate-limited, `ok: false` a rejection
/// with a hint, anything else not JSON an internal error.
fn envelope(method: &str, resp: Response) -> Result<Value, FlavorError> {
    if let Some(e) = resp.rate_limited() {
        return Err(e);
    }
    let body: Value = match resp.json() {
        Ok(v) => v,
        Err(e) => {
            // A proxy's HTML error page or similar: report the status.
            resp.clone().ensure_success()?;
            return Err(e);
        }
    };
    if body["ok"].as_bool() == Some(true) {
        return Ok(body);
    }
    let code = body["error"].as_str().unwrap_or("unknown_error").to_string();
    let message = format!("{method}: {}", hint(&code, &body));
    Err(FlavorError::Rejected(Rejection { code, message, status: Some(resp.status) }))
}

/// The error code of a Slack rejection (`missing_scope`, ...).
pub fn code_of(e: &FlavorError) -> Option<&str> {
    match e {
        FlavorError::Rejected(r) => Some(r.code.as_str()),
        _ => None,
    }
}

/// What a Slack error code means and what to do about it.
pub fn hint(code: &str, body: &Value) -> String {
    match code {
        "channel_not_found" => "the channel does not exist or the bot cannot see it; \
             check `channel_id` (the ID, like C0123456789, not the #name) and invite the bot to private channels"
            .into(),
        "not_in_channel" => "the bot is not a member of the channel; invite it there with `/invite @YourApp`".into(),
        "is_archived" | "channel_is_archived" => {
            "the channel is archived; unarchive it, or point `channel_id` at another channel".into()
        }
        "not_authed" => "Slack received no token; set the `token` secret (a bot token, xoxb-...) and check that \
             `api_base` points at the Slack Web API"
            .into(),
        "invalid_auth" | "token_revoked" | "token_expired" | "account_inactive" => {
            "Slack did not accept the token; check the `token` secret (a bot token starts with xoxb-) \
             and that the app is still installed"
                .into()
        }
        "missing_scope" => {
            let needed = body["needed"].as_str().filter(|s| !s.is_empty());
            let provided = body["provided"].as_str().filter(|s| !s.is_empty());
            let mut text = match needed {
                Some(needed) => format!("the token lacks the scope `{needed}`"),
                None => "the token lacks a scope this call needs".to_string(),
            };
            if let Some(provided) = provided {
                text.push_str(&format!(" (it has {})", provided.replace(',', ", ")));
            }
            text.push_str(
                "; add it under OAuth & Permissions → Bot Token Scopes in the Slack app and reinstall the app",
            );
            text
        }
        "thread_not_found" | "message_not_found" => {
            "the message is not in that channel (deleted, or another channel)".into()
        }
        "cant_update_message" => "only messages this bot posted can be updated".into(),
        "edit_window_closed" => "the workspace no longer allows editing this message (message editing settings)".into(),
        "invalid_blocks" | "invalid_blocks_format" => {
            "Slack rejected the blocks; check the --raw payload against Block Kit".into()
        }
        "file_uploads_disabled" | "file_uploads_except_images_disabled" | "file_type_not_allowed" => {
            "the workspace does not allow uploading this file (an admin setting)".into()
        }
        "file_not_found" => "Slack lost the uploaded file before it was shared; send the message again".into(),
        _ => format!("Slack answered `{code}`"),
    }
}

/// POSTs a JSON payload to an incoming webhook. Slack answers the text `ok`,
/// or a plain-text error code (`no_service`, `invalid_token`, ...) with an
/// HTTP error status.
pub fn post_webhook(url: &str, payload: &Value) -> Result<(), FlavorError> {
    let resp = Request::post(url).json(payload)?.send()?;
    if let Some(e) = resp.rate_limited() {
        return Err(e);
    }
    let text = resp.text();
    if resp.is_success() && text.trim() == "ok" {
        return Ok(());
    }
    let code = match text.trim() {
        t if !t.is_empty() && t.len() <= 64 && !t.contains(char::is_whitespace) => t.to_string(),
        _ => resp.status.to_string(),
    };
    let what = match code.as_str() {
        "no_service" => {
            "the webhook is disabled or was removed (the app was uninstalled or the webhook revoked); \
             create a new incoming webhook and update `webhook_url`"
        }
        "invalid_token" => {
            "the webhook URL is not valid (mistyped, or its secret part was regenerated); copy it again \
             from the app's Incoming Webhooks page into `webhook_url`"
        }
        "no_team" | "team_disabled" => "the workspace of this webhook is gone or disabled",
        "channel_is_archived" => {
            "the webhook's channel is archived; unarchive it or create a webhook for another channel"
        }
        "channel_not_found" => "the webhook's channel no longer exists; create a webhook for another channel",
        "action_prohibited" | "posting_to_general_channel_denied" => "an admin restricted posting to this channel",
        _ => "the webhook refused the message",
    };
    let message = match text.trim() {
        t if t == code => format!("webhook: HTTP {}: {what}", resp.status),
        t => format!("webhook: HTTP {}: {what} ({})", resp.status, truncate(t, 200)),
    };
    Err(FlavorError::Rejected(Rejection { code, message, status: Some(resp.status) }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_scope_names_the_scope() {
        let body = json!({"ok": false, "error": "missing_scope", "needed": "reactions:read", "provided": "chat:write,files:write"});
        assert_eq!(
            hint("missing_scope", &body),
            "the token lacks the scope `reactions:read` (it has chat:write, files:write); add it under OAuth & Permissions → \
             Bot Token Scopes in the Slack app and reinstall the app"
        );
        assert_eq!(
            hint("missing_scope", &json!({})),
            "the token lacks a scope this call needs; add it under OAuth & Permissions → Bot Token Scopes in the \
             Slack app and reinstall the app"
        );
    }
}
