//! `alerter`: alerts and human approval gates, sent to chat services through
//! **flavors**, WebAssembly components that the library runs in a sandbox.
//!
//! A flavor posts a message to one chat service and lists the replies to it;
//! the library owns everything else: settings and secrets, the egress
//! policy, limits, rate-limit retries, and the approval logic of [`ask`].
//!
//! Post and ask from a program, with the alerters configured by the
//! `alerter` command (or by [`Host::register_alerter`]):
//!
//! ```no_run
//! # async fn demo() -> Result<(), alerter::Error> {
//! use alerter::{AskOptions, Host, Limits, Message, Outcome};
//!
//! let host = Host::open(&Host::default_home()?, Limits::default())?;
//! let ops = host.alerter(Some("ops"), &[]).await?;
//! let sent = ops.post(&Message::text("Nightly training finished")).await?;
//! println!("posted: {}", sent.link.unwrap_or(sent.reference));
//!
//! let asked = alerter::ask(&ops, &Message::text("Deploy v3?"), &AskOptions::default(), &(), std::future::pending()).await?;
//! if let Outcome::Approved(decision) = &asked.outcome {
//!     println!("approved by {}", decision.by_name);
//! }
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

mod alerter;
mod ask;
mod attach;
#[allow(missing_docs)]
mod bindings;
mod budget;
mod builtin;
mod config;
pub mod conformance;
mod egress;
mod engine;
mod error;
mod fanout;
mod flavor;
mod imports;
pub mod inspect;
mod limits;
mod net;
mod run;
mod secrets;
mod slots;
mod state;
mod store;
mod validate;
mod wasi;

pub use crate::alerter::{Alerter, Delivered, FlavorSource, Host};
pub use crate::ask::{
    ask, ask_all, judge, without_mentions, AnswerKind, AskOptions, Asked, Cadence, Decision, Outcome, PollResult,
    Progress, Question, Schedule, DEFAULT_APPROVE, DEFAULT_APPROVE_REACTIONS, DEFAULT_DISAPPROVE,
    DEFAULT_DISAPPROVE_REACTIONS,
};
pub use crate::attach::{media_type, MAX_ATTACHMENTS_BYTES, MAX_ATTACHMENT_BYTES};
pub use crate::bindings::{Contract, CONTRACT_MAJOR_MINOR, CONTRACT_PACKAGE, CONTRACT_VERSION, SUPPORTED_CONTRACTS};
pub use crate::budget::DEFAULT_REQUESTS_PER_MINUTE;
pub use crate::config::{
    AlerterChanges, AlerterDescription, AlerterSaved, AlerterSummary, CacheInfo, FlavorChange, FlavorRegistered,
    FlavorRegistration, GrantReason, NewAlerter, Warning,
};
pub use crate::egress::{Denial, EgressPolicy, Origin};
pub use crate::engine::{CacheEntry, CompileSource, Pruned, Residency, Runtime};
pub use crate::error::{Error, ErrorClass, NameKind, Result};
pub use crate::fanout::{fan_out_exit_code, post_all, GroupChange, Target, PARTIAL_FAILURE_EXIT};
pub use crate::flavor::{
    Attachment, CallError, Capabilities, Flavor, FlavorError, FlavorInfo, HeaderSlot, Level, Message, RateLimit,
    Rejection, RepliesPage, Reply, ReplyKind, SecretSlot, SecretSpec, Sent, SettingSpec,
};
pub use crate::limits::{LimitOverrides, Limits};
pub use crate::net::{Clients, Net, ALLOWED_METHODS, FORBIDDEN_HEADERS};
pub use crate::run::{command_alert, report, run_command, Finished, On};
pub use crate::secrets::{
    env_secret_values, looks_like_reference, strip_controls, Redactor, SecretEntry, SecretRef, SecretSet, REDACTED,
};
pub use crate::slots::{check_origin, place, Misplaced, Placed, Spot};
