//! The Slack Web API at `/api/{method}`: parameters, authentication, the
//! `ok` envelope and the five methods the flavor uses; webhooks are routed
//! to [`super::webhook`].

use serde_json::{json, Map, Value};

use super::blocks::check_blocks;
use super::{BOT_ID, BOT_USER};
use crate::chat::seen::decode_form;
use crate::chat::{Answer, Author, ChatApi, Fault, Message, Seen, State, Store};

/// The Web API methods the stand-in implements.
const METHODS: [&str; 5] =
    ["auth.test", "chat.postMessage", "chat.getPermalink", "conversations.history", "conversations.replies"];

/// The Slack service: its fixed configuration.
pub struct SlackApi {
    /// The bot token accepted.
    pub token: String,
}

impl ChatApi for SlackApi {
    fn operation(&self, req: &Seen) -> String {
        if let Some(method) = req.path.strip_prefix("/api/") {
            method.to_string()
        } else if req.method == "POST" && req.path.starts_with("/services/") {
            "webhook".into()
        } else {
            String::new()
        }
    }

    fn answer(&self, state: &mut State, req: &Seen) -> Answer {
        match req.operation.as_str() {
            "webhook" => super::webhook::answer(&mut state.store, req),
            "" => Answer::text(404, "text/plain", "not found"),
            method => self.web_api(&mut state.store, method, req),
        }
    }

    fn fault(&self, fault: &Fault, req: &Seen) -> Answer {
        let webhook = req.operation == "webhook";
        match fault {
            Fault::RateLimited { retry_after_s, .. } => {
                let answer = if webhook {
                    Answer::text(429, "text/plain", "rate_limited").error("rate_limited")
                } else {
                    Answer::json(429, &json!({"ok": false, "error": "ratelimited"})).error("ratelimited")
                };
                answer.header("retry-after", retry_after_s.ceil() as u64)
            }
            Fault::Error { code } if webhook => Answer::text(400, "text/html", code).error(code),
            Fault::Error { code } => {
                let mut body = json!({"ok": false, "error": code});
                if code == "missing_scope" {
                    body["needed"] = json!("chat:write");
                    body["provided"] = json!("channels:read");
                }
                Answer::json(200, &body).error(code)
            }
        }
    }
}

/// A Slack `ok: false` answer (HTTP 200, as Slack does).
fn fail(code: &str) -> Answer {
    Answer::json(200, &json!({"ok": false, "error": code})).error(code)
}

impl SlackApi {
    /// Authenticates and runs one Web API method.
    fn web_api(&self, store: &mut Store, method: &str, req: &Seen) -> Answer {
        if let Some(code) = body_error(req) {
            return fail(code);
        }
        if !METHODS.contains(&method) {
            return Answer::json(404, &json!({"ok": false, "error": "unknown_method", "req_method": method}))
                .error("unknown_method");
        }
        let token = match req.header("authorization") {
            Some(a) => a.strip_prefix("Bearer ").map(str::to_string).unwrap_or_default(),
            None => match req.param_str("token") {
                Some(t) => t,
                None => return fail("not_authed"),
            },
        };
        if token != self.token {
            return fail("invalid_auth");
        }
        match method {
            "auth.test" => Answer::json(
                200,
                &json!({"ok": true, "url": "https://standin.slack.invalid/", "team": "Stand-in", "user": "alerter",
                        "team_id": "T0STANDIN", "user_id": BOT_USER, "bot_id": BOT_ID}),
            ),
            "chat.postMessage" => post_message(store, req),
            "chat.getPermalink" => permalink(store, req),
            "conversations.history" => history(store, req),
            _ => thread_replies(store, req),
        }
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
        _ => Some("invalid_post_type"),
    }
}

/// A message as the Web API returns it, with its thread's summary.
pub(crate) fn message_json(store: &Store, m: &Message) -> Value {
    let mut j = json!({"type": "message", "ts": m.id, "text": m.text});
    if !m.author.id.is_empty() {
        j["user"] = json!(m.author.id);
    }
    if let Some(b) = m.extra_str("bot_id") {
        j["bot_id"] = json!(b);
        j["app_id"] = json!("A0ALERTER");
    }
    if let Some(s) = m.extra_str("subtype") {
        j["subtype"] = json!(s);
    }
    if let Some(b) = m.extra.get("blocks") {
        j["blocks"] = b.clone();
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

fn post_message(store: &mut Store, req: &Seen) -> Answer {
    let Some(channel_id) = req.param_str("channel") else { return fail("channel_not_found") };
    let Some(channel) = store.channel(&channel_id) else { return fail("channel_not_found") };
    if !channel.bot_member {
        return fail("not_in_channel");
    }
    let blocks = match req.param("blocks") {
        None => None,
        Some(Value::String(s)) => match serde_json::from_str::<Value>(&s) {
            Ok(v) => Some(v),
            Err(_) => return fail("invalid_blocks_format"),
        },
        Some(v) => Some(v),
    };
    if let Some(Err(errors)) = blocks.as_ref().map(check_blocks) {
        return Answer::json(200, &json!({"ok": false, "error": "invalid_blocks", "errors": errors}))
            .error("invalid_blocks");
    }
    let text = req.param_str("text").unwrap_or_default();
    // Slack: "One of these arguments is required: attachments, blocks, text"
    // (apprise's bot mode sends only legacy `attachments`).
    let attachments = req.param("attachments").filter(|a| !matches!(a, Value::Null));
    if text.is_empty() && blocks.is_none() && attachments.is_none() {
        return fail("no_text");
    }
    if text.chars().count() > 40_000 {
        return fail("msg_too_long");
    }
    let thread_ts = req.param_str("thread_ts");
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
    let message = message_json(store, &posted);
    Answer::json(200, &json!({"ok": true, "channel": channel_id, "ts": posted.id, "message": message}))
}

fn permalink(store: &Store, req: &Seen) -> Answer {
    let Some(channel_id) = req.param_str("channel") else { return fail("channel_not_found") };
    if store.channel(&channel_id).is_none() {
        return fail("channel_not_found");
    }
    let Some(ts) = req.param_str("message_ts").filter(|t| store.find(&channel_id, t).is_some()) else {
        return fail("message_not_found");
    };
    let link = format!("https://standin.slack.invalid/archives/{channel_id}/p{}", ts.replace('.', ""));
    Answer::json(200, &json!({"ok": true, "channel": channel_id, "permalink": link}))
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

/// The channel a read method names, if the bot may read it, and the window.
fn read_channel(store: &Store, req: &Seen) -> Result<(String, Window), Answer> {
    let channel_id = req.param_str("channel").ok_or_else(|| fail("channel_not_found"))?;
    let channel = store.channel(&channel_id).ok_or_else(|| fail("channel_not_found"))?;
    if !channel.bot_member {
        return Err(fail("not_in_channel"));
    }
    let window = Window::parse(req).map_err(fail)?;
    Ok((channel_id, window))
}

fn history(store: &Store, req: &Seen) -> Answer {
    let (channel, w) = match read_channel(store, req) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let mut items: Vec<&Message> = store.messages(&channel).filter(|m| m.top_level() && w.contains(&m.id)).collect();
    items.sort_by_key(|m| std::cmp::Reverse(ts_key(&m.id)));
    let items = items.into_iter().map(|m| message_json(store, m)).collect();
    let (messages, next, has_more) = w.page(items);
    Answer::json(
        200,
        &json!({"ok": true, "messages": messages, "has_more": has_more, "pin_count": 0,
                "channel_actions_ts": null, "channel_actions_count": 0,
                "response_metadata": {"next_cursor": next}}),
    )
}

fn thread_replies(store: &Store, req: &Seen) -> Answer {
    let (channel, w) = match read_channel(store, req) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let Some(parent) = req.param_str("ts").and_then(|ts| store.find(&channel, &ts).filter(|m| m.top_level())) else {
        return fail("thread_not_found");
    };
    let mut items: Vec<&Message> = store.thread(&channel, &parent.id).filter(|m| w.contains(&m.id)).collect();
    items.sort_by_key(|m| ts_key(&m.id));
    let items = items.into_iter().map(|m| message_json(store, m)).collect();
    let (mut messages, next, has_more) = w.page(items);
    if w.offset == 0 {
        // Slack lists the parent first on the first page, whatever the window.
        messages.insert(0, message_json(store, parent));
    }
    Answer::json(
        200,
        &json!({"ok": true, "messages": messages, "has_more": has_more, "response_metadata": {"next_cursor": next}}),
    )
}
