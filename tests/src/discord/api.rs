//! Discord's REST API as the flavor uses it, under `/api/v10` (and `/api`,
//! where real webhook URLs live):
//!
//! | operation | request |
//! | --- | --- |
//! | `get_channel` | `GET /channels/{id}` |
//! | `list_messages` | `GET /channels/{id}/messages?after\|before\|limit` (newest first, as Discord answers even with `after`) |
//! | `get_message` | `GET /channels/{id}/messages/{id}` |
//! | `create_message` | `POST /channels/{id}/messages`, JSON or `multipart/form-data` (`payload_json`, `files[n]`) |
//! | `edit_message` | `PATCH /channels/{id}/messages/{id}` |
//! | `list_reactions` | `GET /channels/{id}/messages/{id}/reactions/{emoji}?limit\|after\|type` |
//! | `add_reaction` | `PUT /channels/{id}/messages/{id}/reactions/{emoji}/@me` |
//! | `execute_webhook` | `POST /webhooks/{id}/{token}` ([`super::webhook`]) |
//!
//! Errors are Discord's JSON bodies with its codes and statuses. Every
//! answer counts against its route's bucket and carries Discord's
//! `X-RateLimit-*` headers ([`super::limits`]). What the bot reads passes
//! through the Message Content intent ([`super::for_bot`]). Permissions the
//! bot lacks in a channel ([`Permission`]) give Discord's answers: 50013
//! Missing Permissions to post, attach or reply; an empty list and 403 50001
//! for a single message without Read Message History.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use serde_json::{json, Map, Value};

use super::limits::{Buckets, Verdict};
use super::multipart::{self, Part};
use super::spec::{check_form, check_response, Answered, Endpoint, EMPTY};
use super::{for_bot, message_json, user_json, BOT_USER_ID, GUILD_ID, TOKEN};
use crate::chat::{Answer, Author, ChatApi, Fault, Message, Seen, State, Store};

/// Per-file cap (reference.mdx, "Uploading Files": 10 MiB by default).
pub const FILE_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Per-request cap (message.mdx, "Create Message": 25 MiB).
pub const REQUEST_MAX_BYTES: usize = 25 * 1024 * 1024;

/// A channel permission the stand-in can take away from the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// `SEND_MESSAGES`.
    SendMessages,
    /// `ATTACH_FILES`.
    AttachFiles,
    /// `READ_MESSAGE_HISTORY`.
    ReadMessageHistory,
}

/// The Discord service: what it knows besides channels and messages.
pub struct DiscordApi {
    inner: Mutex<Inner>,
}

pub(crate) struct Inner {
    /// The application has the Message Content intent.
    pub(crate) intent: bool,
    pub(crate) buckets: Buckets,
    pub(crate) denied: HashMap<String, HashSet<Permission>>,
    pub(crate) dms: HashSet<String>,
    /// Uploaded files by attachment id.
    pub(crate) files: HashMap<String, Vec<u8>>,
}

impl DiscordApi {
    pub(crate) fn new() -> DiscordApi {
        DiscordApi {
            inner: Mutex::new(Inner {
                intent: true,
                buckets: Buckets::default(),
                denied: HashMap::new(),
                dms: HashSet::new(),
                files: HashMap::new(),
            }),
        }
    }

    pub(crate) fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

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
            ("GET", ["channels", _, "messages", _]) => "get_message",
            ("POST", ["channels", _, "messages"]) => "create_message",
            ("PATCH", ["channels", _, "messages", _]) => "edit_message",
            ("GET", ["channels", _, "messages", _, "reactions", _]) => "list_reactions",
            ("PUT", ["channels", _, "messages", _, "reactions", _, "@me"]) => "add_reaction",
            _ => "",
        };
        op.to_string()
    }

    fn answer(&self, state: &mut State, req: &Seen) -> Answer {
        let op = self.operation(req);
        let path = parts(req);
        let answer = match (req.method.as_str(), path.as_slice()) {
            ("POST", ["webhooks", id, token]) => match self.take(&op, id) {
                Err(limited) => return limited,
                Ok(headers) => with(super::webhook::answer(state, &mut self.inner(), req, id, token), headers),
            },
            (method, ["channels", channel, rest @ ..]) => match check_bot(state, req) {
                Some(refused) => refused,
                None => match self.take(&op, channel) {
                    Err(limited) => return limited,
                    Ok(headers) => with(self.channel_call(state, req, method, channel, rest), headers),
                },
            },
            _ => error(404, 0, "404: Not Found"),
        };
        check_answer(state, req, &op, answer)
    }

    fn fault(&self, fault: &Fault, _req: &Seen) -> Answer {
        match fault {
            Fault::RateLimited { retry_after_s, global } => {
                let body =
                    json!({"message": "You are being rate limited.", "retry_after": retry_after_s, "global": global});
                let mut answer = Answer::json(429, &body)
                    .header("retry-after", retry_after_s.ceil() as u64)
                    .header("x-ratelimit-scope", if *global { "global" } else { "user" });
                if *global {
                    answer = answer.header("x-ratelimit-global", "true");
                } else {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_secs_f64())
                        .unwrap_or(0.0);
                    answer = answer
                        .header("x-ratelimit-limit", 5)
                        .header("x-ratelimit-remaining", 0)
                        .header("x-ratelimit-reset", format!("{:.3}", now + retry_after_s))
                        .header("x-ratelimit-reset-after", format!("{retry_after_s:.3}"))
                        .header("x-ratelimit-bucket", super::limits::bucket_name("injected"));
                }
                answer.error("rate_limited")
            }
            Fault::Error { code } => error(400, code.parse().unwrap_or(0), &format!("injected error {code}")),
        }
    }
}

impl DiscordApi {
    /// Counts the request in its bucket: the headers to add, or the 429.
    fn take(&self, operation: &str, major: &str) -> Result<Vec<(String, String)>, Answer> {
        match self.inner().buckets.take(operation, major, Instant::now()) {
            Verdict::Allowed(headers) => Ok(headers),
            Verdict::Limited(answer) => Err(answer),
        }
    }

    fn channel_call(&self, state: &mut State, req: &Seen, method: &str, channel: &str, rest: &[&str]) -> Answer {
        if let Err(refused) = usable(&state.store, channel) {
            return refused;
        }
        let mut inner = self.inner();
        match (method, rest) {
            ("GET", []) => get_channel(&state.store, &inner, channel),
            ("GET", ["messages"]) => list(&state.store, &inner, req, channel),
            ("GET", ["messages", id]) => get_message(&state.store, &inner, channel, id),
            ("POST", ["messages"]) => create_message(state, &mut inner, req, channel),
            ("PATCH", ["messages", id]) => edit_message(state, req, channel, id),
            ("GET", ["messages", id, "reactions", emoji]) => list_reactions(&state.store, req, channel, id, emoji),
            ("PUT", ["messages", id, "reactions", emoji, "@me"]) => {
                match react(&mut state.store, channel, id, &decode(emoji), &Author::bot(BOT_USER_ID, "alerter"), false)
                {
                    Ok(()) => Answer::empty(204),
                    Err(refused) => refused,
                }
            }
            _ => error(404, 0, "404: Not Found"),
        }
    }
}

fn with(mut answer: Answer, headers: Vec<(String, String)>) -> Answer {
    for (k, v) in headers {
        answer = answer.header(&k, v);
    }
    answer
}

/// Records where a 200 answer breaks the spec's response schema.
fn check_answer(state: &mut State, req: &Seen, op: &str, answer: Answer) -> Answer {
    let kind = match op {
        "get_message" | "create_message" | "edit_message" | "execute_webhook" => Answered::Message,
        "list_messages" => Answered::Messages,
        "list_reactions" => Answered::Users,
        "get_channel" => Answered::Channel,
        _ => return answer,
    };
    if answer.status == 200 {
        let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        for p in check_response(kind, &body) {
            state.violations.push(format!("stand-in answer to {}: {p}", req.line()));
        }
    }
    answer
}

/// Discord's error body.
pub(crate) fn error(status: u16, code: u32, message: &str) -> Answer {
    Answer::json(status, &json!({"message": message, "code": code})).error(&code.to_string())
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

/// `Err` with Discord's answer when the bot cannot see `channel`.
pub(crate) fn usable(store: &Store, channel: &str) -> Result<(), Answer> {
    match store.channel(channel) {
        None => Err(error(404, 10003, "Unknown Channel")),
        Some(c) if !c.bot_member => Err(error(403, 50001, "Missing Access")),
        Some(_) => Ok(()),
    }
}

fn lacks(inner: &Inner, channel: &str, p: Permission) -> bool {
    inner.denied.get(channel).is_some_and(|d| d.contains(&p))
}

fn missing_permissions() -> Answer {
    error(403, 50013, "Missing Permissions")
}

fn get_channel(store: &Store, inner: &Inner, channel: &str) -> Answer {
    let parent = store.channel(channel).and_then(|c| c.parent.clone());
    if inner.dms.contains(channel) {
        let recipient = user_json(&Author::human("3999", "someone"));
        return Answer::json(
            200,
            &json!({"id": channel, "type": 1, "flags": 0, "last_message_id": null, "recipients": [recipient]}),
        );
    }
    let body = match parent {
        Some(parent) => json!({
            "id": channel, "type": 11, "flags": 0, "guild_id": GUILD_ID, "parent_id": parent,
            "name": format!("thread-{channel}"), "owner_id": BOT_USER_ID, "message_count": 0, "member_count": 1,
            "total_message_sent": 0, "rate_limit_per_user": 0,
            "thread_metadata": {"archived": false, "archive_timestamp": "2026-01-01T00:00:00.000000+00:00", "auto_archive_duration": 4320, "locked": false},
        }),
        None => json!({
            "id": channel, "type": 0, "flags": 0, "guild_id": GUILD_ID, "name": format!("channel-{channel}"),
            "position": 0, "parent_id": null, "permission_overwrites": [], "nsfw": false, "rate_limit_per_user": 0,
        }),
    };
    Answer::json(200, &body)
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

fn list(store: &Store, inner: &Inner, req: &Seen, channel: &str) -> Answer {
    let limit = match req.query_param("limit").map(|l| l.parse::<usize>()) {
        None => 50,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => return invalid_form(&["limit must be between 1 and 100".to_string()]),
    };
    let (Ok(after), Ok(before)) = (snowflake_param(req, "after"), snowflake_param(req, "before")) else {
        return invalid_form(&["after/before must be snowflakes".to_string()]);
    };
    // Without Read Message History Discord lists nothing, and says nothing.
    if lacks(inner, channel, Permission::ReadMessageHistory) {
        return Answer::json(200, &json!([]));
    }
    let listed = list_messages(store, channel, after, before, limit);
    let dm = inner.dms.contains(channel);
    Answer::json(200, &Value::Array(listed.iter().map(|m| for_bot(store, m, inner.intent, dm)).collect()))
}

/// `channel`'s messages the way Discord's `GET /channels/{id}/messages`
/// picks them: with `after`, the `limit` messages right after it; with
/// `before`, the ones right before it; else the latest; always newest
/// first.
pub(crate) fn list_messages<'s>(
    store: &'s Store,
    channel: &str,
    after: Option<u64>,
    before: Option<u64>,
    limit: usize,
) -> Vec<&'s Message> {
    let id = |m: &Message| m.id.parse::<u64>().unwrap_or(0);
    let mut msgs: Vec<&Message> = store.messages(channel).collect();
    msgs.sort_by_key(|m| id(m));
    let picked: Vec<&Message> = match (after, before) {
        (Some(a), _) => {
            msgs.into_iter().filter(|m| id(m) > a && before.is_none_or(|b| id(m) < b)).take(limit).collect()
        }
        (None, Some(b)) => {
            let older: Vec<&Message> = msgs.into_iter().filter(|m| id(m) < b).collect();
            older[older.len().saturating_sub(limit)..].to_vec()
        }
        (None, None) => msgs[msgs.len().saturating_sub(limit)..].to_vec(),
    };
    picked.into_iter().rev().collect()
}

fn get_message(store: &Store, inner: &Inner, channel: &str, id: &str) -> Answer {
    if lacks(inner, channel, Permission::ReadMessageHistory) {
        return error(403, 50001, "Missing Access");
    }
    match store.find(channel, id) {
        Some(m) => Answer::json(200, &for_bot(store, m, inner.intent, inner.dms.contains(channel))),
        None => error(404, 10008, "Unknown Message"),
    }
}

/// A message request's JSON (from the body or a form's `payload_json`) and
/// its files, or Discord's 400 (and recorded violations) when it breaks the
/// spec or the docs.
pub(crate) fn checked_body(state: &mut State, req: &Seen, endpoint: Endpoint) -> Result<(Value, Vec<Part>), Answer> {
    if req.body.len() > REQUEST_MAX_BYTES {
        return Err(error(413, 40005, "Request entity too large"));
    }
    let content_type = req.header("content-type").unwrap_or("");
    let mut problems = Vec::new();
    let (body, files) = if content_type.starts_with("multipart/form-data") {
        match form(content_type, &req.body) {
            Ok(x) => x,
            Err(p) => {
                problems.push(p);
                (Value::Null, Vec::new())
            }
        }
    } else {
        if !content_type.starts_with("application/json") {
            problems.push(format!("content-type is {:?}, not application/json", req.header("content-type")));
        }
        match serde_json::from_slice::<Value>(&req.body) {
            Ok(v) => (v, Vec::new()),
            Err(e) => {
                problems.push(format!("body is not JSON: {e}"));
                (Value::Null, Vec::new())
            }
        }
    };
    if !body.is_null() {
        problems.extend(check_form(endpoint, &body, files.len()));
        problems.extend(check_files(&body, &files));
    }
    if problems.is_empty() {
        return Ok((body, files));
    }
    for p in &problems {
        state.violations.push(format!("{}: {p}", req.line()));
    }
    if problems.len() == 1 && problems[0] == EMPTY {
        return Err(error(400, 50006, "Cannot send an empty message"));
    }
    Err(invalid_form(&problems))
}

/// A form's `payload_json` (or its text fields) and its `files[n]` parts.
fn form(content_type: &str, body: &[u8]) -> Result<(Value, Vec<Part>), String> {
    let parts = multipart::parse(content_type, body)?;
    let mut json = Map::new();
    let mut payload = None;
    let mut files = Vec::new();
    for p in parts {
        if p.name == "payload_json" {
            payload =
                Some(serde_json::from_slice::<Value>(&p.data).map_err(|e| format!("payload_json is not JSON: {e}"))?);
        } else if p.name.starts_with("files[") {
            files.push(p);
        } else {
            json.insert(p.name.clone(), Value::String(String::from_utf8_lossy(&p.data).into_owned()));
        }
    }
    Ok((payload.unwrap_or(Value::Object(json)), files))
}

/// The docs' rules for files: `files[n]` unique with a file name each, at
/// most 10, the `attachments` ids naming uploaded `n`s, and every
/// `attachment://NAME` in the embeds naming an uploaded file.
fn check_files(body: &Value, files: &[Part]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut indexes = HashSet::new();
    for f in files {
        let n = f.name.strip_prefix("files[").and_then(|r| r.strip_suffix(']')).and_then(|n| n.parse::<u64>().ok());
        match n {
            Some(n) if indexes.insert(n) => {}
            _ => problems.push(format!("docs: file part `{}` is not a unique `files[n]`", f.name)),
        }
        if f.filename.as_deref().is_none_or(str::is_empty) {
            problems.push(format!("docs: file part `{}` has no filename", f.name));
        }
    }
    if files.len() > 10 {
        problems.push(format!("spec: {} files, more than 10", files.len()));
    }
    for a in body["attachments"].as_array().into_iter().flatten() {
        let id = a["id"].as_u64().or_else(|| a["id"].as_str().and_then(|s| s.parse().ok()));
        if !id.is_some_and(|id| indexes.contains(&id)) {
            problems.push(format!("docs: attachments entry {a} names no uploaded files[n]"));
        }
    }
    let names: Vec<&str> = files.iter().filter_map(|f| f.filename.as_deref()).collect();
    for e in body["embeds"].as_array().into_iter().flatten() {
        for key in ["image", "thumbnail"] {
            if let Some(name) = e[key]["url"].as_str().and_then(|u| u.strip_prefix("attachment://")) {
                if !names.contains(&name) {
                    problems
                        .push(format!("docs: embed {key} refers to attachment://{name}, but no file has that name"));
                }
            }
        }
    }
    problems
}

/// The fields of a request body that a created message keeps; the
/// reference as Discord answers it.
pub(crate) fn kept(body: &Value, channel: &str) -> Map<String, Value> {
    let mut extra = Map::new();
    for k in ["embeds", "tts", "flags", "components"] {
        if !body[k].is_null() {
            extra.insert(k.to_string(), body[k].clone());
        }
    }
    if let Some(embeds) = extra.get_mut("embeds") {
        *embeds = as_answered(embeds);
    }
    if let Some(m) = body["message_reference"]["message_id"].as_str() {
        let c = body["message_reference"]["channel_id"].as_str().unwrap_or(channel);
        extra.insert(
            "message_reference".into(),
            json!({"type": 0, "message_id": m, "channel_id": c, "guild_id": GUILD_ID}),
        );
    }
    extra
}

/// Embeds as Discord answers them: `type` `rich`, every field's `inline`
/// filled in (`false` unless given).
pub(crate) fn as_answered(embeds: &Value) -> Value {
    let mut embeds = embeds.clone();
    for e in embeds.as_array_mut().into_iter().flatten() {
        e["type"] = json!("rich");
        for f in e.get_mut("fields").and_then(Value::as_array_mut).into_iter().flatten() {
            if f["inline"].is_null() {
                f["inline"] = json!(false);
            }
        }
    }
    embeds
}

/// Stores uploaded files as Discord does: each gets an attachment id and a
/// CDN URL; an embed's `attachment://NAME` becomes that URL, and files shown
/// in an embed are left out of `attachments` (message.mdx: "any attached
/// files that are not referenced in embeds").
pub(crate) fn store_files(
    store: &mut Store,
    inner: &mut Inner,
    channel: &str,
    files: &[Part],
    extra: &mut Map<String, Value>,
) {
    let mut attachments = Vec::new();
    let mut urls = HashMap::new();
    for f in files {
        let id = super::snowflake(store.stamp());
        let name = f.filename.clone().unwrap_or_default();
        let url = format!("https://cdn.discordapp.com/attachments/{channel}/{id}/{name}");
        let proxy = format!("https://media.discordapp.net/attachments/{channel}/{id}/{name}");
        inner.files.insert(id.clone(), f.data.clone());
        urls.insert(name.clone(), (url.clone(), proxy.clone()));
        let mut a = json!({"id": id, "filename": name, "size": f.data.len(), "url": url, "proxy_url": proxy});
        if let Some(ct) = &f.content_type {
            a["content_type"] = json!(ct);
        }
        attachments.push(a);
    }
    let mut shown = HashSet::new();
    if let Some(embeds) = extra.get_mut("embeds").and_then(Value::as_array_mut) {
        for e in embeds {
            for key in ["image", "thumbnail"] {
                let name = e[key]["url"].as_str().and_then(|u| u.strip_prefix("attachment://")).map(str::to_string);
                if let Some((url, proxy)) = name.as_ref().and_then(|n| urls.get(n)) {
                    e[key] = json!({"url": url, "proxy_url": proxy});
                    shown.insert(name.unwrap_or_default());
                }
            }
        }
    }
    attachments.retain(|a| !a["filename"].as_str().is_some_and(|n| shown.contains(n)));
    extra.insert("attachments".into(), Value::Array(attachments));
}

fn create_message(state: &mut State, inner: &mut Inner, req: &Seen, channel: &str) -> Answer {
    if lacks(inner, channel, Permission::SendMessages) {
        return missing_permissions();
    }
    let (body, files) = match checked_body(state, req, Endpoint::CreateMessage) {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    if !files.is_empty() && lacks(inner, channel, Permission::AttachFiles) {
        return missing_permissions();
    }
    if let Some(refused) =
        files.iter().find(|f| f.data.len() > FILE_MAX_BYTES).map(|_| error(413, 40005, "Request entity too large"))
    {
        return refused;
    }
    let reference = &body["message_reference"];
    if let Some(m) = reference["message_id"].as_str() {
        if lacks(inner, channel, Permission::ReadMessageHistory) {
            return missing_permissions();
        }
        let exists = state.store.find(channel, m).is_some();
        if !exists && reference["fail_if_not_exists"] != json!(false) {
            return error(400, 10008, "Unknown Message");
        }
    }
    let bot = Author::bot(BOT_USER_ID, "alerter");
    let content = body["content"].as_str().unwrap_or("").to_string();
    let mut extra = kept(&body, channel);
    if body["message_reference"]["message_id"].as_str().is_some_and(|m| state.store.find(channel, m).is_none()) {
        // `fail_if_not_exists: false`: posted as a plain message.
        extra.remove("message_reference");
    }
    store_files(&mut state.store, inner, channel, &files, &mut extra);
    let stored = state.store.post(channel, &bot, &content, None, extra);
    let id = stored.id.clone();
    let m = state.store.find(channel, &id).expect("just posted");
    Answer::json(200, &message_json(&state.store, m))
}

fn edit_message(state: &mut State, req: &Seen, channel: &str, id: &str) -> Answer {
    let Some(m) = state.store.find(channel, id) else { return error(404, 10008, "Unknown Message") };
    if m.author.id != BOT_USER_ID {
        return error(403, 50005, "Cannot edit a message authored by another user");
    }
    let (body, files) = match checked_body(state, req, Endpoint::EditMessage) {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    if !files.is_empty() {
        state.violations.push(format!("{}: the stand-in does not take files in edits", req.line()));
    }
    let edited = super::rfc3339(super::now_ms());
    let m = state.store.find_mut(id).expect("found above");
    if let Some(content) = body.get("content") {
        m.text = content.as_str().unwrap_or("").to_string();
    }
    for k in ["embeds", "flags", "components"] {
        if let Some(v) = body.get(k) {
            let v = match (k, v) {
                (_, Value::Null) => json!([]),
                ("embeds", v) => as_answered(v),
                (_, v) => v.clone(),
            };
            m.extra.insert(k.to_string(), v);
        }
    }
    if let Some(keep) = body.get("attachments").and_then(Value::as_array) {
        let ids: Vec<&Value> = keep.iter().map(|a| &a["id"]).collect();
        if let Some(Value::Array(current)) = m.extra.get_mut("attachments") {
            current.retain(|a| ids.contains(&&a["id"]));
        }
    }
    m.extra.insert("edited_timestamp".into(), json!(edited));
    let m = state.store.find(channel, id).expect("edited");
    Answer::json(200, &message_json(&state.store, m))
}

/// A path segment, percent-decoded.
fn decode(segment: &str) -> String {
    crate::chat::seen::decode_form(&format!("x={}", segment.replace('+', "%2B")))
        .into_iter()
        .next()
        .map(|(_, v)| v)
        .unwrap_or_default()
}

/// The reactions of a message, kept in its `extra` under `__reactions`:
/// `[{"key": "👍" | "name:id", "emoji": {...}, "users": [{"id", "name",
/// "bot", "burst"}]}]`.
pub(crate) fn react(
    store: &mut Store,
    channel: &str,
    message: &str,
    key: &str,
    who: &Author,
    burst: bool,
) -> Result<(), Answer> {
    let emoji = match key.split_once(':') {
        Some((name, id)) if !name.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && !id.is_empty() => {
            json!({"id": id, "name": name})
        }
        None if !key.is_empty() && !key.is_ascii() => json!({"id": null, "name": key}),
        _ => return Err(error(400, 10014, "Unknown Emoji")),
    };
    if store.find(channel, message).is_none() {
        return Err(error(404, 10008, "Unknown Message"));
    }
    let m = store.find_mut(message).expect("found");
    let list = m.extra.entry("__reactions").or_insert(json!([]));
    let list = list.as_array_mut().expect("an array");
    let i = match list.iter().position(|r| r["key"] == key) {
        Some(i) => i,
        None => {
            list.push(json!({"key": key, "emoji": emoji, "users": []}));
            list.len() - 1
        }
    };
    let users = list[i]["users"].as_array_mut().expect("users");
    if !users.iter().any(|u| u["id"] == who.id.as_str() && u["burst"] == burst) {
        users.push(json!({"id": who.id, "name": who.name, "bot": who.bot, "burst": burst}));
    }
    Ok(())
}

fn list_reactions(store: &Store, req: &Seen, channel: &str, message: &str, emoji: &str) -> Answer {
    let Some(m) = store.find(channel, message) else { return error(404, 10008, "Unknown Message") };
    let key = decode(emoji);
    let limit = match req.query_param("limit").map(|l| l.parse::<usize>()) {
        None => 25,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => return invalid_form(&["limit must be between 1 and 100".to_string()]),
    };
    let Ok(after) = snowflake_param(req, "after") else {
        return invalid_form(&["after must be a snowflake".to_string()]);
    };
    let burst = match req.query_param("type").as_deref() {
        None | Some("0") => false,
        Some("1") => true,
        Some(_) => return invalid_form(&["type must be 0 or 1".to_string()]),
    };
    let reactions = m.extra.get("__reactions").and_then(Value::as_array).cloned().unwrap_or_default();
    let Some(r) = reactions.iter().find(|r| r["key"] == key.as_str()) else {
        let known = key.split_once(':').is_some_and(|(_, id)| id.bytes().all(|b| b.is_ascii_digit()));
        return if known || !key.is_ascii() {
            Answer::json(200, &json!([]))
        } else {
            error(400, 10014, "Unknown Emoji")
        };
    };
    let mut users: Vec<(u64, Value)> = r["users"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|u| u["burst"] == burst)
        .map(|u| {
            let a = Author {
                id: u["id"].as_str().unwrap_or("").into(),
                name: u["name"].as_str().unwrap_or("").into(),
                bot: u["bot"] == true,
            };
            (a.id.parse().unwrap_or(0), user_json(&a))
        })
        .filter(|(id, _)| after.is_none_or(|a| *id > a))
        .collect();
    users.sort_by_key(|(id, _)| *id);
    users.truncate(limit);
    Answer::json(200, &Value::Array(users.into_iter().map(|(_, u)| u).collect()))
}
