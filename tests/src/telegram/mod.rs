//! Telegram Bot API stand-in, on the shared [`crate::chat`] core.
//!
//! Serves `/bot<token>/<method>` the way `api.telegram.org` does ([`api`]):
//! the envelope `{"ok": true, "result": ...}` or `{"ok": false,
//! "error_code", "description", "parameters": {"retry_after"}}`; parameters
//! from the query, a JSON body, a urlencoded form or a multipart upload;
//! 404 `Not Found` for a malformed token, 401 `Unauthorized` for a wrong
//! one. `sendMessage` parses the text in its `parse_mode` ([`text`]: 400
//! `can't parse entities` for bad HTML or MarkdownV2, `message is too long`
//! past 4096 UTF-16 units of visible text), knows `reply_parameters`,
//! `chat not found` (400), `bot was blocked by the user` and `bot is not a
//! member` (403). `editMessageText` refuses an unchanged text (400 `message
//! is not modified`). `getUpdates` hands out `message` and (when asked for)
//! `message_reaction` updates until an offset confirms them, and answers
//! 409 while a webhook is set. `getMe`, `sendPhoto`, `sendDocument`,
//! `setWebhook`, `deleteWebhook`.
//!
//! Every call is checked against the vendored description (tests/specs/
//! telegram/api.json, [`spec`]) inside the stand-in; violations land in
//! [`crate::chat::Service::violations`].

pub mod api;
pub mod spec;
#[cfg(test)]
mod tests;
pub mod text;

use std::ops::Deref;
use std::sync::Mutex;

use serde_json::{json, Map, Value};

use crate::chat::{Author, Channel, Service, Stamp, Store};

/// The bot token the stand-in accepts.
pub const TOKEN: &str = "123456789:AAStandInBotSecretToken_telegram42";
/// The bot's user id (the number before the token's colon).
pub const BOT_ID: i64 = 123_456_789;
/// The bot's username (`@alerter_standin_bot` mentions it).
pub const BOT_USERNAME: &str = "alerter_standin_bot";
/// A private chat with a person, where the bot may write, from the start.
pub const CHAT: &str = "424242";
/// A supergroup with the bot in it, from the start.
pub const GROUP: &str = "-1001234567890";

/// A person writing to the bot.
#[derive(Debug, Clone)]
pub struct Person {
    /// User id.
    pub id: i64,
    /// First name (what the flavor shows).
    pub name: String,
}

/// The running stand-in; the shared helpers come from [`Service`].
#[derive(Clone)]
pub struct TelegramService {
    service: Service<api::TelegramApi>,
}

impl Deref for TelegramService {
    type Target = Service<api::TelegramApi>;
    fn deref(&self) -> &Self::Target {
        &self.service
    }
}

/// Message ids: the store's sequence (they only grow, as in a chat).
fn message_id(stamp: Stamp) -> String {
    stamp.seq.to_string()
}

impl TelegramService {
    /// Starts the stand-in on 127.0.0.1 (ephemeral port), accepting [`TOKEN`].
    pub fn start() -> TelegramService {
        let mut store = Store::new(message_id);
        store.add_channel(Channel::with_bot(CHAT));
        store.add_channel(Channel::with_bot(GROUP));
        let updates = api::Updates { next_id: 700_000_000, ..api::Updates::default() };
        let api = api::TelegramApi { token: TOKEN.to_string(), updates: Mutex::new(updates) };
        TelegramService { service: Service::start(api, store) }
    }

    /// The Bot API server's base URL, for the `api_base` setting.
    pub fn api_base(&self) -> String {
        self.origin()
    }

    /// `alerter register NAME --flavor FLAVOR ...` arguments for an alerter
    /// on this stand-in and `chat`; a flavor registered from a file gets the
    /// stand-in's origin through `--allow-host`.
    pub fn register_args(&self, name: &str, flavor: &str, chat: &str) -> Vec<String> {
        crate::cli::args(&[
            "register",
            name,
            "--flavor",
            flavor,
            "--set",
            &format!("token={TOKEN}"),
            "--set",
            &format!("chat_id={chat}"),
            "--set",
            &format!("api_base={}", self.api_base()),
            "--allow-host",
            &self.origin(),
        ])
    }

    /// Adds a private chat whose person blocked the bot (403).
    pub fn add_blocked_chat(&self, id: &str) {
        self.state().store.add_channel(Channel { bot_member: false, ..Channel::with_bot(id) });
    }

    /// Sets (or deletes) a webhook: `getUpdates` then answers 409.
    pub fn set_webhook(&self, on: bool) {
        self.api().updates.lock().unwrap_or_else(|e| e.into_inner()).webhook = on;
    }

    /// A person with this id and first name.
    pub fn person(id: i64, name: &str) -> Person {
        Person { id, name: name.to_string() }
    }

    /// `who` writes `text` in `chat`, as a reply to `reply_to` when given;
    /// the bot gets a `message` update. Returns the message id.
    pub fn say(&self, chat: &str, who: &Person, text: &str, reply_to: Option<&str>) -> String {
        let mut extra = Map::new();
        if let Some(at) = text.find(&format!("@{BOT_USERNAME}")) {
            let offset = text[..at].encode_utf16().count();
            extra.insert(
                "entities".into(),
                json!([{"type": "mention", "offset": offset, "length": BOT_USERNAME.len() + 1}]),
            );
        }
        let author = Author::human(&who.id.to_string(), &who.name);
        let id = self.say_as(chat, &author, text, reply_to, extra);
        let body = {
            let state = self.state();
            let m = state.store.find(chat, &id).expect("just posted");
            api::message_json(&state.store, m)
        };
        self.api().push_update("message", body);
        id
    }

    /// `who` reacts to message `id` in `chat` with `emoji`: a
    /// `message_reaction` update.
    pub fn react(&self, chat: &str, id: &str, who: &Person, emoji: &str) {
        let date = self.state().store.stamp().at_us / 1_000_000;
        self.api().push_update(
            "message_reaction",
            json!({"chat": api::chat_json(chat), "message_id": id.parse::<i64>().unwrap_or(0), "date": date,
                   "user": {"id": who.id, "is_bot": false, "first_name": who.name},
                   "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": emoji}]}),
        );
    }

    /// The messages in `chat` as the API returns them, oldest first.
    pub fn messages(&self, chat: &str) -> Vec<Value> {
        let state = self.state();
        state.store.messages(chat).map(|m| api::message_json(&state.store, m)).collect()
    }

    /// The parameters of every `sendMessage` answered ok, as JSON.
    pub fn sent(&self) -> Vec<Value> {
        self.seen_op("sendMessage").iter().filter(|s| s.status == 200).filter_map(|s| s.json()).collect()
    }

    /// Updates not yet confirmed by an offset.
    pub fn pending_updates(&self) -> usize {
        self.api().updates.lock().unwrap_or_else(|e| e.into_inner()).pending.len()
    }
}
