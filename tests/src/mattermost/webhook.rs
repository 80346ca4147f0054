//! Mattermost's incoming webhooks: `POST /hooks/{key}` with a JSON payload
//! (`text`, `props`, `attachments`, ...; or a form field `payload`).
//! Answers the text `ok`, or an `AppError`: 400
//! `web.incoming_webhook.invalid.app_error` for an unknown key, 400
//! `web.incoming_webhook.text.app_error` with neither text nor attachments.
//!
//! The payload fields are those of Mattermost's incoming webhook docs (prose
//! only: no machine-readable description exists); [`check`] holds requests
//! to them.

use serde_json::{json, Map, Value};

use super::api::app_error;
use crate::chat::seen::decode_form;
use crate::chat::{Answer, Author, Seen, Store};

/// The payload fields Mattermost's docs list for incoming webhooks.
pub const FIELDS: &[&str] =
    &["text", "channel", "username", "icon_url", "icon_emoji", "attachments", "type", "props", "priority"];

/// The payload: a JSON body, or the JSON of a form field `payload`.
fn payload(req: &Seen) -> Option<Map<String, Value>> {
    let form = req.header("content-type").is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let value = if form {
        let text = decode_form(&req.text()).into_iter().find(|(k, _)| k == "payload")?.1;
        serde_json::from_str(&text).ok()?
    } else {
        req.json()?
    };
    match value {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// What in `req` is not a documented webhook payload.
pub fn check(req: &Seen) -> Vec<String> {
    let Some(p) = payload(req) else { return vec!["webhook: the body is not a JSON object".into()] };
    let mut problems: Vec<String> =
        p.keys().filter(|k| !FIELDS.contains(&k.as_str())).map(|k| format!("webhook: unknown field `{k}`")).collect();
    for (key, ok) in [
        ("text", p.get("text").is_none_or(Value::is_string)),
        ("props", p.get("props").is_none_or(Value::is_object)),
        ("attachments", p.get("attachments").is_none_or(Value::is_array)),
    ] {
        if !ok {
            problems.push(format!("webhook: `{key}` has the wrong type"));
        }
    }
    problems
}

/// Answers a post to a webhook.
pub(crate) fn answer(store: &mut Store, req: &Seen) -> Answer {
    let key = req.path.trim_start_matches("/hooks/");
    let Some(channel) = store.webhook(key).map(|w| w.channel.clone()) else {
        return app_error(400, "web.incoming_webhook.invalid.app_error", "Invalid webhook.");
    };
    let Some(p) = payload(req) else {
        return app_error(400, "web.incoming_webhook.parse.app_error", "Unable to parse incoming data.");
    };
    let text = p.get("text").and_then(Value::as_str).unwrap_or("");
    if text.is_empty() && p.get("attachments").is_none() {
        return app_error(400, "web.incoming_webhook.text.app_error", "No text specified.");
    }
    let mut props = p.get("props").cloned().unwrap_or_else(|| json!({}));
    props["from_webhook"] = json!("true");
    if let Some(a) = p.get("attachments") {
        props["attachments"] = a.clone();
    }
    let mut extra = Map::new();
    extra.insert("props".into(), props);
    store.post(&channel, &Author::bot("webhookuser00000000000001", "webhook"), text, None, extra);
    Answer::text(200, "text/plain", "ok")
}
