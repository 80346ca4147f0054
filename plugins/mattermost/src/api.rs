//! Mattermost's REST API v4 at `{url}/api/v4`: requests with the bot's
//! token, answers, and errors (`{"id", "message", "status_code"}`) turned
//! into flavor errors with a hint.

use alerter_sdk::prelude::*;
use alerter_sdk::{truncate, Rejection};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Waited when a 429 says nothing (Mattermost's limiter refills every second).
const DEFAULT_RETRY_MS: u64 = 1000;

/// The API of one server, with one token (a placeholder).
pub struct Api<'a> {
    base: &'a str,
    token: &'a str,
}

impl<'a> Api<'a> {
    /// The API of the server at `url` (`https://chat.example.com`).
    pub fn new(url: &'a str, token: &'a str) -> Api<'a> {
        Api { base: url.trim_end_matches('/'), token }
    }

    /// The server's base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        self.base
    }

    /// A request to `path` (`/posts`), with the token.
    pub fn request(&self, method: &str, path: &str) -> Request {
        Request::new(method, format!("{}/api/v4{path}", self.base)).bearer(self.token)
    }

    /// GETs `path` and parses the answer.
    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, FlavorError> {
        answer(self.request("GET", path).send()?)?.json()
    }

    /// Sends `body` as JSON with `method` to `path` and parses the answer.
    pub fn send_json<T: DeserializeOwned>(&self, method: &str, path: &str, body: &Value) -> Result<T, FlavorError> {
        answer(self.request(method, path).json(body)?.send()?)?.json()
    }
}

/// The response when it is a success; otherwise the error it means.
pub fn answer(resp: Response) -> Result<Response, FlavorError> {
    if resp.is_success() {
        Ok(resp)
    } else {
        Err(error_of(&resp))
    }
}

/// The flavor error for a failed answer: 429 is `rate-limited` (after
/// `Retry-After`, else `X-Ratelimit-Reset` seconds); anything else is
/// `rejected` with Mattermost's error id as the code and a hint.
pub fn error_of(resp: &Response) -> FlavorError {
    let body: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    let id = body["id"].as_str().filter(|s| !s.is_empty()).map(str::to_string);
    let said = body["message"].as_str().map(str::to_string).unwrap_or_else(|| truncate(resp.text().trim(), 200));
    if resp.status == 429 {
        let reset_ms = resp.header("x-ratelimit-reset").and_then(|v| v.trim().parse::<u64>().ok()).map(|s| s * 1000);
        return FlavorError::RateLimited(alerter_sdk::RateLimit {
            retry_after_ms: resp.retry_after_ms().or(reset_ms).unwrap_or(DEFAULT_RETRY_MS),
            message: format!("Mattermost: {}", if said.is_empty() { "too many requests" } else { &said }),
        });
    }
    let code = id.clone().unwrap_or_else(|| resp.status.to_string());
    let mut message =
        format!("Mattermost (HTTP {}): {}", resp.status, if said.is_empty() { "no details" } else { &said });
    if let Some(h) = hint(resp.status, id.as_deref().unwrap_or("")) {
        message.push_str(&format!(" ({h})"));
    }
    FlavorError::Rejected(Rejection { code, message, status: Some(resp.status) })
}

/// What an error means and what to do about it.
fn hint(status: u16, id: &str) -> Option<&'static str> {
    Some(match (status, id) {
        (401, _) => {
            "Mattermost did not accept the token: check the `token` secret (a bot account's access token, or a \
             personal access token) and that the account is active"
        }
        (403, "api.context.permissions.app_error") => {
            "the bot may not do this here: add it to the channel (`/invite @bot` in the channel, or add the bot to \
             the team first), or give it the post:all permission in System Console > Integrations > Bot Accounts"
        }
        (403, _) => "the bot may not do this here: add it to the channel's team and to the channel",
        (404, _) if id.contains("channel") => {
            "channel not found: check `channel_id` (the channel's 26-character ID from View Info, not its name) and \
             that the bot is a member of it"
        }
        (404, _) => "not found: check `url` (the server's base URL) and the message reference",
        (400, _) if id.contains("too_long") || id.contains("msg") => "the message is too long for this server",
        (400, _) if id.contains("webhook") => "the webhook URL is not valid: copy it again from Integrations",
        (s, _) if s >= 500 => "the Mattermost server failed: try again later",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status,
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn errors_carry_the_id_the_status_and_a_hint() {
        let e = error_of(&resp(
            403,
            &[],
            r#"{"id":"api.context.permissions.app_error","message":"You do not have the appropriate permissions.","status_code":403}"#,
        ));
        match e {
            FlavorError::Rejected(r) => {
                assert_eq!(r.code, "api.context.permissions.app_error");
                assert_eq!(r.status, Some(403));
                assert!(
                    r.message.contains("appropriate permissions") && r.message.contains("/invite"),
                    "{}",
                    r.message
                );
            }
            other => panic!("{other:?}"),
        }
        match error_of(&resp(502, &[], "<html>bad gateway</html>")) {
            FlavorError::Rejected(r) => assert_eq!((r.code.as_str(), r.status), ("502", Some(502))),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rate_limits_wait_for_retry_after_or_the_reset() {
        let wait = |headers: &[(&str, &str)]| match error_of(&resp(429, headers, "{}")) {
            FlavorError::RateLimited(r) => r.retry_after_ms,
            other => panic!("{other:?}"),
        };
        assert_eq!(wait(&[("retry-after", "3")]), 3000);
        assert_eq!(wait(&[("x-ratelimit-reset", "2")]), 2000);
        assert_eq!(wait(&[]), 1000);
    }
}
