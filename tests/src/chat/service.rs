//! A running stand-in: the server, the request handling every service
//! shares, and the test-side helpers.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{Map, Value};

use super::fault::{Fault, Faults};
use super::seen::Seen;
use super::server::Server;
use super::store::{Author, Message, Store};

/// What a service does with requests; the rest is shared (see the module
/// docs of [`crate::chat`]).
pub trait ChatApi: Send + Sync + 'static {
    /// What the service calls this request (`chat.postMessage`); empty when
    /// it has no such endpoint. Faults are queued by this name.
    fn operation(&self, request: &Seen) -> String;

    /// The answer to a request no fault was queued for.
    fn answer(&self, state: &mut State, request: &Seen) -> Answer;

    /// How the service answers an injected fault.
    fn fault(&self, fault: &Fault, request: &Seen) -> Answer;
}

/// What a stand-in keeps, behind its lock.
pub struct State {
    /// Channels, messages, webhooks.
    pub store: Store,
    /// Ways requests broke the service's spec or docs (tests assert none).
    pub violations: Vec<String>,
    seen: Vec<Seen>,
    faults: Faults,
    /// Requests to answer late: (operation or `*`, delay), first match first.
    stalls: Vec<(String, std::time::Duration)>,
}

/// An HTTP answer, and the error code to log for it.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// Headers besides the content type.
    pub headers: Vec<(String, String)>,
    /// The content type, when there is a body.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
    /// The service's error code, for [`Seen::error`].
    pub error: Option<String>,
}

impl Answer {
    /// A JSON body.
    pub fn json(status: u16, value: &Value) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            content_type: Some("application/json".into()),
            body: value.to_string().into_bytes(),
            error: None,
        }
    }

    /// A text body of `content_type`.
    pub fn text(status: u16, content_type: &str, text: &str) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            content_type: Some(content_type.into()),
            body: text.as_bytes().to_vec(),
            error: None,
        }
    }

    /// No body.
    pub fn empty(status: u16) -> Answer {
        Answer { status, headers: Vec::new(), content_type: None, body: Vec::new(), error: None }
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: &str, value: impl ToString) -> Answer {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Records `code` as the error this answer gives.
    #[must_use]
    pub fn error(mut self, code: &str) -> Answer {
        self.error = Some(code.to_string());
        self
    }

    fn into_response(self) -> Response {
        let mut resp = (StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK), self.body).into_response();
        let h = resp.headers_mut();
        if let Some(ct) = self.content_type.and_then(|ct| HeaderValue::from_str(&ct).ok()) {
            h.insert("content-type", ct);
        }
        for (k, v) in self.headers {
            if let (Ok(k), Ok(v)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(&v)) {
                h.insert(k, v);
            }
        }
        resp
    }
}

/// A running stand-in of one service, and a handle to its state. Clones
/// share the service; it stops when the last one is dropped.
pub struct Service<A: ChatApi> {
    state: Arc<Mutex<State>>,
    api: Arc<A>,
    server: Arc<Server>,
}

impl<A: ChatApi> Clone for Service<A> {
    fn clone(&self) -> Self {
        Service { state: self.state.clone(), api: self.api.clone(), server: self.server.clone() }
    }
}

impl<A: ChatApi> Service<A> {
    /// Serves `api` on 127.0.0.1 (an ephemeral port), starting from `store`.
    pub fn start(api: A, store: Store) -> Self {
        let state = Arc::new(Mutex::new(State {
            store,
            violations: Vec::new(),
            seen: Vec::new(),
            faults: Faults::default(),
            stalls: Vec::new(),
        }));
        let api = Arc::new(api);
        let (s, a) = (state.clone(), api.clone());
        let router = Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (state, api) = (s.clone(), a.clone());
            async move {
                let (response, stall) = handle(&state, api.as_ref(), method, uri, headers, body);
                if let Some(delay) = stall {
                    tokio::time::sleep(delay).await;
                }
                response
            }
        });
        // Uploads: bodies up to 64 MiB (axum's default stops at 2 MB).
        let router = router.layer(axum::extract::DefaultBodyLimit::max(64 << 20));
        Service { state, api, server: Arc::new(Server::start(router)) }
    }

    /// `http://127.0.0.1:PORT`, the origin to grant with `--allow-host`.
    pub fn origin(&self) -> String {
        self.server.origin()
    }

    /// The service's API (its fixed configuration).
    pub fn api(&self) -> &A {
        &self.api
    }

    /// The state, locked.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every request so far, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.state().seen.clone()
    }

    /// The requests for `operation`.
    pub fn seen_op(&self, operation: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.operation == operation).collect()
    }

    /// Why requests broke the service's spec or docs (empty when all were fine).
    pub fn violations(&self) -> Vec<String> {
        self.state().violations.clone()
    }

    /// The messages of `channel`, oldest first.
    pub fn channel_messages(&self, channel: &str) -> Vec<Message> {
        self.state().store.messages(channel).cloned().collect()
    }

    /// `author` posts `text` in `channel` (in the thread of `thread`);
    /// returns the new message's id.
    pub fn say_as(
        &self,
        channel: &str,
        author: &Author,
        text: &str,
        thread: Option<&str>,
        extra: Map<String, Value>,
    ) -> String {
        self.state().store.post(channel, author, text, thread, extra).id.clone()
    }

    /// The next request for `operation` (`*`: any) gets `fault` instead of its answer.
    pub fn inject(&self, operation: &str, fault: Fault) {
        self.state().faults.push(operation, fault);
    }

    /// The next `count` requests for `operation` (`*`: any) answer 429 with
    /// a retry-after of `retry_after_s` seconds.
    pub fn rate_limit_next(&self, operation: &str, count: usize, retry_after_s: f64) {
        for _ in 0..count {
            self.inject(operation, Fault::RateLimited { retry_after_s, global: false });
        }
    }

    /// The next request for `operation` (`*`: any) is answered only after
    /// `delay` (a slow or hanging service: the answer is its normal one).
    pub fn stall_next(&self, operation: &str, delay: std::time::Duration) {
        self.state().stalls.push((operation.to_string(), delay));
    }

    /// The next request for `operation` (`*`: any) gets the service's
    /// error answer for `code`.
    pub fn error_next(&self, operation: &str, code: &str) {
        self.inject(operation, Fault::Error { code: code.to_string() });
    }
}

/// Every request, every service: name it, answer it (or its fault), log it;
/// with the delay to wait before answering, when a stall was queued for it.
fn handle<A: ChatApi>(
    state: &Mutex<State>,
    api: &A,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (Response, Option<std::time::Duration>) {
    let mut seen = Seen {
        operation: String::new(),
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or("").to_string(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
        body: body.to_vec(),
        at: Instant::now(),
        status: 0,
        error: None,
        faulted: false,
    };
    seen.operation = api.operation(&seen);
    let mut g = state.lock().unwrap_or_else(|e| e.into_inner());
    let answer = match g.faults.take(&seen.operation) {
        Some(fault) => {
            seen.faulted = true;
            api.fault(&fault, &seen)
        }
        None => api.answer(&mut g, &seen),
    };
    seen.status = answer.status;
    seen.error.clone_from(&answer.error);
    let stall = g.stalls.iter().position(|(op, _)| *op == seen.operation || op == "*");
    let stall = stall.map(|i| g.stalls.remove(i).1);
    g.seen.push(seen);
    (answer.into_response(), stall)
}
