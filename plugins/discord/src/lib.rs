//! `discord`: the built-in Discord flavor.
//!
//! Two modes, chosen by which secret is set (exactly one must be):
//!
//! - **bot** (`token` + `channel_id`): posts with
//!   `POST {api_base}/channels/{channel_id}/messages` and
//!   `Authorization: Bot <token>`, reads answers with
//!   `GET /channels/{id}/messages` (see [`replies`]). A reference is
//!   `CHANNEL_ID:MESSAGE_ID`; the link is the jump link
//!   `https://discord.com/channels/{guild}/{channel}/{message}` (the guild is
//!   looked up with `GET /channels/{id}` when the answer does not carry it).
//!   `--thread REF` makes the message a Discord reply to `REF`
//!   (`message_reference`), in `REF`'s channel.
//! - **webhook** (`webhook_url`, post only): `POST {webhook_url}?wait=true`,
//!   so Discord answers with the message (without `wait` it answers 204).
//!   `--thread REF` posts into the thread started from `REF`'s message
//!   (`thread_id`; a thread has the id of the message it was started from).
//!   The URL must not carry a query string of its own.
//!
//! **Reading replies needs the Message Content intent.** Discord hands a bot
//! the text of other people's messages only when "Message Content Intent" is
//! enabled for the application (Developer Portal → Bot → Privileged Gateway
//! Intents); without it every reply's text is empty and no answer can match.
//! The bot also needs View Channel, Send Messages, Embed Links and Read
//! Message History in the channel.
//!
//! Rendering and Discord's size limits live in [`render`], requests and
//! error handling in [`api`], reply listing in [`replies`].

use alerter_sdk::prelude::*;
use alerter_sdk::Need::*;
use serde::Deserialize;
use serde_json::{json, Value};

pub mod api;
pub mod render;
pub mod replies;

/// Where the REST API lives unless `api_base` says otherwise.
pub const DEFAULT_API_BASE: &str = "https://discord.com/api/v10";
/// Jump links point here.
const WEB: &str = "https://discord.com";

struct Discord;

/// How this call reaches Discord, from the settings.
enum Mode<'a> {
    /// A bot token: the REST API.
    Bot { api: api::Api<'a>, channel: &'a str },
    /// A webhook URL (a placeholder for the secret URL).
    Webhook { url: &'a str },
}

impl<'a> Mode<'a> {
    /// Picks the mode; exactly one of `token` / `webhook_url` must be set.
    fn from(settings: &'a Settings) -> Result<Mode<'a>, FlavorError> {
        Ok(match settings.access("1234567890123456789")? {
            Access::Bot { token, channel } => {
                if !api::is_snowflake(channel) {
                    return Err(FlavorError::InvalidSettings(format!(
                        "setting `channel_id` must be a Discord channel id (digits only, e.g. 1234567890123456789), not `{channel}`"
                    )));
                }
                let base = settings.get("api_base").unwrap_or(DEFAULT_API_BASE);
                Mode::Bot { api: api::Api::new(base, token), channel }
            }
            Access::Webhook { url } => Mode::Webhook { url },
        })
    }
}

/// A `CHANNEL:MESSAGE` reference (or a bare `MESSAGE` id, in
/// `default_channel`).
fn parse_reference<'r>(reference: &'r str, default_channel: Option<&'r str>) -> Option<(&'r str, &'r str)> {
    let (channel, message) = alerter_sdk::split_reference(reference, default_channel)?;
    (api::is_snowflake(channel) && api::is_snowflake(message)).then_some((channel, message))
}

fn bad_reference(reference: &str) -> FlavorError {
    FlavorError::InvalidSettings(format!(
        "`{reference}` is not a Discord message reference: expected CHANNEL_ID:MESSAGE_ID, e.g. 1234567890123456789:1234567890123456790"
    ))
}

/// The parts of Discord's message object this flavor reads.
#[derive(Deserialize)]
struct Posted {
    id: String,
    #[serde(default)]
    channel_id: Option<String>,
    #[serde(default)]
    guild_id: Option<String>,
}

/// The parts of a channel object this flavor reads.
#[derive(Deserialize)]
struct Channel {
    #[serde(default)]
    guild_id: Option<String>,
}

fn jump_link(guild: Option<&str>, channel: &str, message: &str) -> Option<String> {
    let guild = guild.filter(|g| api::is_snowflake(g))?;
    Some(format!("{WEB}/channels/{guild}/{channel}/{message}"))
}

fn json_body(body: render::Body) -> Result<Vec<u8>, FlavorError> {
    match body {
        render::Body::Verbatim(text) => Ok(text.into_bytes()),
        render::Body::Rendered(map) => serde_json::to_vec(&Value::Object(map))
            .map_err(|e| FlavorError::Internal(format!("cannot encode the message: {e}"))),
    }
}

impl Flavor for Discord {
    fn info() -> FlavorInfo {
        FlavorInfo {
            name: "discord".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Posts to Discord with a bot token (REST API, reads replies) or a channel webhook (post only)"
                .into(),
            settings: vec![
                secret(
                    "token",
                    "Bot token for bot mode; reading replies needs the Message Content intent",
                    SecretSlot::header("authorization", "Bot {}"),
                    &["https://discord.com", "{api_base}"],
                ),
                setting("channel_id", "Channel ID to post to (digits); required with `token`", Optional),
                secret(
                    "webhook_url",
                    "Channel webhook URL for post-only mode (instead of `token`)",
                    SecretSlot::url(),
                    &["{webhook_url}"],
                ),
                setting(
                    "api_base",
                    "Base URL of the Discord REST API (a proxy or a test stand-in)",
                    Default(DEFAULT_API_BASE),
                ),
            ],
            hosts: vec!["https://discord.com".into(), "{api_base}".into(), "{webhook_url}".into()],
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
        let body = render::payload(&message)?;
        match mode {
            Mode::Bot { api, channel } => {
                let (channel, reply_to) = match message.thread.as_deref() {
                    Some(r) => {
                        let (c, m) = parse_reference(r, Some(channel)).ok_or_else(|| bad_reference(r))?;
                        (c, Some(m))
                    }
                    None => (channel, None),
                };
                let body = match reply_to {
                    None => body,
                    Some(m) => {
                        let mut map = body.into_object();
                        map.insert(
                            "message_reference".into(),
                            json!({"message_id": m, "channel_id": channel, "fail_if_not_exists": false}),
                        );
                        render::Body::Rendered(map)
                    }
                };
                let ctx = api::Context { channel: Some(channel), webhook: false };
                let resp = api
                    .request("POST", &format!("/channels/{channel}/messages"))
                    .header("content-type", "application/json")
                    .body(json_body(body)?)
                    .send()?;
                let posted: Posted = api::check(resp, ctx)?.json()?;
                let channel = posted.channel_id.as_deref().filter(|c| api::is_snowflake(c)).unwrap_or(channel);
                let guild = posted.guild_id.clone().or_else(|| guild_of(&api, channel));
                Ok(Sent {
                    reference: format!("{channel}:{}", posted.id),
                    link: jump_link(guild.as_deref(), channel, &posted.id),
                })
            }
            Mode::Webhook { url } => {
                let mut target = format!("{url}?wait=true");
                if let Some(r) = message.thread.as_deref() {
                    let (_, m) = parse_reference(r, Some("0")).ok_or_else(|| bad_reference(r))?;
                    target.push_str(&format!("&thread_id={m}"));
                }
                let ctx = api::Context { channel: None, webhook: true };
                let resp = Request::post(target)
                    .header("content-type", "application/json")
                    .header("user-agent", api::USER_AGENT)
                    .body(json_body(body)?)
                    .send()?;
                let resp = api::check(resp, ctx)?;
                if resp.status == 204 || resp.body.is_empty() {
                    // Only without `wait`; keep going rather than fail a post that worked.
                    return Ok(Sent { reference: "webhook".into(), link: None });
                }
                let posted: Posted = resp.json()?;
                let channel = posted.channel_id.unwrap_or_default();
                if !api::is_snowflake(&channel) {
                    return Ok(Sent { reference: posted.id, link: None });
                }
                Ok(Sent {
                    link: jump_link(posted.guild_id.as_deref(), &channel, &posted.id),
                    reference: format!("{channel}:{}", posted.id),
                })
            }
        }
    }

    fn replies(settings: &Settings, reference: String, cursor: Option<String>) -> Result<RepliesPage, FlavorError> {
        let (api, channel) = match Mode::from(settings)? {
            Mode::Bot { api, channel } => (api, channel),
            Mode::Webhook { .. } => {
                return Err(FlavorError::Unsupported(
                    "webhook mode cannot read replies: use a bot `token` and `channel_id` (with the Message Content intent) to ask questions"
                        .into(),
                ))
            }
        };
        let (channel, message) = parse_reference(&reference, Some(channel)).ok_or_else(|| bad_reference(&reference))?;
        replies::list(&api, channel, message, cursor.as_deref())
    }
}

/// The guild of `channel`, for the jump link; best effort (a DM or a failed
/// lookup gives none).
fn guild_of(api: &api::Api<'_>, channel: &str) -> Option<String> {
    let resp = match api.request("GET", &format!("/channels/{channel}")).send() {
        Ok(r) if r.is_success() => r,
        Ok(r) => {
            log::debug(&format!("no jump link: looking up channel {channel} answered HTTP {}", r.status));
            return None;
        }
        Err(e) => {
            log::debug(&format!("no jump link: looking up channel {channel} failed: {e:?}"));
            return None;
        }
    };
    resp.json::<Channel>().ok()?.guild_id.filter(|g| api::is_snowflake(g))
}

export_flavor!(Discord);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(parse_reference("1:2", None), Some(("1", "2")));
        assert_eq!(parse_reference("2", Some("1")), Some(("1", "2")));
        assert_eq!(parse_reference("1:", None), None);
        assert_eq!(parse_reference("C1:2", None), None);
        assert_eq!(parse_reference("webhook", Some("1")), None);
    }

    #[test]
    fn links() {
        assert_eq!(jump_link(Some("9"), "1", "2").as_deref(), Some("https://discord.com/channels/9/1/2"));
        assert_eq!(jump_link(None, "1", "2"), None);
    }
}
