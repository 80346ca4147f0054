//! Replies to a posted message: later top-level messages in the channel
//! (`conversations.history`, `oldest` exclusive) and messages in its thread
//! (`conversations.replies`), merged oldest first.
//!
//! The cursor is `TOP|THREAD`: the newest top-level ts and the newest thread
//! ts already reported, so the next call asks only for what came after.

use alerter_sdk::prelude::*;
use serde_json::Value;

use crate::api::Api;

/// Messages asked for per page.
const PAGE: &str = "200";
/// Pages read per call and per method; the rest comes with the next call.
const MAX_PAGES: usize = 10;

/// Lists what was posted after `ts` in `channel` (and in its thread) since
/// `cursor`.
pub fn list(api: &Api<'_>, channel: &str, ts: &str, cursor: Option<&str>) -> Result<RepliesPage, FlavorError> {
    let (top_after, thread_after) = match cursor {
        None => (ts.to_string(), ts.to_string()),
        Some(c) => c
            .split_once('|')
            .filter(|(a, b)| ts_key(a).is_some() && ts_key(b).is_some())
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .ok_or_else(|| FlavorError::Internal(format!("malformed replies cursor `{c}`")))?,
    };

    let top = fetch_all(api, "conversations.history", &[("channel", channel), ("oldest", &top_after)])?;
    let thread =
        fetch_all(api, "conversations.replies", &[("channel", channel), ("ts", ts), ("oldest", &thread_after)])?;

    let mut replies: Vec<(Key, Reply)> = Vec::new();
    let mut top_last = top_after.clone();
    let mut thread_last = thread_after.clone();
    for (msg, in_thread) in top.iter().map(|m| (m, false)).chain(thread.iter().map(|m| (m, true))) {
        let Some(mts) = msg["ts"].as_str() else { continue };
        let Some(key) = ts_key(mts) else { continue };
        let after = if in_thread { &thread_after } else { &top_after };
        // `oldest` is exclusive, but stay safe against an inclusive answer
        // (and the thread's parent, which conversations.replies always lists).
        if mts == ts || ts_key(after).is_some_and(|a| key <= a) {
            continue;
        }
        let last = if in_thread { &mut thread_last } else { &mut top_last };
        if ts_key(last).is_none_or(|l| key > l) {
            *last = mts.to_string();
        }
        if replies.iter().any(|(k, _)| *k == key) || is_membership_notice(msg) {
            continue; // a thread reply also sent to the channel is listed once
        }
        replies.push((key, reply(msg, mts, in_thread)));
    }
    replies.sort_by_key(|(k, _)| *k);
    Ok(RepliesPage {
        replies: replies.into_iter().map(|(_, r)| r).collect(),
        cursor: Some(format!("{top_last}|{thread_last}")),
        notices: Vec::new(),
    })
}

/// Reads up to `MAX_PAGES` pages of `method`'s `messages`.
fn fetch_all(api: &Api<'_>, method: &str, params: &[(&str, &str)]) -> Result<Vec<Value>, FlavorError> {
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut query: Vec<(&str, &str)> = params.to_vec();
        query.push(("limit", PAGE));
        if let Some(c) = next.as_deref() {
            query.push(("cursor", c));
        }
        let page = api.call_get(method, &query)?;
        if let Some(messages) = page["messages"].as_array() {
            out.extend(messages.iter().cloned());
        }
        next = page["response_metadata"]["next_cursor"].as_str().filter(|c| !c.is_empty()).map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    Ok(out)
}

/// Joins and leaves are not answers.
fn is_membership_notice(msg: &Value) -> bool {
    msg["subtype"].as_str().is_some_and(|s| s.ends_with("_join") || s.ends_with("_leave"))
}

fn reply(msg: &Value, ts: &str, in_thread: bool) -> Reply {
    let str_of = |key: &str| msg[key].as_str().filter(|s| !s.is_empty());
    let author_id = str_of("user").or(str_of("bot_id")).unwrap_or("").to_string();
    let author_name = str_of("username")
        .or(msg["user_profile"]["display_name"].as_str().filter(|s| !s.is_empty()))
        .or(msg["user_profile"]["real_name"].as_str().filter(|s| !s.is_empty()))
        .or(msg["bot_profile"]["name"].as_str())
        .unwrap_or(&author_id)
        .to_string();
    Reply {
        is_bot: msg.get("bot_id").is_some_and(|b| !b.is_null()) || str_of("subtype") == Some("bot_message"),
        author_id,
        author_name,
        text: msg["text"].as_str().unwrap_or("").to_string(),
        in_thread,
        bot_mentions: Vec::new(),
        kind: ReplyKind::Message,
        id: ts.to_string(),
        posted_at_ms: ts_key(ts).map(|(s, us)| s.saturating_mul(1000).saturating_add(us / 1000)),
    }
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

    #[test]
    fn ts_ordering() {
        assert_eq!(ts_key("1700000000.000100"), Some((1_700_000_000, 100)));
        assert_eq!(ts_key("1700000000.1"), Some((1_700_000_000, 100_000)));
        assert_eq!(ts_key("1700000000"), Some((1_700_000_000, 0)));
        assert!(ts_key("1700000000.000100") < ts_key("1700000000.000200"));
        assert_eq!(ts_key("x.1"), None);
    }
}
