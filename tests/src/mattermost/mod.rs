//! Mattermost stand-in (REST API v4 and incoming webhooks), on the shared
//! [`crate::chat`] core.
//!
//! Serves what the flavor uses the way a Mattermost server does ([`api`]):
//! `POST /api/v4/posts` (201 and the post; `root_id` threads; 16383
//! characters at most), `GET /api/v4/posts/{id}/thread` and
//! `GET /api/v4/channels/{id}/posts?since=MS` (a `PostList`: `order` and
//! `posts`), `PUT /api/v4/posts/{id}/patch`, `GET /api/v4/posts/{id}/reactions`,
//! `GET /api/v4/users/{id|me}`, `POST /api/v4/users/ids` and file uploads
//! (`POST /api/v4/files`, multipart). Post ids are 26 lowercase letters and
//! digits; times are Unix milliseconds that only grow. The token comes from
//! `Authorization: Bearer`. Errors are Mattermost's `AppError` bodies,
//! `{"id", "message", "detailed_error", "request_id", "status_code"}`: 401
//! `api.context.session_expired.app_error`, 403
//! `api.context.permissions.app_error` (the bot is not in the channel), 404
//! `app.channel.get.existing.app_error`, 400 `model.post.is_valid.msg.app_error`
//! (too long). A rate limit answers 429 `limit exceeded` with `Retry-After`
//! and `X-Ratelimit-Limit/Remaining/Reset`, as Mattermost's limiter does.
//! Incoming webhooks live at `/hooks/{key}` ([`webhook`]).
//!
//! Every request to the API is checked against the vendored OpenAPI
//! description (tests/specs/mattermost, [`spec`]) inside the stand-in;
//! violations land in [`crate::chat::Service::violations`], which the tests
//! assert empty.

pub mod api;
pub mod spec;
#[cfg(test)]
mod tests;
pub mod webhook;

use std::ops::Deref;

use serde_json::{json, Map, Value};

use crate::chat::{Author, Channel, Service, Stamp, Store, Webhook};

/// The bot's access token the stand-in accepts.
pub const TOKEN: &str = "xq7mattermostbotsecrettoken1";
/// The bot user's id (author of what the flavor posts).
pub const BOT_USER_ID: &str = "b0tuser0000000000000000001";
/// The bot user's name (`@alerter` mentions it).
pub const BOT_USERNAME: &str = "alerter";
/// The channel that exists (with the bot in it) from the start.
pub const CHANNEL: &str = "c0alerts000000000000000001";
/// The key of the incoming webhook that exists from the start (posts to [`CHANNEL`]).
pub const HOOK_KEY: &str = "h00kkey0secret000000000042";

/// A post id from a stamp: 26 lowercase letters and digits, growing.
fn post_id(stamp: Stamp) -> String {
    format!("p{:025}", stamp.seq)
}

/// The running stand-in; the shared helpers come from [`Service`].
#[derive(Clone)]
pub struct MattermostService {
    service: Service<api::MattermostApi>,
}

impl Deref for MattermostService {
    type Target = Service<api::MattermostApi>;
    fn deref(&self) -> &Self::Target {
        &self.service
    }
}

impl MattermostService {
    /// Starts the stand-in on 127.0.0.1 (ephemeral port), accepting [`TOKEN`].
    pub fn start() -> MattermostService {
        let mut store = Store::new(post_id).with_tick_us(1000);
        store.add_channel(Channel::with_bot(CHANNEL));
        store.add_webhook(Webhook { id: HOOK_KEY.into(), token: HOOK_KEY.into(), channel: CHANNEL.into() });
        MattermostService { service: Service::start(api::MattermostApi { token: TOKEN.to_string() }, store) }
    }

    /// The server's base URL, for the `url` setting.
    pub fn url(&self) -> String {
        self.origin()
    }

    /// The URL of the webhook that exists from the start.
    pub fn webhook_url(&self) -> String {
        format!("{}/hooks/{HOOK_KEY}", self.origin())
    }

    /// `alerter register ops ...` arguments for a bot-mode alerter of the
    /// built-in flavor on this stand-in (channel [`CHANNEL`], origin granted).
    pub fn bot_args(&self) -> Vec<String> {
        crate::cli::args(&[
            "register",
            "ops",
            "--flavor",
            "mattermost",
            "--set",
            &format!("url={}", self.url()),
            "--set",
            &format!("token={TOKEN}"),
            "--set",
            &format!("channel_id={CHANNEL}"),
            "--allow-host",
            &self.origin(),
        ])
    }

    /// `alerter register hook ...` arguments for a webhook-mode alerter.
    pub fn webhook_args(&self) -> Vec<String> {
        crate::cli::args(&[
            "register",
            "hook",
            "--flavor",
            "mattermost",
            "--set",
            &format!("webhook_url={}", self.webhook_url()),
            "--allow-host",
            &self.origin(),
        ])
    }

    /// Adds a channel with the bot in it.
    pub fn add_channel(&self, id: &str) {
        self.state().store.add_channel(Channel::with_bot(id));
    }

    /// Adds a channel the bot is not a member of (posting gives 403).
    pub fn add_channel_without_bot(&self, id: &str) {
        self.state().store.add_channel(Channel { bot_member: false, ..Channel::with_bot(id) });
    }

    /// A person (user id `user`, username the same) posts `text` in
    /// `channel`, in the thread of `root` when given; returns the post id.
    pub fn say(&self, channel: &str, user: &str, text: &str, root: Option<&str>) -> String {
        self.say_as(channel, &Author::human(user, user), text, root, Map::new())
    }

    /// Another bot posts `text` (with `props.from_bot`).
    pub fn bot_says(&self, channel: &str, text: &str, root: Option<&str>) -> String {
        let extra = json!({"props": {"from_bot": "true"}}).as_object().cloned().unwrap_or_default();
        self.say_as(channel, &Author::bot("otherbot000000000000000001", "otherbot"), text, root, extra)
    }

    /// `user` reacts to `post` with `emoji` (a name without colons).
    pub fn react(&self, post: &str, user: &str, emoji: &str) {
        let mut state = self.state();
        let at = state.store.stamp().at_us / 1000;
        let m = state.store.find_mut(post).unwrap_or_else(|| panic!("no post {post}"));
        let reactions = m.extra.entry("reactions").or_insert_with(|| json!([]));
        if let Some(list) = reactions.as_array_mut() {
            list.push(json!({"user_id": user, "post_id": post, "emoji_name": emoji, "create_at": at}));
        }
    }

    /// The posts of `channel` as the API returns them, oldest first.
    pub fn posts(&self, channel: &str) -> Vec<Value> {
        self.channel_messages(channel).iter().map(api::post_json).collect()
    }

    /// The JSON bodies of every `CreatePost` answered 201.
    pub fn created(&self) -> Vec<Value> {
        self.seen_op("CreatePost").iter().filter(|s| s.status == 201).filter_map(|s| s.json()).collect()
    }
}
