//! The Slack Web API and incoming webhooks: requests, `ok` envelopes, errors.

use alerter_sdk::prelude::*;
use alerter_sdk::{truncate, Rejection};
use serde_json::Value;

/// The Web API at one base URL, with one bot token (a placeholder).
pub struct Api<'a> {
    base: &'a str,
    token: &'a str,
}

impl<'a> Api<'a> {
    /// The API at `base` (e.g. `https://slack.com/api`).
    pub fn new(base: &'a str, token: &'a str) -> Api<'a> {
        Api { base: base.trim_end_matches('/'), token }
    }

    fn url(&self, method: &str) -> String {
        format!("{}/{method}", self.base)
    }

    /// POSTs a JSON body to `method`; the answer when `ok` is true.
    pub fn call_json(&self, method: &str, body: &Value) -> Result<Value, FlavorError> {
        let resp = Request::post(self.url(method)).bearer(self.token).json(body)?.send()?;
        envelope(method, resp)
    }

    /// GETs `method` with query parameters; the answer when `ok` is true.
    pub fn call_get(&self, method: &str, params: &[(&str, &str)]) -> Result<Value, FlavorError> {
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        let url = format!("{}?{}", self.url(method), query.join("&"));
        let resp = Request::get(url).bearer(self.token).send()?;
        envelope(method, resp)
    }

    /// The message's permalink, or `None` when Slack gives none. Never an
    /// error: the message is already posted, and failing here would make the
    /// host retry (and post it twice).
    pub fn permalink(&self, channel: &str, ts: &str) -> Option<String> {
        match self.call_get("chat.getPermalink", &[("channel", channel), ("message_ts", ts)]) {
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

/// What a Slack error code means and what to do about it.
fn hint(code: &str, body: &Value) -> String {
    match code {
        "channel_not_found" => "the channel does not exist or the bot cannot see it; \
             check `channel_id` (the ID, like C0123456789, not the #name) and invite the bot to private channels"
            .into(),
        "not_in_channel" => "the bot is not a member of the channel; invite it there with `/invite @YourApp`".into(),
        "invalid_auth" | "not_authed" | "token_revoked" | "account_inactive" => {
            "Slack did not accept the token; check the `token` secret (a bot token starts with xoxb-) \
             and that the app is still installed"
                .into()
        }
        "missing_scope" => {
            let needed = body["needed"].as_str().unwrap_or("see the method's docs");
            format!(
                "the token lacks a scope this call needs ({needed}); add it under OAuth & Permissions \
                 in the Slack app (chat:write, channels:history, groups:history) and reinstall the app"
            )
        }
        "thread_not_found" | "message_not_found" => "the message to reply under is not in that channel".into(),
        "invalid_blocks" | "invalid_blocks_format" => {
            "Slack rejected the blocks; check the --raw payload against Block Kit".into()
        }
        _ => format!("Slack answered `{code}`"),
    }
}

/// POSTs a JSON payload to an incoming webhook. Slack answers the text `ok`,
/// or a plain-text error code (`no_service`, `invalid_payload`, ...) with an
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
        "no_service" | "no_team" | "team_disabled" | "channel_is_archived" => {
            "the webhook is gone or disabled; create a new incoming webhook and update `webhook_url`"
        }
        "invalid_token" => "the webhook URL is not valid; check `webhook_url`",
        "action_prohibited" => "an admin restricted posting to this channel",
        _ => "the webhook refused the message",
    };
    let message = format!("webhook: HTTP {}: {what} ({})", resp.status, truncate(text.trim(), 200));
    Err(FlavorError::Rejected(Rejection { code, message, status: Some(resp.status) }))
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_query_values() {
        assert_eq!(encode("1700000000.000100"), "1700000000.000100");
        assert_eq!(encode("bmV4dA==/x y"), "bmV4dA%3D%3D%2Fx%20y");
    }
}
