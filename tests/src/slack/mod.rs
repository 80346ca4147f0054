//! Slack stand-in, on the shared [`crate::chat`] core.
//!
//! Serves the Web API at `/api/{method}` the way Slack does ([`api`]):
//! HTTP 200 with an `ok` envelope (`{"ok": false, "error":
//! "channel_not_found"}`), the token from `Authorization: Bearer` (or a
//! `token` parameter), the token's scopes (`missing_scope` with `needed` and
//! `provided`), parameters from the query string, a form body or (for write
//! methods only) a JSON body. Implements `auth.test`, `chat.postMessage`,
//! `chat.getPermalink`, `chat.update`, `conversations.history`,
//! `conversations.replies` (ts values that only grow, `oldest`/`latest`
//! exclusive unless `inclusive`, `limit` + `cursor` pagination with
//! `response_metadata.next_cursor`), `reactions.get` and `reactions.add`,
//! and the external file upload ([`files`]). Rate limits per method and per
//! channel, and the stricter regime of apps outside the Marketplace, are in
//! [`limits`]. Incoming webhooks live at `/services/T…/B…/…` ([`webhook`]).
//! Blocks are checked against Slack's limits ([`blocks`]); every Web API
//! request and answer against Slack's OpenAPI spec ([`spec`]), and what
//! breaks it is in [`SlackService::violations`], which tests assert empty.

pub mod api;
pub mod blocks;
pub mod files;
pub mod limits;
pub mod spec;
#[cfg(test)]
mod tests;
pub mod webhook;

use std::ops::Deref;

use serde_json::{json, Map, Value};

use crate::chat::{Author, Channel, Message, Seen, Service, Stamp, Store, Webhook};
pub use api::{Param, Place, SlackRequest, ALL_SCOPES};
pub use files::File;
pub use limits::Regime;

/// The bot token the stand-in accepts unless started with another.
pub const BOT_TOKEN: &str = "xoxb-1111-2222-StandInSecretToken";
/// The channel that exists (with the bot in it) from the start.
pub const CHANNEL: &str = "C0ALERTS01";
/// The bot's user id (author of what the flavor posts).
pub const BOT_USER: &str = "U0ALERTER";
/// The bot's bot id.
pub const BOT_ID: &str = "B0ALERTER";
/// Path of the incoming webhook that exists from the start (posts to [`CHANNEL`]).
pub const WEBHOOK_PATH: &str = "/services/T0STANDIN/B0STANDIN/xWebhookSecret42";

/// One message in a channel, the way Slack describes it.
#[derive(Debug, Clone)]
pub struct SlackMessage {
    /// Its ts, e.g. `1700000000.000100`.
    pub ts: String,
    /// Author user id (humans and the bot user; none for webhook posts).
    pub user: Option<String>,
    /// Set for bot messages.
    pub bot_id: Option<String>,
    /// `bot_message` for webhook posts, `None` for ordinary messages.
    pub subtype: Option<String>,
    /// Text.
    pub text: String,
    /// Parent ts when in a thread.
    pub thread_ts: Option<String>,
    /// Blocks, when given.
    pub blocks: Option<Value>,
    /// The ids of the files shared with it.
    pub files: Vec<String>,
    /// It was changed with `chat.update`.
    pub edited: bool,
}

impl From<&Message> for SlackMessage {
    fn from(m: &Message) -> Self {
        SlackMessage {
            ts: m.id.clone(),
            user: (!m.author.id.is_empty()).then(|| m.author.id.clone()),
            bot_id: m.extra_str("bot_id").map(str::to_string),
            subtype: m.extra_str("subtype").map(str::to_string),
            text: m.text.clone(),
            thread_ts: m.thread.clone(),
            blocks: m.extra.get("blocks").cloned(),
            files: m
                .extra
                .get("files")
                .and_then(Value::as_array)
                .map(|ids| ids.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default(),
            edited: m.extra.contains_key("edited"),
        }
    }
}

/// A Slack ts from a stamp: seconds and microseconds.
pub(crate) fn ts(stamp: Stamp) -> String {
    format!("{}.{:06}", stamp.at_us / 1_000_000, stamp.at_us % 1_000_000)
}

/// The running stand-in; the shared helpers come from [`Service`].
#[derive(Clone)]
pub struct SlackService {
    service: Service<api::SlackApi>,
}

impl Deref for SlackService {
    type Target = Service<api::SlackApi>;
    fn deref(&self) -> &Self::Target {
        &self.service
    }
}

impl SlackService {
    /// Starts the stand-in on 127.0.0.1 (ephemeral port), accepting [`BOT_TOKEN`].
    pub fn start() -> SlackService {
        Self::start_with_token(BOT_TOKEN)
    }

    /// Starts the stand-in accepting bot token `token`.
    pub fn start_with_token(token: &str) -> SlackService {
        let mut store = Store::new(ts);
        store.add_channel(Channel::with_bot(CHANNEL));
        let (id, token_part) = WEBHOOK_PATH.trim_start_matches("/services/").rsplit_once('/').expect("webhook path");
        store.add_webhook(Webhook { id: id.into(), token: token_part.into(), channel: CHANNEL.into() });
        SlackService { service: Service::start(api::SlackApi::new(token), store) }
    }

    /// The Web API base URL, for the `api_base` setting.
    pub fn api_base(&self) -> String {
        format!("{}/api", self.origin())
    }

    /// The URL of the webhook that exists from the start.
    pub fn webhook_url(&self) -> String {
        format!("{}{WEBHOOK_PATH}", self.origin())
    }

    /// `alerter register ops ...` arguments for a bot-mode alerter of
    /// `flavor` on this stand-in (channel [`CHANNEL`], API host granted).
    pub fn bot_args(&self, flavor: &str, token: &str) -> Vec<String> {
        crate::cli::args(&[
            "register",
            "ops",
            "--flavor",
            flavor,
            "--set",
            &format!("token={token}"),
            "--set",
            &format!("channel_id={CHANNEL}"),
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

    /// The bot token accepted.
    pub fn token(&self) -> String {
        self.api().token.clone()
    }

    /// Adds a channel with the bot in it.
    pub fn add_channel(&self, id: &str) {
        self.state().store.add_channel(Channel::with_bot(id));
    }

    /// Adds a channel the bot is not a member of (posting gives `not_in_channel`).
    pub fn add_channel_without_bot(&self, id: &str) {
        self.state().store.add_channel(Channel { bot_member: false, ..Channel::with_bot(id) });
    }

    fn post(
        &self,
        channel: &str,
        author: Author,
        text: &str,
        thread_ts: Option<&str>,
        extra: Map<String, Value>,
    ) -> String {
        assert!(self.state().store.channel(channel).is_some(), "no channel {channel}");
        self.say_as(channel, &author, text, thread_ts, extra)
    }

    /// A human posts `text` at top level in `channel`; returns its ts.
    pub fn say(&self, channel: &str, user: &str, text: &str) -> String {
        self.post(channel, Author::human(user, user), text, None, Map::new())
    }

    /// A human replies `text` in the thread of `thread_ts`; returns its ts.
    pub fn say_in_thread(&self, channel: &str, thread_ts: &str, user: &str, text: &str) -> String {
        self.post(channel, Author::human(user, user), text, Some(thread_ts), Map::new())
    }

    /// Another bot (`bot_id`) posts `text`, at top level or in a thread.
    pub fn bot_says(&self, channel: &str, bot_id: &str, text: &str, thread_ts: Option<&str>) -> String {
        let extra = json!({"bot_id": bot_id}).as_object().cloned().unwrap_or_default();
        self.post(channel, Author::bot("U0OTHERBOT", "other bot"), text, thread_ts, extra)
    }

    /// The messages of `channel`, oldest first.
    pub fn messages(&self, channel: &str) -> Vec<SlackMessage> {
        self.channel_messages(channel).iter().map(SlackMessage::from).collect()
    }

    /// `user` reacts with `name` (no colons: `+1`, `white_check_mark`) to
    /// message `ts`, as a person does in Slack.
    pub fn react(&self, channel: &str, ts: &str, user: &str, name: &str) {
        assert!(api::valid_reaction_name(name), "not a reaction name: {name}");
        let mut state = self.state();
        if let Err(code) = api::add_reaction(&mut state.store, channel, ts, user, name) {
            panic!("cannot react {name} to {channel}:{ts}: {code}");
        }
    }

    /// The reactions on message `ts`: (name, users), in the order added.
    pub fn reactions(&self, channel: &str, ts: &str) -> Vec<(String, Vec<String>)> {
        let state = self.state();
        let Some(m) = state.store.find(channel, ts) else { return Vec::new() };
        let list = m.extra.get("reactions").and_then(Value::as_array).cloned().unwrap_or_default();
        list.iter()
            .map(|r| {
                let users = r["users"].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_string);
                (r["name"].as_str().unwrap_or_default().to_string(), users.collect())
            })
            .collect()
    }

    /// Applies `regime`'s limits from now on.
    pub fn set_regime(&self, regime: Regime) {
        self.api().workspace().limiter.regime = regime;
    }

    /// Makes "a minute" of the rate limits last `minute` (every window
    /// scales with it), so a one-a-minute limit can be watched in a test.
    pub fn set_minute(&self, minute: std::time::Duration) {
        self.api().workspace().limiter.minute = minute;
    }

    /// Takes `scope` away from the bot token: methods that need it answer
    /// `missing_scope`.
    pub fn revoke_scope(&self, scope: &str) {
        self.api().workspace().scopes.remove(scope);
    }

    /// Archives `channel`: posting there fails (`is_archived`, webhook
    /// `channel_is_archived`), reading still works.
    pub fn archive(&self, channel: &str) {
        self.api().workspace().archived.insert(channel.to_string());
    }

    /// Disables the webhook that exists from the start (its app was
    /// removed): it answers `404 no_service`.
    pub fn disable_webhook(&self) {
        let id = WEBHOOK_PATH.trim_start_matches("/services/").rsplit_once('/').expect("webhook path").0;
        self.api().workspace().disabled_hooks.insert(id.to_string());
    }

    /// Every file announced with `files.getUploadURLExternal`, in id order.
    pub fn files(&self) -> Vec<File> {
        self.api().workspace().files.all()
    }

    /// Why requests or answers broke Slack's spec (empty when all were
    /// fine): checked for every Web API request, upload and answer,
    /// including injected faults.
    pub fn violations(&self) -> Vec<String> {
        let mut all = self.state().violations.clone();
        all.extend(self.api().workspace().violations.iter().cloned());
        all
    }

    /// The message `ts` of `channel`, the way Slack describes it.
    pub fn message(&self, channel: &str, ts: &str) -> Option<SlackMessage> {
        self.state().store.find(channel, ts).map(SlackMessage::from)
    }

    /// The parameters of every `chat.postMessage` answered ok, as JSON objects.
    pub fn posted(&self) -> Vec<Value> {
        self.seen_op("chat.postMessage")
            .iter()
            .filter(|s| s.status == 200 && s.error.is_none())
            .map(Seen::params_json)
            .collect()
    }

    /// The JSON payloads of every webhook post answered ok.
    pub fn webhook_posts(&self) -> Vec<Value> {
        self.seen_op("webhook").iter().filter(|s| s.status == 200).filter_map(Seen::json).collect()
    }
}
