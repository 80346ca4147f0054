//! Turning a [`Message`] into the JSON body of a Discord message, within
//! Discord's documented limits (developers/resources/message, "Embed
//! Limits" and "Create Message").
//!
//! Three layouts:
//!
//! - **raw**: `message.raw` (a JSON object with `content` / `embeds` ...)
//!   is sent byte for byte as given;
//! - **ZenML**: when the metadata carries `pipeline_name`, `step_name` or
//!   `stack_name`, the embed ZenML's own Discord alerter builds (a
//!   thumbnail and four `inline: false` fields, no `content`);
//! - **standard**: a plain `content` line for a plain message; otherwise an
//!   embed (title, body as description, metadata as fields, level colour,
//!   link as the title's URL) plus a short plain-text `content` fallback.
//!
//! Every text is cut with the SDK's visible marker before it can break a
//! limit, so Discord never rejects an alert for its size.

use alerter_sdk::{level_color, level_emoji, truncate, zenml_payload, FlavorError, Message, ZENML_LOGO};
use serde_json::{json, Map, Value};

/// Message `content`: 2000 characters for bots and webhooks (the docs; the
/// OpenAPI spec says 4000 for bots).
pub const CONTENT_MAX: usize = 2000;
/// Embed title.
pub const TITLE_MAX: usize = 256;
/// Embed description.
pub const DESCRIPTION_MAX: usize = 4096;
/// Fields per embed.
pub const FIELDS_MAX: usize = 25;
/// Field name.
pub const FIELD_NAME_MAX: usize = 256;
/// Field value.
pub const FIELD_VALUE_MAX: usize = 1024;
/// Title, description, field names and values, footer text and author name
/// of all embeds of one message together.
pub const EMBED_TOTAL_MAX: usize = 6000;
/// URLs in an embed (`url`, thumbnail).
pub const URL_MAX: usize = 2048;

/// The plain-text `content` that goes with an embed is kept this short: it
/// is what notifications and clients without embeds show.
const FALLBACK_MAX: usize = 300;
/// The description keeps at least this much room (or the whole body, when
/// shorter) before metadata fields take their share of the 6000 budget.
const DESCRIPTION_RESERVE: usize = 2000;
/// Budget kept back for the "N more not shown" field.
const NOTICE_RESERVE: usize = 40;
/// A field is only shown when its value gets at least this many characters.
const MIN_FIELD_VALUE: usize = 20;

/// A request body, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A raw payload from the user, to send exactly as given.
    Verbatim(String),
    /// A body this flavor rendered.
    Rendered(Map<String, Value>),
}

impl Body {
    /// The body as a JSON object (a verbatim body is parsed; it was checked
    /// to be an object by [`payload`]).
    pub fn into_object(self) -> Map<String, Value> {
        match self {
            Body::Rendered(map) => map,
            Body::Verbatim(text) => match serde_json::from_str(&text) {
                Ok(Value::Object(map)) => map,
                _ => Map::new(),
            },
        }
    }
}

/// Renders `m` as a Discord message body.
pub fn payload(m: &Message) -> Result<Body, FlavorError> {
    if let Some(raw) = m.raw.as_deref() {
        return match serde_json::from_str::<Value>(raw) {
            Ok(Value::Object(_)) => Ok(Body::Verbatim(raw.to_string())),
            Ok(_) => Err(bad_raw("it is JSON but not an object")),
            Err(e) => Err(bad_raw(&format!("it is not JSON ({e})"))),
        };
    }
    if let Some(zenml) = zenml(m) {
        return Ok(Body::Rendered(zenml));
    }
    Ok(Body::Rendered(standard(m)))
}

fn bad_raw(why: &str) -> FlavorError {
    FlavorError::InvalidSettings(format!(
        "the raw payload must be a JSON object with Discord message fields such as `content` and `embeds`: {why}"
    ))
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// ZenML's embed, when the metadata names a pipeline, step or stack. Values
/// ZenML leaves unset render as `None`, as ZenML's f-strings do.
fn zenml(m: &Message) -> Option<Map<String, Value>> {
    let [pipeline, step, stack] = zenml_payload(m)?;
    let field = |name: &str, value: &str| json!({"name": name, "value": truncate(&format!("\n{value}"), FIELD_VALUE_MAX), "inline": false});
    let fields = vec![
        field(":star: *Pipeline:*", pipeline),
        field(":arrow_forward: *Step:*", step),
        field(":ring_buoy: *Stack:*", stack),
        field(":email: *Message:*", &m.body),
    ];
    let embed = json!({"thumbnail": {"url": ZENML_LOGO}, "fields": fields});
    let mut body = Map::new();
    body.insert("embeds".into(), json!([embed]));
    Some(body)
}

/// An `http(s)` URL Discord accepts as an embed URL.
fn embed_url(link: &str) -> Option<&str> {
    let link = link.trim();
    let ok = (link.starts_with("https://") || link.starts_with("http://"))
        && link.len() > "https://".len()
        && chars(link) <= URL_MAX
        && !link.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then_some(link)
}

/// The standard layout.
fn standard(m: &Message) -> Map<String, Value> {
    let emoji = level_emoji(m.level);
    let title = m.title.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let body = m.body.trim();
    let link = m.link.as_deref().map(str::trim).filter(|l| !l.is_empty());
    let mut out = Map::new();

    let plain = format!("{emoji} {body}");
    let fits_plain = chars(&plain) <= CONTENT_MAX;
    if title.is_none() && m.metadata.is_empty() && link.is_none() && fits_plain {
        out.insert("content".into(), json!(plain));
        return out;
    }

    // The plain-text fallback: the headline, and the link when no title
    // carries it (angle brackets keep Discord from previewing it).
    let headline = title.unwrap_or_else(|| body.lines().next().unwrap_or(""));
    let mut content = truncate(&format!("{emoji} {headline}"), FALLBACK_MAX);
    if let (None, Some(link)) = (title, link) {
        content.push_str(&format!("\n<{}>", truncate(link, URL_MAX)));
    }
    out.insert("content".into(), json!(truncate(&content, CONTENT_MAX)));

    let mut embed = Map::new();
    let mut used = 0;
    if let Some(title) = title {
        let title = truncate(title, TITLE_MAX);
        used += chars(&title);
        embed.insert("title".into(), json!(title));
    }
    if let Some(url) = link.and_then(embed_url) {
        embed.insert("url".into(), json!(url));
    }
    embed.insert("color".into(), json!(level_color(m.level)));

    let reserve = chars(body).min(DESCRIPTION_RESERVE);
    let field_budget = EMBED_TOTAL_MAX.saturating_sub(used + reserve);
    let (fields, fields_len) = fields_within(&m.metadata, field_budget);
    used += fields_len;
    if !body.is_empty() {
        let room = DESCRIPTION_MAX.min(EMBED_TOTAL_MAX.saturating_sub(used));
        let description = truncate(body, room);
        used += chars(&description);
        embed.insert("description".into(), json!(description));
    }
    debug_assert!(used <= EMBED_TOTAL_MAX);
    if !fields.is_empty() {
        embed.insert("fields".into(), Value::Array(fields));
    }
    out.insert("embeds".into(), json!([embed]));
    out
}

/// Metadata as embed fields using at most `budget` characters (names and
/// values together) and [`FIELDS_MAX`] fields; what does not fit is counted
/// in a last "… N more not shown" field. Returns the fields and the
/// characters they use.
fn fields_within(metadata: &[(String, String)], budget: usize) -> (Vec<Value>, usize) {
    let mut fields = Vec::new();
    let mut used = 0;
    for (i, (key, value)) in metadata.iter().enumerate() {
        let more_after = i + 1 < metadata.len();
        // Keep the last slot for the notice while more pairs follow.
        if more_after && fields.len() + 1 >= FIELDS_MAX {
            break;
        }
        let left = budget.saturating_sub(used + NOTICE_RESERVE);
        let name = truncate(non_blank(key, "(no name)"), FIELD_NAME_MAX);
        let name_len = chars(&name);
        if name_len + MIN_FIELD_VALUE > left {
            break;
        }
        let value = truncate(non_blank(value, "(empty)"), FIELD_VALUE_MAX.min(left - name_len));
        let value_len = chars(&value);
        used += name_len + value_len;
        let inline = value_len <= 40 && name_len <= 40;
        fields.push(json!({"name": name, "value": value, "inline": inline}));
    }
    let omitted = metadata.len() - fields.len();
    if omitted > 0 {
        let (name, value) = ("…", format!("{omitted} more not shown"));
        used += chars(name) + chars(&value);
        fields.push(json!({"name": name, "value": value, "inline": false}));
    }
    (fields, used)
}

fn non_blank<'a>(text: &'a str, instead: &'a str) -> &'a str {
    let t = text.trim();
    if t.is_empty() {
        instead
    } else {
        t
    }
}

/// Characters an embed counts against [`EMBED_TOTAL_MAX`].
pub fn embed_text_len(embed: &Value) -> usize {
    let s = |v: &Value| v.as_str().map(chars).unwrap_or(0);
    let mut n =
        s(&embed["title"]) + s(&embed["description"]) + s(&embed["footer"]["text"]) + s(&embed["author"]["name"]);
    if let Some(fields) = embed["fields"].as_array() {
        n += fields.iter().map(|f| s(&f["name"]) + s(&f["value"])).sum::<usize>();
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use alerter_sdk::Level;

    fn msg(body: &str) -> Message {
        Message { level: Level::Info, ..Message::text(body) }
    }

    fn rendered(m: &Message) -> Map<String, Value> {
        match payload(m).unwrap() {
            Body::Rendered(map) => map,
            Body::Verbatim(_) => panic!("not rendered"),
        }
    }

    #[test]
    fn plain_message_is_content_only() {
        let out = rendered(&msg("hello"));
        assert_eq!(Value::Object(out), json!({"content": ":information_source: hello"}));
    }

    #[test]
    fn long_plain_message_becomes_an_embed() {
        let out = rendered(&msg(&"x".repeat(3000)));
        assert!(chars(out["content"].as_str().unwrap()) <= FALLBACK_MAX);
        assert_eq!(out["embeds"][0]["description"].as_str().unwrap().len(), 3000);
    }

    #[test]
    fn title_level_metadata_link() {
        let mut m = msg("body text");
        m.title = Some("Run failed".into());
        m.level = Level::Failure;
        m.metadata = vec![("run".into(), "42".into()), ("owner".into(), "".into())];
        m.link = Some("https://example.com/run/42".into());
        let out = rendered(&m);
        let e = &out["embeds"][0];
        assert_eq!(e["title"], "Run failed");
        assert_eq!(e["description"], "body text");
        assert_eq!(e["color"], 0xef4444);
        assert_eq!(e["url"], "https://example.com/run/42");
        assert_eq!(e["fields"][0], json!({"name": "run", "value": "42", "inline": true}));
        assert_eq!(e["fields"][1]["value"], "(empty)");
        assert_eq!(out["content"], ":x: Run failed");
    }

    #[test]
    fn link_without_title_goes_into_content() {
        let mut m = msg("see");
        m.link = Some("not a url".into());
        let out = rendered(&m);
        assert_eq!(out["content"], ":information_source: see\n<not a url>");
        assert!(out["embeds"][0].get("url").is_none());
    }

    #[test]
    fn budget_is_never_exceeded() {
        let mut m = msg(&"b".repeat(20_000));
        m.title = Some("t".repeat(1000));
        m.metadata = (0..40).map(|i| (format!("key{i}-{}", "k".repeat(300)), "v".repeat(2000))).collect();
        let out = rendered(&m);
        let e = &out["embeds"][0];
        assert!(embed_text_len(e) <= EMBED_TOTAL_MAX, "{}", embed_text_len(e));
        assert_eq!(chars(e["title"].as_str().unwrap()), TITLE_MAX);
        let fields = e["fields"].as_array().unwrap();
        assert!(fields.len() <= FIELDS_MAX);
        for f in fields {
            assert!(chars(f["name"].as_str().unwrap()) <= FIELD_NAME_MAX);
            assert!(chars(f["value"].as_str().unwrap()) <= FIELD_VALUE_MAX);
        }
        assert!(fields.last().unwrap()["value"].as_str().unwrap().ends_with("more not shown"));
        assert!(chars(e["description"].as_str().unwrap()) >= DESCRIPTION_RESERVE);
        assert!(e["description"].as_str().unwrap().ends_with("… [truncated]"));
    }

    #[test]
    fn many_small_fields() {
        let mut m = msg("b");
        m.metadata = (0..40).map(|i| (format!("k{i}"), format!("v{i}"))).collect();
        let out = rendered(&m);
        let fields = out["embeds"][0]["fields"].as_array().unwrap();
        assert_eq!(fields.len(), FIELDS_MAX);
        assert_eq!(fields[23]["name"], "k23");
        assert_eq!(fields[24]["value"], "16 more not shown");
        m.metadata.truncate(25);
        let out = rendered(&m);
        let fields = out["embeds"][0]["fields"].as_array().unwrap();
        assert_eq!(fields.len(), 25);
        assert_eq!(fields[24]["name"], "k24");
    }

    #[test]
    fn zenml_layout() {
        let mut m = msg("Step failed");
        m.title = Some("ignored".into());
        m.metadata = vec![
            ("pipeline_name".into(), "training".into()),
            ("step_name".into(), "trainer".into()),
            ("stack_name".into(), "default".into()),
        ];
        let out = rendered(&m);
        assert_eq!(
            Value::Object(out),
            json!({"embeds": [{
                "thumbnail": {"url": ZENML_LOGO},
                "fields": [
                    {"name": ":star: *Pipeline:*", "value": "\ntraining", "inline": false},
                    {"name": ":arrow_forward: *Step:*", "value": "\ntrainer", "inline": false},
                    {"name": ":ring_buoy: *Stack:*", "value": "\ndefault", "inline": false},
                    {"name": ":email: *Message:*", "value": "\nStep failed", "inline": false},
                ]
            }]})
        );
    }

    #[test]
    fn raw_is_verbatim_and_checked() {
        let mut m = msg("x");
        m.raw = Some("{\"embeds\": [{\"title\": \"T\"}]}".into());
        assert_eq!(payload(&m).unwrap(), Body::Verbatim("{\"embeds\": [{\"title\": \"T\"}]}".into()));
        m.raw = Some("[1]".into());
        assert!(matches!(payload(&m), Err(FlavorError::InvalidSettings(_))));
        m.raw = Some("nope".into());
        assert!(matches!(payload(&m), Err(FlavorError::InvalidSettings(_))));
    }
}
