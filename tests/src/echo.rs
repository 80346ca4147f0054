//! A generic chat service for the `echo` fixture flavor and the demo.
//!
//! `POST /messages` stores a JSON message and answers `{"id", "link"}`;
//! `GET /messages/{id}/replies?after=ID` lists replies posted after `ID`
//! (top level after the message, or in its thread), oldest first. With a
//! token configured, a wrong `Authorization` gets 401 with a body that
//! echoes what was sent (as careless services do), which lets tests prove
//! the host redacts secrets from responses. `fail_next(n, status)` makes the
//! next `n` requests fail with `status` (429 carries `Retry-After`).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::server::Server;

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

#[derive(Default)]
struct Inner {
    messages: Vec<Stored>,
    requests: Vec<(String, Instant)>,
    injected: Vec<(String, u16, Instant)>,
    fail: Vec<(u16, u64)>,
    token: Option<String>,
}

/// The running stand-in and a handle to its state.
#[derive(Clone)]
pub struct EchoService {
    inner: Arc<Mutex<Inner>>,
    server: Arc<Server>,
}

impl EchoService {
    /// Starts the stand-in on 127.0.0.1 (ephemeral port).
    pub fn start() -> EchoService {
        Self::start_with_token(None)
    }

    /// Starts the stand-in; requests must carry `Authorization: Bearer <token>`.
    pub fn start_with_token(token: Option<&str>) -> EchoService {
        let inner = Arc::new(Mutex::new(Inner { token: token.map(str::to_string), ..Default::default() }));
        let router = Router::new()
            .route("/messages", post(post_message))
            .route("/messages/{id}/replies", get(list_replies))
            // For the host's caps: a redirect it must not follow, a body over its size cap.
            .route("/redirect", get(|| async { (StatusCode::FOUND, [("location", "http://127.0.0.1:9/elsewhere")], "moved") }))
            .route("/big", get(|| async { vec![b'x'; 9 << 20] }))
            .with_state(inner.clone());
        EchoService { inner, server: Arc::new(Server::start(router)) }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        self.server.origin()
    }

    /// Every message stored so far, in order.
    pub fn messages(&self) -> Vec<Stored> {
        self.inner.lock().unwrap().messages.clone()
    }

    /// Bodies the flavor posted, in order.
    pub fn posted(&self) -> Vec<Value> {
        self.messages().into_iter().filter_map(|m| m.body).collect()
    }

    /// Paths of all requests received, with when they arrived.
    pub fn requests(&self) -> Vec<(String, Instant)> {
        self.inner.lock().unwrap().requests.clone()
    }

    /// Requests that got an injected failure: path, status, arrival.
    pub fn injected(&self) -> Vec<(String, u16, Instant)> {
        self.inner.lock().unwrap().injected.clone()
    }

    /// Adds a human (or bot) reply; `thread` = the message id to reply under,
    /// `None` for a top-level message. Returns its id.
    pub fn reply(&self, author_id: &str, text: &str, thread: Option<&str>, bot: bool) -> String {
        let mut g = self.inner.lock().unwrap();
        let id = (g.messages.len() + 1).to_string();
        g.messages.push(Stored {
            id: id.clone(),
            body: None,
            headers: Vec::new(),
            author_id: author_id.to_string(),
            author_name: format!("user {author_id}"),
            bot,
            text: text.to_string(),
            thread: thread.map(str::to_string),
        });
        id
    }

    /// The next `count` requests answer `status` (429 with `Retry-After: retry_after_s`).
    pub fn fail_next(&self, count: usize, status: u16, retry_after_s: u64) {
        let mut g = self.inner.lock().unwrap();
        for _ in 0..count {
            g.fail.push((status, retry_after_s));
        }
    }
}

fn take_failure(g: &mut Inner) -> Option<Response> {
    if g.fail.is_empty() {
        return None;
    }
    let (status, retry) = g.fail.remove(0);
    let (path, at) = g.requests.last().cloned().unwrap_or_else(|| (String::new(), Instant::now()));
    g.injected.push((path, status, at));
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (code, Json(json!({"error": format!("injected {status}")}))).into_response();
    if status == 429 {
        resp.headers_mut().insert("retry-after", retry.to_string().parse().unwrap());
    }
    Some(resp)
}

fn check_token(g: &Inner, headers: &HeaderMap) -> Option<Response> {
    let want = g.token.as_ref()?;
    let got = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    if got == format!("Bearer {want}") {
        return None;
    }
    Some((StatusCode::UNAUTHORIZED, format!("invalid token: got authorization `{got}`")).into_response())
}

async fn post_message(State(inner): State<Arc<Mutex<Inner>>>, headers: HeaderMap, body: Json<Value>) -> Response {
    let mut g = inner.lock().unwrap();
    g.requests.push(("POST /messages".into(), Instant::now()));
    if let Some(r) = take_failure(&mut g) {
        return r;
    }
    if let Some(r) = check_token(&g, &headers) {
        return r;
    }
    let id = (g.messages.len() + 1).to_string();
    let body = body.0;
    let text = body["text"].as_str().unwrap_or_default().to_string();
    let thread = body["thread"].as_str().map(str::to_string);
    g.messages.push(Stored {
        id: id.clone(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body: Some(body),
        author_id: "B0T".into(),
        author_name: "alerter".into(),
        bot: true,
        text,
        thread,
    });
    Json(json!({"id": id, "link": format!("https://chat.invalid/m/{id}")})).into_response()
}

async fn list_replies(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(id): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let mut g = inner.lock().unwrap();
    g.requests.push((format!("GET /messages/{id}/replies"), Instant::now()));
    if let Some(r) = take_failure(&mut g) {
        return r;
    }
    if let Some(r) = check_token(&g, &headers) {
        return r;
    }
    let num = |s: &str| s.parse::<u64>().unwrap_or(0);
    let Some(root) = g.messages.iter().find(|m| m.id == id) else {
        return (StatusCode::NOT_FOUND, Json(json!({"error": "message_not_found"}))).into_response();
    };
    let root_id = num(&root.id);
    let after = q.get("after").map(|a| num(a)).unwrap_or(root_id);
    let replies: Vec<Value> = g
        .messages
        .iter()
        .filter(|m| num(&m.id) > after && num(&m.id) > root_id)
        .filter(|m| m.thread.is_none() || m.thread.as_deref() == Some(id.as_str()))
        .map(|m| {
            json!({
                "id": m.id, "author_id": m.author_id, "author_name": m.author_name, "bot": m.bot,
                "text": m.text, "in_thread": m.thread.is_some(), "ts_ms": null,
            })
        })
        .collect();
    Json(json!({"replies": replies})).into_response()
}
