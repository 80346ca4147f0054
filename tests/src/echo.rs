//! A generic chat service for the `echo` fixture flavor and the benchmark,
//! on the shared [`crate::chat`] core.
//!
//! - `POST /files?name=NAME` stores the raw body as a file (its media type
//!   from `Content-Type`) and answers `{"id"}`;
//! - `POST /messages` stores a JSON message (which may name uploaded
//!   `files`) and answers `{"id", "link"}`;
//! - `PATCH /messages/{id}` replaces a message's content (the question
//!   showing its outcome);
//! - `GET /messages/{id}/replies?after=ID[&limit=N]` lists replies posted
//!   after `ID` (top level after the message, or in its thread), oldest
//!   first, at most `N` with `has_more` when there are more; with the
//!   message itself (its author is the bot, whose mention is `<@ID>`) and
//!   the reactions on it, on every page.
//!
//! People are played by the test: [`EchoService::reply`] and
//! [`EchoService::react`]. With [`EchoService::hide_text`] the service hides
//! the text of human replies that do not mention the bot (as Discord does
//! for a bot without the Message Content intent). With a token configured,
//! a wrong `Authorization` gets 401 with a body that echoes what was sent
//! (as careless services do), which lets tests prove the host redacts
//! secrets from responses. Faults: a rate limit answers 429 with
//! `Retry-After`; an error code answers that HTTP status. For the host's
//! caps: `GET /redirect` answers a redirect the host must not follow,
//! `GET /big` a body over its size cap.

use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use serde_json::{json, Map, Value};

use crate::chat::{Answer, Author, Channel, ChatApi, Fault, Message, Seen, Service, State, Store};

/// The one channel everything goes to.
const CHANNEL: &str = "echo";

/// The bot's user id; people mention it as `<@B0T>`.
pub const BOT_ID: &str = "B0T";

/// One message as the stand-in stores it.
#[derive(Debug, Clone)]
pub struct Stored {
    /// Sequential id, as a string.
    pub id: String,
    /// The JSON body the flavor sent (for messages it posted; the latest
    /// content after an update); `None` for replies added by the test.
    pub body: Option<Value>,
    /// Headers of the request that posted it.
    pub headers: Vec<(String, String)>,
    /// Author id.
    pub author_id: String,
    /// Author display name.
    pub author_name: String,
    /// Posted by a bot (the flavor's own messages are).
    pub bot: bool,
    /// Text.
    pub text: String,
    /// Parent message id when posted in a thread.
    pub thread: Option<String>,
    /// Ids of the files posted with it.
    pub files: Vec<String>,
    /// How many times it was edited.
    pub edits: u64,
}

impl From<&Message> for Stored {
    fn from(m: &Message) -> Self {
        let headers =
            m.extra.get("headers").and_then(Value::as_array).map(|h| {
                h.iter().filter_map(|p| Some((p[0].as_str()?.to_string(), p[1].as_str()?.to_string()))).collect()
            });
        let files = m
            .extra
            .get("body")
            .and_then(|b| b["files"].as_array())
            .map(|f| f.iter().filter_map(|id| id.as_str().map(str::to_string)).collect());
        Stored {
            id: m.id.clone(),
            body: m.extra.get("body").cloned(),
            headers: headers.unwrap_or_default(),
            author_id: m.author.id.clone(),
            author_name: m.author.name.clone(),
            bot: m.author.bot,
            text: m.text.clone(),
            thread: m.thread.clone(),
            files: files.unwrap_or_default(),
            edits: m.extra.get("edits").and_then(Value::as_u64).unwrap_or(0),
        }
    }
}

/// A file uploaded to the stand-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Its id (`F1`, `F2`, ...).
    pub id: String,
    /// The name it was uploaded with.
    pub name: String,
    /// Its `Content-Type`.
    pub media_type: String,
    /// Its bytes.
    pub data: Vec<u8>,
}

/// The echo service: an optional token, uploaded files, and whether it
/// hides the text of replies from the bot.
pub struct EchoApi {
    token: Option<String>,
    files: Mutex<Vec<File>>,
    hide_text: AtomicBool,
}

impl ChatApi for EchoApi {
    fn operation(&self, req: &Seen) -> String {
        let parts: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
        let op = match (req.method.as_str(), parts.as_slice()) {
            ("POST", ["files"]) => "upload_file",
            ("POST", ["messages"]) => "post_message",
            ("PATCH", ["messages", _]) => "update_message",
            ("GET", ["messages", _, "replies"]) => "list_replies",
            ("GET", ["redirect"]) => "redirect",
            ("GET", ["big"]) => "big",
            _ => "",
        };
        op.to_string()
    }

    fn answer(&self, state: &mut State, req: &Seen) -> Answer {
        match req.operation.as_str() {
            "redirect" => Answer::text(302, "text/plain", "moved").header("location", "http://127.0.0.1:9/elsewhere"),
            "big" => Answer::text(200, "text/plain", &"x".repeat(9 << 20)),
            "" => Answer::text(404, "text/plain", "not found"),
            op => {
                if let Some(refused) = self.check_token(req) {
                    return refused;
                }
                match op {
                    "upload_file" => self.upload(req),
                    "post_message" => self.post_message(&mut state.store, req),
                    "update_message" => update_message(&mut state.store, req),
                    _ => self.list_replies(&state.store, req),
                }
            }
        }
    }

    fn fault(&self, fault: &Fault, _req: &Seen) -> Answer {
        match fault {
            Fault::RateLimited { retry_after_s, .. } => Answer::json(429, &json!({"error": "injected 429"}))
                .header("retry-after", retry_after_s.ceil() as u64)
                .error("429"),
            Fault::Error { code } => {
                Answer::json(code.parse().unwrap_or(500), &json!({"error": format!("injected {code}")})).error(code)
            }
        }
    }
}

impl EchoApi {
    fn check_token(&self, req: &Seen) -> Option<Answer> {
        let want = self.token.as_ref()?;
        let got = req.header("authorization").unwrap_or("");
        if got == format!("Bearer {want}") {
            return None;
        }
        Some(Answer::text(401, "text/plain", &format!("invalid token: got authorization `{got}`")).error("401"))
    }

    fn upload(&self, req: &Seen) -> Answer {
        let Some(name) = req.query_param("name").filter(|n| !n.is_empty()) else {
            return Answer::json(400, &json!({"error": "name_missing"})).error("name_missing");
        };
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        let id = format!("F{}", files.len() + 1);
        files.push(File {
            id: id.clone(),
            name,
            media_type: req.header("content-type").unwrap_or("").to_string(),
            data: req.body.clone(),
        });
        Answer::json(200, &json!({"id": id}))
    }

    fn post_message(&self, store: &mut Store, req: &Seen) -> Answer {
        let Some(body) = req.json() else {
            return Answer::json(400, &json!({"error": "invalid_json"})).error("invalid_json");
        };
        let known =
            self.files.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|f| f.id.clone()).collect::<Vec<_>>();
        if let Some(unknown) = body["files"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| !known.iter().any(|k| Some(k.as_str()) == f.as_str()))
        {
            return Answer::json(400, &json!({"error": "file_not_found", "file": unknown})).error("file_not_found");
        }
        let mut extra = Map::new();
        extra.insert("body".into(), body.clone());
        extra.insert("headers".into(), json!(req.headers));
        let author = Author::bot(BOT_ID, "alerter");
        let text = body["text"].as_str().unwrap_or_default();
        let id = store.post(CHANNEL, &author, text, body["thread"].as_str(), extra).id.clone();
        Answer::json(200, &json!({"id": id, "link": format!("https://chat.invalid/m/{id}")}))
    }

    fn list_replies(&self, store: &Store, req: &Seen) -> Answer {
        let id = req.path.trim_start_matches("/messages/").trim_end_matches("/replies");
        let num = |s: &str| s.parse::<u64>().unwrap_or(0);
        let Some(root) = store.find(CHANNEL, id) else {
            return Answer::json(404, &json!({"error": "message_not_found"})).error("message_not_found");
        };
        let root_id = num(&root.id);
        let after = req.query_param("after").map_or(root_id, |a| num(&a));
        let limit = req.query_param("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(usize::MAX).max(1);
        let hide = self.hide_text.load(Ordering::SeqCst);
        let mention = format!("<@{}>", root.author.id);
        let mut replies: Vec<Value> = store
            .messages(CHANNEL)
            .filter(|m| num(&m.id) > after && num(&m.id) > root_id)
            .filter(|m| m.thread.is_none() || m.thread.as_deref() == Some(id))
            .map(|m| {
                let hidden = hide && !m.author.bot && !m.text.contains(&mention);
                json!({
                    "id": m.id, "author_id": m.author.id, "author_name": m.author.name, "bot": m.author.bot,
                    "text": if hidden { "" } else { m.text.as_str() }, "hidden": hidden,
                    "in_thread": m.thread.is_some(), "ts_ms": null,
                })
            })
            .collect();
        let has_more = replies.len() > limit;
        replies.truncate(limit);
        let reactions = root.extra.get("reactions").cloned().unwrap_or_else(|| json!([]));
        Answer::json(
            200,
            &json!({
                "message": {"id": root.id, "author_id": root.author.id},
                "replies": replies,
                "has_more": has_more,
                "reactions": reactions,
            }),
        )
    }
}

fn update_message(store: &mut Store, req: &Seen) -> Answer {
    let id = req.path.trim_start_matches("/messages/");
    let Some(body) = req.json() else {
        return Answer::json(400, &json!({"error": "invalid_json"})).error("invalid_json");
    };
    let Some(m) = store.find_mut(id).filter(|m| m.channel == CHANNEL) else {
        return Answer::json(404, &json!({"error": "message_not_found"})).error("message_not_found");
    };
    if !m.author.bot || m.author.id != BOT_ID {
        return Answer::json(403, &json!({"error": "cant_update_message"})).error("cant_update_message");
    }
    m.text = body["text"].as_str().unwrap_or_default().to_string();
    let mut kept = m.extra.get("body").cloned().unwrap_or_else(|| json!({}));
    for (k, v) in body.as_object().into_iter().flatten() {
        kept[k] = v.clone();
    }
    m.extra.insert("body".into(), kept);
    let edits = m.extra.get("edits").and_then(Value::as_u64).unwrap_or(0) + 1;
    m.extra.insert("edits".into(), json!(edits));
    Answer::json(200, &json!({"id": id}))
}

/// The running stand-in; the shared helpers come from [`Service`].
#[derive(Clone)]
pub struct EchoService {
    service: Service<EchoApi>,
}

impl Deref for EchoService {
    type Target = Service<EchoApi>;
    fn deref(&self) -> &Self::Target {
        &self.service
    }
}

impl EchoService {
    /// Starts the stand-in on 127.0.0.1 (ephemeral port).
    pub fn start() -> EchoService {
        Self::start_with_token(None)
    }

    /// Starts the stand-in; requests must carry `Authorization: Bearer <token>`.
    pub fn start_with_token(token: Option<&str>) -> EchoService {
        let mut store = Store::new(|stamp| stamp.seq.to_string());
        store.add_channel(Channel::with_bot(CHANNEL));
        let api = EchoApi {
            token: token.map(str::to_string),
            files: Mutex::new(Vec::new()),
            hide_text: AtomicBool::new(false),
        };
        EchoService { service: Service::start(api, store) }
    }

    /// Every message stored so far, in order.
    pub fn messages(&self) -> Vec<Stored> {
        self.channel_messages(CHANNEL).iter().map(Stored::from).collect()
    }

    /// Bodies the flavor posted, in order (the latest content of each).
    pub fn posted(&self) -> Vec<Value> {
        self.messages().into_iter().filter_map(|m| m.body).collect()
    }

    /// The message `id`.
    pub fn message(&self, id: &str) -> Option<Stored> {
        self.messages().into_iter().find(|m| m.id == id)
    }

    /// The files uploaded so far, in order.
    pub fn files(&self) -> Vec<File> {
        self.api().files.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Adds a human (or bot) reply; `thread` = the message id to reply under,
    /// `None` for a top-level message. Returns its id.
    pub fn reply(&self, author_id: &str, text: &str, thread: Option<&str>, bot: bool) -> String {
        let author = Author { id: author_id.to_string(), name: format!("user {author_id}"), bot };
        self.say_as(CHANNEL, &author, text, thread, Map::new())
    }

    /// `author_id` (a person, or a bot with `bot`) reacts with `name` (`+1`,
    /// `👍`) on message `id`; reacting twice with the same name is one
    /// reaction, as on every chat service.
    pub fn react(&self, id: &str, author_id: &str, name: &str, bot: bool) {
        let mut state = self.state();
        let m = state.store.find_mut(id).unwrap_or_else(|| panic!("no message {id} to react to"));
        let reactions = m.extra.entry("reactions").or_insert_with(|| json!([]));
        let list = reactions.as_array_mut().expect("reactions are a list");
        let user = json!({"id": author_id, "name": format!("user {author_id}"), "bot": bot});
        match list.iter_mut().find(|r| r["name"] == name) {
            Some(r) => {
                let users = r["users"].as_array_mut().expect("users");
                if !users.iter().any(|u| u["id"] == author_id) {
                    users.push(user);
                }
            }
            None => list.push(json!({"name": name, "users": [user]})),
        }
    }

    /// Hides (or shows again) the text of human replies that do not mention
    /// the bot, as Discord does for a bot without the Message Content intent.
    pub fn hide_text(&self, hide: bool) {
        self.api().hide_text.store(hide, Ordering::SeqCst);
    }
}
