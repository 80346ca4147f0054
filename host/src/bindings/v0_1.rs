//! Bindings for `alerter:flavor@0.1.x` (`wit/archive/0.1.0/flavor.wit`).
//!
//! The host imports delegate to the newest contract's (see `imports/`):
//! a 0.1 request becomes a 0.2 request, the answer is converted back. The
//! types a 0.1 flavor exports are converted to the newest at the edge; what
//! 0.1 lacks gets an empty or false value. A 0.1 secret setting has no slot
//! (see [`crate::flavor::Flavor::contract`]): the host refuses to give it a
//! value.

use super::latest;
use crate::store::CallState;

wasmtime::component::bindgen!({
    path: "../wit/archive/0.1.0",
    world: "alerter-flavor",
    imports: { default: async | trappable },
    exports: { default: async },
});

use self::alerter::flavor::{http as old_http, log as old_log, types as old};
use latest::alerter::flavor::{http as new_http, log as new_log, types as new};

impl old::Host for CallState {}

impl old_http::Host for CallState {
    async fn fetch(
        &mut self,
        req: old_http::Request,
    ) -> wasmtime::Result<Result<old_http::Response, old_http::HttpError>> {
        let req = new_http::Request { method: req.method, url: req.url, headers: req.headers, body: req.body };
        let answer = <CallState as new_http::Host>::fetch(self, req).await?;
        Ok(answer
            .map(|r| old_http::Response { status: r.status, headers: r.headers, body: r.body })
            .map_err(http_error))
    }
}

/// A 0.2 `http-error` as 0.1 knows it: the new cases become the nearest
/// old one, with the same text.
fn http_error(e: new_http::HttpError) -> old_http::HttpError {
    use new_http::HttpError as N;
    use old_http::HttpError as O;
    match e {
        N::Denied(m) => O::Denied(m),
        N::Timeout(m) => O::Timeout(m),
        N::TooLarge(m) => O::TooLarge(m),
        N::Connect(m) => O::Connect(m),
        N::InvalidRequest(m) => O::InvalidRequest(m),
        N::SecretMisplaced(m) => O::InvalidRequest(m),
        N::Forbidden(m) => O::Denied(m),
        N::RateLimited(r) => O::Denied(r.message),
    }
}

impl old_log::Host for CallState {
    async fn write(&mut self, level: old_log::LogLevel, message: String) -> wasmtime::Result<()> {
        let level = match level {
            old_log::LogLevel::Trace => new_log::LogLevel::Trace,
            old_log::LogLevel::Debug => new_log::LogLevel::Debug,
            old_log::LogLevel::Info => new_log::LogLevel::Info,
            old_log::LogLevel::Warn => new_log::LogLevel::Warn,
            old_log::LogLevel::Error => new_log::LogLevel::Error,
        };
        <CallState as new_log::Host>::write(self, level, message).await
    }
}

// --- exports: 0.1 values to the newest types, and messages back ---------------

impl From<old::Capabilities> for new::Capabilities {
    fn from(c: old::Capabilities) -> Self {
        new::Capabilities {
            post: c.post,
            read_replies: c.read_replies,
            threads: c.threads,
            attachments: false,
            reactions: false,
            update: false,
        }
    }
}

impl From<old::FlavorInfo> for new::FlavorInfo {
    fn from(i: old::FlavorInfo) -> Self {
        new::FlavorInfo {
            name: i.name,
            version: i.version,
            description: i.description,
            settings: i
                .settings
                .into_iter()
                .map(|s| new::SettingSpec {
                    name: s.name,
                    description: s.description,
                    required: s.required,
                    default: s.default,
                    // No slot and no origin: the host refuses a value for it
                    // (the flavor's contract says why).
                    secret: s.secret.then(|| new::SecretSpec { slot: new::SecretSlot::Url, origins: Vec::new() }),
                })
                .collect(),
            hosts: i.hosts,
            capabilities: i.capabilities.into(),
        }
    }
}

impl From<old::Sent> for new::Sent {
    fn from(s: old::Sent) -> Self {
        new::Sent { reference: s.reference, link: s.link }
    }
}

impl From<old::RepliesPage> for new::RepliesPage {
    fn from(p: old::RepliesPage) -> Self {
        new::RepliesPage {
            replies: p
                .replies
                .into_iter()
                .map(|r| new::Reply {
                    author_id: r.author_id,
                    author_name: r.author_name,
                    is_bot: r.is_bot,
                    text: r.text,
                    bot_mentions: Vec::new(),
                    kind: new::ReplyKind::Message,
                    in_thread: r.in_thread,
                    id: r.id,
                    posted_at_ms: r.posted_at_ms,
                })
                .collect(),
            cursor: p.cursor,
            notices: Vec::new(),
        }
    }
}

impl From<old::FlavorError> for new::FlavorError {
    fn from(e: old::FlavorError) -> Self {
        match e {
            old::FlavorError::InvalidSettings(m) => new::FlavorError::InvalidSettings(m),
            old::FlavorError::Rejected(r) => {
                // 0.1 put the HTTP status in `code` when it had nothing better.
                let status = r.code.parse::<u16>().ok().filter(|s| (100..600).contains(s));
                new::FlavorError::Rejected(new::Rejection { code: r.code, message: r.message, status })
            }
            old::FlavorError::RateLimited(r) => {
                new::FlavorError::RateLimited(new::RateLimit { retry_after_ms: r.retry_after_ms, message: r.message })
            }
            old::FlavorError::Unsupported(m) => new::FlavorError::Unsupported(m),
            old::FlavorError::Internal(m) => new::FlavorError::Internal(m),
        }
    }
}

/// The message as a 0.1 flavor takes it: without attachments.
pub(crate) fn message(m: &new::Message) -> old::Message {
    old::Message {
        title: m.title.clone(),
        body: m.body.clone(),
        level: match m.level {
            new::Level::Info => old::Level::Info,
            new::Level::Success => old::Level::Success,
            new::Level::Warning => old::Level::Warning,
            new::Level::Failure => old::Level::Failure,
        },
        metadata: m.metadata.clone(),
        link: m.link.clone(),
        raw: m.raw.clone(),
        thread: m.thread.clone(),
    }
}
