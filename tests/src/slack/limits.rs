//! Slack's rate limits, as the stand-in applies them: per method and
//! workspace, in sliding windows of a minute (docs.slack.dev, "Rate
//! limits"):
//!
//! | tier | requests a minute | methods here |
//! |---|---|---|
//! | 1 | 1 | `conversations.history`, `conversations.replies` for apps outside the Marketplace |
//! | 2 | 20 | — |
//! | 3 | 50 | `conversations.history`, `conversations.replies` (Marketplace apps), `chat.update`, `reactions.get`, `reactions.add` |
//! | 4 | 100 | `files.getUploadURLExternal`, `files.completeUploadExternal`, `auth.test`, `chat.getPermalink` |
//!
//! `chat.postMessage` has its own rule: about one message a second per
//! channel, short bursts allowed; modelled as at most 5 messages in any 5
//! seconds per channel. Since the 2025 terms ("Rate limit changes for
//! non-Marketplace apps", May 2025), apps not approved for the Marketplace
//! get `conversations.history` and `conversations.replies` at **1 request a
//! minute** with `limit` at most (and by default) **15**: that is
//! [`Regime::NonMarketplace`].
//!
//! A request over a limit gets HTTP 429, `{"ok": false, "error":
//! "ratelimited"}` and `Retry-After` in whole seconds: the time until the
//! window has room again, rounded up. Only requests that were answered
//! count. Tests may shorten the minute ([`Limiter::minute`]) so a
//! one-a-minute limit can be watched in seconds; every window scales with it.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

/// Which limits the workspace applies to the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Regime {
    /// An app approved for the Slack Marketplace (or an internal app):
    /// `conversations.*` at Tier 3, `limit` up to 999.
    #[default]
    Marketplace,
    /// A commercially distributed app outside the Marketplace:
    /// `conversations.history` and `conversations.replies` at 1 request a
    /// minute, at most 15 messages a page.
    NonMarketplace,
}

/// How many requests a method gets per window, and the window in minutes.
fn allowance(method: &str, regime: Regime) -> Option<(usize, u32)> {
    let tier3 = Some((50, 1));
    match method {
        "conversations.history" | "conversations.replies" => match regime {
            Regime::Marketplace => tier3,
            Regime::NonMarketplace => Some((1, 1)),
        },
        "chat.update" | "reactions.get" | "reactions.add" => tier3,
        "files.getUploadURLExternal" | "files.completeUploadExternal" | "auth.test" | "chat.getPermalink" => {
            Some((100, 1))
        }
        _ => None,
    }
}

/// The largest `limit` a read method honours under `regime` (and the
/// default when none is given).
pub fn page_limit(regime: Regime, requested: Option<usize>) -> usize {
    match regime {
        Regime::Marketplace => requested.unwrap_or(100).clamp(1, 999),
        Regime::NonMarketplace => requested.unwrap_or(15).clamp(1, 15),
    }
}

/// `chat.postMessage`: this many messages per channel ...
const POSTS_PER_WINDOW: usize = 5;
/// ... in this many seconds (of a minute of 60).
const POST_WINDOW_SECS: u32 = 5;

/// The request times each limit has counted.
#[derive(Debug)]
pub struct Limiter {
    /// The regime in force.
    pub regime: Regime,
    /// How long "a minute" lasts (60 s unless a test shortens it).
    pub minute: Duration,
    calls: BTreeMap<String, VecDeque<Instant>>,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter { regime: Regime::default(), minute: Duration::from_secs(60), calls: BTreeMap::new() }
    }
}

impl Limiter {
    /// Counts a call to `method` (for `chat.postMessage`, to `channel`) at
    /// `now`, or says how long to wait when it is over its limit.
    pub fn admit(&mut self, method: &str, channel: Option<&str>, now: Instant) -> Result<(), Duration> {
        let (key, allowed, window) = if method == "chat.postMessage" {
            let window = self.minute * POST_WINDOW_SECS / 60;
            (format!("{method} {}", channel.unwrap_or("")), POSTS_PER_WINDOW, window)
        } else {
            match allowance(method, self.regime) {
                Some((n, minutes)) => (method.to_string(), n, self.minute * minutes),
                None => return Ok(()),
            }
        };
        let times = self.calls.entry(key).or_default();
        while times.front().is_some_and(|t| now.duration_since(*t) >= window) {
            times.pop_front();
        }
        if times.len() >= allowed {
            let oldest = *times.front().expect("a full window has an oldest call");
            return Err(window.saturating_sub(now.duration_since(oldest)));
        }
        times.push_back(now);
        Ok(())
    }
}

/// `Retry-After` for a wait: whole seconds, rounded up, at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_millis().div_ceil(1000) as u64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_and_regimes() {
        let t0 = Instant::now();
        let mut l = Limiter::default();
        for i in 0..50 {
            assert!(l.admit("conversations.history", None, t0 + Duration::from_millis(i)).is_ok());
        }
        let wait = l.admit("conversations.history", None, t0 + Duration::from_secs(10)).unwrap_err();
        assert_eq!(retry_after_secs(wait), 50);
        assert!(l.admit("conversations.history", None, t0 + Duration::from_secs(61)).is_ok());
        assert!(l.admit("some.otherMethod", None, t0).is_ok());

        let mut l = Limiter { regime: Regime::NonMarketplace, ..Limiter::default() };
        assert!(l.admit("conversations.replies", None, t0).is_ok());
        let wait = l.admit("conversations.replies", None, t0 + Duration::from_secs(1)).unwrap_err();
        assert_eq!(retry_after_secs(wait), 59);
        assert!(l.admit("conversations.history", None, t0 + Duration::from_secs(1)).is_ok(), "per method");
        assert!(l.admit("reactions.get", None, t0 + Duration::from_secs(1)).is_ok());
        assert_eq!(page_limit(Regime::NonMarketplace, Some(200)), 15);
        assert_eq!(page_limit(Regime::NonMarketplace, None), 15);
        assert_eq!(page_limit(Regime::Marketplace, Some(200)), 200);
    }

    #[test]
    fn messages_per_channel() {
        let t0 = Instant::now();
        let mut l = Limiter::default();
        for i in 0..5 {
            assert!(l.admit("chat.postMessage", Some("C1"), t0 + Duration::from_millis(i * 10)).is_ok());
        }
        assert!(l.admit("chat.postMessage", Some("C2"), t0).is_ok(), "another channel");
        let wait = l.admit("chat.postMessage", Some("C1"), t0 + Duration::from_millis(100)).unwrap_err();
        assert_eq!(retry_after_secs(wait), 5);
        assert!(l.admit("chat.postMessage", Some("C1"), t0 + Duration::from_secs(5)).is_ok());

        // A shorter minute shortens every window.
        let mut l = Limiter { regime: Regime::NonMarketplace, minute: Duration::from_secs(3), ..Limiter::default() };
        assert!(l.admit("conversations.history", None, t0).is_ok());
        assert_eq!(l.admit("conversations.history", None, t0).unwrap_err(), Duration::from_secs(3));
        assert!(l.admit("conversations.history", None, t0 + Duration::from_secs(3)).is_ok());
    }
}
