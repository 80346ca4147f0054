//! Discord REST stand-in (issue 4).
//!
//! Serves the few endpoints the `discord` flavor uses, under `/api/v10`
//! (and `/api`, where real webhook URLs live):
//!
//! - `POST /channels/{id}/messages` (create message), `GET
//!   /channels/{id}/messages?after|before|limit` (newest first, as Discord
//!   answers even with `after`), `GET /channels/{id}`;
//! - `POST /webhooks/{id}/{token}[?wait=true][&thread_id=]` (200 with the
//!   message with `wait=true`, 204 without).
//!
//! Ids are snowflakes that only ever increase. Errors are Discord's JSON
//! bodies with Discord's codes and statuses: 401 `{"message": "401:
//! Unauthorized", "code": 0}` for a wrong `Authorization: Bot <token>`, 404
//! 10003 Unknown Channel, 403 50001 Missing Access, 404 10015 Unknown
//! Webhook, 400 50035 Invalid Form Body. [`DiscordService::rate_limit_next`]
//! answers 429 with `retry_after` / `global` in the body and `Retry-After`
//! and `X-RateLimit-*` headers.
//!
//! Every request body is checked against the OpenAPI schema of its endpoint
//! in `tests/specs/discord/discord_openapi.json` (in-process JSON Schema validation
//! with `$ref`s resolved inside the document) and against the limits the
//! docs in `tests/specs/discord/discord-api-docs` state where the spec is looser
//! ([`SPEC_DEVIATIONS`]). A body that fails gets Discord's 400 50035 and the
//! reasons land in [`DiscordService::violations`], which tests assert empty.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::server::Server;

/// The bot token the stand-in accepts (`Authorization: Bot <TOKEN>`).
pub const TOKEN: &str = "MTEx.standin-bot-token.S3cr3tDiscordT0ken";
/// The stand-in bot's user id (author of what the flavor posts).
pub const BOT_USER_ID: &str = "1100000000000000001";
/// The guild every channel belongs to.
pub const GUILD_ID: &str = "1200000000000000002";
/// Discord's epoch (2015-01-01) in Unix milliseconds.
pub const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// Limits the docs state that the OpenAPI spec leaves out or states looser.
/// The stand-in enforces the docs' side; the spec file stays untouched.
pub const SPEC_DEVIATIONS: &[Deviation] = &[
    Deviation {
        what: "content of a message created by a bot (POST /channels/{id}/messages)",
        spec: "MessageCreateRequest.content maxLength 4000",
        docs: "message.mdx, Create Message: content up to 2000 characters",
    },
    Deviation {
        what: "total text of all embeds of one message",
        spec: "no limit across embeds (only per property)",
        docs: "message.mdx, Embed Limits: title + description + field names and values + footer.text + author.name together at most 6000 characters (whitespace trimmed)",
    },
    Deviation {
        what: "an empty message",
        spec: "no property is required",
        docs: "message.mdx / webhook.mdx: at least one of content, embeds, components, files, poll (sticker_ids, shared_client_theme for bots)",
    },
    Deviation {
        what: "User-Agent of REST calls",
        spec: "not described",
        docs: "reference.mdx, User Agent: `DiscordBot ($url, $versionNumber)`",
    },
];

/// One place where the stand-in follows the docs rather than the spec.
#[derive(Debug, Clone, Copy)]
pub struct Deviation {
    /// What is limited.
    pub what: &'static str,
    /// What discord_openapi.json says.
    pub spec: &'static str,
    /// What the docs say (and the stand-in enforces).
    pub docs: &'static str,
}

/// Which endpoint's request schema to check a body against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /channels/{id}/messages` (`MessageCreateRequest`).
    CreateMessage,
    /// `POST /webhooks/{id}/{token}` (`IncomingWebhookRequestPartial` or
    /// `IncomingWebhookUpdateRequestPartial`).
    ExecuteWebhook,
}

/// Path of the Discord OpenAPI document (the vendored copy in `tests/specs/discord/`).
pub fn openapi_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/discord/discord_openapi.json")
}

struct Schemas {
    create: jsonschema::Validator,
    webhook: jsonschema::Validator,
}

fn schemas() -> &'static Schemas {
    static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let path = openapi_path();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let doc: Value = serde_json::from_str(&text).expect("discord_openapi.json is JSON");
        let body_schema = |path: &str, method: &str| -> Value {
            doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"].clone()
        };
        // A root schema that is the endpoint's body schema, with the spec's
        // components beside it so every `#/components/...` $ref resolves.
        let build = |schema: Value| {
            assert!(!schema.is_null(), "body schema missing from the spec");
            let mut root = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": doc["components"].clone(),
            });
            root["allOf"] = json!([schema]);
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .should_ignore_unknown_formats(true)
                .build(&root)
                .expect("compile schema")
        };
        Schemas {
            create: build(body_schema("/channels/{channel_id}/messages", "post")),
            webhook: build(body_schema("/webhooks/{webhook_id}/{webhook_token}", "post")),
        }
    })
}

/// Everything wrong with `body` as a request to `endpoint`: JSON Schema
/// errors from the spec, then the docs' limits ([`SPEC_DEVIATIONS`]).
pub fn check_body(endpoint: Endpoint, body: &Value) -> Vec<String> {
    let s = schemas();
    let validator = match endpoint {
        Endpoint::CreateMessage => &s.create,
        Endpoint::ExecuteWebhook => &s.webhook,
    };
    let mut problems: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("schema: {} at `{}`", e, e.instance_path()))
        .collect();
    problems.extend(doc_limits(body));
    problems
}

fn trimmed_len(v: &Value) -> usize {
    v.as_str().map(|s| s.trim().chars().count()).unwrap_or(0)
}

/// The docs' limits the spec does not carry.
pub fn doc_limits(body: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(content) = body["content"].as_str() {
        let n = content.chars().count();
        if n > 2000 {
            problems.push(format!("docs: content has {n} characters, more than 2000"));
        }
    }
    let total = embed_text_len(body);
    if total > 6000 {
        problems.push(format!("docs: embeds carry {total} characters of text, more than 6000"));
    }
    let has = |k: &str| match &body[k] {
        Value::Null => false,
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => true,
    };
    let forward = body["message_reference"]["type"] == json!(1);
    if !forward && !["content", "embeds", "components", "sticker_ids", "poll", "shared_client_theme", "attachments"].iter().any(|k| has(k)) {
        problems.push("docs: a message needs at least one of content, embeds, components, files, poll".into());
    }
    problems
}

/// The characters all embeds of a message body count against the 6000
/// limit (title, description, field names and values, footer text, author
/// name; whitespace trimmed as Discord does).
pub fn embed_text_len(body: &Value) -> usize {
    let Some(embeds) = body["embeds"].as_array() else { return 0 };
    embeds
        .iter()
        .map(|e| {
            let fields: usize = e["fields"]
                .as_array()
                .map(|fs| fs.iter().map(|f| trimmed_len(&f["name"]) + trimmed_len(&f["value"])).sum())
                .unwrap_or(0);
            trimmed_len(&e["title"])
                + trimmed_len(&e["description"])
                + trimmed_len(&e["footer"]["text"])
                + trimmed_len(&e["author"]["name"])
                + fields
        })
        .sum()
}

/// One request as the stand-in received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, e.g. `/api/v10/channels/1/messages`.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// Headers, names lowercase.
    pub headers: Vec<(String, String)>,
    /// The body as received.
    pub body: Vec<u8>,
    /// When it arrived.
    pub at: Instant,
    /// The status the stand-in answered.
    pub status: u16,
}

impl Recorded {
    /// The first header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        query_pairs(self.query.as_deref()).remove(name)
    }

    /// `METHOD /path?query`.
    pub fn line(&self) -> String {
        match &self.query {
            Some(q) => format!("{} {}?{q}", self.method, self.path),
            None => format!("{} {}", self.method, self.path),
        }
    }
}

/// Who posts a message added by the test.
#[derive(Debug, Clone)]
pub struct Author {
    /// User id.
    pub id: String,
    /// Username.
    pub username: String,
    /// A bot account.
    pub bot: bool,
}

impl Author {
    /// A person.
    pub fn human(id: &str, username: &str) -> Author {
        Author { id: id.into(), username: username.into(), bot: false }
    }

    /// Another bot.
    pub fn bot(id: &str, username: &str) -> Author {
        Author { id: id.into(), username: username.into(), bot: true }
    }
}

#[derive(Debug, Clone)]
struct Channel {
    guild_id: Option<String>,
    /// For a thread: the channel it belongs to.
    parent: Option<String>,
    /// The bot may not see it (403 50001).
    forbidden: bool,
}

#[derive(Debug, Clone)]
struct Stored {
    id: u64,
    channel: String,
    json: Value,
}

#[derive(Default)]
struct Inner {
    channels: HashMap<String, Channel>,
    messages: Vec<Stored>,
    webhooks: HashMap<String, (String, String)>,
    requests: Vec<Recorded>,
    rate_limits: VecDeque<(f64, bool)>,
    violations: Vec<String>,
    last_id: u64,
}

impl Inner {
    /// A new snowflake, larger than every one before.
    fn snowflake(&mut self) -> u64 {
        let ms = now_ms().saturating_sub(DISCORD_EPOCH_MS);
        let id = (ms << 22).max(self.last_id + 1);
        self.last_id = id;
        id
    }

    fn add_channel(&mut self, parent: Option<String>, forbidden: bool) -> String {
        let id = self.snowflake().to_string();
        self.channels.insert(id.clone(), Channel { guild_id: Some(GUILD_ID.into()), parent, forbidden });
        id
    }

    fn store(&mut self, channel: &str, author: &Author, content: &str, extra: Value) -> Value {
        let id = self.snowflake();
        let mut msg = json!({
            "id": id.to_string(),
            "channel_id": channel,
            "type": 0,
            "content": content,
            "author": {"id": author.id, "username": author.username, "global_name": null, "discriminator": "0", "avatar": null},
            "timestamp": rfc3339((id >> 22) + DISCORD_EPOCH_MS),
            "edited_timestamp": null,
            "tts": false,
            "mention_everyone": false,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": false,
            "flags": 0,
            "components": [],
        });
        if author.bot {
            msg["author"]["bot"] = json!(true);
        }
        if !extra["message_reference"].is_null() {
            msg["type"] = json!(19);
        }
        if let Value::Object(extra) = extra {
            for (k, v) in extra {
                msg[k.as_str()] = v;
            }
        }
        self.messages.push(Stored { id, channel: channel.to_string(), json: msg.clone() });
        msg
    }
}

/// The running stand-in and a handle to its state.
#[derive(Clone)]
pub struct DiscordService {
    inner: Arc<Mutex<Inner>>,
    server: Arc<Server>,
    channel: String,
    webhook: (String, String),
}

impl DiscordService {
    /// Starts the stand-in on 127.0.0.1 (ephemeral port) with one channel
    /// ([`DiscordService::channel`]) and one webhook on it.
    pub fn start() -> DiscordService {
        schemas();
        let mut inner = Inner::default();
        let channel = inner.add_channel(None, false);
        let webhook_id = inner.snowflake().to_string();
        let webhook_token = "standin-webhook-token-Zx81Qw".to_string();
        inner.webhooks.insert(webhook_id.clone(), (webhook_token.clone(), channel.clone()));
        let inner = Arc::new(Mutex::new(inner));
        let state = inner.clone();
        let router = Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let state = state.clone();
            async move { handle(&state, method, uri, headers, body) }
        });
        DiscordService { inner, server: Arc::new(Server::start(router)), channel, webhook: (webhook_id, webhook_token) }
    }

    /// `http://127.0.0.1:PORT`, to grant with `--allow-host`.
    pub fn origin(&self) -> String {
        self.server.origin()
    }

    /// The `api_base` setting for the flavor: `{origin}/api/v10`.
    pub fn api_base(&self) -> String {
        format!("{}/api/v10", self.origin())
    }

    /// The default channel's id.
    pub fn channel(&self) -> String {
        self.channel.clone()
    }

    /// The webhook URL of the default webhook (on the default channel).
    pub fn webhook_url(&self) -> String {
        format!("{}/api/webhooks/{}/{}", self.origin(), self.webhook.0, self.webhook.1)
    }

    /// `alerter register ops ...` arguments for a bot-mode alerter of
    /// `flavor` on this stand-in (its channel, API host granted).
    pub fn bot_args(&self, flavor: &str, token: &str) -> Vec<String> {
        crate::cli::args(&[
            "register", "ops", "--flavor", flavor,
            "--set", &format!("token={token}"),
            "--set", &format!("channel_id={}", self.channel()),
            "--set", &format!("api_base={}", self.api_base()),
            "--allow-host", &self.origin(),
        ])
    }

    /// `alerter register hook ...` arguments for a webhook-mode alerter.
    pub fn webhook_args(&self, flavor: &str) -> Vec<String> {
        crate::cli::args(&[
            "register", "hook", "--flavor", flavor,
            "--set", &format!("webhook_url={}", self.webhook_url()),
            "--allow-host", &self.origin(),
        ])
    }

    /// The default webhook's secret token (the last part of its URL).
    pub fn webhook_token(&self) -> String {
        self.webhook.1.clone()
    }

    /// Adds a channel the bot can use; returns its id.
    pub fn add_channel(&self) -> String {
        self.inner.lock().unwrap().add_channel(None, false)
    }

    /// Adds a channel the bot cannot see (403 Missing Access); returns its id.
    pub fn add_forbidden_channel(&self) -> String {
        self.inner.lock().unwrap().add_channel(None, true)
    }

    /// A new id no channel has (an unknown channel).
    pub fn unused_id(&self) -> String {
        self.inner.lock().unwrap().snowflake().to_string()
    }

    /// Posts a message at top level in `channel`, as `author`; with
    /// `reply_to`, as a Discord reply (`message_reference`) to that message.
    /// Returns its id.
    pub fn post(&self, channel: &str, author: &Author, text: &str, reply_to: Option<&str>) -> String {
        let mut g = self.inner.lock().unwrap();
        let extra = match reply_to {
            Some(m) => json!({"message_reference": {"type": 0, "message_id": m, "channel_id": channel, "guild_id": GUILD_ID}}),
            None => json!({}),
        };
        g.store(channel, author, text, extra)["id"].as_str().unwrap_or_default().to_string()
    }

    /// Posts in the thread started from `message` (in `channel`), starting
    /// the thread first when there is none (its id is the message's id, as
    /// on Discord). Returns the new message's id.
    pub fn post_in_thread(&self, channel: &str, message: &str, author: &Author, text: &str) -> String {
        self.start_thread(channel, message);
        let mut g = self.inner.lock().unwrap();
        g.store(message, author, text, json!({}))["id"].as_str().unwrap_or_default().to_string()
    }

    /// Starts a thread from `message` in `channel` (id = the message's id),
    /// with Discord's thread-starter system message in it.
    pub fn start_thread(&self, channel: &str, message: &str) {
        let mut g = self.inner.lock().unwrap();
        if g.channels.contains_key(message) {
            return;
        }
        g.channels.insert(
            message.to_string(),
            Channel { guild_id: Some(GUILD_ID.into()), parent: Some(channel.to_string()), forbidden: false },
        );
        let system = Author { id: BOT_USER_ID.into(), username: "alerter".into(), bot: true };
        let starter = json!({"type": 21, "message_reference": {"message_id": message, "channel_id": channel}});
        g.store(message, &system, "", starter);
        if let Some(stored) = g.messages.iter_mut().find(|m| m.id.to_string() == message) {
            stored.json["flags"] = json!(stored.json["flags"].as_u64().unwrap_or(0) | (1 << 5));
        }
    }

    /// Messages in `channel` (a thread's id for a thread), oldest first.
    pub fn messages(&self, channel: &str) -> Vec<Value> {
        let g = self.inner.lock().unwrap();
        g.messages.iter().filter(|m| m.channel == channel).map(|m| m.json.clone()).collect()
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.lock().unwrap().requests.clone()
    }

    /// The requests that sent a message (create message, execute webhook).
    pub fn posts(&self) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.method == "POST").collect()
    }

    /// The next `count` requests answer 429 with `retry_after` seconds (in
    /// the body; `Retry-After` rounds up to whole seconds).
    pub fn rate_limit_next(&self, count: usize, retry_after: f64, global: bool) {
        let mut g = self.inner.lock().unwrap();
        for _ in 0..count {
            g.rate_limits.push_back((retry_after, global));
        }
    }

    /// Why request bodies broke the spec or the docs (empty when all were fine).
    pub fn violations(&self) -> Vec<String> {
        self.inner.lock().unwrap().violations.clone()
    }

    /// Lists `channel`'s messages the way Discord's `GET
    /// /channels/{id}/messages` does: with `after`, the `limit` messages
    /// right after it; with `before`, the ones right before it; else the
    /// latest; always newest first.
    pub fn list(&self, channel: &str, after: Option<u64>, before: Option<u64>, limit: usize) -> Vec<Value> {
        list_messages(&self.inner.lock().unwrap(), channel, after, before, limit)
    }
}

fn list_messages(g: &Inner, channel: &str, after: Option<u64>, before: Option<u64>, limit: usize) -> Vec<Value> {
    let mut msgs: Vec<&Stored> = g.messages.iter().filter(|m| m.channel == channel).collect();
    msgs.sort_by_key(|m| m.id);
    let picked: Vec<&Stored> = match (after, before) {
        (Some(a), _) => msgs.into_iter().filter(|m| m.id > a && before.is_none_or(|b| m.id < b)).take(limit).collect(),
        (None, Some(b)) => {
            let older: Vec<&Stored> = msgs.into_iter().filter(|m| m.id < b).collect();
            older[older.len().saturating_sub(limit)..].to_vec()
        }
        (None, None) => msgs[msgs.len().saturating_sub(limit)..].to_vec(),
    };
    picked.into_iter().rev().map(|m| m.json.clone()).collect()
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// `YYYY-MM-DDTHH:MM:SS.mmm+00:00` for Unix milliseconds.
fn rfc3339(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}+00:00",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        ms % 1000
    )
}

fn query_pairs(query: Option<&str>) -> HashMap<String, String> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (p.to_string(), String::new()),
        })
        .collect()
}

fn rate_headers(resp: &mut Response, remaining: u32, reset_after: f64) {
    let h = resp.headers_mut();
    let reset = now_ms() as f64 / 1000.0 + reset_after;
    let mut put = |k: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    };
    put("x-ratelimit-limit", "5".into());
    put("x-ratelimit-remaining", remaining.to_string());
    put("x-ratelimit-reset", format!("{reset:.3}"));
    put("x-ratelimit-reset-after", format!("{reset_after:.3}"));
    put("x-ratelimit-bucket", "standin-bucket-0001".into());
}

fn error(status: StatusCode, code: u32, message: &str) -> Response {
    (status, Json(json!({"message": message, "code": code}))).into_response()
}

fn handle(state: &Arc<Mutex<Inner>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let mut g = state.lock().unwrap();
    let mut rec = Recorded {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().map(str::to_string),
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
        body: body.to_vec(),
        at: Instant::now(),
        status: 0,
    };
    let mut resp = route(&mut g, &rec);
    if resp.status() != StatusCode::TOO_MANY_REQUESTS {
        rate_headers(&mut resp, 4, 1.0);
    }
    rec.status = resp.status().as_u16();
    g.requests.push(rec);
    resp
}

fn route(g: &mut Inner, rec: &Recorded) -> Response {
    if let Some((retry_after, global)) = g.rate_limits.pop_front() {
        let mut resp = (
            StatusCode::TOO_MANY_REQUESTS,
            Json(json!({"message": "You are being rate limited.", "retry_after": retry_after, "global": global, "code": 0})),
        )
            .into_response();
        rate_headers(&mut resp, 0, retry_after);
        let h = resp.headers_mut();
        h.insert("retry-after", HeaderValue::from(retry_after.ceil() as u64));
        h.insert("x-ratelimit-scope", HeaderValue::from_static(if global { "global" } else { "user" }));
        if global {
            h.insert("x-ratelimit-global", HeaderValue::from_static("true"));
        }
        return resp;
    }
    let path = rec.path.strip_prefix("/api/v10").or_else(|| rec.path.strip_prefix("/api")).unwrap_or("");
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (rec.method.as_str(), parts.as_slice()) {
        ("POST", ["webhooks", id, token]) => execute_webhook(g, rec, id, token),
        (method, ["channels", ..]) => {
            if let Some(resp) = check_bot(g, rec) {
                return resp;
            }
            match (method, &parts[1..]) {
                ("GET", [channel]) => get_channel(g, channel),
                ("GET", [channel, "messages"]) => list(g, rec, channel),
                ("POST", [channel, "messages"]) => create_message(g, rec, channel),
                _ => error(StatusCode::NOT_FOUND, 0, "404: Not Found"),
            }
        }
        _ => error(StatusCode::NOT_FOUND, 0, "404: Not Found"),
    }
}

/// 401 unless `Authorization: Bot <TOKEN>`; notes a missing `DiscordBot`
/// user agent.
fn check_bot(g: &mut Inner, rec: &Recorded) -> Option<Response> {
    if !rec.header("user-agent").is_some_and(|ua| ua.starts_with("DiscordBot (") && ua.ends_with(')')) {
        g.violations.push(format!("docs: {} without a `DiscordBot ($url, $version)` User-Agent: {:?}", rec.line(), rec.header("user-agent")));
    }
    if rec.header("authorization") == Some(format!("Bot {TOKEN}").as_str()) {
        return None;
    }
    Some(error(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized"))
}

/// The channel's status for the bot: `Err` with Discord's answer when it
/// cannot use it.
#[allow(clippy::result_large_err)] // an axum Response, built once per request
fn usable(g: &Inner, channel: &str) -> Result<Channel, Response> {
    match g.channels.get(channel) {
        None => Err(error(StatusCode::NOT_FOUND, 10003, "Unknown Channel")),
        Some(c) if c.forbidden => Err(error(StatusCode::FORBIDDEN, 50001, "Missing Access")),
        Some(c) => Ok(c.clone()),
    }
}

fn get_channel(g: &Inner, channel: &str) -> Response {
    match usable(g, channel) {
        Err(r) => r,
        Ok(c) => {
            let kind = if c.parent.is_some() { 11 } else { 0 };
            Json(json!({"id": channel, "type": kind, "guild_id": c.guild_id, "parent_id": c.parent, "name": format!("channel-{channel}")}))
                .into_response()
        }
    }
}

fn invalid_form(problems: &[String]) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"message": "Invalid Form Body", "code": 50035, "errors": {"_errors": problems.iter().map(|p| json!({"code": "BASE_TYPE_INVALID", "message": p})).collect::<Vec<_>>()}})),
    )
        .into_response()
}

fn parse_snowflake(v: Option<&String>) -> Result<Option<u64>, ()> {
    match v {
        None => Ok(None),
        Some(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().map(Some).map_err(|_| ()),
        Some(_) => Err(()),
    }
}

fn list(g: &mut Inner, rec: &Recorded, channel: &str) -> Response {
    if let Err(r) = usable(g, channel) {
        return r;
    }
    let q = query_pairs(rec.query.as_deref());
    let limit = match q.get("limit").map(|l| l.parse::<usize>()) {
        None => 50,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => return invalid_form(&["limit must be between 1 and 100".to_string()]),
    };
    let (Ok(after), Ok(before)) = (parse_snowflake(q.get("after")), parse_snowflake(q.get("before"))) else {
        return invalid_form(&["after/before must be snowflakes".to_string()]);
    };
    Json(Value::Array(list_messages(g, channel, after, before, limit))).into_response()
}

/// The JSON body of a message request, or Discord's 400 (and a recorded
/// violation) when it is not JSON or breaks the spec or the docs.
#[allow(clippy::result_large_err)] // an axum Response, built once per request
fn checked_body(g: &mut Inner, rec: &Recorded, endpoint: Endpoint) -> Result<Value, Response> {
    let mut problems = Vec::new();
    if !rec.header("content-type").is_some_and(|ct| ct.starts_with("application/json")) {
        problems.push(format!("content-type is {:?}, not application/json", rec.header("content-type")));
    }
    let body = match serde_json::from_slice::<Value>(&rec.body) {
        Ok(v) => v,
        Err(e) => {
            problems.push(format!("body is not JSON: {e}"));
            Value::Null
        }
    };
    if !body.is_null() {
        problems.extend(check_body(endpoint, &body));
    }
    if problems.is_empty() {
        return Ok(body);
    }
    for p in &problems {
        g.violations.push(format!("{}: {p}", rec.line()));
    }
    Err(invalid_form(&problems))
}

/// The fields of a request body that a created message keeps.
fn kept(body: &Value) -> Value {
    let mut extra = json!({});
    for k in ["embeds", "message_reference", "tts", "flags", "components"] {
        if !body[k].is_null() {
            extra[k] = body[k].clone();
        }
    }
    extra
}

fn create_message(g: &mut Inner, rec: &Recorded, channel: &str) -> Response {
    if let Err(r) = usable(g, channel) {
        return r;
    }
    let body = match checked_body(g, rec, Endpoint::CreateMessage) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let reference = &body["message_reference"];
    if let Some(m) = reference["message_id"].as_str() {
        let exists = g.messages.iter().any(|s| s.id.to_string() == m && s.channel == channel);
        if !exists && reference["fail_if_not_exists"] != json!(false) {
            return error(StatusCode::BAD_REQUEST, 10008, "Unknown Message");
        }
    }
    let bot = Author { id: BOT_USER_ID.into(), username: "alerter".into(), bot: true };
    let content = body["content"].as_str().unwrap_or("").to_string();
    let msg = g.store(channel, &bot, &content, kept(&body));
    Json(msg).into_response()
}

fn execute_webhook(g: &mut Inner, rec: &Recorded, id: &str, token: &str) -> Response {
    let Some((want, channel)) = g.webhooks.get(id).cloned() else {
        return error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook");
    };
    if want != token {
        return error(StatusCode::UNAUTHORIZED, 50027, "Invalid Webhook Token");
    }
    let q = query_pairs(rec.query.as_deref());
    let target = match parse_snowflake(q.get("thread_id")) {
        Err(()) => return invalid_form(&["thread_id must be a snowflake".to_string()]),
        Ok(None) => channel.clone(),
        Ok(Some(t)) => {
            let t = t.to_string();
            match g.channels.get(&t) {
                Some(c) if c.parent.as_deref() == Some(channel.as_str()) => t,
                _ => return error(StatusCode::BAD_REQUEST, 10003, "Unknown Channel"),
            }
        }
    };
    let body = match checked_body(g, rec, Endpoint::ExecuteWebhook) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let hook = Author { id: id.to_string(), username: body["username"].as_str().unwrap_or("Alerter Hook").to_string(), bot: true };
    let content = body["content"].as_str().unwrap_or("").to_string();
    let mut extra = kept(&body);
    extra["webhook_id"] = json!(id);
    let msg = g.store(&target, &hook, &content, extra);
    match q.get("wait").map(String::as_str) {
        Some("true") | Some("True") | Some("1") => Json(msg).into_response(),
        _ => StatusCode::NO_CONTENT.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000+00:00");
        assert_eq!(rfc3339(1_462_015_105_796), "2016-04-30T11:18:25.796+00:00");
    }

    #[test]
    fn schema_checks() {
        assert!(check_body(Endpoint::CreateMessage, &json!({"content": "hi"})).is_empty());
        let long = json!({"content": "x".repeat(2500)});
        let p = check_body(Endpoint::CreateMessage, &long);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].starts_with("docs: content"));
        // The webhook schema itself says 2000.
        assert!(check_body(Endpoint::ExecuteWebhook, &long).iter().any(|p| p.starts_with("schema:")));
        let bad = json!({"embeds": [{"title": "t".repeat(300), "color": -1, "fields": [{"name": "n"}]}]});
        let p = check_body(Endpoint::CreateMessage, &bad);
        assert!(p.len() >= 3, "{p:?}");
        let bad_ref = json!({"content": "x", "message_reference": {"message_id": "abc"}});
        assert!(!check_body(Endpoint::CreateMessage, &bad_ref).is_empty());
        assert!(!check_body(Endpoint::CreateMessage, &json!({})).is_empty());
        let huge = json!({"embeds": [{"description": "d".repeat(4096), "fields": (0..3).map(|_| json!({"name": "n", "value": "v".repeat(1000)})).collect::<Vec<_>>()}]});
        assert!(check_body(Endpoint::CreateMessage, &huge).iter().any(|p| p.contains("6000")));
        let bad_url = json!({"embeds": [{"title": "t", "url": "not a url"}]});
        assert!(!check_body(Endpoint::CreateMessage, &bad_url).is_empty());
    }
}
