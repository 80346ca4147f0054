//! A stand-in that scales to many thousands of channels, for the ask-scale
//! benchmark: the echo API (`POST /messages`, `GET
//! /messages/{id}/replies?after=ID`, see [`crate::echo`]), with its state
//! sharded per channel so that a poll costs the same with 10 or 10,000
//! questions pending, and a rate budget per channel that it checks on every
//! request.
//!
//! - Each channel keeps its own messages; an id is `<channel>.<n>`, so a
//!   replies request finds its channel without a global lookup.
//! - Budgets per channel: at most [`Budget::posts_per_second`] posts in any
//!   second and [`Budget::reads_per_minute`] replies requests in any 60 s.
//!   A request over budget is answered 429 with `Retry-After` (as the real
//!   services do) and counted in [`ScaleService::violations`].
//! - A script per channel: replies that are added at given delays after the
//!   channel's first post, but only once [`ScaleService::release`] is called
//!   (so a benchmark can first get every question pending).

use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::chat::Server;

const SHARDS: usize = 64;

/// Rate budget per channel.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Posts in any one second.
    pub posts_per_second: usize,
    /// `replies` requests in any 60 seconds.
    pub reads_per_minute: usize,
}

/// A reply the script adds.
#[derive(Debug, Clone)]
pub struct ScriptedReply {
    /// Delay after [`ScaleService::release`].
    pub after: Duration,
    /// Author id; the display name is `user <id>`.
    pub author: String,
    /// A bot's reply.
    pub bot: bool,
    /// Its text.
    pub text: String,
    /// In the question's thread (else top level in the channel).
    pub in_thread: bool,
}

#[derive(Debug, Clone)]
struct Msg {
    seq: u64,
    author: String,
    bot: bool,
    text: String,
    thread: Option<u64>,
}

#[derive(Default)]
struct Channel {
    messages: Vec<Msg>,
    posts: VecDeque<Instant>,
    reads: VecDeque<Instant>,
    script: Vec<ScriptedReply>,
    /// seq of the first post (the question).
    question: Option<u64>,
}

struct Inner {
    shards: Vec<Mutex<HashMap<String, Channel>>>,
    budget: Budget,
    violations: Mutex<Vec<String>>,
    posts: AtomicU64,
    reads: AtomicU64,
    questions: AtomicU64,
    answered: AtomicU64,
    token: String,
}

impl Inner {
    fn shard(&self, channel: &str) -> &Mutex<HashMap<String, Channel>> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        channel.hash(&mut h);
        &self.shards[h.finish() as usize % SHARDS]
    }
}

/// Counts a request against a window; false (and a violation) when over.
fn admit(times: &mut VecDeque<Instant>, window: Duration, max: usize, now: Instant) -> bool {
    while times.front().is_some_and(|t| now.duration_since(*t) >= window) {
        times.pop_front();
    }
    if times.len() >= max {
        return false;
    }
    times.push_back(now);
    true
}

/// The running stand-in.
#[derive(Clone)]
pub struct ScaleService {
    inner: Arc<Inner>,
    server: Arc<Server>,
}

fn too_many(inner: &Inner, what: String) -> Response {
    inner.violations.lock().unwrap().push(what);
    (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], Json(json!({"error": "rate_limited"}))).into_response()
}

fn authorized(inner: &Inner, headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {}", inner.token))
}

async fn post_message(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorized(&inner, &headers) {
        return (StatusCode::UNAUTHORIZED, "bad token").into_response();
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_json"}))).into_response();
    };
    let channel = body["channel"].as_str().unwrap_or("general").to_string();
    let now = Instant::now();
    let mut shard = inner.shard(&channel).lock().unwrap();
    let ch = shard.entry(channel.clone()).or_default();
    if !admit(&mut ch.posts, Duration::from_secs(1), inner.budget.posts_per_second, now) {
        drop(shard);
        return too_many(&inner, format!("{channel}: more than {} posts in a second", inner.budget.posts_per_second));
    }
    let thread = body["thread"].as_str().and_then(|t| t.rsplit_once('.')).and_then(|(_, n)| n.parse().ok());
    let seq = ch.messages.len() as u64 + 1;
    ch.messages.push(Msg {
        seq,
        author: "B0T".into(),
        bot: true,
        text: body["text"].as_str().unwrap_or_default().to_string(),
        thread,
    });
    if ch.question.is_none() {
        ch.question = Some(seq);
        inner.questions.fetch_add(1, Ordering::Relaxed);
    }
    drop(shard);
    inner.posts.fetch_add(1, Ordering::Relaxed);
    let id = format!("{channel}.{seq}");
    Json(json!({"id": id, "link": format!("https://chat.invalid/m/{id}")})).into_response()
}

async fn list_replies(
    State(inner): State<Arc<Inner>>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if !authorized(&inner, &headers) {
        return (StatusCode::UNAUTHORIZED, "bad token").into_response();
    }
    let Some((channel, root)) = id.rsplit_once('.').and_then(|(c, n)| Some((c, n.parse::<u64>().ok()?))) else {
        return (StatusCode::NOT_FOUND, Json(json!({"error": "message_not_found"}))).into_response();
    };
    let after =
        q.get("after").and_then(|a| a.rsplit_once('.')).and_then(|(_, n)| n.parse::<u64>().ok()).unwrap_or(root);
    let now = Instant::now();
    let mut shard = inner.shard(channel).lock().unwrap();
    let Some(ch) = shard.get_mut(channel).filter(|c| c.messages.len() as u64 >= root) else {
        return (StatusCode::NOT_FOUND, Json(json!({"error": "message_not_found"}))).into_response();
    };
    if !admit(&mut ch.reads, Duration::from_secs(60), inner.budget.reads_per_minute, now) {
        drop(shard);
        return too_many(
            &inner,
            format!("{channel}: more than {} replies requests in a minute", inner.budget.reads_per_minute),
        );
    }
    let replies: Vec<Value> = ch
        .messages
        .iter()
        .filter(|m| m.seq > after && m.seq > root && (m.thread.is_none() || m.thread == Some(root)))
        .map(|m| {
            json!({"id": format!("{channel}.{}", m.seq), "author_id": m.author, "author_name": format!("user {}", m.author),
                   "bot": m.bot, "text": m.text, "in_thread": m.thread.is_some(), "ts_ms": null})
        })
        .collect();
    drop(shard);
    inner.reads.fetch_add(1, Ordering::Relaxed);
    Json(json!({"replies": replies})).into_response()
}

impl ScaleService {
    /// Starts the stand-in on 127.0.0.1; requests must carry `Authorization: Bearer <token>`.
    pub fn start(token: &str, budget: Budget) -> ScaleService {
        let inner = Arc::new(Inner {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            budget,
            violations: Mutex::new(Vec::new()),
            posts: AtomicU64::new(0),
            reads: AtomicU64::new(0),
            questions: AtomicU64::new(0),
            answered: AtomicU64::new(0),
            token: token.to_string(),
        });
        let router = Router::new()
            .route("/messages", post(post_message))
            .route("/messages/{id}/replies", get(list_replies))
            .with_state(inner.clone());
        ScaleService { inner, server: Arc::new(Server::start(router)) }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        self.server.origin()
    }

    /// Sets the replies that `channel`'s question gets after [`Self::release`].
    pub fn script(&self, channel: &str, replies: Vec<ScriptedReply>) {
        self.inner.shard(channel).lock().unwrap().entry(channel.to_string()).or_default().script = replies;
    }

    /// Starts every channel's script: each reply is added at its delay from
    /// now, in the question's thread (or top level). Runs on a thread of its
    /// own; returns at once.
    pub fn release(&self) {
        let mut events: Vec<(Duration, String, ScriptedReply)> = Vec::new();
        for shard in &self.inner.shards {
            for (name, ch) in shard.lock().unwrap().iter_mut() {
                events.extend(std::mem::take(&mut ch.script).into_iter().map(|r| (r.after, name.clone(), r)));
            }
        }
        events.sort_by_key(|e| e.0);
        let inner = self.inner.clone();
        std::thread::spawn(move || {
            let start = Instant::now();
            for (after, channel, r) in events {
                if let Some(wait) = after.checked_sub(start.elapsed()) {
                    std::thread::sleep(wait);
                }
                let mut shard = inner.shard(&channel).lock().unwrap();
                let ch = shard.get_mut(&channel).expect("scripted channel");
                let seq = ch.messages.len() as u64 + 1;
                let thread = if r.in_thread { ch.question } else { None };
                ch.messages.push(Msg { seq, author: r.author, bot: r.bot, text: r.text, thread });
                drop(shard);
                inner.answered.fetch_add(1, Ordering::Relaxed);
            }
        });
    }

    /// Channels whose question was posted.
    pub fn questions(&self) -> u64 {
        self.inner.questions.load(Ordering::Relaxed)
    }

    /// Posts answered.
    pub fn posts(&self) -> u64 {
        self.inner.posts.load(Ordering::Relaxed)
    }

    /// Replies requests answered.
    pub fn reads(&self) -> u64 {
        self.inner.reads.load(Ordering::Relaxed)
    }

    /// Scripted replies added so far.
    pub fn scripted_added(&self) -> u64 {
        self.inner.answered.load(Ordering::Relaxed)
    }

    /// Requests that went over a channel's budget.
    pub fn violations(&self) -> Vec<String> {
        self.inner.violations.lock().unwrap().clone()
    }

    /// Texts posted in `channel` by the bot, in order.
    pub fn bot_texts(&self, channel: &str) -> Vec<String> {
        let shard = self.inner.shard(channel).lock().unwrap();
        shard
            .get(channel)
            .map(|c| c.messages.iter().filter(|m| m.bot && m.author == "B0T").map(|m| m.text.clone()).collect())
            .unwrap_or_default()
    }
}
