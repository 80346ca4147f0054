//! Discord REST plumbing: authenticated requests and Discord's error bodies.

use alerter_sdk::{truncate, FlavorError, RateLimit, Rejection, Request, Response};
use serde::Deserialize;
use serde_json::Value;

/// `User-Agent` in the form Discord's docs require for the HTTP API
/// (`DiscordBot ($url, $versionNumber)`).
pub const USER_AGENT: &str = concat!(
    "DiscordBot (https://discord.com/developers/docs/reference#user-agent, alerter-discord ",
    env!("CARGO_PKG_VERSION"),
    ")"
);

/// The REST API with a bot token.
pub struct Api<'a> {
    base: &'a str,
    token: &'a str,
}

impl<'a> Api<'a> {
    /// `base` like `https://discord.com/api/v10`; `token` is the secret's
    /// placeholder, which goes into the `Authorization` header only.
    pub fn new(base: &'a str, token: &'a str) -> Self {
        Api { base: base.trim_end_matches('/'), token }
    }

    /// A request to `{base}{path}` with the bot's credentials.
    pub fn request(&self, method: &str, path: &str) -> Request {
        Request::new(method, format!("{}{path}", self.base))
            .header("authorization", format!("Bot {}", self.token))
            .header("user-agent", USER_AGENT)
    }
}

/// What an error is about, for the hints.
#[derive(Default, Clone, Copy)]
pub struct Context<'a> {
    /// The channel the request was for.
    pub channel: Option<&'a str>,
    /// Webhook mode.
    pub webhook: bool,
}

/// Discord's JSON error body (`{"code": 10003, "message": "Unknown Channel"}`,
/// and for 429 `retry_after` / `global`).
#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    errors: Option<Value>,
    #[serde(default)]
    retry_after: Option<f64>,
    #[serde(default)]
    global: Option<bool>,
}

/// `Ok(resp)` for 2xx; otherwise the flavor error Discord's answer means.
pub fn check(resp: Response, ctx: Context<'_>) -> Result<Response, FlavorError> {
    if resp.is_success() {
        return Ok(resp);
    }
    Err(error_of(&resp, ctx))
}

/// The flavor error for a non-2xx answer.
pub fn error_of(resp: &Response, ctx: Context<'_>) -> FlavorError {
    let body: ErrorBody = serde_json::from_slice(&resp.body).unwrap_or_default();
    if resp.status == 429 {
        let from_body = body.retry_after.filter(|s| s.is_finite() && *s >= 0.0).map(|s| (s * 1000.0).ceil() as u64);
        let retry_after_ms = from_body.or_else(|| resp.retry_after_ms()).unwrap_or(1000);
        let scope = if body.global == Some(true) || resp.header("x-ratelimit-global").is_some() {
            "global rate limit"
        } else {
            "rate limited"
        };
        return FlavorError::RateLimited(RateLimit {
            retry_after_ms,
            message: format!(
                "Discord {scope} (HTTP 429): {}; retry after {} ms",
                body.message.as_deref().unwrap_or("You are being rate limited."),
                retry_after_ms
            ),
        });
    }
    let discord_code = body.code.filter(|c| *c != 0);
    let code = match discord_code {
        Some(c) => c.to_string(),
        None => resp.status.to_string(),
    };
    let text = match body.message.as_deref() {
        Some(m) => m.to_string(),
        None => truncate(resp.text().trim(), 300),
    };
    let mut message = format!("{text} (HTTP {})", resp.status);
    if let Some(errors) = body.errors.as_ref() {
        message.push_str(&format!(": {}", truncate(&errors.to_string(), 600)));
    }
    if let Some(hint) = hint(resp.status, discord_code, ctx) {
        message.push_str(". ");
        message.push_str(&hint);
    }
    FlavorError::Rejected(Rejection { code, message, status: Some(resp.status) })
}

/// What to do about a known error.
fn hint(status: u16, code: Option<i64>, ctx: Context<'_>) -> Option<String> {
    let channel = ctx.channel.unwrap_or("(none)");
    Some(match (status, code) {
        (401, _) if ctx.webhook => "Hint: the webhook URL's token is not valid; copy the URL again from the channel's Integrations → Webhooks".into(),
        (401, _) => "Hint: the bot token is invalid; reset it in the Discord Developer Portal (Bot → Reset Token) and store the new one with `alerter update NAME --set token=...`".into(),
        (_, Some(10003)) => format!(
            "Hint: unknown channel `{channel}`: check `channel_id` (the channel's numeric id: Developer Mode → right-click the channel → Copy Channel ID) and that the bot was added to that server"
        ),
        (_, Some(50001)) => format!(
            "Hint: missing access to channel `{channel}`: invite the bot to the server and give it View Channel and Send Messages in that channel (Read Message History to read replies)"
        ),
        (_, Some(50013)) => format!(
            "Hint: missing permissions in channel `{channel}`: the bot needs Send Messages and Embed Links there (Read Message History to reply to a message)"
        ),
        (_, Some(10015)) => "Hint: unknown webhook: the webhook was deleted or `webhook_url` is wrong; copy it again from the channel's Integrations → Webhooks".into(),
        (_, Some(10008)) => "Hint: the message to reply to (--thread) does not exist in that channel".into(),
        (_, Some(50035)) => "Hint: Discord rejected the message body; with --raw check the payload against Discord's message and embed limits".into(),
        (403, _) => format!("Hint: the bot may not post in channel `{channel}`; check its permissions there"),
        _ => return None,
    })
}

/// A snowflake: a non-empty decimal number (as Discord's spec requires).
pub fn is_snowflake(s: &str) -> bool {
    !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u64>().is_ok()
}

/// Milliseconds since the Unix epoch a snowflake was made at.
pub fn snowflake_ms(id: &str) -> Option<u64> {
    const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
    id.parse::<u64>().ok().map(|n| (n >> 22) + DISCORD_EPOCH_MS)
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
    fn unknown_channel_has_hint() {
        let ctx = Context { channel: Some("123"), webhook: false };
        match error_of(&resp(404, &[], r#"{"message": "Unknown Channel", "code": 10003}"#), ctx) {
            FlavorError::Rejected(r) => {
                assert_eq!(r.code, "10003");
                assert!(
                    r.message.starts_with("Unknown Channel (HTTP 404). Hint: unknown channel `123`"),
                    "{}",
                    r.message
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unauthorized() {
        match error_of(&resp(401, &[], r#"{"message": "401: Unauthorized", "code": 0}"#), Context::default()) {
            FlavorError::Rejected(r) => {
                assert_eq!(r.code, "401");
                assert!(r.message.contains("bot token is invalid"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rate_limits() {
        let body = r#"{"message": "You are being rate limited.", "retry_after": 0.25, "global": false}"#;
        match error_of(&resp(429, &[("retry-after", "1")], body), Context::default()) {
            FlavorError::RateLimited(r) => assert_eq!(r.retry_after_ms, 250),
            other => panic!("{other:?}"),
        }
        match error_of(&resp(429, &[("retry-after", "3")], "not json"), Context::default()) {
            FlavorError::RateLimited(r) => assert_eq!(r.retry_after_ms, 3000),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn snowflakes() {
        assert!(is_snowflake("175928847299117063"));
        assert!(!is_snowflake(""));
        assert!(!is_snowflake("12a"));
        assert!(!is_snowflake("99999999999999999999"));
        assert_eq!(snowflake_ms("175928847299117063"), Some(1_462_015_105_796));
    }
}
