//! `slack`: the built-in Slack flavor.
//!
//! Two modes, chosen by which secret is set (exactly one must be):
//!
//! - **bot** (`token` + `channel_id`): posts with `chat.postMessage`, links
//!   the message with `chat.getPermalink`, attaches files with the external
//!   upload flow ([`files`]), reads answers and reactions ([`replies`]) and
//!   edits a message with `chat.update`. A reference is `CHANNEL:TS`.
//! - **webhook** (`webhook_url`): posts to an incoming webhook. Post only:
//!   webhooks cannot read, attach or edit anything.
//!
//! Rendering (Block Kit) lives in [`render`], the Web API plumbing and the
//! hints for Slack's error codes in [`api`].
//!
//! Scopes a bot token needs: `chat:write` (post, update), `channels:history`
//! (`groups:history` for private channels) to read answers, `reactions:read`
//! for approvals by reaction (without it `ask` still reads messages and says
//! how to enable reactions), `files:write` for attachments.

use alerter_sdk::prelude::*;
use alerter_sdk::Need::*;
use serde_json::{json, Value};

mod api;
mod files;
mod render;
mod replies;

use api::WebApi;

/// Where the Web API lives unless `api_base` says otherwise.
const DEFAULT_API_BASE: &str = "https://slack.com/api";

/// What a bot token can do; a webhook only posts (also into threads).
const WITH_TOKEN: Capabilities =
    Capabilities { post: true, read_replies: true, threads: true, attachments: true, reactions: true, update: true };
const WITH_WEBHOOK: Capabilities = Capabilities {
    post: true,
    read_replies: false,
    threads: true,
    attachments: false,
    reactions: false,
    update: false,
};

struct Slack;

/// How a call reaches Slack.
enum Via<'a> {
    /// The Web API with a bot token, and the configured channel.
    Web(WebApi, &'a str),
    /// An incoming webhook URL (a placeholder for the secret URL).
    Hook(&'a str),
}

fn via(settings: &Settings) -> Result<Via<'_>, FlavorError> {
    Ok(match settings.access("C0123456789")? {
        Access::Webhook { url } => Via::Hook(url),
        Access::Bot { token, channel } => {
            Via::Web(WebApi::new(settings.get("api_base").unwrap_or(DEFAULT_API_BASE), token), channel)
        }
    })
}

/// The Web API and the `(channel, ts)` of message `reference`, for what
/// only a bot can do (`doing`: "read replies", "edit messages").
fn posted_message(settings: &Settings, reference: &str, doing: &str) -> Result<(WebApi, String, String), FlavorError> {
    let Via::Web(api, channel) = via(settings)? else {
        return Err(FlavorError::Unsupported(format!(
            "webhook mode cannot {doing}: use a bot `token` and `channel_id` instead of `webhook_url`"
        )));
    };
    match parse_reference(reference, Some(channel)) {
        Some((c, ts)) => Ok((api, c.to_string(), ts.to_string())),
        None => Err(bad_reference(reference)),
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
            description: "Posts to Slack with a bot token (Web API: replies, reactions, files, updates) or an \
                          incoming webhook (post only)"
                .into(),
            settings: vec![
                secret(
                    "token",
                    "Bot token (xoxb-...) for bot mode; scopes chat:write, channels:history, reactions:read, files:write",
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
                "https://files.slack.com".into(),
                "https://hooks.slack.com".into(),
                "{api_base}".into(),
                "{webhook_url}".into(),
            ],
            capabilities: WITH_TOKEN,
        }
    }

    fn capabilities_for(settings: &Settings) -> Capabilities {
        match settings.access("-") {
            Ok(Access::Webhook { .. }) => WITH_WEBHOOK,
            _ => WITH_TOKEN,
        }
    }

    fn send(settings: &Settings, message: Message) -> Result<Sent, FlavorError> {
        let mut payload = render::payload(&message)?;
        let (api, configured) = match via(settings)? {
            Via::Web(api, channel) => (api, channel),
            Via::Hook(url) => {
                if !message.attachments.is_empty() {
                    return Err(FlavorError::Unsupported(
                        "webhook mode cannot attach files: use a bot `token` and `channel_id`".into(),
                    ));
                }
                if let Some(r) = message.thread.as_deref() {
                    let (_, ts) = parse_reference(r, Some("-")).ok_or_else(|| bad_reference(r))?;
                    payload.insert("thread_ts".into(), json!(ts));
                }
                api::post_webhook(url, &Value::Object(payload))?;
                return Ok(Sent { reference: "webhook".into(), link: None });
            }
        };
        let (channel, thread_ts) = match message.thread.as_deref() {
            Some(r) => {
                parse_reference(r, Some(configured)).map(|(c, ts)| (c, Some(ts))).ok_or_else(|| bad_reference(r))?
            }
            None => (configured, None),
        };
        // Uploads first: nothing is visible until the message is posted.
        let uploads = message.attachments.iter().map(|f| files::upload(&api, f)).collect::<Result<Vec<_>, _>>()?;
        payload.insert("channel".into(), json!(channel));
        if let Some(ts) = thread_ts {
            payload.insert("thread_ts".into(), json!(ts));
        }
        let posted = api.write("chat.postMessage", &Value::Object(payload))?;
        let channel = posted["channel"].as_str().unwrap_or(channel).to_string();
        let Some(ts) = posted["ts"].as_str() else {
            return Err(FlavorError::Internal("chat.postMessage answered ok without a `ts`".into()));
        };
        let reference = format!("{channel}:{ts}");
        if !uploads.is_empty() {
            files::share(&api, &uploads, &channel, thread_ts, &reference)?;
        }
        let link = api.permalink(&channel, ts);
        Ok(Sent { reference, link })
    }

    fn replies(settings: &Settings, reference: String, cursor: Option<String>) -> Result<RepliesPage, FlavorError> {
        let (api, channel, ts) = posted_message(settings, &reference, "read replies")?;
        replies::list(&api, &channel, &ts, cursor.as_deref())
    }

    /// `chat.update`: the text and blocks are replaced by `message` rendered.
    fn update(settings: &Settings, reference: String, message: Message) -> Result<(), FlavorError> {
        let (api, channel, ts) = posted_message(settings, &reference, "edit messages")?;
        let mut payload = render::payload(&message)?;
        payload.insert("channel".into(), json!(channel));
        payload.insert("ts".into(), json!(ts));
        api.write("chat.update", &Value::Object(payload)).map(drop)
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
