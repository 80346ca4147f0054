//! Test support for alerter: local stand-ins of the chat services (Slack,
//! Discord, Mattermost, Telegram, Microsoft Teams, ntfy, and a generic
//! echo service), all built on one chat-service core ([`chat`]); a runner for the real
//! `alerter` binary with a kill timeout on every run ([`cli`]); a raw HTTP
//! client for the stand-ins' own tests ([`http`]); and small shared
//! helpers. The wasm components the tests load come from the
//! `alerter-test-artifacts` crate.

pub mod chat;
pub mod cli;
pub mod discord;
pub mod echo;
pub mod guest;
pub mod hostile;
pub mod http;
pub mod mattermost;
pub mod ntfy;
pub mod png;
pub mod scale;
pub mod slack;
pub mod standin;
pub mod teams;
pub mod telegram;

use std::time::{Duration, Instant};

/// A fresh [`cli::Alerter`] (its own state directory) for the `alerter`
/// binary of the current build: use it in the tests of the package that
/// builds the binary, where cargo sets `CARGO_BIN_EXE_alerter`.
#[macro_export]
macro_rules! alerter {
    () => {
        $crate::cli::Alerter::new(env!("CARGO_BIN_EXE_alerter"))
    };
}

/// Every file under `dir` (and its subdirectories) whose name ends with
/// `suffix`; none when `dir` cannot be read.
pub fn files_ending(dir: &std::path::Path, suffix: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_ending(&p, suffix));
        } else if p.to_string_lossy().ends_with(suffix) {
            out.push(p);
        }
    }
    out
}

/// How long [`wait_for`] waits.
pub const WAIT_LIMIT: Duration = Duration::from_secs(20);

/// Polls `f` until it gives a value; fails the test after [`WAIT_LIMIT`].
#[track_caller]
pub fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < WAIT_LIMIT, "{what} never happened");
        std::thread::sleep(Duration::from_millis(20));
    }
}
