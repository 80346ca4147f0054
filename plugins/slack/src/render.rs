//! Renders a message as a Slack payload: `text` plus Block Kit `blocks`.
//!
//! Three layouts, first match wins:
//! 1. `raw` (a JSON object with a `blocks` array, or the array itself): sent
//!    verbatim; only `text` is added when the payload has none.
//! 2. ZenML: metadata with `pipeline_name`, `step_name` or `stack_name`
//!    renders exactly as ZenML's Slack alerter did (two sections, logo);
//!    a title, other metadata, a link or a non-info level add blocks around
//!    it, so a plain ZenML-style call is byte-for-byte ZenML's payload.
//! 3. Otherwise: `header` (level marker + title), `section` mrkdwn body
//!    (prefixed by the marker when there is no title), metadata as section
//!    fields (10 per section), a link button.
//!
//! Every text is cut to Slack's limits with a visible marker.

use alerter_sdk::prelude::*;
use alerter_sdk::{level_emoji, truncate, zenml_payload, ZENML_KEYS, ZENML_LOGO};
use serde_json::{json, Map, Value};

/// Slack's limits, in characters.
pub const HEADER_MAX: usize = 150;
/// `section.text`.
pub const SECTION_MAX: usize = 3000;
/// One `section.fields[]` item.
pub const FIELD_MAX: usize = 2000;
/// Items in one `section.fields`.
pub const FIELDS_PER_SECTION: usize = 10;
/// Blocks in one message.
pub const BLOCKS_MAX: usize = 50;
/// The top-level `text`.
pub const TEXT_MAX: usize = 40_000;
/// A button's label.
const BUTTON_LABEL_MAX: usize = 75;
/// A button's URL.
const BUTTON_URL_MAX: usize = 3000;

/// The JSON payload for `message`, without `channel` / `thread_ts`.
pub fn payload(message: &Message) -> Result<Map<String, Value>, FlavorError> {
    let mut payload = match &message.raw {
        Some(raw) => raw_payload(raw)?,
        None => {
            let blocks = match zenml_payload(message) {
                Some(payload) => zenml_blocks(message, payload),
                None => blocks(message),
            };
            let mut map = Map::new();
            map.insert("blocks".into(), Value::Array(cap_blocks(blocks)));
            map
        }
    };
    let has_text = payload.get("text").and_then(Value::as_str).is_some_and(|s| !s.is_empty());
    if !has_text {
        payload.insert("text".into(), json!(fallback_text(message)));
    }
    Ok(payload)
}

/// The notification text: title and body.
fn fallback_text(message: &Message) -> String {
    let text = match message.title.as_deref().filter(|t| !t.is_empty()) {
        Some(title) if message.body.is_empty() => title.to_string(),
        Some(title) => format!("{title}\n{}", message.body),
        None => message.body.clone(),
    };
    truncate(&text, TEXT_MAX)
}

/// A `--raw` payload: an object with a `blocks` array, or a bare array.
fn raw_payload(raw: &str) -> Result<Map<String, Value>, FlavorError> {
    let bad = |why: String| {
        FlavorError::InvalidSettings(format!(
            "the raw payload must be a JSON object with a `blocks` array (or the array itself): {why}"
        ))
    };
    match serde_json::from_str::<Value>(raw).map_err(|e| bad(e.to_string()))? {
        Value::Object(map) if map.get("blocks").is_some_and(Value::is_array) => Ok(map),
        Value::Object(_) => Err(bad("no `blocks` array".into())),
        Value::Array(blocks) => {
            let mut map = Map::new();
            map.insert("blocks".into(), Value::Array(blocks));
            Ok(map)
        }
        _ => Err(bad("not an object".into())),
    }
}

fn mrkdwn(text: &str, max: usize) -> Value {
    json!({"type": "mrkdwn", "text": truncate(text, max)})
}

fn header(level: Level, title: &str) -> Value {
    let text = format!("{} {title}", level_emoji(level));
    json!({"type": "header", "text": {"type": "plain_text", "text": truncate(&text, HEADER_MAX), "emoji": true}})
}

/// `*key*\nvalue` fields, `FIELDS_PER_SECTION` per section.
fn field_sections<'m>(pairs: impl Iterator<Item = &'m (String, String)>) -> Vec<Value> {
    let fields: Vec<Value> = pairs.map(|(k, v)| mrkdwn(&format!("*{k}*\n{v}"), FIELD_MAX)).collect();
    fields.chunks(FIELDS_PER_SECTION).map(|chunk| json!({"type": "section", "fields": chunk})).collect()
}

fn link_button(link: &str) -> Value {
    json!({"type": "actions", "elements": [{
        "type": "button",
        "text": {"type": "plain_text", "text": truncate("Open", BUTTON_LABEL_MAX)},
        "url": truncate(link, BUTTON_URL_MAX),
    }]})
}

/// The default layout.
fn blocks(m: &Message) -> Vec<Value> {
    let mut out = Vec::new();
    let title = m.title.as_deref().filter(|t| !t.is_empty());
    if let Some(title) = title {
        out.push(header(m.level, title));
    }
    let body = match title {
        Some(_) => m.body.clone(),
        None => format!("{} {}", level_emoji(m.level), m.body),
    };
    if !body.trim().is_empty() {
        out.push(json!({"type": "section", "text": mrkdwn(&body, SECTION_MAX)}));
    }
    out.extend(field_sections(m.metadata.iter()));
    if let Some(link) = m.link.as_deref().filter(|l| !l.is_empty()) {
        out.push(link_button(link));
    }
    out
}

/// ZenML's two-section layout (`None` for a missing key, as ZenML printed
/// it), with this flavor's extras around it.
fn zenml_blocks(m: &Message, [pipeline, step, stack]: [&str; 3]) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(title) = m.title.as_deref().filter(|t| !t.is_empty()) {
        out.push(header(m.level, title));
    } else if m.level != Level::Info {
        out.push(json!({"type": "context", "elements": [mrkdwn(level_emoji(m.level), FIELD_MAX)]}));
    }
    out.push(json!({
        "type": "section",
        "fields": [
            mrkdwn(&format!(":star: *Pipeline:*\n{pipeline}"), FIELD_MAX),
            mrkdwn(&format!(":arrow_forward: *Step:*\n{step}"), FIELD_MAX),
            mrkdwn(&format!(":ring_buoy: *Stack:*\n{stack}"), FIELD_MAX),
        ],
        "accessory": {"type": "image", "image_url": ZENML_LOGO, "alt_text": "zenml logo"},
    }));
    out.push(json!({
        "type": "section",
        "fields": [mrkdwn(&format!(":email: *Message:*\n{}", m.body), FIELD_MAX)],
    }));
    out.extend(field_sections(m.metadata.iter().filter(|(k, _)| !ZENML_KEYS.contains(&k.as_str()))));
    if let Some(link) = m.link.as_deref().filter(|l| !l.is_empty()) {
        out.push(link_button(link));
    }
    out
}

/// At most `BLOCKS_MAX` blocks; the last one says how many were cut.
fn cap_blocks(mut blocks: Vec<Value>) -> Vec<Value> {
    if blocks.len() <= BLOCKS_MAX {
        return blocks;
    }
    let cut = blocks.len() - (BLOCKS_MAX - 1);
    blocks.truncate(BLOCKS_MAX - 1);
    blocks.push(json!({"type": "context", "elements": [
        {"type": "mrkdwn", "text": format!("… [truncated: {cut} more blocks]")}
    ]}));
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(body: &str) -> Message {
        Message { level: Level::Info, ..Message::text(body) }
    }

    #[test]
    fn zenml_layout_is_exact() {
        let mut m = msg("hello");
        m.metadata = vec![
            ("pipeline_name".into(), "p".into()),
            ("step_name".into(), "s".into()),
            ("stack_name".into(), "k".into()),
        ];
        let p = payload(&m).unwrap();
        assert_eq!(p["text"], "hello");
        assert_eq!(p["blocks"].as_array().unwrap().len(), 2);
        assert_eq!(p["blocks"][1]["fields"][0]["text"], ":email: *Message:*\nhello");
    }

    #[test]
    fn limits_hold() {
        let mut m = msg(&"x".repeat(50_000));
        m.title = Some("t".repeat(500));
        m.metadata = (0..600).map(|i| (format!("k{i}"), "v".repeat(3000))).collect();
        let p = payload(&m).unwrap();
        let blocks = p["blocks"].as_array().unwrap();
        assert_eq!(blocks.len(), BLOCKS_MAX);
        assert_eq!(blocks[0]["text"]["text"].as_str().unwrap().chars().count(), HEADER_MAX);
        assert_eq!(blocks[1]["text"]["text"].as_str().unwrap().chars().count(), SECTION_MAX);
        assert_eq!(blocks[2]["fields"].as_array().unwrap().len(), FIELDS_PER_SECTION);
        assert_eq!(blocks[2]["fields"][0]["text"].as_str().unwrap().chars().count(), FIELD_MAX);
        assert!(p["text"].as_str().unwrap().chars().count() <= TEXT_MAX);
    }

    #[test]
    fn raw_is_verbatim() {
        let mut m = msg("fallback");
        m.raw = Some(r#"{"blocks":[{"type":"divider"}]}"#.into());
        let p = payload(&m).unwrap();
        assert_eq!(p["blocks"], json!([{"type": "divider"}]));
        assert_eq!(p["text"], "fallback");
        m.raw = Some("{}".into());
        assert!(payload(&m).is_err());
    }
}
