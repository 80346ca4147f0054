//! Listing the answers to a posted message.
//!
//! Three reads per call: the question's thread (`GET /posts/{id}/thread`,
//! which also gives the question's `create_at`), the channel's posts since
//! the last call (`GET /channels/{id}/posts?since=MS`, top-level ones
//! count), and the reactions on the question (`GET /posts/{id}/reactions`).
//! Authors' names come from `POST /users/ids` (ids when that fails).
//!
//! Bots are marked: the token's own user (`GET /users/me`, asked once and
//! kept in the cursor) and posts with `props.from_bot` or
//! `props.from_webhook`. System messages (a non-empty `type`: joins,
//! header changes) and deleted posts never count. `@username` of the bot
//! is a mention the host strips before matching.
//!
//! The cursor is `MS|IDS|ME|USERNAME`: the newest `create_at` reported, the
//! ids reported at that very millisecond (so a post in the same millisecond
//! is not lost), and the bot's user id and name.

use std::collections::{BTreeMap, HashMap};

use alerter_sdk::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::Api;

/// A post, as the API describes it (the fields used here).
#[derive(Debug, Clone, Deserialize)]
pub struct Post {
    /// Its id.
    pub id: String,
    /// Created, ms since the epoch.
    #[serde(default)]
    pub create_at: u64,
    #[serde(default)]
    delete_at: u64,
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    root_id: String,
    #[serde(default)]
    message: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    props: Value,
}

/// `{order, posts}`.
#[derive(Deserialize)]
struct PostList {
    #[serde(default)]
    posts: HashMap<String, Post>,
}

#[derive(Deserialize)]
struct User {
    id: String,
    #[serde(default)]
    username: String,
}

#[derive(Deserialize)]
struct Reaction {
    user_id: String,
    emoji_name: String,
    #[serde(default)]
    create_at: u64,
}

/// Where the previous call stopped, and who the bot is.
#[derive(Debug, PartialEq)]
struct Cursor {
    ms: u64,
    ids: Vec<String>,
    me: String,
    username: String,
}

impl Cursor {
    fn parse(text: &str) -> Option<Cursor> {
        let mut parts = text.split('|');
        let ms = parts.next()?.parse().ok()?;
        let ids = parts.next()?.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect();
        let (me, username) = (parts.next()?.to_string(), parts.next()?.to_string());
        parts.next().is_none().then_some(Cursor { ms, ids, me, username })
    }

    fn render(&self) -> String {
        format!("{}|{}|{}|{}", self.ms, self.ids.join(","), self.me, self.username)
    }

    /// Not reported yet.
    fn is_new(&self, p: &Post) -> bool {
        p.create_at > self.ms || (p.create_at == self.ms && !self.ids.contains(&p.id))
    }
}

/// Lists what was posted after the question `post_id` in `channel` and in
/// its thread since `cursor`, then the reactions on it.
pub fn list(api: &Api<'_>, channel: &str, post_id: &str, cursor: Option<&str>) -> Result<RepliesPage, FlavorError> {
    let mut cursor = match cursor {
        Some(c) => Cursor::parse(c).ok_or_else(|| FlavorError::Internal(format!("malformed replies cursor `{c}`")))?,
        None => {
            let me: User = api.get("/users/me")?;
            Cursor { ms: 0, ids: Vec::new(), me: me.id, username: me.username }
        }
    };
    let thread: PostList = api.get(&format!("/posts/{post_id}/thread"))?;
    let question = thread.posts.get(post_id).ok_or_else(|| {
        FlavorError::Internal(format!("the thread of {post_id} does not contain the question itself"))
    })?;
    cursor.ms = cursor.ms.max(question.create_at);
    let recent: PostList = api.get(&format!("/channels/{channel}/posts?since={}", cursor.ms))?;

    // In the thread, or at top level after the question; once each.
    let mut posts: BTreeMap<(u64, String), (Post, bool)> = BTreeMap::new();
    let in_thread = thread.posts.values().filter(|p| p.root_id == post_id).map(|p| (p, true));
    let top_level = recent.posts.values().filter(|p| p.root_id.is_empty()).map(|p| (p, false));
    for (p, in_thread) in in_thread.chain(top_level) {
        if p.id != post_id && p.delete_at == 0 && p.kind.is_empty() && cursor.is_new(p) {
            posts.entry((p.create_at, p.id.clone())).or_insert_with(|| (p.clone(), in_thread));
        }
    }
    let reactions: Option<Vec<Reaction>> = api.get(&format!("/posts/{post_id}/reactions"))?;
    let reactions = reactions.unwrap_or_default();

    let names =
        names(api, posts.values().map(|(p, _)| &p.user_id).chain(reactions.iter().map(|r| &r.user_id)), &cursor);
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let mention = format!("@{}", cursor.username);
    let mut replies: Vec<Reply> = posts
        .values()
        .map(|(p, in_thread)| Reply {
            author_id: p.user_id.clone(),
            author_name: name(&p.user_id),
            is_bot: p.user_id == cursor.me || flag(&p.props, "from_bot") || flag(&p.props, "from_webhook"),
            bot_mentions: if cursor.username.is_empty() || !p.message.contains(&mention) {
                Vec::new()
            } else {
                vec![mention.clone()]
            },
            text: p.message.clone(),
            in_thread: *in_thread,
            id: p.id.clone(),
            posted_at_ms: Some(p.create_at),
            ..Reply::default()
        })
        .collect();
    replies.extend(reactions.iter().map(|r| Reply {
        author_id: r.user_id.clone(),
        author_name: name(&r.user_id),
        is_bot: r.user_id == cursor.me,
        text: r.emoji_name.clone(),
        kind: ReplyKind::Reaction,
        id: format!("{}:{}", r.user_id, r.emoji_name),
        posted_at_ms: Some(r.create_at),
        ..Reply::default()
    }));

    if let Some(((last_ms, _), _)) = posts.last_key_value() {
        let last_ms = *last_ms;
        if last_ms > cursor.ms {
            cursor.ids.clear();
        }
        cursor.ms = last_ms;
        cursor.ids.extend(posts.keys().filter(|(ms, _)| *ms == last_ms).map(|(_, id)| id.clone()));
    }
    Ok(RepliesPage { replies, cursor: Some(cursor.render()), notices: Vec::new() })
}

/// `props[key]` is `true` or `"true"` (Mattermost stores both).
fn flag(props: &Value, key: &str) -> bool {
    matches!(&props[key], Value::Bool(true)) || props[key].as_str() == Some("true")
}

/// User names by id (one `POST /users/ids`); empty when it fails: the ids
/// then stand for the names.
fn names<'p>(api: &Api<'_>, ids: impl Iterator<Item = &'p String>, cursor: &Cursor) -> HashMap<String, String> {
    let mut wanted: Vec<&String> = ids.filter(|id| !id.is_empty() && **id != cursor.me).collect();
    wanted.sort();
    wanted.dedup();
    if wanted.is_empty() {
        return HashMap::new();
    }
    match api.send_json::<Vec<User>>("POST", "/users/ids", &json!(wanted)) {
        Ok(users) => users.into_iter().map(|u| (u.id, u.username)).collect(),
        Err(e) => {
            log::debug(&format!("no user names: {e:?}"));
            HashMap::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let c = Cursor {
            ms: 1700000000123,
            ids: vec!["a".into(), "b".into()],
            me: "bot1".into(),
            username: "alerter".into(),
        };
        assert_eq!(Cursor::parse(&c.render()), Some(c));
        assert_eq!(Cursor::parse("5||me|name").map(|c| c.ids.len()), Some(0));
        assert_eq!(Cursor::parse("x|a|b|c"), None);
        assert_eq!(Cursor::parse("5|a|b"), None);
    }

    #[test]
    fn posts_in_the_same_millisecond_are_not_lost() {
        let c = Cursor { ms: 10, ids: vec!["a".into()], me: String::new(), username: String::new() };
        let post = |id: &str, at| Post {
            id: id.into(),
            create_at: at,
            delete_at: 0,
            user_id: String::new(),
            root_id: String::new(),
            message: String::new(),
            kind: String::new(),
            props: Value::Null,
        };
        assert!(!c.is_new(&post("a", 10)));
        assert!(c.is_new(&post("b", 10)));
        assert!(!c.is_new(&post("c", 9)));
        assert!(c.is_new(&post("d", 11)));
    }
}
