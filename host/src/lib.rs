//! `alerter`: runs alerter flavors (Slack, Discord, your own) as sandboxed
//! WebAssembly components.
//!
//! A flavor posts a message to a chat service and lists the replies; the
//! host owns everything else: settings and secrets, the egress policy,
//! limits, rate-limit retries, and (in [`ask`]) the approval logic.
//!
//! ```no_run
//! # async fn demo() -> Result<(), alerter::Error> {
//! let host = alerter::Host::open(&alerter::StateDir::default_path()?, alerter::Limits::default())?;
//! let alerter = host.alerter(None, &[]).await?;
//! let sent = alerter.post(&alerter::Message::text("Training finished")).await?;
//! println!("{}", sent.reference);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod alerter;
pub mod ask;
#[allow(missing_docs)]
pub mod bindings;
pub mod builtin;
pub mod cli;
pub mod egress;
pub mod engine;
pub mod error;
pub mod flavor;
pub mod http;
pub mod limits;
pub mod registry;
pub mod run;
pub mod secrets;
pub mod wasi;

pub use crate::alerter::{Alerter, FlavorSource, Host};
pub use crate::engine::Runtime;
pub use crate::error::{Error, Result};
pub use crate::flavor::{CallError, Flavor, FlavorInfo, Level, Message, RepliesPage, Reply, Sent};
pub use crate::limits::Limits;
pub use crate::registry::StateDir;

impl Message {
    /// A plain message with just a body, level info.
    pub fn text(body: impl Into<String>) -> Message {
        Message {
            title: None,
            body: body.into(),
            level: Level::Info,
            metadata: Vec::new(),
            link: None,
            raw: None,
            thread: None,
        }
    }
}
