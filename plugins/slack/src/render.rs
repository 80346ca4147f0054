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

/// Slack's documented limits (Block Kit reference), in characters unless
/// said otherwise.
pub struct Limits {
    /// A `header` block's text.
    pub header: usize,
    /// A `section` block's text.
    pub section: usize,
    /// One item of a section's `fields`.
    pub field: usize,
    /// Items in one section's `fields` (a count).
    pub fields_per_section: usize,
    /// Blocks in one message (a count).
    pub blocks: usize,
    /// The top-level `text` (chat.postMessage truncates beyond it).
    pub text: usize,
    /// A button's label.
    pub button_label: usize,
    /// A button's URL.
    pub button_url: usize,
}

/// The limits this flavor renders within.
pub const LIMITS: Limits = Limits {
    header: 150,
    section: 3000,
    field: 2000,
    fields_per_section: 10,
    blocks: 50,
    text: 40_000,
    button_label: 75,
    button_url: 3000,
};

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
    truncate(&text, LIMITS.text)
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
    json!({"type": "header", "text": {"type": "plain_text", "text": truncate(&text, LIMITS.header), "emoji": true}})
}

/// `*key*\nvalue` fields, `LIMITS.fields_per_section` per section.
fn field_sections<'m>(pairs: impl Iterator<Item = &'m (String, String)>) -> Vec<Value> {
    let fields: Vec<Value> = pairs.map(|(k, v)| mrkdwn(&format!("*{k}*\n{v}"), LIMITS.field)).collect();
    fields.chunks(LIMITS.fields_per_section).map(|chunk| json!({"type": "section", "fields": chunk})).collect()
}

fn link_button(link: &str) -> Value {
    json!({"type": "actions", "elements": [{
        "type": "button",
        "text": {"type": "plain_text", "text": truncate("Open", LIMITS.button_label)},
        "url": truncate(link, LIMITS.button_url),
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
        out.push(json!({"type": "section", "text": mrkdwn(&body, LIMITS.section)}));
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
        out.push(json!({"type": "context", "elements": [mrkdwn(level_emoji(m.level), LIMITS.field)]}));
    }
    out.push(json!({
        "type": "section",
        "fields": [
            mrkdwn(&format!(":star: *Pipeline:*\n{pipeline}"), LIMITS.field),
            mrkdwn(&format!(":arrow_forward: *Step:*\n{step}"), LIMITS.field),
            mrkdwn(&format!(":ring_buoy: *Stack:*\n{stack}"), LIMITS.field),
        ],
        "accessory": {"type": "image", "image_url": ZENML_LOGO, "alt_text": "zenml logo"},
    }));
    out.push(json!({
        "type": "section",
        "fields": [mrkdwn(&format!(":email: *Message:*\n{}", m.body), LIMITS.field)],
    }));
    out.extend(field_sections(m.metadata.iter().filter(|(k, _)| !ZENML_KEYS.contains(&k.as_str()))));
    if let Some(link) = m.link.as_deref().filter(|l| !l.is_empty()) {
        out.push(link_button(link));
    }
    out
}

/// At most `LIMITS.blocks` blocks; the last one says how many were cut.
fn cap_blocks(mut blocks: Vec<Value>) -> Vec<Value> {
    if blocks.len() <= LIMITS.blocks {
        return blocks;
    }
    let cut = blocks.len() - (LIMITS.blocks - 1);
    blocks.truncate(LIMITS.blocks - 1);
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
        let chars = |v: &Value| v.as_str().unwrap().chars().count();
        // Slack's numbers (Block Kit reference), not this flavor's constants.
        assert_eq!(blocks.len(), 50);
        assert_eq!(chars(&blocks[0]["text"]["text"]), 150);
        assert_eq!(chars(&blocks[1]["text"]["text"]), 3000);
        assert_eq!(blocks[2]["fields"].as_array().unwrap().len(), 10);
        assert_eq!(chars(&blocks[2]["fields"][0]["text"]), 2000);
        assert_eq!(chars(&p["text"]), 40_000);
        assert!(p["text"].as_str().unwrap().ends_with("… [truncated]"));
        assert_eq!(blocks[49]["elements"][0]["text"], "… [truncated: 13 more blocks]");
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
