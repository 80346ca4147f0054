//! The chat-service core every stand-in is built on: a local HTTP server
//! that keeps channels and messages, logs every request, answers injected
//! faults, and leaves only the service's own API to each stand-in.
//!
//! # Pieces
//!
//! - [`Store`] ([`store`]): channels (with whether the bot may use them, and
//!   a parent for threads that are channels of their own, as on Discord),
//!   messages (id, author, text, thread, and the service's own fields in
//!   `extra`), webhooks, uploaded files. Every message and every id the service asks for
//!   gets a [`Stamp`] that only ever grows, from which the service makes its
//!   ids (Slack `ts`, Discord snowflakes, plain numbers).
//! - [`Seen`] ([`seen`]): one request as received (method, path, query,
//!   headers, body, arrival time) with the status answered, the error code
//!   the service gave, the service's name for it ([`Seen::operation`]) and
//!   whether an injected fault answered it.
//! - [`Fault`] ([`fault`]): queued answers that replace the next matching
//!   request's: rate limits with a retry-after, and error codes. The service
//!   says how each looks on the wire.
//! - [`Service`] ([`service`]): starts and stops the server and runs every
//!   request the same way: name it, answer a queued fault or let the
//!   service answer, log it. It also has the test-side helpers: what was
//!   seen, what is in a channel, post as a person or a bot, inject faults.
//! - [`Server`] ([`server`]): the axum server on 127.0.0.1, on its own
//!   thread, for as long as the service lives.
//! - [`OpenApi`] ([`openapi`]): checks a request against a service's
//!   OpenAPI 3 description (operation, parameters, JSON body schema), for
//!   stand-ins that check every request; [`multipart`] reads file uploads.
//!
//! # Adding a service
//!
//! Implement [`ChatApi`] on a struct holding the service's fixed
//! configuration (tokens): [`ChatApi::operation`] names a request,
//! [`ChatApi::answer`] answers it from the [`State`] (the store, and a list
//! of spec violations to report), [`ChatApi::fault`] renders an injected
//! fault the service's way. Then wrap `Service<YourApi>` in a type with the
//! service's own helpers (its ids, its register arguments) and `Deref` to
//! the service for the common ones. `slack/`, `discord/` and `echo.rs` are
//! the examples.

pub mod fault;
pub mod multipart;
pub mod openapi;
pub mod seen;
pub mod server;
pub mod service;
pub mod store;

pub use fault::Fault;
pub use openapi::OpenApi;
pub use seen::Seen;
pub use server::Server;
pub use service::{Answer, ChatApi, Service, State};
pub use store::{Author, Channel, File, Message, Stamp, Store, Webhook};
