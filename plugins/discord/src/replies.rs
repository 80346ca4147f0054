//! Listing the answers to a posted message: replies, reactions, and what
//! Discord hid.
//!
//! One poll reads, in order:
//!
//! 1. the question itself (`GET /channels/{channel}/messages/{question}`):
//!    its author is the bot (whose mentions [`Reply::bot_mentions`] names),
//!    its `reactions` give the emoji and counts, and its thread (flag
//!    `HAS_THREAD` or a `thread` object) says whether there is a thread to
//!    read;
//! 2. the channel after the cursor (`GET
//!    /channels/{channel}/messages?after=...&limit=100`; Discord lists
//!    newest first even with `after`);
//! 3. the thread started from the question, only when there is one (its
//!    channel id is the question's id);
//! 4. for each emoji whose count changed since the last poll, who reacted
//!    (`GET .../reactions/{emoji}?limit=100`, the emoji percent-encoded,
//!    super reactions with `type=1`), unless that route's bucket is empty:
//!    then the emoji waits for the next poll.
//!
//! Replies come oldest first, then reactions (text: the emoji itself, `👍`,
//! or a custom emoji's name). A reply counts as answering the question
//! (`in-thread`) when it was posted in the question's thread or is a
//! Discord reply whose `message_reference` points at the question.
//!
//! **The Message Content intent.** Without it Discord empties `content`,
//! `embeds`, `attachments` and `components` of other people's messages,
//! except messages that mention the bot (a Reply with its mention on counts)
//! and DMs (gateway docs, "Message Content Intent"). A person's reply with
//! none of these and no mention of the bot was hidden that way: the page
//! carries [`notice`] once, saying what to enable or how to answer instead.
//!
//! The cursor is `TOP:THREAD[:REACTIONS]`: the newest message id seen in
//! each place, and `emoji=count` pairs (percent-encoded, comma-separated) of
//! the reactions already listed.

use alerter_sdk::{percent_encode, FlavorError, RepliesPage, Reply, ReplyKind};
use serde::Deserialize;
use serde_json::Value;

use crate::api::{self, Api, Context, Doing};

/// At most this many messages per place and call (Discord's maximum).
const PAGE: usize = 100;
/// Users per reactions page (Discord's maximum).
const USERS_PAGE: usize = 100;
/// Pages of users per emoji and poll.
const USER_PAGES: usize = 5;
/// `HAS_THREAD` message flag.
const HAS_THREAD: u64 = 1 << 5;

#[derive(Deserialize)]
pub(crate) struct Msg {
    id: String,
    #[serde(default, rename = "type")]
    kind: Option<u32>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    author: Option<User>,
    #[serde(default)]
    message_reference: Option<Reference>,
    #[serde(default)]
    webhook_id: Option<String>,
    #[serde(default)]
    mentions: Vec<User>,
    #[serde(default)]
    embeds: Vec<Value>,
    #[serde(default)]
    attachments: Vec<Value>,
    #[serde(default)]
    components: Vec<Value>,
    #[serde(default)]
    sticker_items: Vec<Value>,
    #[serde(default)]
    poll: Option<Value>,
    #[serde(default)]
    reactions: Vec<Reaction>,
    #[serde(default)]
    flags: Option<u64>,
    #[serde(default)]
    thread: Option<Value>,
}

#[derive(Deserialize)]
struct User {
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

impl User {
    fn shown_name(&self) -> String {
        [&self.global_name, &self.username]
            .into_iter()
            .flatten()
            .find(|n| !n.is_empty())
            .cloned()
            .unwrap_or_else(|| self.id.clone())
    }

    fn is_bot(&self) -> bool {
        self.bot == Some(true) || self.system == Some(true)
    }
}

#[derive(Deserialize)]
struct Reference {
    #[serde(default)]
    message_id: Option<String>,
}

#[derive(Deserialize)]
struct Reaction {
    #[serde(default)]
    count: u64,
    #[serde(default)]
    count_details: Option<CountDetails>,
    #[serde(default)]
    me: bool,
    #[serde(default)]
    me_burst: bool,
    emoji: Emoji,
}

#[derive(Deserialize, Default)]
struct CountDetails {
    #[serde(default)]
    burst: u64,
}

#[derive(Deserialize)]
struct Emoji {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

impl Emoji {
    /// The emoji as the reactions route names it (`👍`, or `name:id` for a
    /// custom emoji), and as a reply's text (`👍`, `name`).
    fn route_and_text(&self) -> Option<(String, String)> {
        let name = self.name.as_deref().filter(|n| !n.is_empty())?;
        Some(match self.id.as_deref().filter(|i| api::is_snowflake(i)) {
            Some(id) => (format!("{name}:{id}"), name.to_string()),
            None => (name.to_string(), name.to_string()),
        })
    }
}

/// Where the previous call stopped.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cursor {
    top: String,
    thread: String,
    /// (percent-encoded emoji, count) already listed.
    reactions: Vec<(String, u64)>,
}

impl Cursor {
    fn start(question: &str) -> Cursor {
        Cursor { top: question.to_string(), thread: question.to_string(), reactions: Vec::new() }
    }

    fn parse(text: &str) -> Option<Cursor> {
        let mut parts = text.splitn(3, ':');
        let (top, thread) = (parts.next()?, parts.next()?);
        if !(api::is_snowflake(top) && api::is_snowflake(thread)) {
            return None;
        }
        let mut reactions = Vec::new();
        for pair in parts.next().unwrap_or("").split(',').filter(|p| !p.is_empty()) {
            let (emoji, count) = pair.split_once('=')?;
            reactions.push((emoji.to_string(), count.parse().ok()?));
        }
        Some(Cursor { top: top.to_string(), thread: thread.to_string(), reactions })
    }

    fn render(&self) -> String {
        let mut out = format!("{}:{}", self.top, self.thread);
        if !self.reactions.is_empty() {
            let pairs: Vec<String> = self.reactions.iter().map(|(e, n)| format!("{e}={n}")).collect();
            out.push(':');
            out.push_str(&pairs.join(","));
        }
        out
    }

    fn seen(&self, emoji: &str) -> Option<u64> {
        self.reactions.iter().find(|(e, _)| e == emoji).map(|(_, n)| *n)
    }
}

/// What to do when Discord hides replies' text; `bot` is the bot's name.
pub fn notice(bot: &str) -> String {
    format!(
        "Discord hides the text of replies from this bot because its application lacks the Message Content intent: \
         enable it (Discord Developer Portal → your application → Bot → Privileged Gateway Intents → Message Content Intent), \
         or answer by mentioning the bot (`@{bot} approve`), with Discord's Reply on the question (mention left on), or with a 👍 or 👎 reaction"
    )
}

/// Lists replies and reactions to message `question` in `channel` after
/// `cursor`.
pub fn list(api: &Api<'_>, channel: &str, question: &str, cursor: Option<&str>) -> Result<RepliesPage, FlavorError> {
    let mut at = match cursor {
        Some(c) => Cursor::parse(c).ok_or_else(|| {
            FlavorError::Internal(format!("`{c}` is not a cursor of the discord flavor (TOP:THREAD[:REACTIONS])"))
        })?,
        None => Cursor::start(question),
    };
    let ctx = Context { channel: Some(channel), webhook: false, doing: Doing::Read };

    let path = format!("/channels/{channel}/messages/{question}");
    let asked: Msg = api.send("GET", &path, api.request("GET", &path), ctx)?.json()?;
    let bot = asked.author.as_ref().map(|a| (a.id.clone(), a.shown_name())).unwrap_or_default();
    let has_thread = asked.thread.is_some() || asked.flags.unwrap_or(0) & HAS_THREAD != 0;

    let top = fetch(api, channel, &at.top, false)?.unwrap_or_default();
    // The thread started from the question has the question's id.
    let thread = if has_thread { fetch(api, question, &at.thread, true)?.unwrap_or_default() } else { Vec::new() };
    if let Some(max) = newest(&top) {
        at.top = max;
    }
    if let Some(max) = newest(&thread) {
        at.thread = max;
    }

    let mut hidden = 0;
    let mut replies: Vec<(u64, Reply)> = Vec::new();
    for (msgs, in_thread) in [(top, false), (thread, true)] {
        for m in msgs {
            if is_hidden(&m, &bot.0) {
                hidden += 1;
            }
            if let Some(r) = to_reply(m, question, in_thread, &bot.0) {
                replies.push(r);
            }
        }
    }
    replies.sort_by_key(|(n, _)| *n);
    let mut replies: Vec<Reply> = replies.into_iter().map(|(_, r)| r).collect();
    replies.extend(reactions(api, channel, question, &asked.reactions, &mut at)?);
    let notices = if hidden > 0 { vec![notice(&bot.1)] } else { Vec::new() };
    Ok(RepliesPage { replies, cursor: Some(at.render()), notices })
}

/// One page of `channel`'s messages after `after`; `None` when the channel
/// does not exist and `missing_ok` (a thread that was deleted).
fn fetch(api: &Api<'_>, channel: &str, after: &str, missing_ok: bool) -> Result<Option<Vec<Msg>>, FlavorError> {
    let path = format!("/channels/{channel}/messages?after={after}&limit={PAGE}");
    let resp = api.send_raw("GET", &path, api.request("GET", &path))?;
    if missing_ok && resp.status == 404 {
        return Ok(None);
    }
    let resp = api::check(resp, Context { channel: Some(channel), webhook: false, doing: Doing::Read })?;
    let msgs: Option<Vec<Msg>> = resp.json()?;
    Ok(Some(msgs.unwrap_or_default()))
}

/// The reactions on the question whose counts changed since the cursor, one
/// reply per person and emoji; the cursor learns the counts listed.
fn reactions(
    api: &Api<'_>,
    channel: &str,
    question: &str,
    on_question: &[Reaction],
    at: &mut Cursor,
) -> Result<Vec<Reply>, FlavorError> {
    let mut out = Vec::new();
    let mut listed = Vec::new();
    for r in on_question {
        let Some((route_emoji, text)) = r.emoji.route_and_text() else { continue };
        let key = percent_encode(&route_emoji);
        let before = at.seen(&key);
        let mine = u64::from(r.me) + u64::from(r.me_burst);
        if r.count <= mine || before == Some(r.count) {
            listed.push((key, r.count));
            continue;
        }
        let path = format!("/channels/{channel}/messages/{question}/reactions/{key}");
        let burst = r.count_details.as_ref().map(|d| d.burst).unwrap_or(0);
        let mut users = Vec::new();
        let mut complete = true;
        for kind in if burst > 0 { &[0, 1][..] } else { &[0][..] } {
            match reacted(api, &path, *kind, channel) {
                Ok(mut u) => users.append(&mut u),
                Err(FlavorError::RateLimited(limit)) => {
                    alerter_sdk::log::debug(&format!(
                        "reactions {text} not read this poll: {} (next poll)",
                        limit.message
                    ));
                    complete = false;
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        if !complete {
            if let Some(n) = before {
                listed.push((key, n));
            }
            continue;
        }
        for u in users {
            out.push(Reply {
                id: format!("{key}/{}", u.id),
                author_name: u.shown_name(),
                is_bot: u.is_bot(),
                author_id: u.id,
                text: text.clone(),
                bot_mentions: Vec::new(),
                kind: ReplyKind::Reaction,
                in_thread: false,
                posted_at_ms: None,
            });
        }
        listed.push((key, r.count));
    }
    at.reactions = listed;
    Ok(out)
}

/// Who reacted with the emoji of `path`, `kind` 0 normal, 1 super.
fn reacted(api: &Api<'_>, path: &str, kind: u8, channel: &str) -> Result<Vec<User>, FlavorError> {
    let ctx = Context { channel: Some(channel), webhook: false, doing: Doing::Read };
    let mut users: Vec<User> = Vec::new();
    for _ in 0..USER_PAGES {
        let mut page_path = format!("{path}?limit={USERS_PAGE}");
        if kind != 0 {
            page_path.push_str(&format!("&type={kind}"));
        }
        if let Some(last) = users.last() {
            page_path.push_str(&format!("&after={}", last.id));
        }
        let page: Vec<User> = api.send("GET", &page_path, api.request("GET", &page_path), ctx)?.json()?;
        let full = page.len() >= USERS_PAGE;
        users.extend(page);
        if !full {
            break;
        }
    }
    Ok(users)
}

fn id_num(id: &str) -> u64 {
    id.parse().unwrap_or(0)
}

fn newest(msgs: &[Msg]) -> Option<String> {
    msgs.iter().filter(|m| api::is_snowflake(&m.id)).max_by_key(|m| id_num(&m.id)).map(|m| m.id.clone())
}

/// A person's message that Discord emptied for want of the Message Content
/// intent: nothing left of it, and it does not mention the bot (which would
/// have kept its content).
fn is_hidden(m: &Msg, bot: &str) -> bool {
    let person = m.author.as_ref().is_some_and(|a| !a.is_bot() && a.id != bot) && m.webhook_id.is_none();
    person
        && matches!(m.kind.unwrap_or(0), 0 | 19)
        && m.content.as_deref().unwrap_or("").trim().is_empty()
        && m.embeds.is_empty()
        && m.attachments.is_empty()
        && m.components.is_empty()
        && m.sticker_items.is_empty()
        && m.poll.is_none()
        && !m.mentions.iter().any(|u| u.id == bot)
}

/// The mentions of the bot in `text`: `<@ID>` and `<@!ID>`.
fn bot_mentions(text: &str, bot: &str) -> Vec<String> {
    if bot.is_empty() {
        return Vec::new();
    }
    [format!("<@{bot}>"), format!("<@!{bot}>")].into_iter().filter(|t| text.contains(t.as_str())).collect()
}

/// A user's message as a reply; `None` for system messages (pins, thread
/// starters, joins ...).
pub(crate) fn to_reply(m: Msg, question: &str, in_thread: bool, bot: &str) -> Option<(u64, Reply)> {
    // 0 DEFAULT and 19 REPLY are what people type.
    if !matches!(m.kind.unwrap_or(0), 0 | 19) {
        return None;
    }
    let author = m.author?;
    let replies_to_question = m.message_reference.as_ref().and_then(|r| r.message_id.as_deref()) == Some(question);
    let text = m.content.unwrap_or_default();
    Some((
        id_num(&m.id),
        Reply {
            author_name: author.shown_name(),
            is_bot: author.is_bot() || m.webhook_id.is_some(),
            author_id: author.id,
            bot_mentions: bot_mentions(&text, bot),
            text,
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
        let plain = Cursor { top: "1".into(), thread: "2".into(), reactions: Vec::new() };
        assert_eq!(Cursor::parse("1:2"), Some(plain.clone()));
        assert_eq!(plain.render(), "1:2");
        let with = Cursor::parse("1:2:%F0%9F%91%8D=3,ship%3A99=1").unwrap();
        assert_eq!(with.reactions, [("%F0%9F%91%8D".to_string(), 3), ("ship%3A99".to_string(), 1)]);
        assert_eq!(with.render(), "1:2:%F0%9F%91%8D=3,ship%3A99=1");
        assert_eq!(Cursor::parse("1"), None);
        assert_eq!(Cursor::parse("a:2"), None);
        assert_eq!(Cursor::parse("1:2:x"), None);
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
        let (_, r) = to_reply(m, "100", false, "5").unwrap();
        assert_eq!((r.author_id.as_str(), r.author_name.as_str(), r.text.as_str()), ("7", "Ann", "yes"));
        assert!(r.in_thread && !r.is_bot);

        let m =
            msg(r#"{"id": "201", "type": 0, "content": "no", "author": {"id": "8", "username": "bob", "bot": true}}"#);
        let (_, r) = to_reply(m, "100", false, "5").unwrap();
        assert!(!r.in_thread && r.is_bot);
        assert_eq!(r.author_name, "bob");

        let starter = msg(r#"{"id": "202", "type": 21, "content": "", "author": {"id": "8", "username": "bob"}}"#);
        assert!(to_reply(starter, "100", true, "5").is_none());
    }

    #[test]
    fn mentions_of_the_bot_are_named() {
        let m = msg(r#"{"id": "200", "content": "<@5> approve <@!5> <@6>", "author": {"id": "7"}}"#);
        let (_, r) = to_reply(m, "100", false, "5").unwrap();
        assert_eq!(r.bot_mentions, ["<@5>", "<@!5>"]);
    }

    #[test]
    fn hidden_content_is_told_apart() {
        let hidden = |json: &str| is_hidden(&msg(json), "5");
        assert!(hidden(r#"{"id": "1", "content": "", "author": {"id": "7"}}"#));
        assert!(hidden(r#"{"id": "1", "type": 19, "content": "", "author": {"id": "7"}, "mentions": []}"#));
        // Mentioning the bot keeps the content: an empty one is really empty.
        assert!(!hidden(r#"{"id": "1", "content": "", "author": {"id": "7"}, "mentions": [{"id": "5"}]}"#));
        assert!(!hidden(r#"{"id": "1", "content": "yes", "author": {"id": "7"}}"#));
        assert!(!hidden(r#"{"id": "1", "content": "", "author": {"id": "7", "bot": true}}"#));
        assert!(!hidden(r#"{"id": "1", "content": "", "author": {"id": "5"}}"#));
        assert!(!hidden(r#"{"id": "1", "content": "", "author": {"id": "7"}, "sticker_items": [{"id": "1"}]}"#));
        assert!(!hidden(r#"{"id": "1", "type": 7, "content": "", "author": {"id": "7"}}"#));
    }

    #[test]
    fn emoji_names() {
        let e: Emoji = serde_json::from_str(r#"{"id": null, "name": "👍"}"#).unwrap();
        assert_eq!(e.route_and_text(), Some(("👍".to_string(), "👍".to_string())));
        let e: Emoji = serde_json::from_str(r#"{"id": "41771983429993937", "name": "shipit"}"#).unwrap();
        assert_eq!(e.route_and_text(), Some(("shipit:41771983429993937".to_string(), "shipit".to_string())));
        let e: Emoji = serde_json::from_str(r#"{"id": "1", "name": null}"#).unwrap();
        assert_eq!(e.route_and_text(), None);
    }
}
