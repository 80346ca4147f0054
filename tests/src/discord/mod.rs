//! Discord stand-in (REST API and webhooks), on the shared [`crate::chat`]
//! core.
//!
//! Ids are snowflakes that only ever grow. Errors are Discord's JSON bodies
//! with Discord's codes and statuses: 401 `{"message": "401: Unauthorized",
//! "code": 0}` for a wrong `Authorization: Bot <token>`, 404 10003 Unknown
//! Channel, 403 50001 Missing Access, 404 10015 Unknown Webhook, 400 50035
//! Invalid Form Body. A rate limit ([`crate::chat::Fault::RateLimited`])
//! answers 429 with `retry_after` / `global` in the body and `Retry-After`
//! and `X-RateLimit-*` headers.
//!
//! Every request body is checked against the spec and the docs ([`spec`]);
//! a body that fails gets Discord's 400 50035 and the reasons land in
//! [`crate::chat::Service::violations`], which tests assert empty.

pub mod api;
pub mod spec;
#[cfg(test)]
mod tests;
pub mod webhook;

use std::ops::Deref;

use serde_json::{json, Map, Value};

use crate::chat::{Author, Channel, Message, Seen, Service, Stamp, Store, Webhook};
pub use spec::{check_body, embed_text_len, Deviation, Endpoint, SPEC_DEVIATIONS};

/// The bot token the stand-in accepts (`Authorization: Bot <TOKEN>`).
pub const TOKEN: &str = "MTEx.standin-bot-token.S3cr3tDiscordT0ken";
/// The stand-in bot's user id (author of what the flavor posts).
pub const BOT_USER_ID: &str = "1100000000000000001";
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

/// A message as Discord's API returns it.
pub(crate) fn message_json(m: &Message) -> Value {
    let mut msg = json!({
        "id": m.id,
        "channel_id": m.channel,
        "type": 0,
        "content": m.text,
        "author": {"id": m.author.id, "username": m.author.name, "global_name": null, "discriminator": "0", "avatar": null},
        "timestamp": rfc3339(m.stamp.at_us / 1000),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": false,
        "flags": 0,
        "components": [],
    });
    if m.author.bot {
        msg["author"]["bot"] = json!(true);
    }
    if m.extra.get("message_reference").is_some_and(|r| !r.is_null()) {
        msg["type"] = json!(19);
    }
    for (k, v) in &m.extra {
        msg[k.as_str()] = v.clone();
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
        DiscordService { service: Service::start(api::DiscordApi, store), channel, webhook }
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
    /// `reply_to`, as a Discord reply (`message_reference`) to that message.
    /// Returns its id.
    pub fn post(&self, channel: &str, author: &Author, text: &str, reply_to: Option<&str>) -> String {
        let mut extra = Map::new();
        if let Some(m) = reply_to {
            extra.insert(
                "message_reference".into(),
                json!({"type": 0, "message_id": m, "channel_id": channel, "guild_id": GUILD_ID}),
            );
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
        let starter = json!({"type": 21, "message_reference": {"message_id": message, "channel_id": channel}});
        let extra = starter.as_object().cloned().unwrap_or_default();
        store.post(message, &Author::bot(BOT_USER_ID, "alerter"), "", None, extra);
        if let Some(m) = store.find_mut(message) {
            let flags = m.extra.get("flags").and_then(Value::as_u64).unwrap_or(0);
            m.extra.insert("flags".into(), json!(flags | (1 << 5)));
        }
    }

    /// Messages in `channel` (a thread's id for a thread), oldest first, as
    /// Discord returns them.
    pub fn messages(&self, channel: &str) -> Vec<Value> {
        self.channel_messages(channel).iter().map(message_json).collect()
    }

    /// The requests that sent a message (create message, execute webhook).
    pub fn posts(&self) -> Vec<Seen> {
        self.seen().into_iter().filter(|r| r.method == "POST").collect()
    }

    /// Lists `channel`'s messages the way Discord's `GET
    /// /channels/{id}/messages` does: newest first, after or before an id.
    pub fn list(&self, channel: &str, after: Option<u64>, before: Option<u64>, limit: usize) -> Vec<Value> {
        api::list_messages(&self.state().store, channel, after, before, limit)
    }
}
