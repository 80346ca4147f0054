//! A generic chat service for the `echo` fixture flavor and the benchmark,
//! on the shared [`crate::chat`] core.
//!
//! `POST /messages` stores a JSON message and answers `{"id", "link"}`;
//! `GET /messages/{id}/replies?after=ID` lists replies posted after `ID`
//! (top level after the message, or in its thread), oldest first. With a
//! token configured, a wrong `Authorization` gets 401 with a body that
//! echoes what was sent (as careless services do), which lets tests prove
//! the host redacts secrets from responses. Faults: a rate limit answers 429
//! with `Retry-After`; an error code answers that HTTP status. For the
//! host's caps: `GET /redirect` answers a redirect the host must not follow,
//! `GET /big` a body over its size cap.

use std::ops::Deref;

use serde_json::{json, Map, Value};

use crate::chat::{Answer, Author, Channel, ChatApi, Fault, Message, Seen, Service, State, Store};

/// The one channel everything goes to.
const CHANNEL: &str = "echo";

/// One message as the stand-in stores it.
#[derive(Debug, Clone)]
pub struct Stored {
    /// Sequential id, as a string.
    pub id: String,
    /// The JSON body the flavor sent (for messages it posted); `None` for
    /// replies added by the test.
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
}

impl From<&Message> for Stored {
    fn from(m: &Message) -> Self {
        let headers =
            m.extra.get("headers").and_then(Value::as_array).map(|h| {
                h.iter().filter_map(|p| Some((p[0].as_str()?.to_string(), p[1].as_str()?.to_string()))).collect()
            });
        Stored {
            id: m.id.clone(),
            body: m.extra.get("body").cloned(),
            headers: headers.unwrap_or_default(),
            author_id: m.author.id.clone(),
            author_name: m.author.name.clone(),
            bot: m.author.bot,
            text: m.text.clone(),
            thread: m.thread.clone(),
        }
    }
}

/// The echo service: an optional token.
pub struct EchoApi {
    token: Option<String>,
}

impl ChatApi for EchoApi {
    fn operation(&self, req: &Seen) -> String {
        let parts: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
        let op = match (req.method.as_str(), parts.as_slice()) {
            ("POST", ["messages"]) => "post_message",
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
                if op == "post_message" {
                    post_message(&mut state.store, req)
                } else {
                    list_replies(&state.store, req)
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
}

fn post_message(store: &mut Store, req: &Seen) -> Answer {
    let Some(body) = req.json() else {
        return Answer::json(400, &json!({"error": "invalid_json"})).error("invalid_json");
    };
    let mut extra = Map::new();
    extra.insert("body".into(), body.clone());
    extra.insert("headers".into(), json!(req.headers));
    let author = Author::bot("B0T", "alerter");
    let text = body["text"].as_str().unwrap_or_default();
    let id = store.post(CHANNEL, &author, text, body["thread"].as_str(), extra).id.clone();
    Answer::json(200, &json!({"id": id, "link": format!("https://chat.invalid/m/{id}")}))
}

fn list_replies(store: &Store, req: &Seen) -> Answer {
    let id = req.path.trim_start_matches("/messages/").trim_end_matches("/replies");
    let num = |s: &str| s.parse::<u64>().unwrap_or(0);
    let Some(root) = store.find(CHANNEL, id) else {
        return Answer::json(404, &json!({"error": "message_not_found"})).error("message_not_found");
    };
    let root_id = num(&root.id);
    let after = req.query_param("after").map_or(root_id, |a| num(&a));
    let replies: Vec<Value> = store
        .messages(CHANNEL)
        .filter(|m| num(&m.id) > after && num(&m.id) > root_id)
        .filter(|m| m.thread.is_none() || m.thread.as_deref() == Some(id))
        .map(|m| {
            json!({
                "id": m.id, "author_id": m.author.id, "author_name": m.author.name, "bot": m.author.bot,
                "text": m.text, "in_thread": m.thread.is_some(), "ts_ms": null,
            })
        })
        .collect();
    Answer::json(200, &json!({"replies": replies}))
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
        EchoService { service: Service::start(EchoApi { token: token.map(str::to_string) }, store) }
    }

    /// Every message stored so far, in order.
    pub fn messages(&self) -> Vec<Stored> {
        self.channel_messages(CHANNEL).iter().map(Stored::from).collect()
    }

    /// Bodies the flavor posted, in order.
    pub fn posted(&self) -> Vec<Value> {
        self.messages().into_iter().filter_map(|m| m.body).collect()
    }

    /// Adds a human (or bot) reply; `thread` = the message id to reply under,
    /// `None` for a top-level message. Returns its id.
    pub fn reply(&self, author_id: &str, text: &str, thread: Option<&str>, bot: bool) -> String {
        let author = Author { id: author_id.to_string(), name: format!("user {author_id}"), bot };
        self.say_as(CHANNEL, &author, text, thread, Map::new())
    }
}
