//! `slack`: the built-in Slack flavor.
//!
//! Two modes, chosen by which secret is set (exactly one must be):
//!
//! - **bot** (`token` + `channel_id`): posts with `chat.postMessage`, links
//!   the message with `chat.getPermalink`, reads answers with
//!   `conversations.history` (top level) and `conversations.replies` (thread).
//!   A reference is `CHANNEL:TS`.
//! - **webhook** (`webhook_url`): posts to an incoming webhook. Post only:
//!   webhooks cannot read anything back.
//!
//! Rendering (Block Kit) lives in [`render`], the Web API plumbing in [`api`],
//! reply listing in [`replies`].
//!
//! Limits: Slack rejects a whole message when one block is too long; this
//! flavor never lets that happen. Text over a limit is cut with the SDK's
//! visible marker (`… [truncated]`): header 150, section 3000, field 2000,
//! at most 10 fields per section, 50 blocks, `text` 40 000 characters. A raw
//! payload (`--raw`) is sent as given.

use alerter_sdk::prelude::*;
use alerter_sdk::Need::*;
use serde_json::{json, Map, Value};

mod api;
mod render;
mod replies;

/// Where the Web API lives unless `api_base` says otherwise.
const DEFAULT_API_BASE: &str = "https://slack.com/api";

struct Slack;

/// How this call reaches Slack, from the settings.
enum Mode<'a> {
    /// A bot token: the Web API.
    Bot { api: api::Api<'a>, channel: &'a str },
    /// An incoming webhook URL (a placeholder for the secret URL).
    Webhook { url: &'a str },
}

impl<'a> Mode<'a> {
    /// Picks the mode; exactly one of `token` / `webhook_url` must be set.
    fn from(settings: &'a Settings) -> Result<Mode<'a>, FlavorError> {
        Ok(match settings.access("C0123456789")? {
            Access::Bot { token, channel } => {
                let base = settings.get("api_base").unwrap_or(DEFAULT_API_BASE);
                Mode::Bot { api: api::Api::new(base, token), channel }
            }
            Access::Webhook { url } => Mode::Webhook { url },
        })
    }
}

/// A `CHANNEL:TS` reference (or a bare `TS`, in the configured channel).
fn parse_reference<'r>(reference: &'r str, default_channel: Option<&'r str>) -> Option<(&'r str, &'r str)> {
    let (channel, ts) = alerter_sdk::split_reference(reference, default_channel)?;
    ts.chars().all(|c| c.is_ascii_digit() || c == '.').then_some((channel, ts))
}

fn bad_reference(reference: &str) -> FlavorError {
    FlavorError::InvalidSettings(format!(
        "`{reference}` is not a Slack message reference: expected CHANNEL:TS, e.g. C0123456789:1700000000.000100"
    ))
}

impl Flavor for Slack {
    fn info() -> FlavorInfo {
        FlavorInfo {
            name: "slack".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Posts to Slack with a bot token (Web API, reads replies) or an incoming webhook (post only)"
                .into(),
            settings: vec![
                secret(
                    "token",
                    "Bot token (xoxb-...) for bot mode; scopes chat:write, channels:history",
                    SecretSlot::header("authorization", "Bearer {}"),
                    &["https://slack.com", "{api_base}"],
                ),
                setting("channel_id", "Channel ID to post to (C0123456789); required with `token`", Optional),
                secret(
                    "webhook_url",
                    "Incoming webhook URL for post-only mode (instead of `token`)",
                    SecretSlot::url(),
                    &["{webhook_url}"],
                ),
                setting(
                    "api_base",
                    "Base URL of the Slack Web API (a proxy or a test stand-in)",
                    Default(DEFAULT_API_BASE),
                ),
            ],
            hosts: vec![
                "https://slack.com".into(),
                "https://hooks.slack.com".into(),
                "{api_base}".into(),
                "{webhook_url}".into(),
            ],
            capabilities: Capabilities { post: true, read_replies: true, threads: true, ..Capabilities::default() },
        }
    }

    /// A webhook posts (also into threads) but cannot read replies.
    fn capabilities_for(settings: &Settings) -> Capabilities {
        let webhook = matches!(settings.access("-"), Ok(Access::Webhook { .. }));
        Capabilities { post: true, read_replies: !webhook, threads: true, ..Capabilities::default() }
    }

    fn send(settings: &Settings, message: Message) -> Result<Sent, FlavorError> {
        let mode = Mode::from(settings)?;
        let mut payload: Map<String, Value> = render::payload(&message)?;
        match mode {
            Mode::Bot { api, channel } => {
                let (channel, thread_ts) = match message.thread.as_deref() {
                    Some(r) => {
                        let (c, ts) = parse_reference(r, Some(channel)).ok_or_else(|| bad_reference(r))?;
                        (c, Some(ts))
                    }
                    None => (channel, None),
                };
                payload.insert("channel".into(), json!(channel));
                if let Some(ts) = thread_ts {
                    payload.insert("thread_ts".into(), json!(ts));
                }
                let posted = api.call_json("chat.postMessage", &Value::Object(payload))?;
                let channel = posted["channel"].as_str().unwrap_or(channel).to_string();
                let ts = posted["ts"]
                    .as_str()
                    .ok_or_else(|| FlavorError::Internal("chat.postMessage answered ok without a `ts`".into()))?
                    .to_string();
                let link = api.permalink(&channel, &ts);
                Ok(Sent { reference: format!("{channel}:{ts}"), link })
            }
            Mode::Webhook { url } => {
                if let Some(r) = message.thread.as_deref() {
                    let (_, ts) = parse_reference(r, Some("-")).ok_or_else(|| bad_reference(r))?;
                    payload.insert("thread_ts".into(), json!(ts));
                }
                api::post_webhook(url, &Value::Object(payload))?;
                Ok(Sent { reference: "webhook".into(), link: None })
            }
        }
    }

    fn replies(settings: &Settings, reference: String, cursor: Option<String>) -> Result<RepliesPage, FlavorError> {
        let (api, channel) = match Mode::from(settings)? {
            Mode::Bot { api, channel } => (api, channel),
            Mode::Webhook { .. } => {
                return Err(FlavorError::Unsupported(
                    "webhook mode cannot read replies: use a bot `token` and `channel_id` to ask questions".into(),
                ))
            }
        };
        let (channel, ts) = parse_reference(&reference, Some(channel)).ok_or_else(|| bad_reference(&reference))?;
        replies::list(&api, channel, ts, cursor.as_deref())
    }
}

export_flavor!(Slack);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(parse_reference("C1:1700000000.000100", None), Some(("C1", "1700000000.000100")));
        assert_eq!(parse_reference("1700000000.000100", Some("C2")), Some(("C2", "1700000000.000100")));
        assert_eq!(parse_reference("C1:", None), None);
        assert_eq!(parse_reference("C1:abc", None), None);
        assert_eq!(parse_reference("webhook", Some("C1")), None);
    }
}
