//! ntfy stand-in (publishing as JSON), on the shared [`crate::chat`] core.
//!
//! `POST /` with a JSON body publishes to the body's `topic` and answers
//! the message as ntfy's server does (`{"id", "time", "expires", "event":
//! "message", "topic", ...}`, 200). The body is checked against the JSON
//! publish fields the server declares (`publishMessage` in the vendored
//! tests/specs/ntfy/server/types.go: names and Go types), inside the
//! stand-in, for every request ([`spec`]). Errors are the server's own
//! (parsed from the vendored server/errors.go): `{"code": 40301, "http":
//! 403, "error": "forbidden", "link": "..."}`; 40009 for an invalid topic,
//! 40007 for a priority outside 1-5, 40101 for a wrong token, 40301 for a
//! protected topic without one. A rate limit answers 42901 with
//! `Retry-After`. A message over 4096 bytes becomes an attachment, as the
//! server does (the flavor must never let that happen).

pub mod spec;
#[cfg(test)]
mod tests;

use std::ops::Deref;

use serde_json::{json, Map, Value};

use crate::chat::{Answer, Author, Channel, ChatApi, Fault, Message, Seen, Service, Stamp, State, Store};

/// The token that may publish to [`PROTECTED`].
pub const TOKEN: &str = "tk_standinntfysecrettoken0000";
/// A topic anyone may publish to (each topic is a channel of the store).
pub const TOPIC: &str = "alerts";
/// A topic that needs [`TOKEN`].
pub const PROTECTED: &str = "private-alerts";
/// The server's message size limit, in bytes.
pub const MESSAGE_LIMIT: usize = 4096;

/// The ntfy service: which topics need the token.
pub struct NtfyApi {
    /// Topics that need `Authorization: Bearer <TOKEN>`.
    pub protected: Vec<String>,
}

/// A message id from a stamp: 12 letters and digits, as ntfy's are.
fn message_id(stamp: Stamp) -> String {
    format!("msg{:09}", stamp.seq)
}

impl ChatApi for NtfyApi {
    fn operation(&self, req: &Seen) -> String {
        if req.method == "POST" && req.path == "/" {
            "publish".into()
        } else {
            String::new()
        }
    }

    fn answer(&self, state: &mut State, req: &Seen) -> Answer {
        if req.operation.is_empty() {
            return spec::error("errHTTPNotFound");
        }
        let Some(Value::Object(body)) = req.json() else {
            state.violations.push("publish: the body is not a JSON object".into());
            return spec::error("errHTTPBadRequestMessageJSONInvalid");
        };
        state.violations.extend(spec::check_publish(&body));
        let topic = body.get("topic").and_then(Value::as_str).unwrap_or_default().to_string();
        if !spec::topic_valid(&topic) {
            return spec::error("errHTTPBadRequestTopicInvalid");
        }
        match req.header("authorization") {
            Some(auth) if auth != format!("Bearer {TOKEN}") => return spec::error("errHTTPUnauthorized"),
            None if self.protected.contains(&topic) => return spec::error("errHTTPForbidden"),
            _ => {}
        }
        let priority = body.get("priority").and_then(Value::as_i64).unwrap_or(0);
        if !(0..=5).contains(&priority) {
            return spec::error("errHTTPBadRequestPriorityInvalid");
        }
        let store = &mut state.store;
        if store.channel(&topic).is_none() {
            store.add_channel(Channel::with_bot(&topic));
        }
        let mut extra = body.clone();
        let mut text = body.get("message").and_then(Value::as_str).unwrap_or_default().to_string();
        if text.len() > MESSAGE_LIMIT {
            // The server keeps a long message as an attachment.
            extra.insert("attachment".into(), json!({"name": "attachment.txt", "size": text.len()}));
            text = "You received a file: attachment.txt".into();
        }
        let m = store.post(&topic, &Author::bot("", "publisher"), &text, None, extra).clone();
        Answer::json(200, &message_json(&m))
    }

    fn fault(&self, fault: &Fault, _req: &Seen) -> Answer {
        match fault {
            Fault::RateLimited { retry_after_s, .. } => {
                spec::error("errHTTPTooManyRequestsLimitRequests").header("retry-after", retry_after_s.ceil() as u64)
            }
            // An error's name in errors.go (`errHTTPForbidden`) or its code (`40301`).
            Fault::Error { code } => spec::error(code),
        }
    }
}

/// A published message as the server answers it (types.go `message`).
pub fn message_json(m: &Message) -> Value {
    let time = m.stamp.at_us / 1_000_000;
    let mut out = json!({"id": m.id, "time": time, "expires": time + 43_200, "event": "message", "topic": m.channel});
    if !m.text.is_empty() {
        out["message"] = json!(m.text);
    }
    for key in ["title", "priority", "tags", "click", "icon", "actions", "attachment"] {
        if let Some(v) = m.extra.get(key).filter(|v| !v.is_null() && *v != &json!("") && *v != &json!(0)) {
            out[key] = v.clone();
        }
    }
    out
}

/// The running stand-in; the shared helpers come from [`Service`].
#[derive(Clone)]
pub struct NtfyService {
    service: Service<NtfyApi>,
}

impl Deref for NtfyService {
    type Target = Service<NtfyApi>;
    fn deref(&self) -> &Self::Target {
        &self.service
    }
}

impl NtfyService {
    /// Starts the stand-in on 127.0.0.1 (ephemeral port): [`TOPIC`] open,
    /// [`PROTECTED`] behind [`TOKEN`].
    pub fn start() -> NtfyService {
        let mut store = Store::new(message_id);
        store.add_channel(Channel::with_bot(TOPIC));
        NtfyService { service: Service::start(NtfyApi { protected: vec![PROTECTED.into()] }, store) }
    }

    /// The server URL, for the `server` setting.
    pub fn server(&self) -> String {
        self.origin()
    }

    /// The bodies of every publish answered 200.
    pub fn published(&self) -> Vec<Map<String, Value>> {
        self.seen_op("publish")
            .iter()
            .filter(|s| s.status == 200)
            .filter_map(|s| match s.json() {
                Some(Value::Object(m)) => Some(m),
                _ => None,
            })
            .collect()
    }

    /// The messages of `topic` as the server answered them, oldest first.
    pub fn messages(&self, topic: &str) -> Vec<Value> {
        self.channel_messages(topic).iter().map(message_json).collect()
    }
}
