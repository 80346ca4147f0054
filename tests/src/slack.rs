//! Slack Web API stand-in (issue 3).
//!
//! Serves `/api/{method}` the way Slack does: HTTP 200 with an `ok`
//! envelope (`{"ok": false, "error": "channel_not_found"}`), the token from
//! `Authorization: Bearer` (or a `token` parameter), parameters from the query
//! string, a form body or a JSON body. Implements `auth.test`,
//! `chat.postMessage`, `chat.getPermalink`, `conversations.history` and
//! `conversations.replies` (ts values increasing per channel, history newest
//! first, `oldest`/`latest` exclusive unless `inclusive`, `limit` + `cursor`
//! pagination with `response_metadata.next_cursor`), and incoming webhooks at
//! `/services/T…/B…/…` (text `ok`, or `404 no_service`, `400 invalid_payload`,
//! `400 no_text`, `400 invalid_blocks`). Blocks are checked against Slack's
//! limits, so a flavor that overflows one is rejected here as it would be by
//! Slack.
//!
//! The test API posts human (or bot) messages, shows every request the
//! flavor sent ([`Seen`]), injects 429s and error codes, and checks requests
//! against Slack's OpenAPI spec ([`spec`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::server::Server;

/// The bot token the stand-in accepts unless started with another.
pub const BOT_TOKEN: &str = "xoxb-1111-2222-StandInSecretToken";
/// The channel that exists (with the bot in it) from the start.
pub const CHANNEL: &str = "C0ALERTS";
/// The bot's user id (author of what the flavor posts).
pub const BOT_USER: &str = "U0ALERTER";
/// The bot's bot id.
pub const BOT_ID: &str = "B0ALERTER";
/// Path of the incoming webhook that exists from the start (posts to [`CHANNEL`]).
pub const WEBHOOK_PATH: &str = "/services/T0STANDIN/B0STANDIN/xWebhookSecret42";

/// One message in a channel.
#[derive(Debug, Clone)]
pub struct SlackMessage {
    /// Its ts, e.g. `1700000000.000100`.
    pub ts: String,
    /// Author user id (humans and the bot user).
    pub user: Option<String>,
    /// Set for bot messages.
    pub bot_id: Option<String>,
    /// `bot_message` for webhook posts, `None` for ordinary messages.
    pub subtype: Option<String>,
    /// Text.
    pub text: String,
    /// Parent ts when in a thread.
    pub thread_ts: Option<String>,
    /// Blocks, when given.
    pub blocks: Option<Value>,
}

impl SlackMessage {
    fn top_level(&self) -> bool {
        self.thread_ts.as_ref().is_none_or(|t| *t == self.ts)
    }

    fn to_json(&self, channel: &Channel) -> Value {
        let mut m = json!({"type": "message", "ts": self.ts, "text": self.text});
        if let Some(u) = &self.user {
            m["user"] = json!(u);
        }
        if let Some(b) = &self.bot_id {
            m["bot_id"] = json!(b);
            m["app_id"] = json!("A0ALERTER");
        }
        if let Some(s) = &self.subtype {
            m["subtype"] = json!(s);
        }
        if let Some(b) = &self.blocks {
            m["blocks"] = b.clone();
        }
        if let Some(t) = &self.thread_ts {
            m["thread_ts"] = json!(t);
        }
        let replies: Vec<&SlackMessage> = channel
            .messages
            .iter()
            .filter(|r| r.thread_ts.as_deref() == Some(self.ts.as_str()) && r.ts != self.ts)
            .collect();
        if let Some(last) = replies.last() {
            m["thread_ts"] = json!(self.ts);
            m["reply_count"] = json!(replies.len());
            m["latest_reply"] = json!(last.ts);
        }
        m
    }
}

/// Where a parameter came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The URL's query string.
    Query,
    /// An `application/x-www-form-urlencoded` body.
    Form,
    /// A JSON body.
    Json,
}

/// One parameter of a request.
#[derive(Debug, Clone)]
pub struct Param {
    /// Name.
    pub name: String,
    /// Value (a string for query and form parameters).
    pub value: Value,
    /// Where it was.
    pub place: Place,
}

/// One request the stand-in received, as it saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The Slack method (`chat.postMessage`), or `webhook`.
    pub method: String,
    /// The HTTP method.
    pub http_method: String,
    /// The path.
    pub path: String,
    /// The raw query string.
    pub query: String,
    /// All headers (names lowercase).
    pub headers: Vec<(String, String)>,
    /// The raw body as text.
    pub body: String,
    /// Parameters from the query and the body, in order.
    pub params: Vec<Param>,
    /// When it arrived.
    pub at: Instant,
    /// The HTTP status answered.
    pub status: u16,
    /// The `error` answered, if any.
    pub error: Option<String>,
}

impl Seen {
    /// The first header named `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The value of parameter `name`.
    pub fn param(&self, name: &str) -> Option<&Value> {
        self.params.iter().find(|p| p.name == name).map(|p| &p.value)
    }

    /// The parameter `name` as text (JSON strings unquoted).
    pub fn param_str(&self, name: &str) -> Option<String> {
        self.param(name).map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
    }

    /// The parameters as one JSON object (for a JSON body: the body itself).
    pub fn params_json(&self) -> Value {
        Value::Object(self.params.iter().map(|p| (p.name.clone(), p.value.clone())).collect())
    }

    /// Everything the stand-in saw except the `Authorization` header, for
    /// "the secret appears nowhere else" checks.
    pub fn all_but_authorization(&self) -> String {
        let headers: Vec<String> = self
            .headers
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("authorization"))
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        format!("{} {}?{}\n{}\n\n{}", self.http_method, self.path, self.query, headers.join("\n"), self.body)
    }
}

#[derive(Default)]
struct Channel {
    bot_member: bool,
    messages: Vec<SlackMessage>,
    last_ts: (u64, u64),
}

impl Channel {
    /// A new ts, after every earlier one in this channel.
    fn next_ts(&mut self) -> String {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let mut ts = (now.as_secs(), u64::from(now.subsec_micros()));
        if ts <= self.last_ts {
            ts = if self.last_ts.1 >= 999_999 { (self.last_ts.0 + 1, 0) } else { (self.last_ts.0, self.last_ts.1 + 1) };
        }
        self.last_ts = ts;
        format!("{}.{:06}", ts.0, ts.1)
    }

    fn push(&mut self, mut m: SlackMessage) -> String {
        m.ts = self.next_ts();
        let ts = m.ts.clone();
        self.messages.push(m);
        ts
    }

    fn find(&self, ts: &str) -> Option<&SlackMessage> {
        self.messages.iter().find(|m| m.ts == ts)
    }
}

#[derive(Debug, Clone)]
enum Injected {
    RateLimit(u64),
    Error(String),
}

struct Inner {
    token: String,
    channels: BTreeMap<String, Channel>,
    webhooks: BTreeMap<String, String>,
    seen: Vec<Seen>,
    inject: Vec<(String, Injected)>,
    origin: String,
}

type Shared = Arc<Mutex<Inner>>;

/// The running stand-in and a handle to its state.
#[derive(Clone)]
pub struct SlackService {
    inner: Shared,
    server: Arc<Server>,
}

impl SlackService {
    /// Starts the stand-in on 127.0.0.1 (ephemeral port), accepting [`BOT_TOKEN`].
    pub fn start() -> SlackService {
        Self::start_with_token(BOT_TOKEN)
    }

    /// Starts the stand-in accepting bot token `token`.
    pub fn start_with_token(token: &str) -> SlackService {
        let mut channels = BTreeMap::new();
        channels.insert(CHANNEL.to_string(), Channel { bot_member: true, ..Default::default() });
        let mut webhooks = BTreeMap::new();
        webhooks.insert(WEBHOOK_PATH.to_string(), CHANNEL.to_string());
        let inner = Arc::new(Mutex::new(Inner {
            token: token.to_string(),
            channels,
            webhooks,
            seen: Vec::new(),
            inject: Vec::new(),
            origin: String::new(),
        }));
        let router = Router::new()
            .route("/api/{method}", any(api))
            .route("/services/{*rest}", post(webhook))
            .with_state(inner.clone());
        let server = Server::start(router);
        inner.lock().unwrap().origin = server.origin();
        SlackService { inner, server: Arc::new(server) }
    }

    /// `http://127.0.0.1:PORT`, to grant with `--allow-host`.
    pub fn origin(&self) -> String {
        self.server.origin()
    }

    /// The Web API base URL, for the `api_base` setting.
    pub fn api_base(&self) -> String {
        format!("{}/api", self.origin())
    }

    /// The URL of the webhook that exists from the start.
    pub fn webhook_url(&self) -> String {
        format!("{}{WEBHOOK_PATH}", self.origin())
    }

    /// `alerter register ops ...` arguments for a bot-mode alerter of
    /// `flavor` on this stand-in (channel [`CHANNEL`], API host granted).
    pub fn bot_args(&self, flavor: &str, token: &str) -> Vec<String> {
        crate::cli::args(&[
            "register", "ops", "--flavor", flavor,
            "--set", &format!("token={token}"),
            "--set", &format!("channel_id={CHANNEL}"),
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

    /// The bot token accepted.
    pub fn token(&self) -> String {
        self.inner.lock().unwrap().token.clone()
    }

    /// Adds a channel with the bot in it.
    pub fn add_channel(&self, id: &str) {
        self.inner.lock().unwrap().channels.insert(id.into(), Channel { bot_member: true, ..Default::default() });
    }

    /// Adds a channel the bot is not a member of (posting gives `not_in_channel`).
    pub fn add_channel_without_bot(&self, id: &str) {
        self.inner.lock().unwrap().channels.insert(id.into(), Channel::default());
    }

    fn add(&self, channel: &str, m: SlackMessage) -> String {
        let mut g = self.inner.lock().unwrap();
        let ch = g.channels.get_mut(channel).unwrap_or_else(|| panic!("no channel {channel}"));
        ch.push(m)
    }

    /// A human posts `text` at top level in `channel`; returns its ts.
    pub fn say(&self, channel: &str, user: &str, text: &str) -> String {
        self.add(channel, human(user, text, None))
    }

    /// A human replies `text` in the thread of `thread_ts`; returns its ts.
    pub fn say_in_thread(&self, channel: &str, thread_ts: &str, user: &str, text: &str) -> String {
        self.add(channel, human(user, text, Some(thread_ts)))
    }

    /// Another bot (`bot_id`) posts `text`, at top level or in a thread.
    pub fn bot_says(&self, channel: &str, bot_id: &str, text: &str, thread_ts: Option<&str>) -> String {
        let mut m = human("U0OTHERBOT", text, thread_ts);
        m.bot_id = Some(bot_id.into());
        self.add(channel, m)
    }

    /// The messages of `channel`, oldest first.
    pub fn messages(&self, channel: &str) -> Vec<SlackMessage> {
        self.inner.lock().unwrap().channels.get(channel).map(|c| c.messages.clone()).unwrap_or_default()
    }

    /// Every request received, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.inner.lock().unwrap().seen.clone()
    }

    /// The requests for one method (`chat.postMessage`, `webhook`, ...).
    pub fn seen_method(&self, method: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.method == method).collect()
    }

    /// The parameters of every `chat.postMessage` that was answered ok, as JSON objects.
    pub fn posted(&self) -> Vec<Value> {
        self.seen_method("chat.postMessage").iter().filter(|s| s.error.is_none()).map(Seen::params_json).collect()
    }

    /// The JSON payloads of every webhook post that was answered ok.
    pub fn webhook_posts(&self) -> Vec<Value> {
        self.seen_method("webhook")
            .iter()
            .filter(|s| s.status == 200)
            .filter_map(|s| serde_json::from_str(&s.body).ok())
            .collect()
    }

    /// The next `count` requests for `method` (`*`: any, `webhook`: the
    /// webhooks) answer 429 with `Retry-After: retry_after_s`.
    pub fn fail_next(&self, method: &str, count: usize, retry_after_s: u64) {
        let mut g = self.inner.lock().unwrap();
        for _ in 0..count {
            g.inject.push((method.into(), Injected::RateLimit(retry_after_s)));
        }
    }

    /// The next request for `method` answers `{"ok": false, "error": code}`.
    pub fn error_next(&self, method: &str, code: &str) {
        self.inner.lock().unwrap().inject.push((method.into(), Injected::Error(code.into())));
    }
}

fn human(user: &str, text: &str, thread_ts: Option<&str>) -> SlackMessage {
    SlackMessage {
        ts: String::new(),
        user: Some(user.into()),
        bot_id: None,
        subtype: None,
        text: text.into(),
        thread_ts: thread_ts.map(str::to_string),
        blocks: None,
    }
}

/// Decodes `application/x-www-form-urlencoded` text (also a query string).
pub fn decode_form(text: &str) -> Vec<(String, String)> {
    fn unescape(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                        Ok(b) => {
                            out.push(b);
                            i += 2;
                        }
                        Err(_) => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (unescape(k), unescape(v))
        })
        .collect()
}

fn headers_vec(headers: &HeaderMap) -> Vec<(String, String)> {
    headers.iter().map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect()
}

/// A Slack `ok: false` answer (HTTP 200, as Slack does).
fn fail(code: &str) -> (u16, Value) {
    (200, json!({"ok": false, "error": code}))
}

async fn api(
    State(inner): State<Shared>,
    Path(method): Path<String>,
    http_method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = query.unwrap_or_default();
    let body_text = String::from_utf8_lossy(&body).into_owned();
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();

    let mut params: Vec<Param> = decode_form(&query)
        .into_iter()
        .map(|(name, v)| Param { name, value: Value::String(v), place: Place::Query })
        .collect();
    let mut body_error = None;
    if !body.is_empty() {
        if content_type.starts_with("application/json") {
            match serde_json::from_slice::<Value>(&body) {
                Ok(Value::Object(map)) => {
                    params.extend(map.into_iter().map(|(name, value)| Param { name, value, place: Place::Json }))
                }
                Ok(_) => body_error = Some("json_not_object"),
                Err(_) => body_error = Some("invalid_json"),
            }
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            params.extend(decode_form(&body_text).into_iter().map(|(name, v)| Param {
                name,
                value: Value::String(v),
                place: Place::Form,
            }));
        } else {
            body_error = Some("invalid_post_type");
        }
    }

    let mut seen = Seen {
        method: method.clone(),
        http_method: http_method.to_string(),
        path: format!("/api/{method}"),
        query,
        headers: headers_vec(&headers),
        body: body_text,
        params,
        at: Instant::now(),
        status: 200,
        error: None,
    };

    let mut g = inner.lock().unwrap();
    let (status, answer, retry_after) = match take_injected(&mut g, &method) {
        Some(Injected::RateLimit(secs)) => (429, json!({"ok": false, "error": "ratelimited"}), Some(secs)),
        Some(Injected::Error(code)) => {
            let mut a = fail(&code).1;
            if code == "missing_scope" {
                a["needed"] = json!("chat:write");
                a["provided"] = json!("channels:read");
            }
            (200, a, None)
        }
        None => {
            let (s, a) = match body_error {
                Some(code) => fail(code),
                None => handle(&mut g, &method, &seen),
            };
            (s, a, None)
        }
    };
    seen.status = status;
    seen.error = answer["error"].as_str().map(str::to_string);
    g.seen.push(seen);
    drop(g);

    let mut resp = (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), Json(answer)).into_response();
    if let Some(secs) = retry_after {
        resp.headers_mut().insert("retry-after", secs.to_string().parse().expect("header value"));
    }
    resp
}

fn take_injected(g: &mut Inner, method: &str) -> Option<Injected> {
    let i = g.inject.iter().position(|(m, _)| m == method || m == "*")?;
    Some(g.inject.remove(i).1)
}

/// Authenticates and runs one Web API method.
fn handle(g: &mut Inner, method: &str, req: &Seen) -> (u16, Value) {
    const METHODS: [&str; 5] =
        ["auth.test", "chat.postMessage", "chat.getPermalink", "conversations.history", "conversations.replies"];
    if !METHODS.contains(&method) {
        return (404, json!({"ok": false, "error": "unknown_method", "req_method": method}));
    }
    let token = match req.header("authorization") {
        Some(a) => a.strip_prefix("Bearer ").map(str::to_string).unwrap_or_default(),
        None => match req.param_str("token") {
            Some(t) => t,
            None => return fail("not_authed"),
        },
    };
    if token != g.token {
        return fail("invalid_auth");
    }
    match method {
        "auth.test" => (
            200,
            json!({"ok": true, "url": "https://standin.slack.invalid/", "team": "Stand-in", "user": "alerter",
                   "team_id": "T0STANDIN", "user_id": BOT_USER, "bot_id": BOT_ID}),
        ),
        "chat.postMessage" => post_message(g, req),
        "chat.getPermalink" => permalink(g, req),
        "conversations.history" => history(g, req),
        _ => thread_replies(g, req),
    }
}

fn post_message(g: &mut Inner, req: &Seen) -> (u16, Value) {
    let Some(channel_id) = req.param_str("channel") else { return fail("channel_not_found") };
    let Some(channel) = g.channels.get_mut(&channel_id) else { return fail("channel_not_found") };
    if !channel.bot_member {
        return fail("not_in_channel");
    }
    let blocks = match req.param("blocks") {
        None => None,
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(v) => Some(v),
            Err(_) => return fail("invalid_blocks_format"),
        },
        Some(v) => Some(v.clone()),
    };
    if let Some(b) = &blocks {
        if let Err(errors) = check_blocks(b) {
            return (200, json!({"ok": false, "error": "invalid_blocks", "errors": errors}));
        }
    }
    let text = req.param_str("text").unwrap_or_default();
    if text.is_empty() && blocks.is_none() {
        return fail("no_text");
    }
    if text.chars().count() > 40_000 {
        return fail("msg_too_long");
    }
    let thread_ts = req.param_str("thread_ts");
    if let Some(t) = &thread_ts {
        if channel.find(t).is_none_or(|m| !m.top_level()) {
            return fail("thread_not_found");
        }
    }
    let ts = channel.push(SlackMessage {
        ts: String::new(),
        user: Some(BOT_USER.into()),
        bot_id: Some(BOT_ID.into()),
        subtype: None,
        text,
        thread_ts,
        blocks,
    });
    let message = channel.find(&ts).map(|m| m.to_json(channel)).unwrap_or(Value::Null);
    (200, json!({"ok": true, "channel": channel_id, "ts": ts, "message": message}))
}

fn permalink(g: &mut Inner, req: &Seen) -> (u16, Value) {
    let Some(channel_id) = req.param_str("channel") else { return fail("channel_not_found") };
    let Some(channel) = g.channels.get(&channel_id) else { return fail("channel_not_found") };
    let Some(ts) = req.param_str("message_ts").filter(|t| channel.find(t).is_some()) else {
        return fail("message_not_found");
    };
    let link = format!("https://standin.slack.invalid/archives/{channel_id}/p{}", ts.replace('.', ""));
    (200, json!({"ok": true, "channel": channel_id, "permalink": link}))
}

/// A ts as (seconds, microseconds).
fn ts_key(ts: &str) -> Option<(u64, u64)> {
    let (s, f) = ts.split_once('.').unwrap_or((ts, ""));
    if f.len() > 6 {
        return None;
    }
    let micros = if f.is_empty() { 0 } else { format!("{f:0<6}").parse().ok()? };
    Some((s.parse().ok()?, micros))
}

/// `oldest` / `latest` / `inclusive`, `limit` and `cursor` of a read method.
struct Window {
    oldest: Option<(u64, u64)>,
    latest: Option<(u64, u64)>,
    inclusive: bool,
    limit: usize,
    offset: usize,
}

impl Window {
    fn parse(req: &Seen) -> Result<Window, &'static str> {
        let bound = |name: &str| -> Result<Option<(u64, u64)>, &'static str> {
            match req.param_str(name).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => ts_key(&v).map(Some).ok_or("invalid_ts_oldest"),
            }
        };
        let inclusive = matches!(req.param_str("inclusive").as_deref(), Some("true" | "1"));
        let limit = match req.param_str("limit") {
            None => 100,
            Some(l) => l.parse::<usize>().map_err(|_| "invalid_limit")?.clamp(1, 999),
        };
        let offset = match req.param_str("cursor").filter(|c| !c.is_empty()) {
            None => 0,
            Some(c) => c.strip_prefix("b2Zmc2V0=").and_then(|n| n.parse().ok()).ok_or("invalid_cursor")?,
        };
        Ok(Window { oldest: bound("oldest")?, latest: bound("latest")?, inclusive, limit, offset })
    }

    fn contains(&self, ts: &str) -> bool {
        let Some(k) = ts_key(ts) else { return false };
        let after = self.oldest.is_none_or(|o| if self.inclusive { k >= o } else { k > o });
        let before = self.latest.is_none_or(|l| if self.inclusive { k <= l } else { k < l });
        after && before
    }

    /// One page of `items`, the cursor of the next one and `has_more`.
    fn page(&self, items: Vec<Value>) -> (Vec<Value>, String, bool) {
        let end = (self.offset + self.limit).min(items.len());
        let page = items.get(self.offset..end).map(<[Value]>::to_vec).unwrap_or_default();
        let more = end < items.len();
        (page, if more { format!("b2Zmc2V0={end}") } else { String::new() }, more)
    }
}

fn read_channel<'g>(g: &'g Inner, req: &Seen) -> Result<(&'g Channel, Window), (u16, Value)> {
    let channel_id = req.param_str("channel").ok_or_else(|| fail("channel_not_found"))?;
    let channel = g.channels.get(&channel_id).ok_or_else(|| fail("channel_not_found"))?;
    if !channel.bot_member {
        return Err(fail("not_in_channel"));
    }
    let window = Window::parse(req).map_err(fail)?;
    Ok((channel, window))
}

fn history(g: &mut Inner, req: &Seen) -> (u16, Value) {
    let (channel, w) = match read_channel(g, req) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let mut items: Vec<&SlackMessage> =
        channel.messages.iter().filter(|m| m.top_level() && w.contains(&m.ts)).collect();
    items.sort_by_key(|m| std::cmp::Reverse(ts_key(&m.ts)));
    let items = items.into_iter().map(|m| m.to_json(channel)).collect();
    let (messages, next, has_more) = w.page(items);
    (
        200,
        json!({"ok": true, "messages": messages, "has_more": has_more, "pin_count": 0,
               "channel_actions_ts": null, "channel_actions_count": 0,
               "response_metadata": {"next_cursor": next}}),
    )
}

fn thread_replies(g: &mut Inner, req: &Seen) -> (u16, Value) {
    let (channel, w) = match read_channel(g, req) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let Some(parent) = req.param_str("ts").and_then(|ts| channel.find(&ts).filter(|m| m.top_level()).cloned()) else {
        return fail("thread_not_found");
    };
    let mut items: Vec<&SlackMessage> = channel
        .messages
        .iter()
        .filter(|m| m.thread_ts.as_deref() == Some(parent.ts.as_str()) && m.ts != parent.ts && w.contains(&m.ts))
        .collect();
    items.sort_by_key(|m| ts_key(&m.ts));
    let items = items.into_iter().map(|m| m.to_json(channel)).collect();
    let (mut messages, next, has_more) = w.page(items);
    if w.offset == 0 {
        // Slack lists the parent first on the first page, whatever the window.
        messages.insert(0, parent.to_json(channel));
    }
    (200, json!({"ok": true, "messages": messages, "has_more": has_more, "response_metadata": {"next_cursor": next}}))
}

/// Checks blocks against Slack's documented limits; the list of problems.
pub fn check_blocks(blocks: &Value) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    let Some(blocks) = blocks.as_array() else { return Err(vec!["blocks must be an array".into()]) };
    if blocks.len() > 50 {
        errors.push(format!("{} blocks, over 50", blocks.len()));
    }
    let text_len = |v: &Value| v["text"].as_str().map(|t| t.chars().count());
    for (i, b) in blocks.iter().enumerate() {
        let too_long = |what: &str, len: Option<usize>, max: usize| {
            len.filter(|l| *l > max).map(|l| format!("block {i}: {what} is {l} characters, over {max}"))
        };
        match b["type"].as_str() {
            Some("header") => {
                if b["text"]["type"] != "plain_text" {
                    errors.push(format!("block {i}: header text must be plain_text"));
                }
                errors.extend(too_long("header text", text_len(&b["text"]), 150));
            }
            Some("section") => {
                if b.get("text").is_none() && b.get("fields").is_none() {
                    errors.push(format!("block {i}: section needs text or fields"));
                }
                if b.get("text").is_some() {
                    match text_len(&b["text"]) {
                        Some(0) | None => errors.push(format!("block {i}: section text must be non-empty")),
                        l => errors.extend(too_long("section text", l, 3000)),
                    }
                }
                if let Some(fields) = b["fields"].as_array() {
                    if fields.len() > 10 {
                        errors.push(format!("block {i}: {} fields, over 10", fields.len()));
                    }
                    for f in fields {
                        errors.extend(too_long("field", text_len(f), 2000));
                    }
                }
            }
            Some("context") => {
                if b["elements"].as_array().is_none_or(|e| e.is_empty() || e.len() > 10) {
                    errors.push(format!("block {i}: context needs 1 to 10 elements"));
                }
            }
            Some("actions") => {
                for e in b["elements"].as_array().into_iter().flatten() {
                    errors.extend(too_long("button text", text_len(&e["text"]), 75));
                    errors.extend(too_long("button url", e["url"].as_str().map(|u| u.chars().count()), 3000));
                }
            }
            Some(_) => {}
            None => errors.push(format!("block {i}: no type")),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

async fn webhook(State(inner): State<Shared>, headers: HeaderMap, Path(rest): Path<String>, body: Bytes) -> Response {
    let path = format!("/services/{rest}");
    let mut g = inner.lock().unwrap();
    let mut seen = Seen {
        method: "webhook".into(),
        http_method: "POST".into(),
        path: path.clone(),
        query: String::new(),
        headers: headers_vec(&headers),
        body: String::from_utf8_lossy(&body).into_owned(),
        params: Vec::new(),
        at: Instant::now(),
        status: 200,
        error: None,
    };
    let (status, text): (u16, String) = if let Some(Injected::RateLimit(secs)) = take_injected(&mut g, "webhook") {
        seen.status = 429;
        g.seen.push(seen);
        let mut resp = (StatusCode::TOO_MANY_REQUESTS, "rate_limited").into_response();
        resp.headers_mut().insert("retry-after", secs.to_string().parse().expect("header value"));
        return resp;
    } else if let Some(channel) = g.webhooks.get(&path).cloned() {
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(p)) => webhook_post(&mut g, &channel, &p),
            _ => (400, "invalid_payload".into()),
        }
    } else {
        (404, "no_service".into())
    };
    seen.status = status;
    if status != 200 {
        seen.error = Some(text.clone());
    }
    g.seen.push(seen);
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (code, [("content-type", "text/html")], text).into_response()
}

fn webhook_post(g: &mut Inner, channel: &str, p: &Map<String, Value>) -> (u16, String) {
    let text = p.get("text").and_then(Value::as_str).unwrap_or("").to_string();
    let blocks = p.get("blocks").cloned();
    if text.is_empty() && blocks.is_none() {
        return (400, "no_text".into());
    }
    if let Some(b) = &blocks {
        if check_blocks(b).is_err() {
            return (400, "invalid_blocks".into());
        }
    }
    let thread_ts = p.get("thread_ts").and_then(Value::as_str).map(str::to_string);
    let Some(ch) = g.channels.get_mut(channel) else { return (404, "channel_not_found".into()) };
    ch.push(SlackMessage {
        ts: String::new(),
        user: None,
        bot_id: Some("B0WEBHOOK".into()),
        subtype: Some("bot_message".into()),
        text,
        thread_ts,
        blocks,
    });
    (200, "ok".into())
}

/// Checks requests against Slack's OpenAPI 2.0 spec (slackapi/slack-api-specs
/// `web-api/slack_web_openapi_v2.json`, stale since 2020): the method exists,
/// with that HTTP method; every parameter sent is declared for it, in a
/// compatible place and of the declared type; required parameters are there;
/// the body's content type is one the method `consumes`. The spec's known
/// defects are corrected by [`KNOWN_DEFECTS`], never by editing the spec.
pub mod spec {
    use super::{Place, Seen};
    use serde_json::Value;

    /// One known defect of the spec that the check forgives.
    #[derive(Debug)]
    pub struct SpecDefect {
        /// The Slack method (`*`: every method).
        pub method: &'static str,
        /// The parameter (`<json-body>`: sending formData parameters as JSON).
        pub param: &'static str,
        /// Why the spec is wrong here.
        pub why: &'static str,
    }

    /// The allow-list of spec defects.
    pub const KNOWN_DEFECTS: &[SpecDefect] = &[
        SpecDefect {
            method: "*",
            param: "token",
            why: "declared a (sometimes required) `header`/`query` parameter named `token`; Slack takes the token \
                  as `Authorization: Bearer xoxb-…`, which the flavor sends and the spec does not model",
        },
        SpecDefect {
            method: "*",
            param: "<json-body>",
            why: "parameters are declared `in: formData` only; Slack also takes them as a JSON body \
                  (`application/json`, listed in `consumes` for write methods such as chat.postMessage)",
        },
        SpecDefect {
            method: "chat.postMessage",
            param: "blocks",
            why: "declared `type: string` (URL-encoded JSON, the form encoding); in a JSON body Slack takes \
                  the array itself",
        },
    ];

    fn forgiven(method: &str, param: &str) -> bool {
        KNOWN_DEFECTS.iter().any(|d| (d.method == "*" || d.method == method) && d.param == param)
    }

    /// Where the spec is read from: the vendored copy in `tests/specs/slack/`.
    pub fn path() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/slack/slack_web_openapi_v2.json")
    }

    /// Loads the spec.
    pub fn load() -> Value {
        let path = path();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("cannot read the Slack OpenAPI spec {}: {e}", path.display())
        });
        serde_json::from_str(&text).expect("the Slack spec is JSON")
    }

    fn type_ok(spec_type: &str, value: &Value, place: Place) -> bool {
        match (place, value) {
            (Place::Json, v) => match spec_type {
                "string" => v.is_string(),
                "boolean" => v.is_boolean(),
                "integer" => v.is_i64() || v.is_u64(),
                "number" => v.is_number() || v.as_str().is_some_and(|s| s.parse::<f64>().is_ok()),
                _ => true,
            },
            (_, v) => {
                let s = v.as_str().unwrap_or_default();
                match spec_type {
                    "boolean" => matches!(s, "true" | "false" | "1" | "0"),
                    "integer" => s.parse::<i64>().is_ok(),
                    "number" => s.parse::<f64>().is_ok(),
                    _ => true,
                }
            }
        }
    }

    /// The problems found in `requests` (webhook posts are skipped: the spec
    /// does not cover incoming webhooks). Empty means all conform.
    pub fn check(spec: &Value, requests: &[Seen]) -> Vec<String> {
        let mut problems = Vec::new();
        for r in requests.iter().filter(|r| r.method != "webhook") {
            let m = &r.method;
            let mut bad = |what: String| problems.push(format!("{} {}: {what}", r.http_method, m));
            let Some(ops) = spec["paths"].get(format!("/{m}")) else {
                bad("no such method in the spec".into());
                continue;
            };
            let verb = r.http_method.to_ascii_lowercase();
            let Some(op) = ops.get(&verb) else {
                let declared: Vec<&String> = ops.as_object().map(|o| o.keys().collect()).unwrap_or_default();
                bad(format!("the spec declares it with {declared:?}"));
                continue;
            };
            let declared: Vec<&Value> = op["parameters"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
            let consumes: Vec<&str> =
                op["consumes"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();

            // Content type of a body.
            if !r.body.is_empty() {
                let ct = r.header("content-type").unwrap_or("").to_ascii_lowercase();
                let base = ct.split(';').next().unwrap_or("").trim().to_string();
                if !consumes.contains(&base.as_str()) {
                    bad(format!("content type `{base}` is not in the spec's consumes {consumes:?}"));
                }
            }
            // Authentication: the Authorization header (see KNOWN_DEFECTS).
            if !r.header("authorization").is_some_and(|a| a.starts_with("Bearer ")) {
                bad("no `Authorization: Bearer` header".into());
            }
            // Every parameter sent is declared, in a compatible place, with its type.
            for p in &r.params {
                let Some(d) = declared.iter().find(|d| d["name"] == p.name.as_str()) else {
                    bad(format!("parameter `{}` is not declared", p.name));
                    continue;
                };
                let place = d["in"].as_str().unwrap_or("");
                let place_ok = match p.place {
                    Place::Query => place == "query",
                    Place::Form => place == "formData",
                    Place::Json => place == "formData" && forgiven(m, "<json-body>"),
                };
                if !place_ok {
                    bad(format!("parameter `{}` sent in the {:?}, declared `in: {place}`", p.name, p.place));
                }
                let ty = d["type"].as_str().unwrap_or("string");
                if !type_ok(ty, &p.value, p.place) && !forgiven(m, &p.name) {
                    bad(format!("parameter `{}` = {} is not a `{ty}`", p.name, p.value));
                }
            }
            // Required parameters are present.
            for d in declared.iter().filter(|d| d["required"] == true) {
                let name = d["name"].as_str().unwrap_or("");
                if r.param(name).is_none() && !forgiven(m, name) {
                    bad(format!("required parameter `{name}` is missing"));
                }
            }
        }
        problems
    }
}
