//! Discord's REST API as the flavor uses it, under `/api/v10` (and `/api`,
//! where real webhook URLs live): `GET /channels/{id}`, `GET
//! /channels/{id}/messages?after|before|limit` (newest first, as Discord
//! answers even with `after`), `POST /channels/{id}/messages`; webhooks go
//! to [`super::webhook`]. Errors are Discord's JSON bodies with its codes
//! and statuses; every answer carries Discord's `X-RateLimit-*` headers.

use serde_json::{json, Map, Value};

use super::spec::{check_body, Endpoint};
use super::{message_json, BOT_USER_ID, GUILD_ID, TOKEN};
use crate::chat::{Answer, Author, ChatApi, Fault, Seen, State, Store};

/// The Discord service (all its configuration is constant).
pub struct DiscordApi;

/// A request's path below the API base, split.
fn parts(req: &Seen) -> Vec<&str> {
    let path = req.path.strip_prefix("/api/v10").or_else(|| req.path.strip_prefix("/api")).unwrap_or("");
    path.trim_start_matches('/').split('/').collect()
}

impl ChatApi for DiscordApi {
    fn operation(&self, req: &Seen) -> String {
        let op = match (req.method.as_str(), parts(req).as_slice()) {
            ("POST", ["webhooks", _, _]) => "execute_webhook",
            ("GET", ["channels", _]) => "get_channel",
            ("GET", ["channels", _, "messages"]) => "list_messages",
            ("POST", ["channels", _, "messages"]) => "create_message",
            _ => "",
        };
        op.to_string()
    }

    fn answer(&self, state: &mut State, req: &Seen) -> Answer {
        let answer = match (req.method.as_str(), parts(req).as_slice()) {
            ("POST", ["webhooks", id, token]) => super::webhook::answer(state, req, id, token),
            (method, ["channels", rest @ ..]) => match check_bot(state, req) {
                Some(refused) => refused,
                None => match (method, rest) {
                    ("GET", [channel]) => get_channel(&state.store, channel),
                    ("GET", [channel, "messages"]) => list(&state.store, req, channel),
                    ("POST", [channel, "messages"]) => create_message(state, req, channel),
                    _ => error(404, 0, "404: Not Found"),
                },
            },
            _ => error(404, 0, "404: Not Found"),
        };
        rate_headers(answer, 4, 1.0)
    }

    fn fault(&self, fault: &Fault, _req: &Seen) -> Answer {
        match fault {
            Fault::RateLimited { retry_after_s, global } => {
                let body = json!({"message": "You are being rate limited.", "retry_after": retry_after_s, "global": global, "code": 0});
                let mut answer = rate_headers(Answer::json(429, &body), 0, *retry_after_s)
                    .header("retry-after", retry_after_s.ceil() as u64)
                    .header("x-ratelimit-scope", if *global { "global" } else { "user" });
                if *global {
                    answer = answer.header("x-ratelimit-global", "true");
                }
                answer.error("rate_limited")
            }
            Fault::Error { code } => error(400, code.parse().unwrap_or(0), &format!("injected error {code}")),
        }
    }
}

/// Discord's error body.
pub(crate) fn error(status: u16, code: u32, message: &str) -> Answer {
    Answer::json(status, &json!({"message": message, "code": code})).error(&code.to_string())
}

/// Discord's rate-limit headers for a bucket with `remaining` calls left.
fn rate_headers(answer: Answer, remaining: u32, reset_after: f64) -> Answer {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
    answer
        .header("x-ratelimit-limit", 5)
        .header("x-ratelimit-remaining", remaining)
        .header("x-ratelimit-reset", format!("{:.3}", now + reset_after))
        .header("x-ratelimit-reset-after", format!("{reset_after:.3}"))
        .header("x-ratelimit-bucket", "standin-bucket-0001")
}

/// 401 unless `Authorization: Bot <TOKEN>`; notes a missing `DiscordBot`
/// user agent as a violation of the docs.
fn check_bot(state: &mut State, req: &Seen) -> Option<Answer> {
    if !req.header("user-agent").is_some_and(|ua| ua.starts_with("DiscordBot (") && ua.ends_with(')')) {
        state.violations.push(format!(
            "docs: {} without a `DiscordBot ($url, $version)` User-Agent: {:?}",
            req.line(),
            req.header("user-agent")
        ));
    }
    if req.header("authorization") == Some(format!("Bot {TOKEN}").as_str()) {
        return None;
    }
    Some(error(401, 0, "401: Unauthorized"))
}

/// `Err` with Discord's answer when the bot cannot use `channel`.
pub(crate) fn usable(store: &Store, channel: &str) -> Result<(), Answer> {
    match store.channel(channel) {
        None => Err(error(404, 10003, "Unknown Channel")),
        Some(c) if !c.bot_member => Err(error(403, 50001, "Missing Access")),
        Some(_) => Ok(()),
    }
}

fn get_channel(store: &Store, channel: &str) -> Answer {
    if let Err(refused) = usable(store, channel) {
        return refused;
    }
    let parent = store.channel(channel).and_then(|c| c.parent.clone());
    let kind = if parent.is_some() { 11 } else { 0 };
    Answer::json(
        200,
        &json!({"id": channel, "type": kind, "guild_id": GUILD_ID, "parent_id": parent, "name": format!("channel-{channel}")}),
    )
}

/// Discord's 400 50035 Invalid Form Body.
pub(crate) fn invalid_form(problems: &[String]) -> Answer {
    let errors: Vec<Value> = problems.iter().map(|p| json!({"code": "BASE_TYPE_INVALID", "message": p})).collect();
    Answer::json(400, &json!({"message": "Invalid Form Body", "code": 50035, "errors": {"_errors": errors}}))
        .error("50035")
}

/// A snowflake query parameter: `Ok(None)` when absent, `Err` when not a snowflake.
pub(crate) fn snowflake_param(req: &Seen, name: &str) -> Result<Option<u64>, ()> {
    match req.query_param(name) {
        None => Ok(None),
        Some(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().map(Some).map_err(|_| ()),
        Some(_) => Err(()),
    }
}

fn list(store: &Store, req: &Seen, channel: &str) -> Answer {
    if let Err(refused) = usable(store, channel) {
        return refused;
    }
    let limit = match req.query_param("limit").map(|l| l.parse::<usize>()) {
        None => 50,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => return invalid_form(&["limit must be between 1 and 100".to_string()]),
    };
    let (Ok(after), Ok(before)) = (snowflake_param(req, "after"), snowflake_param(req, "before")) else {
        return invalid_form(&["after/before must be snowflakes".to_string()]);
    };
    Answer::json(200, &Value::Array(list_messages(store, channel, after, before, limit)))
}

/// Lists `channel`'s messages the way Discord's `GET
/// /channels/{id}/messages` does: with `after`, the `limit` messages right
/// after it; with `before`, the ones right before it; else the latest;
/// always newest first.
pub(crate) fn list_messages(
    store: &Store,
    channel: &str,
    after: Option<u64>,
    before: Option<u64>,
    limit: usize,
) -> Vec<Value> {
    let id = |m: &crate::chat::Message| m.id.parse::<u64>().unwrap_or(0);
    let mut msgs: Vec<&crate::chat::Message> = store.messages(channel).collect();
    msgs.sort_by_key(|m| id(m));
    let picked: Vec<&crate::chat::Message> = match (after, before) {
        (Some(a), _) => {
            msgs.into_iter().filter(|m| id(m) > a && before.is_none_or(|b| id(m) < b)).take(limit).collect()
        }
        (None, Some(b)) => {
            let older: Vec<&crate::chat::Message> = msgs.into_iter().filter(|m| id(m) < b).collect();
            older[older.len().saturating_sub(limit)..].to_vec()
        }
        (None, None) => msgs[msgs.len().saturating_sub(limit)..].to_vec(),
    };
    picked.into_iter().rev().map(message_json).collect()
}

/// The JSON body of a message request, or Discord's 400 (and recorded
/// violations) when it is not JSON or breaks the spec or the docs.
pub(crate) fn checked_body(state: &mut State, req: &Seen, endpoint: Endpoint) -> Result<Value, Answer> {
    let mut problems = Vec::new();
    if !req.header("content-type").is_some_and(|ct| ct.starts_with("application/json")) {
        problems.push(format!("content-type is {:?}, not application/json", req.header("content-type")));
    }
    let body = match serde_json::from_slice::<Value>(&req.body) {
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
        state.violations.push(format!("{}: {p}", req.line()));
    }
    Err(invalid_form(&problems))
}

/// The fields of a request body that a created message keeps.
pub(crate) fn kept(body: &Value) -> Map<String, Value> {
    let mut extra = Map::new();
    for k in ["embeds", "message_reference", "tts", "flags", "components"] {
        if !body[k].is_null() {
            extra.insert(k.to_string(), body[k].clone());
        }
    }
    extra
}

fn create_message(state: &mut State, req: &Seen, channel: &str) -> Answer {
    if let Err(refused) = usable(&state.store, channel) {
        return refused;
    }
    let body = match checked_body(state, req, Endpoint::CreateMessage) {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    let reference = &body["message_reference"];
    if let Some(m) = reference["message_id"].as_str() {
        let exists = state.store.find(channel, m).is_some();
        if !exists && reference["fail_if_not_exists"] != json!(false) {
            return error(400, 10008, "Unknown Message");
        }
    }
    let bot = Author::bot(BOT_USER_ID, "alerter");
    let content = body["content"].as_str().unwrap_or("");
    let stored = state.store.post(channel, &bot, content, None, kept(&body));
    Answer::json(200, &message_json(stored))
}
