//! The Slack Web API at `/api/{method}`: parameters, authentication and
//! scopes, rate limits, the `ok` envelope, and the methods the flavor uses.
//! Webhooks are routed to [`super::webhook`], file uploads to
//! [`super::files`]. Every Web API request and answer is checked against the
//! spec ([`super::spec`]); what breaks it is recorded as a violation.

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use serde_json::{json, Map, Value};

use super::blocks::check_blocks;
use super::files::Files;
use super::limits::{page_limit, retry_after_secs, Limiter};
use super::{spec, BOT_ID, BOT_USER};
use crate::chat::seen::decode_form;
use crate::chat::{Answer, Author, ChatApi, Fault, Message, Seen, State, Store};

/// The Web API methods the stand-in implements.
pub const METHODS: [&str; 10] = [
    "auth.test",
    "chat.postMessage",
    "chat.getPermalink",
    "chat.update",
    "conversations.history",
    "conversations.replies",
    "reactions.get",
    "reactions.add",
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
];

/// The scope a bot token needs for `method` (public channels), per the
/// methods' docs; `None`: any token.
pub fn scope_needed(method: &str) -> Option<&'static str> {
    Some(match method {
        "chat.postMessage" | "chat.update" => "chat:write",
        "conversations.history" | "conversations.replies" => "channels:history",
        "reactions.get" => "reactions:read",
        "reactions.add" => "reactions:write",
        "files.getUploadURLExternal" | "files.completeUploadExternal" => "files:write",
        _ => return None,
    })
}

/// Every scope a stand-in token starts with.
pub const ALL_SCOPES: [&str; 5] =
    ["chat:write", "channels:history", "reactions:read", "reactions:write", "files:write"];

/// What the Slack stand-in keeps besides the shared store.
#[derive(Debug)]
pub struct Workspace {
    /// Rate limits and the regime.
    pub limiter: Limiter,
    /// The bot token's scopes.
    pub scopes: BTreeSet<String>,
    /// Archived channels (read-only).
    pub archived: BTreeSet<String>,
    /// Webhooks that were disabled (their app uninstalled).
    pub disabled_hooks: BTreeSet<String>,
    /// Uploads and files.
    pub files: Files,
    /// Violations found while answering injected faults.
    pub violations: Vec<String>,
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace {
            limiter: Limiter::default(),
            scopes: ALL_SCOPES.iter().map(|s| s.to_string()).collect(),
            archived: BTreeSet::new(),
            disabled_hooks: BTreeSet::new(),
            files: Files::default(),
            violations: Vec::new(),
        }
    }
}

/// The Slack service: its fixed configuration and its own state.
pub struct SlackApi {
    /// The bot token accepted.
    pub token: String,
    workspace: Mutex<Workspace>,
}

impl SlackApi {
    /// The service accepting `token`.
    pub fn new(token: &str) -> SlackApi {
        SlackApi { token: token.to_string(), workspace: Mutex::new(Workspace::default()) }
    }

    /// The Slack-only state, locked (take it after the service's state, never before).
    pub fn workspace(&self) -> MutexGuard<'_, Workspace> {
        self.workspace.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl ChatApi for SlackApi {
    fn operation(&self, req: &Seen) -> String {
        if let Some(method) = req.path.strip_prefix("/api/") {
            method.to_string()
        } else if req.method == "POST" && req.path.starts_with("/services/") {
            "webhook".into()
        } else if req.path.starts_with(super::files::UPLOAD_PATH) {
            "upload".into()
        } else {
            String::new()
        }
    }

    fn answer(&self, state: &mut State, req: &Seen) -> Answer {
        let mut ws = self.workspace();
        match req.operation.as_str() {
            "webhook" => super::webhook::answer(&mut state.store, &ws, req),
            "upload" => super::files::receive(&mut ws.files, req, &mut state.violations),
            "" => Answer::text(404, "text/plain", "not found"),
            method => {
                state.violations.extend(spec::check_request(req));
                let answer = self.web_api(&mut state.store, &mut ws, method, req);
                if spec::knows(method) {
                    if let Ok(body) = serde_json::from_slice::<Value>(&answer.body) {
                        state.violations.extend(spec::check_response(method, &body));
                    }
                }
                answer
            }
        }
    }

    fn fault(&self, fault: &Fault, req: &Seen) -> Answer {
        let webhook = req.operation == "webhook";
        let answer = match fault {
            Fault::RateLimited { retry_after_s, .. } => {
                let answer = if webhook {
                    Answer::text(429, "text/plain", "rate_limited").error("rate_limited")
                } else {
                    ratelimited()
                };
                answer.header("retry-after", retry_after_s.ceil() as u64)
            }
            Fault::Error { code } if webhook => Answer::text(400, "text/html", code).error(code),
            Fault::Error { code } if code == "missing_scope" => {
                let needed = scope_needed(&req.operation).unwrap_or("chat:write");
                missing_scope(needed, &self.workspace().scopes)
            }
            Fault::Error { code } => fail(code),
        };
        if req.path.starts_with("/api/") {
            let mut problems = spec::check_request(req);
            if let Ok(body) = serde_json::from_slice::<Value>(&answer.body) {
                problems.extend(spec::check_response(&req.operation, &body));
            }
            self.workspace().violations.extend(problems);
        }
        answer
    }
}

/// A Slack `ok: false` answer (HTTP 200, as Slack does).
pub(crate) fn fail(code: &str) -> Answer {
    Answer::json(200, &json!({"ok": false, "error": code})).error(code)
}

/// Slack's 429.
fn ratelimited() -> Answer {
    Answer::json(429, &json!({"ok": false, "error": "ratelimited"})).error("ratelimited")
}

fn missing_scope(needed: &str, scopes: &BTreeSet<String>) -> Answer {
    let provided: Vec<&str> = scopes.iter().map(String::as_str).collect();
    Answer::json(200, &json!({"ok": false, "error": "missing_scope", "needed": needed, "provided": provided.join(",")}))
        .error("missing_scope")
}

impl SlackApi {
    /// Authenticates, checks scope and rate limit, and runs one method.
    fn web_api(&self, store: &mut Store, ws: &mut Workspace, method: &str, req: &Seen) -> Answer {
        if let Some(code) = body_error(req) {
            return fail(code);
        }
        if !METHODS.contains(&method) {
            return Answer::json(404, &json!({"ok": false, "error": "unknown_method", "req_method": method}))
                .error("unknown_method");
        }
        let args = Args::of(req, method);
        let token = match req.header("authorization") {
            Some(a) => a.strip_prefix("Bearer ").map(str::to_string).unwrap_or_default(),
            None => match args.param_str("token") {
                Some(t) => t,
                None => return fail("not_authed"),
            },
        };
        if token != self.token {
            return fail("invalid_auth");
        }
        if let Some(needed) = scope_needed(method).filter(|s| !ws.scopes.contains(*s)) {
            return missing_scope(needed, &ws.scopes);
        }
        let channel = args.param_str("channel");
        if let Err(wait) = ws.limiter.admit(method, channel.as_deref(), Instant::now()) {
            return ratelimited().header("retry-after", retry_after_secs(wait));
        }
        match method {
            "auth.test" => Answer::json(
                200,
                &json!({"ok": true, "url": "https://standin.slack.invalid/", "team": "Stand-in", "user": "alerter",
                        "team_id": "T0STANDIN", "user_id": BOT_USER, "bot_id": BOT_ID}),
            ),
            "chat.postMessage" => post_message(store, ws, &args),
            "chat.getPermalink" => permalink(store, &args),
            "chat.update" => update(store, &args),
            "conversations.history" => history(store, ws, &args),
            "conversations.replies" => thread_replies(store, ws, &args),
            "reactions.get" => reactions_get(store, ws, &args),
            "reactions.add" => reactions_add(store, &args, BOT_USER),
            "files.getUploadURLExternal" => super::files::upload_url(&mut ws.files, &args, &req_origin(req)),
            _ => super::files::complete(store, ws, &args),
        }
    }
}

/// `http://HOST` as the request named it (where the upload URL points).
fn req_origin(req: &Seen) -> String {
    format!("http://{}", req.header("host").unwrap_or("127.0.0.1"))
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

/// A request's Slack parameters: from the query string and the body, in order.
pub trait SlackRequest {
    /// Every parameter (a body that does not parse adds none).
    fn params(&self) -> Vec<Param>;

    /// The value of parameter `name`.
    fn param(&self, name: &str) -> Option<Value> {
        self.params().into_iter().find(|p| p.name == name).map(|p| p.value)
    }

    /// The parameter `name` as text (JSON strings unquoted).
    fn param_str(&self, name: &str) -> Option<String> {
        self.param(name).map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
    }

    /// The parameters as one JSON object (for a JSON body: the body itself).
    fn params_json(&self) -> Value {
        Value::Object(self.params().into_iter().map(|p| (p.name, p.value)).collect())
    }
}

impl SlackRequest for Seen {
    fn params(&self) -> Vec<Param> {
        let mut params: Vec<Param> = self
            .query_params()
            .into_iter()
            .map(|(name, v)| Param { name, value: Value::String(v), place: Place::Query })
            .collect();
        match content_type(self).as_str() {
            _ if self.body.is_empty() => {}
            "application/json" => {
                if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&self.body) {
                    params.extend(map.into_iter().map(|(name, value)| Param { name, value, place: Place::Json }));
                }
            }
            "application/x-www-form-urlencoded" => {
                params.extend(decode_form(&self.text()).into_iter().map(|(name, v)| Param {
                    name,
                    value: Value::String(v),
                    place: Place::Form,
                }));
            }
            _ => {}
        }
        params
    }
}

/// The arguments a method sees. A JSON body counts only for methods that
/// take JSON (write methods); elsewhere Slack ignores it, so its arguments
/// are missing.
pub struct Args {
    params: Vec<Param>,
}

impl Args {
    fn of(req: &Seen, method: &str) -> Args {
        let json = spec::consumes(method).iter().any(|c| c == "application/json");
        Args { params: req.params().into_iter().filter(|p| json || p.place != Place::Json).collect() }
    }
}

impl SlackRequest for Args {
    fn params(&self) -> Vec<Param> {
        self.params.clone()
    }
}

/// The request's content type without parameters, lowercase.
fn content_type(req: &Seen) -> String {
    req.header("content-type").unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// Slack's error for a body it cannot read.
fn body_error(req: &Seen) -> Option<&'static str> {
    if req.body.is_empty() {
        return None;
    }
    match content_type(req).as_str() {
        "application/json" => match serde_json::from_slice::<Value>(&req.body) {
            Ok(Value::Object(_)) => None,
            Ok(_) => Some("json_not_object"),
            Err(_) => Some("invalid_json"),
        },
        "application/x-www-form-urlencoded" => None,
        "" => Some("missing_post_type"),
        _ => Some("invalid_post_type"),
    }
}

/// A message as the Web API returns it, with its thread's summary,
/// reactions and files.
pub(crate) fn message_json(store: &Store, files: &Files, m: &Message) -> Value {
    let mut j = json!({"type": "message", "ts": m.id, "text": m.text});
    if !m.author.id.is_empty() {
        j["user"] = json!(m.author.id);
    }
    if let Some(b) = m.extra_str("bot_id") {
        j["bot_id"] = json!(b);
        j["app_id"] = json!("A0ALERTER");
    }
    for key in ["subtype", "edited", "blocks"] {
        if let Some(v) = m.extra.get(key) {
            j[key] = v.clone();
        }
    }
    if let Some(r) = m.extra.get("reactions").filter(|r| r.as_array().is_some_and(|a| !a.is_empty())) {
        j["reactions"] = r.clone();
    }
    if let Some(ids) = m.extra.get("files").and_then(Value::as_array) {
        let shared: Vec<Value> = ids.iter().filter_map(Value::as_str).filter_map(|id| files.object(id)).collect();
        j["files"] = json!(shared);
        j["upload"] = json!(true);
    }
    if let Some(t) = &m.thread {
        j["thread_ts"] = json!(t);
    }
    let replies: Vec<&Message> = store.thread(&m.channel, &m.id).collect();
    if let Some(last) = replies.last() {
        j["thread_ts"] = json!(m.id);
        j["reply_count"] = json!(replies.len());
        j["latest_reply"] = json!(last.id);
    }
    j
}

/// The channel named by `channel` (or `channel_id`), if the bot may post
/// there: `channel_not_found`, `not_in_channel`, `is_archived` otherwise.
pub(crate) fn postable(store: &Store, ws: &Workspace, channel_id: Option<String>) -> Result<String, Answer> {
    let channel_id = channel_id.ok_or_else(|| fail("channel_not_found"))?;
    let channel = store.channel(&channel_id).ok_or_else(|| fail("channel_not_found"))?;
    if !channel.bot_member {
        return Err(fail("not_in_channel"));
    }
    if ws.archived.contains(&channel_id) {
        return Err(fail("is_archived"));
    }
    Ok(channel_id)
}

/// `blocks` as given: a JSON array, or its text (the form encoding).
fn blocks_arg(args: &Args) -> Result<Option<Value>, Answer> {
    let blocks = match args.param("blocks") {
        None => return Ok(None),
        Some(Value::String(s)) => serde_json::from_str::<Value>(&s).map_err(|_| fail("invalid_blocks_format"))?,
        Some(v) => v,
    };
    if let Err(errors) = check_blocks(&blocks) {
        return Err(Answer::json(200, &json!({"ok": false, "error": "invalid_blocks", "errors": errors}))
            .error("invalid_blocks"));
    }
    Ok(Some(blocks))
}

fn post_message(store: &mut Store, ws: &Workspace, args: &Args) -> Answer {
    let channel_id = match postable(store, ws, args.param_str("channel")) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let blocks = match blocks_arg(args) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let text = args.param_str("text").unwrap_or_default();
    if text.is_empty() && blocks.is_none() {
        return fail("no_text");
    }
    if text.chars().count() > 40_000 {
        return fail("msg_too_long");
    }
    let thread_ts = args.param_str("thread_ts");
    if let Some(t) = &thread_ts {
        if store.find(&channel_id, t).is_none_or(|m| !m.top_level()) {
            return fail("thread_not_found");
        }
    }
    let mut extra = Map::new();
    extra.insert("bot_id".into(), json!(BOT_ID));
    if let Some(b) = blocks {
        extra.insert("blocks".into(), b);
    }
    let posted = store.post(&channel_id, &Author::bot(BOT_USER, "alerter"), &text, thread_ts.as_deref(), extra).clone();
    let message = message_json(store, &ws.files, &posted);
    Answer::json(200, &json!({"ok": true, "channel": channel_id, "ts": posted.id, "message": message}))
}

fn update(store: &mut Store, args: &Args) -> Answer {
    let Some(channel_id) = args.param_str("channel").filter(|c| store.channel(c).is_some()) else {
        return fail("channel_not_found");
    };
    let Some(ts) = args.param_str("ts").filter(|ts| store.find(&channel_id, ts).is_some()) else {
        return fail("message_not_found");
    };
    let blocks = match blocks_arg(args) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let text = args.param_str("text");
    if text.as_deref().unwrap_or("").is_empty() && blocks.is_none() {
        return fail("no_text");
    }
    let edited = json!({"user": BOT_USER, "ts": super::ts(store.stamp())});
    let Some(m) = store.find_mut(&ts) else { return fail("message_not_found") };
    if m.extra_str("bot_id") != Some(BOT_ID) {
        return fail("cant_update_message");
    }
    if let Some(text) = text {
        m.text = text;
    }
    if let Some(b) = blocks {
        m.extra.insert("blocks".into(), b); // without `blocks`, Slack keeps the old ones
    }
    m.extra.insert("edited".into(), edited);
    let mut message = json!({"text": m.text});
    if let Some(b) = m.extra.get("blocks") {
        message["blocks"] = b.clone();
    }
    Answer::json(200, &json!({"ok": true, "channel": channel_id, "ts": ts, "text": m.text, "message": message}))
}

fn permalink(store: &Store, args: &Args) -> Answer {
    let Some(channel_id) = args.param_str("channel") else { return fail("channel_not_found") };
    if store.channel(&channel_id).is_none() {
        return fail("channel_not_found");
    }
    let Some(ts) = args.param_str("message_ts").filter(|t| store.find(&channel_id, t).is_some()) else {
        return fail("message_not_found");
    };
    let link = format!("https://standin.slack.invalid/archives/{channel_id}/p{}", ts.replace('.', ""));
    Answer::json(200, &json!({"ok": true, "channel": channel_id, "permalink": link}))
}

/// A ts as (seconds, microseconds).
pub(crate) fn ts_key(ts: &str) -> Option<(u64, u64)> {
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
    fn parse(args: &Args, ws: &Workspace) -> Result<Window, &'static str> {
        let bound = |name: &str, code: &'static str| -> Result<Option<(u64, u64)>, &'static str> {
            match args.param_str(name).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => ts_key(&v).map(Some).ok_or(code),
            }
        };
        let inclusive = matches!(args.param_str("inclusive").as_deref(), Some("true" | "1"));
        let requested = match args.param_str("limit") {
            None => None,
            Some(l) => Some(l.parse::<usize>().map_err(|_| "invalid_arguments")?),
        };
        let offset = match args.param_str("cursor").filter(|c| !c.is_empty()) {
            None => 0,
            Some(c) => c.strip_prefix("b2Zmc2V0=").and_then(|n| n.parse().ok()).ok_or("invalid_cursor")?,
        };
        Ok(Window {
            oldest: bound("oldest", "invalid_ts_oldest")?,
            latest: bound("latest", "invalid_ts_latest")?,
            inclusive,
            limit: page_limit(ws.limiter.regime, requested),
            offset,
        })
    }

    fn contains(&self, ts: &str) -> bool {
        let Some(k) = ts_key(ts) else { return false };
        let after = self.oldest.is_none_or(|o| if self.inclusive { k >= o } else { k > o });
        let before = self.latest.is_none_or(|l| if self.inclusive { k <= l } else { k < l });
        after && before
    }

    /// One page of `items` (in paging order), the cursor of the next one
    /// and `has_more`.
    fn page<T: Clone>(&self, items: &[T]) -> (Vec<T>, String, bool) {
        let end = (self.offset + self.limit).min(items.len());
        let page = items.get(self.offset..end).map(<[T]>::to_vec).unwrap_or_default();
        let more = end < items.len();
        (page, if more { format!("b2Zmc2V0={end}") } else { String::new() }, more)
    }
}

/// The channel a read method names, if the bot may read it, and the window.
fn read_channel(store: &Store, ws: &Workspace, args: &Args) -> Result<(String, Window), Answer> {
    let channel_id = args.param_str("channel").ok_or_else(|| fail("channel_not_found"))?;
    let channel = store.channel(&channel_id).ok_or_else(|| fail("channel_not_found"))?;
    if !channel.bot_member {
        return Err(fail("not_in_channel"));
    }
    let window = Window::parse(args, ws).map_err(fail)?;
    Ok((channel_id, window))
}

/// `conversations.history`: top-level messages in the window, newest first.
/// When the window has `oldest` and no `latest`, the page holds the
/// messages closest to `oldest` and the cursor pages forward ("If oldest is
/// provided but not latest then the messages returned are those closest to
/// oldest, allowing you to page forward through history", Slack's history
/// docs); otherwise the messages closest to `latest`, paging backward.
fn history(store: &Store, ws: &Workspace, args: &Args) -> Answer {
    let (channel, w) = match read_channel(store, ws, args) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let mut items: Vec<&Message> = store.messages(&channel).filter(|m| m.top_level() && w.contains(&m.id)).collect();
    items.sort_by_key(|m| ts_key(&m.id));
    let forward = w.oldest.is_some() && w.latest.is_none();
    if !forward {
        items.reverse();
    }
    let (mut page, next, has_more) = w.page(&items);
    if forward {
        page.reverse();
    }
    let messages: Vec<Value> = page.into_iter().map(|m| message_json(store, &ws.files, m)).collect();
    Answer::json(
        200,
        &json!({"ok": true, "messages": messages, "has_more": has_more, "pin_count": 0,
                "channel_actions_ts": null, "channel_actions_count": 0,
                "response_metadata": {"next_cursor": next}}),
    )
}

/// `conversations.replies`: the parent first (on the first page, whatever
/// the window, and counted in `limit`), then the replies in the window,
/// oldest first.
fn thread_replies(store: &Store, ws: &Workspace, args: &Args) -> Answer {
    let (channel, w) = match read_channel(store, ws, args) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let Some(parent) = args.param_str("ts").and_then(|ts| store.find(&channel, &ts).filter(|m| m.top_level())) else {
        return fail("thread_not_found");
    };
    let mut items: Vec<&Message> = vec![parent];
    let mut replies: Vec<&Message> = store.thread(&channel, &parent.id).filter(|m| w.contains(&m.id)).collect();
    replies.sort_by_key(|m| ts_key(&m.id));
    items.extend(replies);
    let (page, next, has_more) = w.page(&items);
    let messages: Vec<Value> = page.into_iter().map(|m| message_json(store, &ws.files, m)).collect();
    Answer::json(
        200,
        &json!({"ok": true, "messages": messages, "has_more": has_more, "response_metadata": {"next_cursor": next}}),
    )
}

/// The message `timestamp` in `channel`, for the reactions methods.
fn reacted_message<'s>(store: &'s Store, args: &Args) -> Result<&'s Message, Answer> {
    let (Some(channel), Some(ts)) = (args.param_str("channel"), args.param_str("timestamp")) else {
        return Err(fail("no_item_specified"));
    };
    if ts_key(&ts).is_none() {
        return Err(fail("bad_timestamp"));
    }
    if store.channel(&channel).is_none() {
        return Err(fail("channel_not_found"));
    }
    store.find(&channel, &ts).ok_or_else(|| fail("message_not_found"))
}

fn reactions_get(store: &Store, ws: &Workspace, args: &Args) -> Answer {
    let m = match reacted_message(store, args) {
        Ok(m) => m,
        Err(e) => return e,
    };
    let message = message_json(store, &ws.files, m);
    Answer::json(200, &json!({"ok": true, "type": "message", "channel": m.channel, "message": message}))
}

/// Adds reaction `name` by `user` to the message `args` name.
fn reactions_add(store: &mut Store, args: &Args, user: &str) -> Answer {
    let (channel, ts) = match reacted_message(store, args) {
        Ok(m) => (m.channel.clone(), m.id.clone()),
        Err(e) => return e,
    };
    let Some(name) = args.param_str("name").filter(|n| valid_reaction_name(n)) else {
        return fail("invalid_name");
    };
    match add_reaction(store, &channel, &ts, user, &name) {
        Ok(()) => Answer::json(200, &json!({"ok": true})),
        Err(code) => fail(code),
    }
}

/// A reaction name as Slack takes it: no colons around it, optionally a
/// skin tone (`+1::skin-tone-2`).
pub(crate) fn valid_reaction_name(name: &str) -> bool {
    let base = name.split("::").next().unwrap_or("");
    !base.is_empty() && !base.contains(':') && !base.contains(char::is_whitespace)
}

/// Records `user`'s reaction `name` on message `ts` (Slack's `reactions`:
/// one entry per name, with its users and count).
pub(crate) fn add_reaction(
    store: &mut Store,
    channel: &str,
    ts: &str,
    user: &str,
    name: &str,
) -> Result<(), &'static str> {
    let Some(m) = store.find_mut(ts).filter(|m| m.channel == channel) else { return Err("message_not_found") };
    let reactions = m.extra.entry("reactions").or_insert_with(|| json!([]));
    let list = reactions.as_array_mut().ok_or("message_not_found")?;
    match list.iter_mut().find(|r| r["name"] == name) {
        Some(r) => {
            let users = r["users"].as_array_mut().ok_or("message_not_found")?;
            if users.iter().any(|u| u == user) {
                return Err("already_reacted");
            }
            users.push(json!(user));
            r["count"] = json!(users.len());
        }
        None => list.push(json!({"name": name, "users": [user], "count": 1})),
    }
    Ok(())
}
