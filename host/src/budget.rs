//! Request budgets: how many HTTP requests a flavor may send per route, and
//! the routes a service asked us to leave alone for a while.
//!
//! A route is an origin and a path (`https://slack.com/api/chat.update`):
//! for Slack one API method, for Discord one resource. For each route of
//! one alerter the host keeps the requests of the last minute and the time
//! until which the service told it to wait:
//!
//! - at most [`DEFAULT_REQUESTS_PER_MINUTE`] requests in any 60 seconds;
//! - after a `429` with `Retry-After`, nothing until that time has passed
//!   (a `429` that says the limit is global, as Discord's do, holds back
//!   every route of the origin);
//! - a response that says the route's budget is spent
//!   (`X-RateLimit-Remaining: 0` with `X-RateLimit-Reset-After`) holds it
//!   back until the reset.
//!
//! A request held back is not sent: the flavor gets
//! `http-error.rate-limited` with the wait, exactly as if the service had
//! answered 429, and the host's usual retry and polling rules apply.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// Requests per route in any minute, unless the service asks for fewer:
/// Slack's Tier 3 allows about 50 per method, Discord's buckets about 5 per
/// few seconds per route; 30 stays under both for everything `ask` does.
pub const DEFAULT_REQUESTS_PER_MINUTE: usize = 30;

/// The window the budget counts in.
const WINDOW: Duration = Duration::from_secs(60);

/// Longest hold the host accepts from a service's headers (a bogus
/// `Retry-After: 99999999` must not freeze an alerter for years).
const MAX_HOLD: Duration = Duration::from_secs(3600);

/// Why a request is held back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HoldReason {
    /// The service answered 429 on this route (or globally) and its
    /// `Retry-After` has not passed.
    RetryAfter,
    /// The service said this route's budget is spent until its reset.
    Exhausted,
    /// The host's own budget of requests per minute on this route is spent.
    Budget(usize),
}

/// A request held back: wait this long, for this reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hold {
    /// Time until the route is open again.
    pub(crate) wait: Duration,
    /// Why.
    pub(crate) reason: HoldReason,
}

impl Hold {
    /// One line about the hold, for the flavor's error (`route` as shown).
    pub(crate) fn explain(&self, route: &str) -> String {
        let secs = self.wait.as_secs_f64();
        match self.reason {
            HoldReason::RetryAfter => {
                format!("held back {route}: the service rate-limited it; {secs:.1} s of its Retry-After left")
            }
            HoldReason::Exhausted => {
                format!("held back {route}: the service says its rate limit is spent for {secs:.1} s more")
            }
            HoldReason::Budget(n) => {
                format!("held back {route}: {n} requests in the last minute, the host's budget; next in {secs:.1} s")
            }
        }
    }
}

#[derive(Debug, Default)]
struct Route {
    /// When the requests of the last minute were admitted, oldest first.
    recent: VecDeque<Instant>,
    /// Nothing before this, and why.
    held: Option<(Instant, HoldReason)>,
}

/// The request budget of one alerter: per-route counts and holds.
#[derive(Debug)]
pub(crate) struct Budget {
    per_minute: usize,
    routes: Mutex<HashMap<String, Route>>,
    /// Origins held back as a whole (a global rate limit).
    origins: Mutex<HashMap<String, Instant>>,
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(DEFAULT_REQUESTS_PER_MINUTE)
    }
}

impl Budget {
    /// A budget of `per_minute` requests per route (at least one).
    pub(crate) fn new(per_minute: usize) -> Budget {
        Budget { per_minute: per_minute.max(1), routes: Mutex::default(), origins: Mutex::default() }
    }

    /// Admits one request to `route` of `origin` at `now` and counts it, or
    /// says how long it must wait.
    pub(crate) fn admit(&self, origin: &str, route: &str, now: Instant) -> Result<(), Hold> {
        if let Some(until) = self.origins.lock().unwrap_or_else(|e| e.into_inner()).get(origin) {
            if *until > now {
                return Err(Hold { wait: *until - now, reason: HoldReason::RetryAfter });
            }
        }
        let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        let r = routes.entry(route.to_string()).or_default();
        if let Some((until, reason)) = &r.held {
            if *until > now {
                return Err(Hold { wait: *until - now, reason: reason.clone() });
            }
            r.held = None;
        }
        while r.recent.front().is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW) {
            r.recent.pop_front();
        }
        if r.recent.len() >= self.per_minute {
            let oldest = r.recent[r.recent.len() - self.per_minute];
            return Err(Hold {
                wait: (oldest + WINDOW).saturating_duration_since(now),
                reason: HoldReason::Budget(self.per_minute),
            });
        }
        r.recent.push_back(now);
        Ok(())
    }

    /// Learns from a response on `route`: a 429's `Retry-After` (global or
    /// for the route), or a spent `X-RateLimit-Remaining`.
    pub(crate) fn observe(&self, origin: &str, route: &str, status: u16, headers: &[(String, String)], now: Instant) {
        let header = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim());
        let hold = if status == 429 {
            // Discord also gives the wait in `X-RateLimit-Reset-After`; a
            // 429 without either still means "not now": one second.
            let wait = header("retry-after")
                .and_then(|v| parse_retry_after(v, SystemTime::now()))
                .or_else(|| header("x-ratelimit-reset-after").and_then(parse_seconds))
                .unwrap_or(Duration::from_secs(1));
            let global = header("x-ratelimit-global").is_some_and(|v| v.eq_ignore_ascii_case("true"))
                || header("x-ratelimit-scope").is_some_and(|v| v.eq_ignore_ascii_case("global"));
            if global {
                let until = now + wait.min(MAX_HOLD);
                let mut origins = self.origins.lock().unwrap_or_else(|e| e.into_inner());
                let held = origins.entry(origin.to_string()).or_insert(until);
                *held = (*held).max(until);
                return;
            }
            Some((wait, HoldReason::RetryAfter))
        } else if header("x-ratelimit-remaining").is_some_and(|v| v == "0") {
            header("x-ratelimit-reset-after").and_then(parse_seconds).map(|wait| (wait, HoldReason::Exhausted))
        } else {
            None
        };
        if let Some((wait, reason)) = hold {
            let until = now + wait.min(MAX_HOLD);
            let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
            let r = routes.entry(route.to_string()).or_default();
            if r.held.as_ref().is_none_or(|(t, _)| *t < until) {
                r.held = Some((until, reason));
            }
        }
    }
}

/// Seconds, possibly fractional (`3`, `0.25`), as a duration.
fn parse_seconds(v: &str) -> Option<Duration> {
    let s: f64 = v.trim().parse().ok()?;
    (s.is_finite() && s >= 0.0).then(|| Duration::from_secs_f64(s.min(MAX_HOLD.as_secs_f64())))
}

/// A `Retry-After` value: seconds, or an HTTP date (the wait until then).
fn parse_retry_after(v: &str, now: SystemTime) -> Option<Duration> {
    parse_seconds(v).or_else(|| {
        let at = httpdate::parse_http_date(v.trim()).ok()?;
        Some(at.duration_since(now).unwrap_or(Duration::ZERO))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const O: &str = "https://slack.com";
    const R: &str = "https://slack.com/api/conversations.replies";

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn thirty_a_minute_per_route_and_the_thirty_first_waits_for_the_oldest() {
        let b = Budget::default();
        let t0 = Instant::now();
        for i in 0..30 {
            b.admit(O, R, t0 + Duration::from_millis(100 * i)).expect("within the budget");
        }
        let held = b.admit(O, R, t0 + Duration::from_secs(5)).unwrap_err();
        assert_eq!(held, Hold { wait: Duration::from_secs(55), reason: HoldReason::Budget(30) });
        // Another route has its own budget.
        b.admit(O, "https://slack.com/api/chat.postMessage", t0 + Duration::from_secs(5)).unwrap();
        // A minute after the first, one more fits; the next waits for the second.
        b.admit(O, R, t0 + Duration::from_secs(60)).unwrap();
        let held = b.admit(O, R, t0 + Duration::from_secs(60)).unwrap_err();
        assert_eq!(held.wait, Duration::from_millis(100));
        assert_eq!(
            held.explain("GET /x"),
            "held back GET /x: 30 requests in the last minute, the host's budget; next in 0.1 s"
        );
    }

    #[test]
    fn a_429_holds_its_route_until_retry_after_passes() {
        let b = Budget::default();
        let t0 = Instant::now();
        b.admit(O, R, t0).unwrap();
        b.observe(O, R, 429, &h(&[("Retry-After", "3")]), t0);
        let held = b.admit(O, R, t0 + Duration::from_secs(1)).unwrap_err();
        assert_eq!(held, Hold { wait: Duration::from_secs(2), reason: HoldReason::RetryAfter });
        b.admit(O, "https://slack.com/api/chat.update", t0 + Duration::from_secs(1)).expect("other routes are open");
        b.admit(O, R, t0 + Duration::from_secs(3)).expect("open once it passed");
        // Fractional seconds and HTTP dates too; a bare 429 waits a second.
        b.observe(O, R, 429, &h(&[("retry-after", "0.5")]), t0);
        assert!(b.admit(O, R, t0 + Duration::from_millis(3400)).is_ok());
        b.observe(O, R, 429, &[], t0 + Duration::from_secs(4));
        assert_eq!(b.admit(O, R, t0 + Duration::from_secs(4)).unwrap_err().wait, Duration::from_secs(1));
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let date = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(parse_retry_after(&date, now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn global_limits_hold_every_route_of_the_origin_and_spent_buckets_their_route() {
        let b = Budget::default();
        let t0 = Instant::now();
        let d = "https://discord.com";
        b.observe(
            d,
            "https://discord.com/api/v10/channels/1/messages",
            429,
            &h(&[("retry-after", "2"), ("x-ratelimit-global", "true")]),
            t0,
        );
        assert_eq!(b.admit(d, "https://discord.com/api/v10/users/@me", t0).unwrap_err().wait, Duration::from_secs(2));
        assert!(b.admit(O, R, t0).is_ok(), "other origins are not held");
        let route = "https://discord.com/api/v10/channels/1/messages/2";
        b.observe(
            d,
            route,
            200,
            &h(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset-after", "1.5")]),
            t0 + Duration::from_secs(2),
        );
        let held = b.admit(d, route, t0 + Duration::from_secs(2)).unwrap_err();
        assert_eq!(held, Hold { wait: Duration::from_millis(1500), reason: HoldReason::Exhausted });
        b.observe(
            d,
            "https://discord.com/x",
            200,
            &h(&[("x-ratelimit-remaining", "3"), ("x-ratelimit-reset-after", "9")]),
            t0,
        );
        assert!(b.admit(d, "https://discord.com/x", t0 + Duration::from_secs(2)).is_ok());
        // An absurd Retry-After is capped at an hour.
        b.observe(O, R, 429, &h(&[("retry-after", "99999999")]), t0);
        assert_eq!(b.admit(O, R, t0).unwrap_err().wait, MAX_HOLD);
    }
}
