//! Renders a message as a Mattermost post: Markdown `message` plus, when
//! there is metadata, one Slack-compatible attachment in `props` (its
//! fields on a bar of the level's colour).
//!
//! `message` is, in order: the level's emoji and the title in bold (or the
//! emoji before the body when there is no title), the body, and the link
//! as a Markdown link. It is cut to [`MESSAGE_MAX`] characters with a
//! visible marker. `raw` (a JSON object of post fields) is sent as given.

use alerter_sdk::prelude::*;
use alerter_sdk::{level_color, level_emoji, truncate};
use serde_json::{json, Map, Value};

/// Mattermost's longest post message, in characters (runes): the server's
/// `MaxPostSize` on current databases (older ones allowed 4000).
pub const MESSAGE_MAX: usize = 16_383;
/// Attachment fields kept (the rest are cut, with a note).
pub const FIELDS_MAX: usize = 50;
/// One field's value, in characters.
pub const FIELD_VALUE_MAX: usize = 2000;

/// The post's fields for `message`, without `channel_id` and `root_id`.
pub fn post(message: &Message) -> Result<Map<String, Value>, FlavorError> {
    if let Some(raw) = &message.raw {
        return match serde_json::from_str::<Value>(raw) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(FlavorError::InvalidSettings(
                "raw must be a JSON object of Mattermost post fields, e.g. {\"message\": \"...\", \"props\": {...}}"
                    .into(),
            )),
        };
    }
    let mut post = Map::new();
    post.insert("message".into(), json!(text(message)));
    if !message.metadata.is_empty() {
        post.insert("props".into(), json!({ "attachments": [attachment(message)] }));
    }
    Ok(post)
}

/// The Markdown text: marker and title, body, link.
pub fn text(message: &Message) -> String {
    let emoji = level_emoji(message.level);
    let mut parts = Vec::new();
    match message.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(title) => {
            parts.push(format!("{emoji} **{}**", title.replace("**", "\\*\\*")));
            parts.push(message.body.clone());
        }
        None => parts.push(format!("{emoji} {}", message.body)),
    }
    if let Some(link) = message.link.as_deref().filter(|l| !l.is_empty()) {
        parts.push(format!("[{link}]({link})"));
    }
    let text = parts.into_iter().filter(|p| !p.trim().is_empty()).collect::<Vec<_>>().join("\n\n");
    truncate(&text, MESSAGE_MAX)
}

/// The metadata as attachment fields, on a bar of the level's colour.
fn attachment(message: &Message) -> Value {
    let mut fields: Vec<Value> = message
        .metadata
        .iter()
        .take(FIELDS_MAX)
        .map(|(k, v)| json!({ "title": k, "value": truncate(v, FIELD_VALUE_MAX), "short": v.chars().count() <= 40 }))
        .collect();
    if message.metadata.len() > FIELDS_MAX {
        let more = message.metadata.len() - FIELDS_MAX;
        fields.push(json!({ "title": "…", "value": format!("{more} more not shown"), "short": false }));
    }
    let fallback: Vec<String> = message.metadata.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    json!({
        "color": format!("#{:06x}", level_color(message.level)),
        "fallback": truncate(&fallback.join(", "), 500),
        "fields": fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(title: Option<&str>, body: &str) -> Message {
        Message { title: title.map(str::to_string), ..Message::text(body) }
    }

    #[test]
    fn title_body_and_link_in_markdown() {
        let mut m = message(Some("Disk space low"), "db1 is *91%* full");
        m.level = Level::Warning;
        m.link = Some("https://grafana.example.com/d/disk".into());
        assert_eq!(
            text(&m),
            ":warning: **Disk space low**\n\ndb1 is *91%* full\n\n\
             [https://grafana.example.com/d/disk](https://grafana.example.com/d/disk)"
        );
        assert_eq!(text(&message(None, "plain")), ":information_source: plain");
    }

    #[test]
    fn metadata_becomes_coloured_fields() {
        let mut m = message(None, "done");
        m.level = Level::Failure;
        m.metadata = vec![("run".into(), "42".into())];
        let p = post(&m).unwrap();
        assert_eq!(
            p["props"],
            json!({"attachments": [{"color": "#ef4444", "fallback": "run: 42",
                                    "fields": [{"title": "run", "value": "42", "short": true}]}]})
        );
        assert!(post(&message(None, "x")).unwrap().get("props").is_none());
    }

    #[test]
    fn long_messages_are_cut_with_a_marker() {
        let t = text(&message(None, &"x".repeat(20_000)));
        assert_eq!(t.chars().count(), MESSAGE_MAX);
        assert!(t.ends_with(alerter_sdk::TRUNCATION_MARKER));
    }

    #[test]
    fn raw_must_be_an_object() {
        let mut m = message(None, "x");
        m.raw = Some(r#"{"message": "verbatim", "props": {"k": 1}}"#.into());
        assert_eq!(post(&m).unwrap()["message"], "verbatim");
        m.raw = Some("[1]".into());
        assert!(matches!(post(&m), Err(FlavorError::InvalidSettings(_))));
    }
}
