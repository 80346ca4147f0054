//! `bench-standin`: one minimal loopback server that answers a post the way
//! Slack, Telegram and a Teams Workflows webhook do, so that `scripts/bench`
//! can time the Rust, Python and JavaScript flavors against the very same
//! server (the big-component rows). It checks nothing but the route and
//! counts the posts it answered; the real stand-ins (with their API checks)
//! are in the library.
//!
//! Prints `ORIGIN` on one line once it listens, then serves until stdin
//! closes, and prints `posts: N` on stderr when it stops.
//!
//! Routes (any token, any body):
//! - `POST /api/chat.postMessage`: `{"ok": true, "channel", "ts", "message"}`
//! - `GET /api/chat.getPermalink`: `{"ok": true, "channel", "permalink"}` (the
//!   Slack flavor asks for the message's link after posting; not a post)
//! - `POST /bot<token>/sendMessage`: `{"ok": true, "result": {"message_id", "chat"}}`
//! - `POST /teams/<anything>`: 202 with an empty body, as Workflows answers

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

type Count = Arc<AtomicU64>;

fn next(count: &Count) -> u64 {
    count.fetch_add(1, Ordering::Relaxed) + 1
}

async fn slack(State(count): State<Count>, body: Bytes) -> Response {
    let n = next(&count);
    let params: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let channel = params["channel"].as_str().unwrap_or("C0ALERTS").to_string();
    let ts = format!("1700000000.{n:06}");
    Json(json!({"ok": true, "channel": channel, "ts": ts, "message": {"type": "message", "text": params["text"], "ts": ts, "bot_id": "B0BENCH"}}))
        .into_response()
}

async fn permalink(Query(q): Query<std::collections::HashMap<String, String>>) -> Response {
    let channel = q.get("channel").cloned().unwrap_or_default();
    let ts = q.get("message_ts").cloned().unwrap_or_default().replace('.', "");
    Json(json!({"ok": true, "channel": channel, "permalink": format!("https://bench.slack.com/archives/{channel}/p{ts}")}))
        .into_response()
}

async fn telegram(State(count): State<Count>, Path((bot, method)): Path<(String, String)>, body: Bytes) -> Response {
    if !bot.starts_with("bot") || method != "sendMessage" {
        return (StatusCode::NOT_FOUND, Json(json!({"ok": false, "error_code": 404, "description": "Not Found"})))
            .into_response();
    }
    let n = next(&count);
    let params: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let chat = params["chat_id"].as_str().and_then(|c| c.parse::<i64>().ok()).unwrap_or(-1001);
    Json(json!({"ok": true, "result": {"message_id": n, "date": 1700000000,
        "chat": {"id": chat, "type": "supergroup", "title": "bench"}, "text": params["text"]}}))
    .into_response()
}

async fn teams(State(count): State<Count>, _body: Bytes) -> Response {
    next(&count);
    StatusCode::ACCEPTED.into_response()
}

fn main() {
    let count: Count = Arc::new(AtomicU64::new(0));
    let router = Router::new()
        .route("/api/chat.postMessage", post(slack))
        .route("/api/chat.getPermalink", get(permalink))
        .route("/{bot}/{method}", post(telegram))
        .route("/teams/{*rest}", post(teams))
        .with_state(count.clone());
    let server = alerter_tests::chat::Server::start(router);
    println!("{}", server.origin());
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    eprintln!("posts: {}", count.load(Ordering::Relaxed));
    drop(server);
}
