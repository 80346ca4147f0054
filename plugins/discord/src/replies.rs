//! Listing the answers to a posted message.
//!
//! Two places hold answers: the channel after the question (read with
//! `GET /channels/{channel}/messages?after=...&limit=100`) and the thread
//! started from the question, whose channel id is the question's message
//! id (`GET /channels/{question}/messages?...`; 404 Unknown Channel simply
//! means nobody started a thread yet). Discord lists newest first even with
//! `after`; the replies are merged and sorted oldest first.
//!
//! A reply counts as answering the question (`in-thread`) when it was
//! posted in the question's thread or is a Discord reply whose
//! `message_reference` points at the question.
//!
//! The cursor is `TOP:THREAD`, the newest message id seen in each place, so
//! the next call asks Discord only for newer messages.

use alerter_sdk::{FlavorError, RepliesPage, Reply, ReplyKind};
use serde::Deserialize;

use crate::api::{self, Api, Context};

/// At most this many messages per place and call (Discord's maximum).
const PAGE: usize = 100;

#[derive(Deserialize)]
pub(crate) struct Msg {
    id: String,
    #[serde(default, rename = "type")]
    kind: Option<u32>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    author: Option<Author>,
    #[serde(default)]
    message_reference: Option<Reference>,
    #[serde(default)]
    webhook_id: Option<String>,
}

#[derive(Deserialize)]
struct Author {
    #[serde(default)]
    id: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    global_name: Option<String>,
    #[serde(default)]
    bot: Option<bool>,
    #[serde(default)]
    system: Option<bool>,
}

#[derive(Deserialize)]
struct Reference {
    #[serde(default)]
    message_id: Option<String>,
}

/// Where the previous call stopped.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cursor {
    top: String,
    thread: String,
}

impl Cursor {
    fn start(question: &str) -> Cursor {
        Cursor { top: question.to_string(), thread: question.to_string() }
    }

    fn parse(text: &str) -> Option<Cursor> {
        let (top, thread) = text.split_once(':')?;
        (api::is_snowflake(top) && api::is_snowflake(thread))
            .then(|| Cursor { top: top.to_string(), thread: thread.to_string() })
    }

    fn render(&self) -> String {
        format!("{}:{}", self.top, self.thread)
    }
}

/// Lists replies to message `question` in `channel` after `cursor`.
pub fn list(api: &Api<'_>, channel: &str, question: &str, cursor: Option<&str>) -> Result<RepliesPage, FlavorError> {
    let mut at = match cursor {
        Some(c) => Cursor::parse(c).ok_or_else(|| {
            FlavorError::Internal(format!("`{c}` is not a cursor of the discord flavor (TOP:THREAD)"))
        })?,
        None => Cursor::start(question),
    };

    let top = fetch(api, channel, &at.top, false)?.unwrap_or_default();
    // The thread started from the question has the question's id.
    let thread = fetch(api, question, &at.thread, true)?.unwrap_or_default();

    if let Some(max) = newest(&top) {
        at.top = max;
    }
    if let Some(max) = newest(&thread) {
        at.thread = max;
    }
    let mut replies: Vec<(u64, Reply)> = Vec::new();
    for (msgs, in_thread) in [(top, false), (thread, true)] {
        for m in msgs {
            if let Some(r) = to_reply(m, question, in_thread) {
                replies.push(r);
            }
        }
    }
    replies.sort_by_key(|(n, _)| *n);
    Ok(RepliesPage {
        replies: replies.into_iter().map(|(_, r)| r).collect(),
        cursor: Some(at.render()),
        notices: Vec::new(),
    })
}

/// One page of `channel`'s messages after `after`; `None` when the channel
/// does not exist and `missing_ok` (a thread nobody started).
fn fetch(api: &Api<'_>, channel: &str, after: &str, missing_ok: bool) -> Result<Option<Vec<Msg>>, FlavorError> {
    let resp = api.request("GET", &format!("/channels/{channel}/messages?after={after}&limit={PAGE}")).send()?;
    if missing_ok && resp.status == 404 {
        return Ok(None);
    }
    let resp = api::check(resp, Context { channel: Some(channel), webhook: false })?;
    let msgs: Option<Vec<Msg>> = resp.json()?;
    Ok(Some(msgs.unwrap_or_default()))
}

fn id_num(id: &str) -> u64 {
    id.parse().unwrap_or(0)
}

fn newest(msgs: &[Msg]) -> Option<String> {
    msgs.iter().filter(|m| api::is_snowflake(&m.id)).max_by_key(|m| id_num(&m.id)).map(|m| m.id.clone())
}

/// A user's message as a reply; `None` for system messages (pins, thread
/// starters, joins ...).
pub(crate) fn to_reply(m: Msg, question: &str, in_thread: bool) -> Option<(u64, Reply)> {
    // 0 DEFAULT and 19 REPLY are what people type.
    if !matches!(m.kind.unwrap_or(0), 0 | 19) {
        return None;
    }
    let author = m.author?;
    let replies_to_question = m.message_reference.as_ref().and_then(|r| r.message_id.as_deref()) == Some(question);
    let name = author
        .global_name
        .filter(|n| !n.is_empty())
        .or(author.username.filter(|n| !n.is_empty()))
        .unwrap_or_else(|| author.id.clone());
    let n = id_num(&m.id);
    Some((
        n,
        Reply {
            author_id: author.id,
            author_name: name,
            is_bot: author.bot == Some(true) || author.system == Some(true) || m.webhook_id.is_some(),
            text: m.content.unwrap_or_default(),
            bot_mentions: Vec::new(),
            kind: ReplyKind::Message,
            in_thread: in_thread || replies_to_question,
            posted_at_ms: api::snowflake_ms(&m.id),
            id: m.id,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors() {
        assert_eq!(Cursor::parse("1:2"), Some(Cursor { top: "1".into(), thread: "2".into() }));
        assert_eq!(Cursor::parse("1"), None);
        assert_eq!(Cursor::parse("a:2"), None);
        assert_eq!(Cursor::start("5").render(), "5:5");
    }

    fn msg(json: &str) -> Msg {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn replies_from_messages() {
        let m = msg(
            r#"{"id": "200", "type": 19, "content": "yes", "author": {"id": "7", "username": "ann", "global_name": "Ann"},
                        "message_reference": {"message_id": "100", "channel_id": "1"}}"#,
        );
        let (_, r) = to_reply(m, "100", false).unwrap();
        assert_eq!((r.author_id.as_str(), r.author_name.as_str(), r.text.as_str()), ("7", "Ann", "yes"));
        assert!(r.in_thread && !r.is_bot);

        let m =
            msg(r#"{"id": "201", "type": 0, "content": "no", "author": {"id": "8", "username": "bob", "bot": true}}"#);
        let (_, r) = to_reply(m, "100", false).unwrap();
        assert!(!r.in_thread && r.is_bot);
        assert_eq!(r.author_name, "bob");

        let starter = msg(r#"{"id": "202", "type": 21, "content": "", "author": {"id": "8", "username": "bob"}}"#);
        assert!(to_reply(starter, "100", true).is_none());
    }
}
