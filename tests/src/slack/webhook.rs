//! Slack's incoming webhooks: `POST /services/T…/B…/SECRET` with a JSON
//! payload; answers are plain text: `ok`, or an error code with its status
//! (docs: "Handling errors" of incoming webhooks): `400 invalid_payload`,
//! `400 no_text`, `400 invalid_blocks`, `403 invalid_token` (a known webhook
//! with the wrong secret), `404 no_service` (unknown, or disabled when its
//! app was removed), `410 channel_is_archived`.

use serde_json::{json, Map, Value};

use super::api::Workspace;
use super::blocks::check_blocks;
use crate::chat::{Answer, Author, Seen, Store};

/// Answers a post to a webhook.
pub(crate) fn answer(store: &mut Store, ws: &Workspace, req: &Seen) -> Answer {
    let hook = req
        .path
        .strip_prefix("/services/")
        .and_then(|rest| rest.rsplit_once('/'))
        .and_then(|(id, token)| store.webhook(id).map(|w| (w.token == token, w.channel.clone(), id.to_string())))
        .filter(|(_, _, id)| !ws.disabled_hooks.contains(id));
    let (status, text) = match hook {
        None => (404, "no_service"),
        Some((false, _, _)) => (403, "invalid_token"),
        Some((true, channel, _)) if ws.archived.contains(&channel) => (410, "channel_is_archived"),
        Some((true, channel, _)) => match req.json() {
            Some(Value::Object(p)) => post(store, &channel, &p),
            _ => (400, "invalid_payload"),
        },
    };
    let answer = Answer::text(status, "text/html", text);
    if status == 200 {
        answer
    } else {
        answer.error(text)
    }
}

fn post(store: &mut Store, channel: &str, p: &Map<String, Value>) -> (u16, &'static str) {
    let text = p.get("text").and_then(Value::as_str).unwrap_or("");
    let blocks = p.get("blocks").cloned();
    if text.is_empty() && blocks.is_none() {
        return (400, "no_text");
    }
    if blocks.as_ref().is_some_and(|b| check_blocks(b).is_err()) {
        return (400, "invalid_blocks");
    }
    if store.channel(channel).is_none() {
        return (404, "channel_not_found");
    }
    let thread_ts = p.get("thread_ts").and_then(Value::as_str);
    let mut extra = json!({"bot_id": "B0WEBHOOK", "subtype": "bot_message"}).as_object().cloned().unwrap_or_default();
    if let Some(b) = blocks {
        extra.insert("blocks".into(), b);
    }
    store.post(channel, &Author::bot("", "webhook"), text, thread_ts, extra);
    (200, "ok")
}
