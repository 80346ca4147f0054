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
//!
//! **Files** ([`attach`]): up to `DISCORD.files` attachments go with the
//! message as `files[n]` parts of a `multipart/form-data` body, described in
//! the payload's `attachments` (`{"id": "n", "filename": ...}`, the id a
//! string as the spec's `SnowflakeType` wants it); the first
//! image (PNG, JPEG, GIF, WebP) is shown inside the embed
//! (`"image": {"url": "attachment://NAME"}`), an embed being added for it
//! when the message has none. File names are made safe for `attachment://`
//! (ASCII letters, digits, `.`, `-`, `_`; anything else becomes `_`).

use alerter_sdk::{
    level_color, level_emoji, truncate, zenml_payload, Attachment, FlavorError, Message, Multipart, ZENML_LOGO,
};
use serde_json::{json, Map, Value};

/// Discord's limits, in characters unless said otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Message `content` (the docs' 2000 for bots and webhooks; the OpenAPI
    /// spec says 4000 for bots).
    pub content: usize,
    /// Embed title.
    pub title: usize,
    /// Embed description.
    pub description: usize,
    /// Fields per embed.
    pub fields: usize,
    /// Field name.
    pub field_name: usize,
    /// Field value.
    pub field_value: usize,
    /// Title, description, field names and values, footer text and author
    /// name of all embeds of one message together.
    pub embeds_total: usize,
    /// URLs in an embed (`url`, thumbnail).
    pub url: usize,
    /// Files per message (the spec's `attachments` `maxItems`, `files[0]`
    /// to `files[9]`).
    pub files: usize,
}

/// message.mdx, "Create Message" and "Embed Limits"; the spec for files.
pub const DISCORD: Limits = Limits {
    content: 2000,
    title: 256,
    description: 4096,
    fields: 25,
    field_name: 256,
    field_value: 1024,
    embeds_total: 6000,
    url: 2048,
    files: 10,
};

/// How this flavor lays a message out within [`DISCORD`]'s limits.
struct Layout {
    /// The plain-text `content` that goes with an embed is kept this short:
    /// it is what notifications and clients without embeds show.
    fallback: usize,
    /// The description keeps at least this much room (or the whole body,
    /// when shorter) before metadata fields take their share of the 6000.
    description_reserve: usize,
    /// Budget kept back for the "N more not shown" field.
    notice_reserve: usize,
    /// A field is only shown when its value gets at least this much.
    min_field_value: usize,
}

const LAYOUT: Layout = Layout { fallback: 300, description_reserve: 2000, notice_reserve: 40, min_field_value: 20 };

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

/// A message body with its files: what `send` puts on the wire.
#[derive(Debug, Clone)]
pub struct WithFiles<'m> {
    /// The JSON part (`payload_json` when there are files).
    pub body: Body,
    /// `(safe file name, attachment)`, at most `DISCORD.files`.
    pub files: Vec<(String, &'m Attachment)>,
}

impl WithFiles<'_> {
    /// The JSON text of the body.
    pub fn json(&self) -> Result<Vec<u8>, FlavorError> {
        match &self.body {
            Body::Verbatim(text) => Ok(text.clone().into_bytes()),
            Body::Rendered(map) => {
                serde_json::to_vec(map).map_err(|e| FlavorError::Internal(format!("cannot encode the message: {e}")))
            }
        }
    }

    /// The `multipart/form-data` form: `payload_json`, then `files[n]`.
    pub fn form(&self) -> Result<Multipart, FlavorError> {
        let json = String::from_utf8(self.json()?).map_err(|e| FlavorError::Internal(e.to_string()))?;
        let mut form = Multipart::new().json_text("payload_json", &json);
        for (i, (name, file)) in self.files.iter().enumerate() {
            form = form.file(&format!("files[{i}]"), name, &file.media_type, &file.data);
        }
        Ok(form)
    }
}

/// Adds `m`'s attachments to `body`: the `attachments` descriptions, the
/// first image in the embed, and a note in `content` naming the files over
/// `DISCORD.files`. A verbatim body is left as given (its files are still
/// sent, up to the maximum).
pub fn attach(m: &Message, body: Body) -> WithFiles<'_> {
    let mut names: Vec<String> = Vec::new();
    for (i, a) in m.attachments.iter().enumerate() {
        let mut name = safe_file_name(&a.name, i);
        if names.contains(&name) {
            name = format!("{i}-{name}");
        }
        names.push(name);
    }
    let files: Vec<(String, &Attachment)> = names.into_iter().zip(&m.attachments).take(DISCORD.files).collect();
    let left_out: Vec<&str> = m.attachments.iter().skip(DISCORD.files).map(|a| a.name.as_str()).collect();
    let mut map = match body {
        Body::Verbatim(_) => return WithFiles { body, files },
        Body::Rendered(map) => map,
    };
    if files.is_empty() {
        return WithFiles { body: Body::Rendered(map), files };
    }
    let described: Vec<Value> =
        files.iter().enumerate().map(|(i, (name, _))| json!({"id": i.to_string(), "filename": name})).collect();
    map.insert("attachments".into(), Value::Array(described));
    if let Some((name, _)) = files.iter().find(|(_, a)| is_embeddable_image(&a.media_type)) {
        let image = json!({"url": format!("attachment://{name}")});
        match map.get_mut("embeds").and_then(Value::as_array_mut).and_then(|e| e.first_mut()) {
            Some(embed) if embed.get("image").is_none() => {
                embed["image"] = image;
            }
            Some(_) => {}
            None => {
                map.insert("embeds".into(), json!([{"image": image, "color": level_color(m.level)}]));
            }
        }
    }
    if !left_out.is_empty() {
        let note = format!(
            "(not attached: {} — Discord takes at most {} files per message)",
            left_out.join(", "),
            DISCORD.files
        );
        let content = map.get("content").and_then(Value::as_str).unwrap_or("").to_string();
        let joined = if content.is_empty() { note } else { format!("{content}\n{note}") };
        map.insert("content".into(), json!(truncate(&joined, DISCORD.content)));
    }
    WithFiles { body: Body::Rendered(map), files }
}

/// Image types Discord shows inside an embed.
fn is_embeddable_image(media_type: &str) -> bool {
    let t = media_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    matches!(t.as_str(), "image/png" | "image/jpeg" | "image/gif" | "image/webp")
}

/// A file name `attachment://` can refer to: ASCII letters, digits, `.`,
/// `-` and `_` kept, anything else `_`; `file-N` when nothing is left.
pub fn safe_file_name(name: &str, index: usize) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let safe: String =
        base.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    let safe = safe.trim_matches('.').to_string();
    if safe.trim_matches('_').is_empty() {
        format!("file-{index}")
    } else {
        truncate(&safe, 100)
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
    let field = |name: &str, value: &str| json!({"name": name, "value": truncate(&format!("\n{value}"), DISCORD.field_value), "inline": false});
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
        && chars(link) <= DISCORD.url
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
    let fits_plain = chars(&plain) <= DISCORD.content;
    if title.is_none() && m.metadata.is_empty() && link.is_none() && fits_plain {
        out.insert("content".into(), json!(plain));
        return out;
    }

    // The plain-text fallback: the headline, and the link when no title
    // carries it (angle brackets keep Discord from previewing it).
    let headline = title.unwrap_or_else(|| body.lines().next().unwrap_or(""));
    let mut content = truncate(&format!("{emoji} {headline}"), LAYOUT.fallback);
    if let (None, Some(link)) = (title, link) {
        content.push_str(&format!("\n<{}>", truncate(link, DISCORD.url)));
    }
    out.insert("content".into(), json!(truncate(&content, DISCORD.content)));

    let mut embed = Map::new();
    let mut used = 0;
    if let Some(title) = title {
        let title = truncate(title, DISCORD.title);
        used += chars(&title);
        embed.insert("title".into(), json!(title));
    }
    if let Some(url) = link.and_then(embed_url) {
        embed.insert("url".into(), json!(url));
    }
    embed.insert("color".into(), json!(level_color(m.level)));

    let reserve = chars(body).min(LAYOUT.description_reserve);
    let field_budget = DISCORD.embeds_total.saturating_sub(used + reserve);
    let (fields, fields_len) = fields_within(&m.metadata, field_budget);
    used += fields_len;
    if !body.is_empty() {
        let room = DISCORD.description.min(DISCORD.embeds_total.saturating_sub(used));
        let description = truncate(body, room);
        used += chars(&description);
        embed.insert("description".into(), json!(description));
    }
    debug_assert!(used <= DISCORD.embeds_total);
    if !fields.is_empty() {
        embed.insert("fields".into(), Value::Array(fields));
    }
    out.insert("embeds".into(), json!([embed]));
    out
}

/// Metadata as embed fields using at most `budget` characters (names and
/// values together) and `DISCORD.fields` fields; what does not fit is counted
/// in a last "… N more not shown" field. Returns the fields and the
/// characters they use.
fn fields_within(metadata: &[(String, String)], budget: usize) -> (Vec<Value>, usize) {
    let mut fields = Vec::new();
    let mut used = 0;
    for (i, (key, value)) in metadata.iter().enumerate() {
        let more_after = i + 1 < metadata.len();
        // Keep the last slot for the notice while more pairs follow.
        if more_after && fields.len() + 1 >= DISCORD.fields {
            break;
        }
        let left = budget.saturating_sub(used + LAYOUT.notice_reserve);
        let name = truncate(non_blank(key, "(no name)"), DISCORD.field_name);
        let name_len = chars(&name);
        if name_len + LAYOUT.min_field_value > left {
            break;
        }
        let value = truncate(non_blank(value, "(empty)"), DISCORD.field_value.min(left - name_len));
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

/// Characters an embed counts against `DISCORD.embeds_total`.
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
        // Over Discord's 2000 characters of content: the body goes into the
        // description (4096), the content keeps a 300-character headline.
        let content = out["content"].as_str().unwrap();
        assert_eq!(chars(content), 300);
        assert_eq!(content, format!(":information_source: {}… [truncated]", "x".repeat(266)));
        assert_eq!(out["embeds"][0]["description"].as_str().unwrap(), "x".repeat(3000));
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

    /// The limits are Discord's, as message.mdx "Embed Limits" states them:
    /// title 256, description 4096, 25 fields, field name 256, value 1024,
    /// 6000 characters in all; message content 2000.
    #[test]
    fn budget_is_never_exceeded() {
        let mut m = msg(&"b".repeat(20_000));
        m.title = Some("t".repeat(1000));
        m.metadata = (0..40).map(|i| (format!("key{i}-{}", "k".repeat(300)), "v".repeat(2000))).collect();
        let out = rendered(&m);
        let e = &out["embeds"][0];
        assert!(embed_text_len(e) <= 6000, "{}", embed_text_len(e));
        assert!(chars(out["content"].as_str().unwrap()) <= 2000);
        assert_eq!(e["title"].as_str().unwrap(), format!("{}… [truncated]", "t".repeat(243)));
        let fields = e["fields"].as_array().unwrap();
        assert!(fields.len() <= 25);
        for f in fields {
            assert!(chars(f["name"].as_str().unwrap()) <= 256);
            assert!(chars(f["value"].as_str().unwrap()) <= 1024);
        }
        assert!(fields.last().unwrap()["value"].as_str().unwrap().ends_with("more not shown"));
        let description = e["description"].as_str().unwrap();
        assert!((2000..=4096).contains(&chars(description)), "{}", chars(description));
        assert!(description.ends_with("… [truncated]"));
    }

    #[test]
    fn many_small_fields() {
        let mut m = msg("b");
        m.metadata = (0..40).map(|i| (format!("k{i}"), format!("v{i}"))).collect();
        let out = rendered(&m);
        let fields = out["embeds"][0]["fields"].as_array().unwrap();
        assert_eq!(fields.len(), 25, "Discord's 25 fields, the last one saying what is left out");
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

    fn file(name: &str, media_type: &str) -> Attachment {
        Attachment { name: name.into(), media_type: media_type.into(), data: vec![1, 2, 3] }
    }

    #[test]
    fn files_are_described_and_the_first_image_is_embedded() {
        let mut m = msg("see the plot");
        m.attachments =
            vec![file("train.log", "text/plain"), file("loss curve.png", "image/png"), file("b.png", "image/png")];
        let out = attach(&m, payload(&m).unwrap());
        let names: Vec<&str> = out.files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["train.log", "loss_curve.png", "b.png"]);
        let Body::Rendered(map) = &out.body else { panic!("rendered") };
        assert_eq!(
            Value::Object(map.clone()),
            json!({
                "content": ":information_source: see the plot",
                "attachments": [{"id": "0", "filename": "train.log"}, {"id": "1", "filename": "loss_curve.png"}, {"id": "2", "filename": "b.png"}],
                "embeds": [{"image": {"url": "attachment://loss_curve.png"}, "color": 0x3b82f6}],
            })
        );
        // An embed of its own gets the image.
        m.title = Some("Loss".into());
        let out = attach(&m, payload(&m).unwrap());
        let Body::Rendered(map) = &out.body else { panic!("rendered") };
        assert_eq!(map["embeds"][0]["title"], "Loss");
        assert_eq!(map["embeds"][0]["image"]["url"], "attachment://loss_curve.png");
        assert_eq!(map["embeds"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn eleven_files_leave_one_out_with_a_note() {
        let mut m = msg("logs");
        m.attachments = (0..11).map(|i| file(&format!("{i}.log"), "text/plain")).collect();
        let out = attach(&m, payload(&m).unwrap());
        assert_eq!(out.files.len(), 10);
        let Body::Rendered(map) = &out.body else { panic!("rendered") };
        assert_eq!(
            map["content"],
            ":information_source: logs\n(not attached: 10.log — Discord takes at most 10 files per message)"
        );
        assert!(map.get("embeds").is_none(), "no image, no embed");
    }

    #[test]
    fn file_names_are_safe_and_distinct() {
        assert_eq!(safe_file_name("../etc/pass wd.txt", 0), "pass_wd.txt");
        assert_eq!(safe_file_name("Überblick.png", 0), "_berblick.png");
        assert_eq!(safe_file_name("日本", 3), "file-3");
        let mut m = msg("x");
        m.attachments = vec![file("a b.png", "image/png"), file("a_b.png", "image/png")];
        let out = attach(&m, payload(&m).unwrap());
        assert_eq!(out.files.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["a_b.png", "1-a_b.png"]);
    }

    #[test]
    fn raw_payloads_keep_their_bytes_with_files() {
        let mut m = msg("x");
        m.raw = Some("{\"content\": \"raw\"}".into());
        m.attachments = vec![file("a.png", "image/png")];
        let out = attach(&m, payload(&m).unwrap());
        assert_eq!(out.json().unwrap(), b"{\"content\": \"raw\"}");
        assert_eq!(out.files.len(), 1);
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
