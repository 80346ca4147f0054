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
//! **Files** go as a `multipart/form-data` message (`payload_json` and
//! `files[n]`), the first image inside the embed ([`render::attach`]).
//! **Reactions** on the question count as answers ([`replies`]).
//! **Updates** edit the question in place:
//! `PATCH /channels/{channel}/messages/{message}` with the new content and
//! embeds (bot mode only).
//!
//! **The Message Content intent decides how people can answer.** Without
//! it (Developer Portal → your application → Bot → Privileged Gateway
//! Intents → Message Content Intent), Discord hands the bot the text of
//! other people's messages only when they mention it. `ask` then still
//! works when people answer `@bot approve`, use Discord's Reply on the
//! question (its mention on), or react 👍 / 👎; a reply whose text was hidden
//! makes the page carry a notice saying so ([`replies::notice`]). The bot
//! needs View Channel, Send Messages, Embed Links, Attach Files (for files)
//! and Read Message History in the channel.
//!
//! Rendering and Discord's size limits live in [`render`], requests, rate
//! limits and error handling in [`api`], reply listing in [`replies`].

use alerter_sdk::prelude::*;
use serde::Deserialize;
use serde_json::json;

pub mod api;
pub mod render;
pub mod replies;

/// Where the REST API lives unless `api_base` says otherwise.
pub const DEFAULT_API_BASE: &str = "https://discord.com/api/v10";
/// Jump links point here; the bot token may go here.
const WEB: &str = "https://discord.com";
/// What `alerter flavor describe` says first.
const DESCRIPTION: &str = "Posts to Discord with a bot token (REST API: files, replies, reactions, edits) or a channel webhook (post only); without the Message Content intent, answers must mention the bot, use Reply on the question, or react";

struct Discord;

/// How this call reaches Discord, from the settings.
enum Mode<'a> {
    /// A bot token: the REST API.
    Bot { api: api::Api<'a>, channel: &'a str },
    /// A webhook URL (a placeholder for the secret URL).
    Webhook { api: api::Api<'a> },
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
                Mode::Bot { api: api::Api::bot(base, token), channel }
            }
            Access::Webhook { url } => Mode::Webhook { api: api::Api::webhook(url) },
        })
    }

    /// The bot API and channel; webhook mode cannot `doing` this.
    fn bot(self, doing: &str) -> Result<(api::Api<'a>, &'a str), FlavorError> {
        match self {
            Mode::Bot { api, channel } => Ok((api, channel)),
            Mode::Webhook { .. } => Err(FlavorError::Unsupported(format!(
                "webhook mode cannot {doing}: use a bot `token` and `channel_id` instead"
            ))),
        }
    }
}

/// A `CHANNEL:MESSAGE` reference (or a bare `MESSAGE` id, in
/// `default_channel`).
fn parse_reference<'r>(reference: &'r str, default_channel: Option<&'r str>) -> Option<(&'r str, &'r str)> {
    let (channel, message) = alerter_sdk::split_reference(reference, default_channel)?;
    (api::is_snowflake(channel) && api::is_snowflake(message)).then_some((channel, message))
}

/// Where a message goes: `channel`, or with `--thread REF` the channel of
/// the message `REF` (which it replies to).
fn destination<'m>(message: &'m Message, channel: &'m str) -> Result<(&'m str, Option<&'m str>), FlavorError> {
    let Some(thread) = message.thread.as_deref() else { return Ok((channel, None)) };
    let (c, m) = parse_reference(thread, Some(channel)).ok_or_else(|| bad_reference(thread))?;
    Ok((c, Some(m)))
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

/// `request` with `body`: JSON, or `multipart/form-data` with its files.
fn with_body(request: Request, body: &render::WithFiles<'_>) -> Result<Request, FlavorError> {
    if body.files.is_empty() {
        Ok(request.header("content-type", "application/json").body(body.json()?))
    } else {
        Ok(request.multipart(body.form()?))
    }
}

/// What this flavor can do in each mode.
fn capabilities(webhook: bool) -> Capabilities {
    Capabilities {
        post: true,
        read_replies: !webhook,
        threads: true,
        attachments: true,
        reactions: !webhook,
        update: !webhook,
    }
}

impl Flavor for Discord {
    fn info() -> FlavorInfo {
        let settings = ChatSettings {
            token: "Bot token for bot mode; replies' text needs the Message Content intent (Developer Portal → Bot) unless they mention the bot",
            token_slot: SecretSlot::header("authorization", "Bot {}"),
            origin: WEB,
            channel: "Channel ID to post to (digits); required with `token`",
            webhook: "Channel webhook URL for post-only mode (instead of `token`)",
            api_base: "Base URL of the Discord REST API (a proxy or a test stand-in)",
            default_api_base: DEFAULT_API_BASE,
        };
        let hosts = [WEB, "{api_base}", "{webhook_url}"].map(String::from).to_vec();
        let (name, version) = ("discord".to_string(), env!("CARGO_PKG_VERSION").to_string());
        let description = DESCRIPTION.to_string();
        FlavorInfo { name, version, description, settings: settings.specs(), hosts, capabilities: capabilities(false) }
    }

    /// A webhook posts (also into threads, also files) but cannot read
    /// replies or edit.
    fn capabilities_for(settings: &Settings) -> Capabilities {
        capabilities(settings.is_webhook())
    }

    fn send(settings: &Settings, message: Message) -> Result<Sent, FlavorError> {
        let mode = Mode::from(settings)?;
        let body = render::payload(&message)?;
        let doing = if message.attachments.is_empty() { api::Doing::Post } else { api::Doing::PostFiles };
        match mode {
            Mode::Bot { api, channel } => {
                let (channel, reply_to) = destination(&message, channel)?;
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
                let body = render::attach(&message, body);
                let ctx = api::Context { channel: Some(channel), webhook: false, doing };
                let path = format!("/channels/{channel}/messages");
                let request = with_body(api.request("POST", &path), &body)?;
                let posted: Posted = api.send("POST", &path, request, ctx)?.json()?;
                let channel = posted.channel_id.as_deref().filter(|c| api::is_snowflake(c)).unwrap_or(channel);
                let guild = posted.guild_id.clone().or_else(|| guild_of(&api, channel));
                Ok(Sent {
                    reference: format!("{channel}:{}", posted.id),
                    link: jump_link(guild.as_deref(), channel, &posted.id),
                })
            }
            Mode::Webhook { api } => {
                let mut path = "?wait=true".to_string();
                if let Some(r) = message.thread.as_deref() {
                    let (_, m) = parse_reference(r, Some("0")).ok_or_else(|| bad_reference(r))?;
                    path.push_str(&format!("&thread_id={m}"));
                }
                let body = render::attach(&message, body);
                let ctx = api::Context { channel: None, webhook: true, doing };
                let request = with_body(api.request("POST", &path), &body)?;
                let resp = api.send("POST", &path, request, ctx)?;
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
        let (api, channel) = Mode::from(settings)?.bot("read replies")?;
        let (channel, message) = parse_reference(&reference, Some(channel)).ok_or_else(|| bad_reference(&reference))?;
        replies::list(&api, channel, message, cursor.as_deref())
    }

    /// Edits the message: its content and embeds are replaced by `message`
    /// rendered (an empty `embeds` removes the old ones); its files stay.
    fn update(settings: &Settings, reference: String, message: Message) -> Result<(), FlavorError> {
        let (api, channel) = Mode::from(settings)?.bot("edit messages")?;
        let (channel, id) = parse_reference(&reference, Some(channel)).ok_or_else(|| bad_reference(&reference))?;
        let body = match render::payload(&message)? {
            render::Body::Rendered(mut map) => {
                map.entry("content").or_insert(json!(""));
                map.entry("embeds").or_insert(json!([]));
                render::Body::Rendered(map)
            }
            verbatim => verbatim,
        };
        let body = render::WithFiles { body, files: Vec::new() };
        let path = format!("/channels/{channel}/messages/{id}");
        let ctx = api::Context { channel: Some(channel), webhook: false, doing: api::Doing::Edit };
        api.send("PATCH", &path, with_body(api.request("PATCH", &path), &body)?, ctx)?;
        Ok(())
    }
}

/// The guild of `channel`, for the jump link; best effort (a DM or a failed
/// lookup gives none).
fn guild_of(api: &api::Api<'_>, channel: &str) -> Option<String> {
    let path = format!("/channels/{channel}");
    let resp = match api.send_raw("GET", &path, api.request("GET", &path)) {
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
        type Case<'a> = (&'a str, Option<&'a str>, Option<(&'a str, &'a str)>);
        let cases: [Case<'_>; 5] = [
            ("1:2", None, Some(("1", "2"))),
            ("2", Some("1"), Some(("1", "2"))),
            ("1:", None, None),
            ("C1:2", None, None),
            ("webhook", Some("1"), None),
        ];
        for (reference, channel, expected) in cases {
            assert_eq!(parse_reference(reference, channel), expected, "{reference} in {channel:?}");
        }
    }

    #[test]
    fn links() {
        assert_eq!(jump_link(Some("9"), "1", "2").as_deref(), Some("https://discord.com/channels/9/1/2"));
        assert_eq!(jump_link(None, "1", "2"), None);
    }
}
