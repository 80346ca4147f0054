//! Replies to a posted message, one request per method and poll:
//!
//! - `reactions.get` (Tier 3): the reactions on the question, every poll
//!   (the host counts each person's reaction once);
//! - `conversations.history` (`oldest` = the newest top-level ts reported):
//!   later top-level messages;
//! - `conversations.replies` (`oldest` = the newest thread ts reported): the
//!   question's thread.
//!
//! Slack answers at most `limit` messages, and apps outside the Marketplace
//! get at most 15 and one `conversations.*` request a minute. With `oldest`
//! and no `latest`, Slack returns the messages closest to `oldest`, so each
//! poll reads the next page *forward* and the cursor moves to the newest ts
//! read: a long backlog is read over several polls, in order, and never with
//! two requests to one method in one poll.
//!
//! Each method may be rate-limited on its own (the two `conversations.*`
//! methods first): what the others answered is still returned, and the
//! cursor only moves for them. Only when every method is held back does the
//! call fail with `rate-limited`, with the earliest retry-after.
//!
//! A token without `reactions:read` still reads messages: the page says
//! once, in `notices`, how to enable reactions, and later polls skip them.

use alerter_sdk::prelude::*;
use alerter_sdk::RateLimit;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::{code_of, WebApi};

/// Messages asked for per request (Slack may answer fewer: 15 for apps
/// outside the Marketplace).
const LIMIT: &str = "100";

/// What the next call starts from; JSON, opaque to the host.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Cursor {
    /// The newest top-level ts reported (the question's at first).
    top: String,
    /// The newest thread ts reported (the question's at first).
    thread: String,
    /// The bot's own user id (the question's author), once seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bot: Option<String>,
    /// `reactions.get` is not allowed for this token.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    no_reactions: bool,
}

/// The notice shown when the token cannot read reactions.
pub const NO_REACTIONS_NOTICE: &str = "Slack: reactions are not read because the token lacks the \
     `reactions:read` scope; add it under OAuth & Permissions → Bot Token Scopes and reinstall the app, \
     or answer with a message";

/// Lists what was posted after `ts` in `channel` (and in its thread), and
/// the reactions on it, since `cursor`.
pub fn list(api: &WebApi, channel: &str, ts: &str, cursor: Option<&str>) -> Result<RepliesPage, FlavorError> {
    let mut c = match cursor {
        None => Cursor { top: ts.to_string(), thread: ts.to_string(), bot: None, no_reactions: false },
        Some(text) => serde_json::from_str::<Cursor>(text)
            .ok()
            .filter(|c| ts_key(&c.top).is_some() && ts_key(&c.thread).is_some())
            .ok_or_else(|| FlavorError::Internal(format!("malformed replies cursor `{text}`")))?,
    };
    let mut page = RepliesPage::default();
    let mut held: Vec<RateLimit> = Vec::new();
    let mut answered = 0;
    let held_back = |e: FlavorError, held: &mut Vec<RateLimit>| match e {
        FlavorError::RateLimited(r) => {
            held.push(r);
            Ok(())
        }
        other => Err(other),
    };

    // Reactions first: under the strictest limits they are the fast path.
    let mut reactions = Vec::new();
    if !c.no_reactions {
        let params = [("channel", channel), ("timestamp", ts), ("full", "true")];
        match api.read("reactions.get", &params) {
            Ok(v) => {
                answered += 1;
                let message = &v["message"];
                if message["bot_id"].as_str().is_some() {
                    c.bot = message["user"].as_str().map(str::to_string).or(c.bot.take());
                }
                reactions = reaction_replies(message, c.bot.as_deref());
            }
            Err(e) if code_of(&e) == Some("missing_scope") => {
                c.no_reactions = true;
                page.notices.push(NO_REACTIONS_NOTICE.into());
            }
            Err(e) => held_back(e, &mut held)?,
        }
    }

    let mut found: Vec<(Key, Reply)> = Vec::new();
    let history = [("channel", channel), ("oldest", c.top.as_str()), ("limit", LIMIT)];
    match api.read("conversations.history", &history) {
        Ok(v) => {
            answered += 1;
            let bound = c.top.clone();
            for m in messages(&v) {
                // A thread reply also sent to the channel comes with the thread.
                let broadcast = m["thread_ts"].as_str() == Some(ts) && m["subtype"] == "thread_broadcast";
                if let Some(key) = after(m, &bound, &mut c.top) {
                    if !broadcast {
                        found.push((key, reply(m, false)));
                    }
                }
            }
        }
        Err(e) => held_back(e, &mut held)?,
    }
    let thread = [("channel", channel), ("ts", ts), ("oldest", c.thread.as_str()), ("limit", LIMIT)];
    match api.read("conversations.replies", &thread) {
        Ok(v) => {
            answered += 1;
            let bound = c.thread.clone();
            for m in messages(&v) {
                if m["ts"].as_str() == Some(ts) {
                    // Slack lists the parent (the question) first, whatever the window.
                    if m["bot_id"].as_str().is_some() {
                        c.bot = m["user"].as_str().map(str::to_string).or(c.bot.take());
                    }
                    continue;
                }
                if let Some(key) = after(m, &bound, &mut c.thread) {
                    found.push((key, reply(m, true)));
                }
            }
        }
        Err(e) => held_back(e, &mut held)?,
    }

    if answered == 0 {
        if let Some(soonest) = held.into_iter().min_by_key(|r| r.retry_after_ms) {
            return Err(FlavorError::RateLimited(soonest));
        }
    }
    found.sort_by_key(|(k, _)| *k);
    found.dedup_by_key(|(k, _)| *k);
    page.replies = found.into_iter().map(|(_, r)| r).chain(reactions).collect();
    if let Some(bot) = c.bot.as_deref() {
        for r in &mut page.replies {
            r.bot_mentions = mentions_of(&r.text, bot);
        }
    }
    page.cursor = Some(serde_json::to_string(&c).map_err(|e| FlavorError::Internal(e.to_string()))?);
    Ok(page)
}

fn messages(answer: &Value) -> impl Iterator<Item = &Value> {
    answer["messages"].as_array().into_iter().flatten().filter(|m| !is_membership_notice(m))
}

/// The message's ts key when it is after `bound` (`oldest` is exclusive on
/// Slack; this also holds if an answer includes the bound); `newest` moves
/// up to it.
fn after(m: &Value, bound: &str, newest: &mut String) -> Option<Key> {
    let ts = m["ts"].as_str()?;
    let key = ts_key(ts)?;
    if ts_key(bound).is_some_and(|b| key <= b) {
        return None;
    }
    if ts_key(newest).is_none_or(|n| key > n) {
        *newest = ts.to_string();
    }
    Some(key)
}

/// Joins and leaves are not answers.
fn is_membership_notice(msg: &Value) -> bool {
    msg["subtype"].as_str().is_some_and(|s| s.ends_with("_join") || s.ends_with("_leave"))
}

fn reply(msg: &Value, in_thread: bool) -> Reply {
    let str_of = |key: &str| msg[key].as_str().filter(|s| !s.is_empty());
    let author_id = str_of("user").or(str_of("bot_id")).unwrap_or("").to_string();
    let author_name = str_of("username")
        .or(msg["user_profile"]["display_name"].as_str().filter(|s| !s.is_empty()))
        .or(msg["user_profile"]["real_name"].as_str().filter(|s| !s.is_empty()))
        .or(msg["bot_profile"]["name"].as_str())
        .unwrap_or(&author_id)
        .to_string();
    let ts = msg["ts"].as_str().unwrap_or_default();
    Reply {
        is_bot: msg.get("bot_id").is_some_and(|b| !b.is_null()) || str_of("subtype") == Some("bot_message"),
        author_id,
        author_name,
        text: msg["text"].as_str().unwrap_or("").to_string(),
        in_thread,
        kind: ReplyKind::Message,
        id: ts.to_string(),
        posted_at_ms: ts_key(ts).map(|(s, us)| s.saturating_mul(1000).saturating_add(us / 1000)),
        ..Reply::default()
    }
}

/// One reply per (person, reaction) on the question. A reaction's name
/// comes without colons and without its skin tone (`+1::skin-tone-3` is
/// `+1`). Reactions by the bot itself are marked as a bot's.
fn reaction_replies(message: &Value, bot: Option<&str>) -> Vec<Reply> {
    let mut out: Vec<Reply> = Vec::new();
    for r in message["reactions"].as_array().into_iter().flatten() {
        let Some(full) = r["name"].as_str() else { continue };
        let name = full.split("::").next().unwrap_or(full);
        for user in r["users"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if out.iter().any(|o| o.author_id == user && o.text == name) {
                continue; // two skin tones of one emoji by one person
            }
            out.push(Reply {
                author_id: user.to_string(),
                author_name: user.to_string(),
                is_bot: Some(user) == bot,
                text: name.to_string(),
                kind: ReplyKind::Reaction,
                id: format!("{name}/{user}"),
                ..Reply::default()
            });
        }
    }
    out
}

/// The substrings of `text` that mention `bot`: `<@U0BOT>` and `<@U0BOT|name>`.
fn mentions_of(text: &str, bot: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let open = format!("<@{bot}");
    let mut rest = text;
    while let Some(at) = rest.find(&open) {
        let tail = &rest[at + open.len()..];
        let end = match tail.chars().next() {
            Some('>') => Some(0),
            Some('|') => tail.find('>'),
            _ => None,
        };
        match end {
            Some(end) => {
                let token = &rest[at..at + open.len() + end + 1];
                if !out.iter().any(|t| t == token) {
                    out.push(token.to_string());
                }
                rest = &rest[at + token.len()..];
            }
            None => rest = &rest[at + open.len()..],
        }
    }
    out
}

/// A ts as (seconds, microseconds), for ordering.
type Key = (u64, u64);

/// Parses `1700000000.000100`.
fn ts_key(ts: &str) -> Option<Key> {
    let (secs, frac) = ts.split_once('.').unwrap_or((ts, ""));
    if frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let micros = if frac.is_empty() { 0 } else { format!("{frac:0<6}").parse().ok()? };
    Some((secs.parse().ok()?, micros))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ts_ordering() {
        assert_eq!(ts_key("1700000000.000100"), Some((1_700_000_000, 100)));
        assert_eq!(ts_key("1700000000.1"), Some((1_700_000_000, 100_000)));
        assert_eq!(ts_key("1700000000"), Some((1_700_000_000, 0)));
        assert!(ts_key("1700000000.000100") < ts_key("1700000000.000200"));
        assert_eq!(ts_key("x.1"), None);
    }

    #[test]
    fn mentions_of_the_bot_only() {
        assert_eq!(mentions_of("<@U0BOT> approve", "U0BOT"), ["<@U0BOT>"]);
        assert_eq!(mentions_of("hey <@U0BOT|alerter> yes <@U0BOT>", "U0BOT"), ["<@U0BOT|alerter>", "<@U0BOT>"]);
        assert!(mentions_of("<@U0BOTX> approve <@U0OTHER>", "U0BOT").is_empty());
        assert!(mentions_of("<@U0BOT", "U0BOT").is_empty());
    }

    #[test]
    fn reactions_one_per_person_and_name() {
        let message = json!({"reactions": [
            {"name": "+1::skin-tone-3", "users": ["U1"], "count": 1},
            {"name": "+1", "users": ["U1", "U2", "U0BOT"], "count": 3},
            {"name": "x", "users": ["U3"], "count": 1},
        ]});
        let got: Vec<(String, String, bool)> =
            reaction_replies(&message, Some("U0BOT")).into_iter().map(|r| (r.author_id, r.text, r.is_bot)).collect();
        let want = [("U1", "+1", false), ("U2", "+1", false), ("U0BOT", "+1", true), ("U3", "x", false)];
        assert_eq!(got, want.map(|(a, b, c)| (a.to_string(), b.to_string(), c)));
    }

    #[test]
    fn cursor_round_trips_compactly() {
        let c = Cursor { top: "1.000001".into(), thread: "1.000002".into(), bot: None, no_reactions: false };
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(text, r#"{"top":"1.000001","thread":"1.000002"}"#);
        assert_eq!(serde_json::from_str::<Cursor>(&text).unwrap(), c);
    }
}
