//! Discord stand-in (REST API and webhooks), on the shared [`crate::chat`]
//! core.
//!
//! Ids are snowflakes that only ever grow. Errors are Discord's JSON bodies
//! with Discord's codes and statuses: 401 `{"message": "401: Unauthorized",
//! "code": 0}` for a wrong `Authorization: Bot <token>`, 404 10003 Unknown
//! Channel, 403 50001 Missing Access, 403 50013 Missing Permissions, 404
//! 10015 Unknown Webhook, 400 50006 Cannot send an empty message, 400 50035
//! Invalid Form Body, 413 40005 Request entity too large.
//!
//! What it models besides posting ([`api`] has the routes):
//!
//! - **The Message Content intent** ([`for_bot`], switched with
//!   [`DiscordService::set_message_content_intent`], on by default). Without
//!   it, what the bot reads of other people's messages has empty `content`,
//!   `embeds`, `attachments` and `components` and no `poll` (message.mdx,
//!   "Message Structure" note 2), except (gateway.mdx, "Message Content
//!   Intent") the bot's own messages, DMs with the bot, and messages in
//!   which the bot is mentioned: `<@ID>` / `<@!ID>` in the text, or a Reply
//!   to the bot's message with its mention on (Discord's default), which
//!   puts the bot in `mentions`.
//! - **Rate limits** ([`limits`]): per-route buckets per channel or webhook
//!   with real `X-RateLimit-*` headers, the global limit, 429 with
//!   `retry_after` in the body.
//! - **Files** ([`multipart`]): `multipart/form-data` messages with
//!   `payload_json` and `files[n]`, `attachment://NAME` in embeds.
//! - **Reactions** ([`DiscordService::react`] reacts as a person) and
//!   **edits**.
//! - **Permissions** ([`DiscordService::deny`]).
//!
//! Every request body is checked against the spec and the docs ([`spec`]),
//! and every answer against the spec's response schemas; a body that
//! fails gets Discord's 400 and the reasons land in
//! [`crate::chat::Service::violations`], which tests assert empty.

pub mod api;
pub mod limits;
pub mod multipart;
pub mod spec;
#[cfg(test)]
mod tests;
pub mod webhook;

use std::collections::BTreeMap;
use std::ops::Deref;
use std::time::Duration;

use serde_json::{json, Map, Value};

pub use api::Permission;
pub use limits::Limit;

use crate::chat::{Author, Channel, Message, Seen, Service, Stamp, Store, Webhook};
pub use spec::{check_body, embed_text_len, Deviation, Endpoint, SPEC_DEVIATIONS};

/// The bot token the stand-in accepts (`Authorization: Bot <TOKEN>`).
pub const TOKEN: &str = "MTEx.standin-bot-token.S3cr3tDiscordT0ken";
/// The stand-in bot's user id (author of what the flavor posts).
pub const BOT_USER_ID: &str = "1100000000000000001";
/// The stand-in bot's user name.
pub const BOT_NAME: &str = "alerter";
/// The guild every channel belongs to.
pub const GUILD_ID: &str = "1200000000000000002";
/// Discord's epoch (2015-01-01) in Unix milliseconds.
pub const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// A snowflake from a stamp: milliseconds since Discord's epoch, then the
/// stamp's sequence in the low 22 bits (so it only grows).
fn snowflake(stamp: Stamp) -> String {
    let ms = (stamp.at_us / 1000).saturating_sub(DISCORD_EPOCH_MS);
    ((ms << 22) | (stamp.seq & 0x3f_ffff)).to_string()
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// A user as Discord's API returns one (`UserResponse`).
pub(crate) fn user_json(a: &Author) -> Value {
    let mut user = json!({
        "id": a.id, "username": a.name, "global_name": null, "discriminator": "0", "avatar": null,
        "public_flags": 0, "flags": 0, "primary_guild": null,
    });
    if a.bot {
        user["bot"] = json!(true);
    }
    user
}

/// The user `id` as the store knows them (from a message of theirs).
fn known_user(store: &Store, id: &str) -> Author {
    if id == BOT_USER_ID {
        return Author::bot(BOT_USER_ID, BOT_NAME);
    }
    store
        .all_messages()
        .iter()
        .find(|m| m.author.id == id)
        .map(|m| m.author.clone())
        .unwrap_or_else(|| Author::human(id, &format!("user-{id}")))
}

/// Who a message mentions: `<@ID>` and `<@!ID>` in its text, and the
/// author of the message it replies to when the reply pings (`__ping`).
fn mentioned(store: &Store, m: &Message) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut rest = m.text.as_str();
    while let Some(i) = rest.find("<@") {
        rest = &rest[i + 2..];
        let digits = rest.strip_prefix('!').unwrap_or(rest);
        let n = digits.bytes().take_while(u8::is_ascii_digit).count();
        if n > 0 && digits[n..].starts_with('>') && !ids.iter().any(|x| x == &digits[..n]) {
            ids.push(digits[..n].to_string());
        }
    }
    if m.extra.get("__ping") == Some(&json!(true)) {
        let to = m.extra["message_reference"]["message_id"].as_str().unwrap_or("");
        if let Some(original) = store.find(&m.channel, to) {
            if !ids.contains(&original.author.id) {
                ids.push(original.author.id.clone());
            }
        }
    }
    ids
}

/// A message as Discord's API returns it (everything, as if with the
/// Message Content intent).
pub(crate) fn message_json(store: &Store, m: &Message) -> Value {
    let mentions: Vec<Value> = mentioned(store, m).iter().map(|id| user_json(&known_user(store, id))).collect();
    let mut msg = json!({
        "id": m.id,
        "channel_id": m.channel,
        "type": 0,
        "content": m.text,
        "author": user_json(&m.author),
        "timestamp": rfc3339(m.stamp.at_us / 1000),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": mentions,
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": false,
        "flags": 0,
        "components": [],
    });
    if m.extra.get("message_reference").is_some_and(|r| !r.is_null()) {
        msg["type"] = json!(19);
    }
    for (k, v) in &m.extra {
        if !k.starts_with("__") {
            msg[k.as_str()] = v.clone();
        }
    }
    if let Some(reactions) = m.extra.get("__reactions").and_then(Value::as_array) {
        let shown: Vec<Value> = reactions
            .iter()
            .filter_map(|r| {
                let users = r["users"].as_array()?;
                let burst = users.iter().filter(|u| u["burst"] == true).count();
                let me = |b: bool| users.iter().any(|u| u["id"] == BOT_USER_ID && u["burst"] == b);
                (!users.is_empty()).then(|| {
                    json!({
                        "emoji": r["emoji"], "count": users.len(),
                        "count_details": {"burst": burst, "normal": users.len() - burst},
                        "burst_colors": [], "me": me(false), "me_burst": me(true),
                    })
                })
            })
            .collect();
        if !shown.is_empty() {
            msg["reactions"] = Value::Array(shown);
        }
    }
    msg
}

/// A message as the bot reads it: without the Message Content intent,
/// someone else's message that does not mention the bot, outside a DM, has
/// its content emptied (gateway.mdx, "Message Content Intent").
pub(crate) fn for_bot(store: &Store, m: &Message, intent: bool, dm: bool) -> Value {
    let mut msg = message_json(store, m);
    let mentions_bot = mentioned(store, m).iter().any(|id| id == BOT_USER_ID);
    if !intent && !dm && m.author.id != BOT_USER_ID && !mentions_bot {
        msg["content"] = json!("");
        for k in ["embeds", "attachments", "components"] {
            msg[k] = json!([]);
        }
        if let Some(o) = msg.as_object_mut() {
            o.remove("poll");
        }
    }
    msg
}

/// `YYYY-MM-DDTHH:MM:SS.mmm+00:00` for Unix milliseconds.
fn rfc3339(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}+00:00", rem / 3600, (rem % 3600) / 60, rem % 60, ms % 1000)
}

/// The running stand-in; the shared helpers come from [`Service`].
#[derive(Clone)]
pub struct DiscordService {
    service: Service<api::DiscordApi>,
    channel: String,
    webhook: (String, String),
}

impl Deref for DiscordService {
    type Target = Service<api::DiscordApi>;
    fn deref(&self) -> &Self::Target {
        &self.service
    }
}

impl DiscordService {
    /// Starts the stand-in on 127.0.0.1 (ephemeral port) with one channel
    /// ([`DiscordService::channel`]) and one webhook on it.
    pub fn start() -> DiscordService {
        spec::schemas();
        let mut store = Store::new(snowflake);
        let channel = snowflake(store.stamp());
        store.add_channel(Channel::with_bot(&channel));
        let webhook = (snowflake(store.stamp()), "standin-webhook-token-Zx81Qw".to_string());
        store.add_webhook(Webhook { id: webhook.0.clone(), token: webhook.1.clone(), channel: channel.clone() });
        DiscordService { service: Service::start(api::DiscordApi::new(), store), channel, webhook }
    }

    /// The `api_base` setting for the flavor: `{origin}/api/v10`.
    pub fn api_base(&self) -> String {
        format!("{}/api/v10", self.origin())
    }

    /// The default channel's id.
    pub fn channel(&self) -> String {
        self.channel.clone()
    }

    /// The webhook URL of the default webhook (on the default channel).
    pub fn webhook_url(&self) -> String {
        format!("{}/api/webhooks/{}/{}", self.origin(), self.webhook.0, self.webhook.1)
    }

    /// The default webhook's secret token (the last part of its URL).
    pub fn webhook_token(&self) -> String {
        self.webhook.1.clone()
    }

    /// `alerter register ops ...` arguments for a bot-mode alerter of
    /// `flavor` on this stand-in (its channel, API host granted).
    pub fn bot_args(&self, flavor: &str, token: &str) -> Vec<String> {
        crate::cli::args(&[
            "register",
            "ops",
            "--flavor",
            flavor,
            "--set",
            &format!("token={token}"),
            "--set",
            &format!("channel_id={}", self.channel()),
            "--set",
            &format!("api_base={}", self.api_base()),
            "--allow-host",
            &self.origin(),
        ])
    }

    /// `alerter register hook ...` arguments for a webhook-mode alerter.
    pub fn webhook_args(&self, flavor: &str) -> Vec<String> {
        crate::cli::args(&[
            "register",
            "hook",
            "--flavor",
            flavor,
            "--set",
            &format!("webhook_url={}", self.webhook_url()),
            "--allow-host",
            &self.origin(),
        ])
    }

    fn new_channel(&self, bot_member: bool) -> String {
        let mut state = self.state();
        let id = snowflake(state.store.stamp());
        state.store.add_channel(Channel { id: id.clone(), bot_member, parent: None });
        id
    }

    /// Adds a channel the bot can use; returns its id.
    pub fn add_channel(&self) -> String {
        self.new_channel(true)
    }

    /// Adds a channel the bot cannot see (403 Missing Access); returns its id.
    pub fn add_forbidden_channel(&self) -> String {
        self.new_channel(false)
    }

    /// A new id no channel has (an unknown channel).
    pub fn unused_id(&self) -> String {
        snowflake(self.state().store.stamp())
    }

    /// Posts a message at top level in `channel`, as `author`; with
    /// `reply_to`, as a Discord reply (`message_reference`) to that message,
    /// its mention of the replied-to author on (the Discord client's
    /// default). Returns its id.
    pub fn post(&self, channel: &str, author: &Author, text: &str, reply_to: Option<&str>) -> String {
        self.post_reply(channel, author, text, reply_to, true)
    }

    /// [`DiscordService::post`] with the reply's mention on or off
    /// (`ping`; the "@ ON" toggle of Discord's Reply).
    pub fn post_reply(&self, channel: &str, author: &Author, text: &str, reply_to: Option<&str>, ping: bool) -> String {
        let mut extra = Map::new();
        if let Some(m) = reply_to {
            extra.insert(
                "message_reference".into(),
                json!({"type": 0, "message_id": m, "channel_id": channel, "guild_id": GUILD_ID}),
            );
            extra.insert("__ping".into(), json!(ping));
        }
        self.say_as(channel, author, text, None, extra)
    }

    /// Posts in the thread started from `message` (in `channel`), starting
    /// the thread first when there is none (its id is the message's id, as
    /// on Discord). Returns the new message's id.
    pub fn post_in_thread(&self, channel: &str, message: &str, author: &Author, text: &str) -> String {
        self.start_thread(channel, message);
        self.say_as(message, author, text, None, Map::new())
    }

    /// Starts a thread from `message` in `channel` (id = the message's id),
    /// with Discord's thread-starter system message in it.
    pub fn start_thread(&self, channel: &str, message: &str) {
        let mut state = self.state();
        let store = &mut state.store;
        if store.channel(message).is_some() {
            return;
        }
        store.add_channel(Channel { id: message.to_string(), bot_member: true, parent: Some(channel.to_string()) });
        let starter = json!({"type": 21, "message_reference": {"type": 0, "message_id": message, "channel_id": channel, "guild_id": GUILD_ID}});
        let extra = starter.as_object().cloned().unwrap_or_default();
        store.post(message, &Author::bot(BOT_USER_ID, BOT_NAME), "", None, extra);
        if let Some(m) = store.find_mut(message) {
            let flags = m.extra.get("flags").and_then(Value::as_u64).unwrap_or(0);
            m.extra.insert("flags".into(), json!(flags | (1 << 5)));
        }
    }

    /// Messages in `channel` (a thread's id for a thread), oldest first, as
    /// Discord returns them to a bot with the Message Content intent.
    pub fn messages(&self, channel: &str) -> Vec<Value> {
        let state = self.state();
        state.store.messages(channel).map(|m| message_json(&state.store, m)).collect()
    }

    /// The message `id` of `channel` as stored (all its content).
    pub fn message(&self, channel: &str, id: &str) -> Option<Value> {
        let state = self.state();
        state.store.find(channel, id).map(|m| message_json(&state.store, m))
    }

    /// The requests that sent a message (create message, execute webhook).
    pub fn posts(&self) -> Vec<Seen> {
        self.seen().into_iter().filter(|r| r.method == "POST").collect()
    }

    /// Lists `channel`'s messages the way Discord's `GET
    /// /channels/{id}/messages` does: newest first, after or before an id.
    pub fn list(&self, channel: &str, after: Option<u64>, before: Option<u64>, limit: usize) -> Vec<Value> {
        let state = self.state();
        api::list_messages(&state.store, channel, after, before, limit)
            .into_iter()
            .map(|m| message_json(&state.store, m))
            .collect()
    }

    /// Gives the application the Message Content intent, or takes it away
    /// (it has it when the stand-in starts).
    pub fn set_message_content_intent(&self, on: bool) {
        self.api().inner().intent = on;
    }

    /// Takes `permission` away from the bot in `channel`.
    pub fn deny(&self, channel: &str, permission: Permission) {
        self.api().inner().denied.entry(channel.to_string()).or_default().insert(permission);
    }

    /// Adds a DM channel between the bot and a person; returns its id.
    pub fn add_dm_channel(&self) -> String {
        let id = self.add_channel();
        self.api().inner().dms.insert(id.clone());
        id
    }

    /// `who` reacts to `message` in `channel` with `emoji` (`👍`, or
    /// `name:id` for a custom emoji); a super reaction with `burst`.
    pub fn react(&self, channel: &str, message: &str, who: &Author, emoji: &str, burst: bool) {
        let mut state = self.state();
        if let Err(refused) = api::react(&mut state.store, channel, message, emoji, who, burst) {
            panic!("cannot react with {emoji}: {}", String::from_utf8_lossy(&refused.body));
        }
    }

    /// Sets the limit of `operation`'s buckets (`create_message`,
    /// `list_messages`, `get_message`, `list_reactions`, ... see [`limits`]).
    pub fn limit_route(&self, operation: &str, requests: u32, per: Duration) {
        self.api().inner().buckets.set(operation, Limit::new(requests, per));
    }

    /// Sets the global limit (50 per second unless set).
    pub fn limit_global(&self, requests: u32, per: Duration) {
        self.api().inner().buckets.set_global(Limit::new(requests, per));
    }

    /// The bytes uploaded for the file at `url` (a CDN URL of an attachment
    /// or of an embed's image).
    pub fn file(&self, url: &str) -> Option<Vec<u8>> {
        let id = url.strip_prefix("https://cdn.discordapp.com/attachments/")?.split('/').nth(1)?;
        self.api().inner().files.get(id).cloned()
    }

    /// How many requests each operation got (for budgets).
    pub fn requests_per_operation(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for r in self.seen() {
            *counts.entry(r.operation).or_insert(0) += 1;
        }
        counts
    }
}
