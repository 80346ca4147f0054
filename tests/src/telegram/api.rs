//! The Bot API at `/bot<token>/<method>`: parameters (query, JSON,
//! urlencoded or multipart), the `ok` envelope, errors, and the methods the
//! flavor uses: `getMe`, `sendMessage`, `editMessageText`, `getUpdates`,
//! `sendPhoto`, `sendDocument`, `setWebhook`, `deleteWebhook`.

use std::sync::Mutex;

use serde_json::{json, Map, Value};

use super::spec::{self, Carrier, Param};
use super::text;
use super::{BOT_ID, BOT_USERNAME};
use crate::chat::multipart;
use crate::chat::seen::decode_form;
use crate::chat::{Answer, Author, ChatApi, Fault, File, Message, Seen, State, Store};

/// Telegram's limit on a message's text, in UTF-16 units after parsing.
pub const TEXT_MAX: usize = 4096;
/// A caption's limit.
pub const CAPTION_MAX: usize = 1024;

/// The update queue: what `getUpdates` hands out until an offset confirms it.
#[derive(Debug, Default)]
pub struct Updates {
    /// The id the next update gets.
    pub next_id: i64,
    /// Unconfirmed updates, oldest first.
    pub pending: Vec<Value>,
    /// A webhook is set: `getUpdates` answers 409.
    pub webhook: bool,
}

/// The Telegram service: its token and its update queue.
pub struct TelegramApi {
    /// The bot token accepted.
    pub token: String,
    /// Updates for `getUpdates`.
    pub updates: Mutex<Updates>,
}

/// `{"ok": false, "error_code", "description"}`.
pub fn fail(status: u16, description: &str) -> Answer {
    Answer::json(status, &json!({"ok": false, "error_code": status, "description": description})).error(description)
}

fn ok(result: Value) -> Answer {
    Answer::json(200, &json!({"ok": true, "result": result}))
}

impl ChatApi for TelegramApi {
    fn operation(&self, req: &Seen) -> String {
        let mut parts = req.path.trim_start_matches('/').splitn(2, '/');
        match (parts.next(), parts.next()) {
            (Some(bot), Some(method)) if bot.starts_with("bot") && !method.contains('/') => method.to_string(),
            _ => String::new(),
        }
    }

    fn answer(&self, state: &mut State, req: &Seen) -> Answer {
        let token = req.path.trim_start_matches("/bot").split('/').next().unwrap_or("");
        if req.operation.is_empty() || !token.contains(':') {
            return fail(404, "Not Found");
        }
        if token != self.token {
            return fail(401, "Unauthorized");
        }
        let (params, carrier, files) = match params(req) {
            Ok(p) => p,
            Err(why) => {
                state.violations.push(format!("{}: {why}", req.operation));
                return fail(400, &format!("Bad Request: {why}"));
            }
        };
        state.violations.extend(spec::check(&req.operation, &params, carrier));
        let p = Params { list: params };
        let store = &mut state.store;
        match req.operation.as_str() {
            "getMe" => ok(bot_user()),
            "sendMessage" => send_message(store, &p),
            "editMessageText" => edit_message(store, &p),
            "getUpdates" => self.get_updates(&p),
            "sendPhoto" | "sendDocument" => send_file(store, &p, &req.operation, files),
            "setWebhook" | "deleteWebhook" => {
                self.updates.lock().unwrap_or_else(|e| e.into_inner()).webhook = req.operation == "setWebhook";
                ok(json!(true))
            }
            _ => fail(404, "Not Found"),
        }
    }

    fn fault(&self, fault: &Fault, _req: &Seen) -> Answer {
        match fault {
            Fault::RateLimited { retry_after_s, .. } => {
                let s = retry_after_s.ceil() as u64;
                Answer::json(
                    429,
                    &json!({"ok": false, "error_code": 429, "description": format!("Too Many Requests: retry after {s}"),
                            "parameters": {"retry_after": s}}),
                )
                .header("retry-after", s)
                .error("429")
            }
            // `STATUS:DESCRIPTION`, e.g. `403:Forbidden: bot was blocked by the user`.
            Fault::Error { code } => {
                let (status, description) = code.split_once(':').unwrap_or(("400", code.as_str()));
                fail(status.parse().unwrap_or(400), description.trim())
            }
        }
    }
}

/// A call's parameters.
struct Params {
    list: Vec<(String, Param)>,
}

impl Params {
    fn value(&self, name: &str) -> Option<Value> {
        self.list.iter().find(|(n, _)| n == name).and_then(|(_, p)| match p {
            Param::Value(v) => Some(v.clone()),
            Param::File => None,
        })
    }

    fn str(&self, name: &str) -> Option<String> {
        self.value(name).map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
    }

    /// A JSON-serialized object or array (a form carries it as text).
    fn json(&self, name: &str) -> Option<Value> {
        match self.value(name)? {
            Value::String(s) => serde_json::from_str(&s).ok(),
            v => Some(v),
        }
    }

    fn int(&self, name: &str) -> Option<i64> {
        self.str(name)?.parse().ok()
    }
}

type Parsed = (Vec<(String, Param)>, Carrier, Vec<multipart::Part>);

/// The parameters of a request, where it carries them.
fn params(req: &Seen) -> Result<Parsed, String> {
    let ct = req.header("content-type").unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let mut list: Vec<(String, Param)> =
        req.query_params().into_iter().map(|(k, v)| (k, Param::Value(Value::String(v)))).collect();
    if req.body.is_empty() {
        return Ok((list, Carrier::Form, Vec::new()));
    }
    match ct.as_str() {
        "application/json" => match req.json() {
            Some(Value::Object(map)) => {
                list.extend(map.into_iter().map(|(k, v)| (k, Param::Value(v))));
                Ok((list, Carrier::Json, Vec::new()))
            }
            _ => Err("the JSON body is not an object".into()),
        },
        "application/x-www-form-urlencoded" => {
            list.extend(decode_form(&req.text()).into_iter().map(|(k, v)| (k, Param::Value(Value::String(v)))));
            Ok((list, Carrier::Form, Vec::new()))
        }
        "multipart/form-data" => {
            let parts = multipart::parts(req)?;
            for p in &parts {
                let param = if p.filename.is_some() { Param::File } else { Param::Value(Value::String(p.text())) };
                list.push((p.name.clone(), param));
            }
            Ok((list, Carrier::Form, parts))
        }
        other => Err(format!("unsupported content type `{other}`")),
    }
}

/// The bot as a `User`.
pub fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "Alerter", "username": BOT_USERNAME,
           "can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false})
}

/// A chat as a `Chat`: negative ids are supergroups, others private chats.
pub fn chat_json(id: &str) -> Value {
    match id.parse::<i64>() {
        Ok(n) if n < 0 => json!({"id": n, "type": "supergroup", "title": "Alerts"}),
        Ok(n) => json!({"id": n, "type": "private", "first_name": "Ann"}),
        Err(_) => {
            json!({"id": -1009999999999_i64, "type": "channel", "title": id, "username": id.trim_start_matches('@')})
        }
    }
}

/// A stored message as a `Message` (with the message it replies to).
pub fn message_json(store: &Store, m: &Message) -> Value {
    let mut msg = json!({
        "message_id": m.id.parse::<i64>().unwrap_or(0),
        "date": m.stamp.at_us / 1_000_000,
        "chat": chat_json(&m.channel),
    });
    msg["from"] = if m.author.id == BOT_ID.to_string() {
        bot_user()
    } else {
        json!({"id": m.author.id.parse::<i64>().unwrap_or(0), "is_bot": m.author.bot, "first_name": m.author.name})
    };
    if let Some(t) = &m.thread {
        if let Some(parent) = store.find(&m.channel, t) {
            let mut parent = message_json(store, parent);
            parent.as_object_mut().map(|p| p.remove("reply_to_message"));
            msg["reply_to_message"] = parent;
        }
    }
    msg["text"] = json!(m.text);
    for (k, v) in &m.extra {
        msg[k.as_str()] = v.clone();
    }
    msg
}

/// The chat a call names, if the bot can write there.
fn writable_chat(store: &Store, p: &Params) -> Result<String, Answer> {
    let chat = p.str("chat_id").unwrap_or_default();
    match store.channel(&chat) {
        None => Err(fail(400, "Bad Request: chat not found")),
        Some(c) if !c.bot_member && chat.starts_with('-') => {
            Err(fail(403, "Forbidden: bot is not a member of the supergroup chat"))
        }
        Some(c) if !c.bot_member => Err(fail(403, "Forbidden: bot was blocked by the user")),
        Some(_) => Ok(chat),
    }
}

/// The message a `reply_parameters` names, or the error for a missing one.
fn reply_to(store: &Store, chat: &str, p: &Params) -> Result<Option<String>, Answer> {
    let Some(rp) = p.json("reply_parameters") else { return Ok(None) };
    let id = rp["message_id"].as_i64().map(|i| i.to_string()).unwrap_or_default();
    if store.find(chat, &id).is_some() {
        Ok(Some(id))
    } else if rp["allow_sending_without_reply"] == true {
        Ok(None)
    } else {
        Err(fail(400, "Bad Request: message to be replied not found"))
    }
}

/// The visible text and entities of `text` in the call's parse mode.
fn parsed(text: &str, p: &Params, max: usize, too_long: &str) -> Result<text::Parsed, Answer> {
    let parsed = text::parse(text, p.str("parse_mode").as_deref())
        .map_err(|why| fail(400, &format!("Bad Request: can't parse entities: {why}")))?;
    if text::utf16_len(&parsed.text) > max {
        return Err(fail(400, too_long));
    }
    Ok(parsed)
}

fn send_message(store: &mut Store, p: &Params) -> Answer {
    let chat = match writable_chat(store, p) {
        Ok(c) => c,
        Err(a) => return a,
    };
    let parsed = match parsed(&p.str("text").unwrap_or_default(), p, TEXT_MAX, "Bad Request: message is too long") {
        Ok(t) => t,
        Err(a) => return a,
    };
    if parsed.text.trim().is_empty() {
        return fail(400, "Bad Request: message text is empty");
    }
    let reply = match reply_to(store, &chat, p) {
        Ok(r) => r,
        Err(a) => return a,
    };
    let mut extra = Map::new();
    if !parsed.entities.is_empty() {
        extra.insert("entities".into(), json!(parsed.entities));
    }
    let author = Author::bot(&BOT_ID.to_string(), BOT_USERNAME);
    let m = store.post(&chat, &author, &parsed.text, reply.as_deref(), extra).clone();
    ok(message_json(store, &m))
}

fn edit_message(store: &mut Store, p: &Params) -> Answer {
    let chat = p.str("chat_id").unwrap_or_default();
    let id = p.int("message_id").map(|i| i.to_string()).unwrap_or_default();
    let parsed = match parsed(&p.str("text").unwrap_or_default(), p, TEXT_MAX, "Bad Request: MESSAGE_TOO_LONG") {
        Ok(t) => t,
        Err(a) => return a,
    };
    let Some(m) = store.find(&chat, &id).cloned() else { return fail(400, "Bad Request: message to edit not found") };
    if m.author.id != BOT_ID.to_string() {
        return fail(400, "Bad Request: message can't be edited");
    }
    let entities = json!(parsed.entities);
    if m.text == parsed.text && m.extra.get("entities").unwrap_or(&json!([])) == &entities {
        return fail(
            400,
            "Bad Request: message is not modified: specified new message content and reply markup are exactly the \
             same as a current content and reply markup of the message",
        );
    }
    let at = store.stamp().at_us / 1_000_000;
    let edited = store.find_mut(&id).expect("found above");
    edited.text = parsed.text;
    edited.extra.insert("entities".into(), entities);
    edited.extra.insert("edit_date".into(), json!(at));
    let edited = edited.clone();
    ok(message_json(store, &edited))
}

fn send_file(store: &mut Store, p: &Params, method: &str, files: Vec<multipart::Part>) -> Answer {
    let chat = match writable_chat(store, p) {
        Ok(c) => c,
        Err(a) => return a,
    };
    let field = if method == "sendPhoto" { "photo" } else { "document" };
    let Some(file) = files.into_iter().find(|f| f.name == field) else {
        return fail(400, &format!("Bad Request: there is no {field} in the request"));
    };
    let caption =
        match parsed(&p.str("caption").unwrap_or_default(), p, CAPTION_MAX, "Bad Request: message caption is too long")
        {
            Ok(t) => t.text,
            Err(a) => return a,
        };
    let reply = match reply_to(store, &chat, p) {
        Ok(r) => r,
        Err(a) => return a,
    };
    let id = format!("AgAD{:08}", store.stamp().seq);
    let name = file.filename.clone().unwrap_or_default();
    let info = json!({"file_id": id, "file_unique_id": id, "file_size": file.data.len(), "file_name": name});
    store.add_file(File { id, channel: chat.clone(), name, media_type: file.content_type, data: file.data });
    let mut extra = Map::new();
    extra.insert(field.into(), if field == "photo" { json!([info]) } else { info });
    if !caption.is_empty() {
        extra.insert("caption".into(), json!(caption));
    }
    let author = Author::bot(&BOT_ID.to_string(), BOT_USERNAME);
    let m = store.post(&chat, &author, "", reply.as_deref(), extra).clone();
    let mut msg = message_json(store, &m);
    msg.as_object_mut().map(|o| o.remove("text"));
    ok(msg)
}

impl TelegramApi {
    /// `getUpdates`: 409 while a webhook is set; an offset confirms (drops)
    /// every update before it; a negative one keeps only the last ones;
    /// `allowed_updates` filters (reactions only when asked for).
    fn get_updates(&self, p: &Params) -> Answer {
        let mut q = self.updates.lock().unwrap_or_else(|e| e.into_inner());
        if q.webhook {
            return fail(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
        }
        match p.int("offset") {
            Some(o) if o < 0 => {
                let keep = o.unsigned_abs() as usize;
                let drop = q.pending.len().saturating_sub(keep);
                q.pending.drain(..drop);
            }
            Some(o) => q.pending.retain(|u| u["update_id"].as_i64().unwrap_or(0) >= o),
            None => {}
        }
        let limit = p.int("limit").unwrap_or(100).clamp(1, 100) as usize;
        let allowed: Vec<String> = p
            .json("allowed_updates")
            .and_then(|v| serde_json::from_value(v).ok())
            .filter(|a: &Vec<String>| !a.is_empty())
            .unwrap_or_else(|| vec!["message".into()]);
        let out: Vec<Value> = q
            .pending
            .iter()
            .filter(|u| allowed.iter().any(|kind| u.get(kind.as_str()).is_some()))
            .take(limit)
            .cloned()
            .collect();
        ok(Value::Array(out))
    }

    /// Queues an update of `kind` (`message`, `message_reaction`).
    pub fn push_update(&self, kind: &str, body: Value) {
        let mut q = self.updates.lock().unwrap_or_else(|e| e.into_inner());
        q.next_id += 1;
        let id = q.next_id;
        q.pending.push(json!({"update_id": id, kind: body}));
    }
}
