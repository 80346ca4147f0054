//! Discord's rate limits as the stand-in applies them
//! (discord-api-docs/rate-limits.mdx): per-route buckets counted per
//! top-level resource (the channel or webhook in the path), and a global
//! limit per bot across all routes.
//!
//! Every answered request carries its bucket's `X-RateLimit-Limit`,
//! `-Remaining`, `-Reset` (epoch seconds), `-Reset-After` (seconds, with
//! decimals) and `-Bucket`. A request over its bucket gets 429 with
//! `{"message", "retry_after", "global": false}`, `Retry-After` and
//! `X-RateLimit-Scope: user`; over the global limit, `"global": true`,
//! `X-RateLimit-Global: true` and `X-RateLimit-Scope: global`.
//!
//! A bucket is a fixed window that starts with its first request. The
//! numbers are the stand-in's ([`default_limit`]); Discord's own differ by
//! route and change without notice, which is why the docs say to read the
//! headers rather than hard-code them, and why tests set their own with
//! [`super::DiscordService::limit_route`].

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::chat::Answer;

/// How many requests a bucket allows per window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    /// Requests per window.
    pub requests: u32,
    /// The window.
    pub per: Duration,
}

impl Limit {
    /// `requests` per `per`.
    pub fn new(requests: u32, per: Duration) -> Limit {
        Limit { requests, per }
    }
}

/// The stand-in's limit for each operation, and the global one.
pub fn default_limit(operation: &str) -> Limit {
    let ms = Duration::from_millis;
    match operation {
        "create_message" | "edit_message" => Limit::new(5, ms(5000)),
        "execute_webhook" => Limit::new(5, ms(2000)),
        "add_reaction" => Limit::new(1, ms(250)),
        _ => Limit::new(5, ms(1000)),
    }
}

/// Global: 50 requests per second per bot (rate-limits.mdx, "Global Rate Limit").
pub const GLOBAL: Limit = Limit { requests: 50, per: Duration::from_secs(1) };

/// A bucket's name as Discord shows it in `X-RateLimit-Bucket`: the same
/// for every top-level resource ("non-inclusive of top-level resources").
pub fn bucket_name(operation: &str) -> String {
    // A stable, opaque 32-hex-digit name per operation.
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for b in operation.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
    }
    format!("{h:032x}")
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    used: u32,
}

/// Buckets, their windows, and the global window.
#[derive(Debug, Default)]
pub struct Buckets {
    overrides: HashMap<String, Limit>,
    global: Option<Limit>,
    windows: HashMap<(String, String), Window>,
    global_window: Option<Window>,
}

/// What a request may do.
pub enum Verdict {
    /// Go ahead; add these headers to the answer.
    Allowed(Vec<(String, String)>),
    /// 429 instead.
    Limited(Answer),
}

impl Buckets {
    /// Sets the limit of `operation` (every resource's bucket of it).
    pub fn set(&mut self, operation: &str, limit: Limit) {
        self.overrides.insert(operation.to_string(), limit);
        self.windows.retain(|(op, _), _| op != operation);
    }

    /// Sets the global limit.
    pub fn set_global(&mut self, limit: Limit) {
        self.global = Some(limit);
        self.global_window = None;
    }

    fn limit(&self, operation: &str) -> Limit {
        self.overrides.get(operation).copied().unwrap_or_else(|| default_limit(operation))
    }

    /// Counts a request for `operation` on top-level resource `major` at `now`.
    pub fn take(&mut self, operation: &str, major: &str, now: Instant) -> Verdict {
        let global = self.global.unwrap_or(GLOBAL);
        let limit = self.limit(operation);
        let gw = self.global_window.get_or_insert(Window { start: now, used: 0 });
        if now.duration_since(gw.start) >= global.per {
            *gw = Window { start: now, used: 0 };
        }
        if gw.used >= global.requests {
            let after = global.per.saturating_sub(now.duration_since(gw.start));
            return Verdict::Limited(limited(after, None));
        }
        let key = (operation.to_string(), major.to_string());
        let w = self.windows.entry(key).or_insert(Window { start: now, used: 0 });
        if now.duration_since(w.start) >= limit.per {
            *w = Window { start: now, used: 0 };
        }
        let reset_after = limit.per.saturating_sub(now.duration_since(w.start));
        let bucket = bucket_name(operation);
        if w.used >= limit.requests {
            return Verdict::Limited(limited(reset_after, Some((limit, &bucket))));
        }
        w.used += 1;
        gw.used += 1;
        Verdict::Allowed(headers(limit.requests, limit.requests - w.used, reset_after, &bucket))
    }
}

fn headers(limit: u32, remaining: u32, reset_after: Duration, bucket: &str) -> Vec<(String, String)> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
    let after = reset_after.as_secs_f64();
    vec![
        ("x-ratelimit-limit".into(), limit.to_string()),
        ("x-ratelimit-remaining".into(), remaining.to_string()),
        ("x-ratelimit-reset".into(), format!("{:.3}", now + after)),
        ("x-ratelimit-reset-after".into(), format!("{after:.3}")),
        ("x-ratelimit-bucket".into(), bucket.to_string()),
    ]
}

/// A 429: for a bucket (`Some`) or the global limit (`None`).
fn limited(after: Duration, bucket: Option<(Limit, &str)>) -> Answer {
    let secs = (after.as_secs_f64() * 1000.0).ceil() / 1000.0;
    let global = bucket.is_none();
    let body = json!({"message": "You are being rate limited.", "retry_after": secs, "global": global});
    let mut answer = Answer::json(429, &body).header("retry-after", secs.ceil() as u64).error("rate_limited");
    match bucket {
        Some((limit, name)) => {
            for (k, v) in headers(limit.requests, 0, after, name) {
                answer = answer.header(&k, v);
            }
            answer.header("x-ratelimit-scope", "user")
        }
        None => answer.header("x-ratelimit-global", "true").header("x-ratelimit-scope", "global"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(h: &'a [(String, String)], name: &str) -> &'a str {
        h.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap()
    }

    #[test]
    fn buckets_count_per_resource_and_reset() {
        let mut b = Buckets::default();
        b.set("list_messages", Limit::new(2, Duration::from_secs(10)));
        let t0 = Instant::now();
        let Verdict::Allowed(h) = b.take("list_messages", "1", t0) else { panic!("allowed") };
        assert_eq!((header(&h, "x-ratelimit-limit"), header(&h, "x-ratelimit-remaining")), ("2", "1"));
        assert_eq!(header(&h, "x-ratelimit-reset-after"), "10.000");
        let Verdict::Allowed(h) = b.take("list_messages", "1", t0 + Duration::from_secs(4)) else { panic!() };
        assert_eq!((header(&h, "x-ratelimit-remaining"), header(&h, "x-ratelimit-reset-after")), ("0", "6.000"));
        // Another channel has a bucket of its own, under the same name.
        let Verdict::Allowed(other) = b.take("list_messages", "2", t0) else { panic!() };
        assert_eq!(header(&other, "x-ratelimit-bucket"), header(&h, "x-ratelimit-bucket"));
        let Verdict::Limited(a) = b.take("list_messages", "1", t0 + Duration::from_secs(5)) else { panic!("limited") };
        assert_eq!(a.status, 429);
        let body: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
        assert_eq!(body, json!({"message": "You are being rate limited.", "retry_after": 5.0, "global": false}));
        assert!(a.headers.contains(&("retry-after".into(), "5".into())));
        assert!(a.headers.contains(&("x-ratelimit-scope".into(), "user".into())));
        assert!(matches!(b.take("list_messages", "1", t0 + Duration::from_secs(10)), Verdict::Allowed(_)));
    }

    #[test]
    fn the_global_limit_covers_every_route() {
        let mut b = Buckets::default();
        b.set_global(Limit::new(3, Duration::from_secs(1)));
        let t0 = Instant::now();
        for op in ["a", "b", "c"] {
            assert!(matches!(b.take(op, "1", t0), Verdict::Allowed(_)));
        }
        let Verdict::Limited(a) = b.take("d", "1", t0 + Duration::from_millis(250)) else { panic!("limited") };
        let body: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
        assert_eq!((body["global"].as_bool(), body["retry_after"].as_f64()), (Some(true), Some(0.75)));
        assert!(a.headers.contains(&("x-ratelimit-global".into(), "true".into())));
        assert_eq!(GLOBAL, Limit::new(50, Duration::from_secs(1)));
    }
}
