//! Discord REST plumbing: requests (bot token or webhook URL), Discord's
//! rate-limit headers, and Discord's error bodies turned into errors with
//! hints.
//!
//! **Rate limits** (developers/topics/rate-limits). Discord tells in every
//! answer how much of a route's bucket is left (`X-RateLimit-Bucket`,
//! `-Remaining`, `-Reset-After`); routes that share a bucket say the same
//! bucket, and a bucket counts per top-level resource (the channel or
//! webhook in the path). [`Api`] remembers this for the call: a request
//! whose bucket is empty is not sent, and the call fails with
//! `rate-limited` carrying the bucket's `Reset-After`, so the host waits
//! instead of earning a 429. A 429 itself gives `retry_after` from the JSON
//! body (more precise than the `Retry-After` header); a global one (all
//! routes, `"global": true` or `X-RateLimit-Global`) holds back every later
//! request of the call too.

use std::cell::RefCell;
use std::collections::HashMap;

use alerter_sdk::{truncate, FlavorError, RateLimit, Rejection, Request, Response};
use serde::Deserialize;
use serde_json::Value;

/// `User-Agent` in the form Discord's docs require for the HTTP API
/// (`DiscordBot ($url, $versionNumber)`).
pub const USER_AGENT: &str = concat!(
    "DiscordBot (https://discord.com/developers/docs/reference#user-agent, alerter-discord ",
    env!("CARGO_PKG_VERSION"),
    ")"
);

/// The REST API: with a bot token (`{base}/channels/...`) or through a
/// webhook URL (`{url}`, `{url}/messages/{id}`).
pub struct Api<'a> {
    base: &'a str,
    token: Option<&'a str>,
    limits: RefCell<Limits>,
}

/// What Discord said about its buckets during this call.
#[derive(Default)]
struct Limits {
    /// Route (method and path with ids other than the top-level one
    /// replaced) to the bucket Discord named for it.
    bucket_of: HashMap<String, String>,
    /// Bucket and top-level resource to (remaining, reset after ms).
    left: HashMap<String, (u64, u64)>,
    /// A global limit was hit: everything waits this long.
    global_ms: Option<u64>,
}

/// What a request is for, for the hints.
#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Doing {
    /// Posting a message.
    #[default]
    Post,
    /// Posting a message with files.
    PostFiles,
    /// Reading messages or reactions.
    Read,
    /// Editing a message.
    Edit,
}

/// What an error is about, for the hints.
#[derive(Default, Clone, Copy)]
pub struct Context<'a> {
    /// The channel the request was for.
    pub channel: Option<&'a str>,
    /// Webhook mode.
    pub webhook: bool,
    /// What the request does.
    pub doing: Doing,
}

impl<'a> Api<'a> {
    /// `base` like `https://discord.com/api/v10`; `token` is the secret's
    /// placeholder, which goes into the `Authorization` header only.
    pub fn bot(base: &'a str, token: &'a str) -> Self {
        Api { base: base.trim_end_matches('/'), token: Some(token), limits: RefCell::default() }
    }

    /// A webhook: `url` is the secret URL's placeholder; paths are appended
    /// to it (`/messages/{id}`), and no `Authorization` is sent.
    pub fn webhook(url: &'a str) -> Self {
        Api { base: url, token: None, limits: RefCell::default() }
    }

    /// A bot-token API (not a webhook).
    pub fn is_bot(&self) -> bool {
        self.token.is_some()
    }

    /// A request to `{base}{path}` (path with its query) with the bot's
    /// credentials; send it with [`Api::send`].
    pub fn request(&self, method: &str, path: &str) -> Request {
        let r = Request::new(method, format!("{}{path}", self.base)).header("user-agent", USER_AGENT);
        match self.token {
            Some(token) => r.header("authorization", format!("Bot {token}")),
            None => r,
        }
    }

    /// Sends `request` (made by [`Api::request`] for `method` and `path`)
    /// unless its bucket is known to be empty; records the answer's
    /// rate-limit headers; `Ok` for 2xx, else the error Discord's answer
    /// means.
    pub fn send(&self, method: &str, path: &str, request: Request, ctx: Context<'_>) -> Result<Response, FlavorError> {
        let resp = self.send_raw(method, path, request)?;
        check(resp, ctx)
    }

    /// [`Api::send`] without turning a non-2xx answer into an error (a 429
    /// still is one).
    pub fn send_raw(&self, method: &str, path: &str, request: Request) -> Result<Response, FlavorError> {
        let (route, major) = route_key(method, path);
        if let Some(wait_ms) = self.wait_ms(&route, &major) {
            return Err(FlavorError::RateLimited(RateLimit {
                retry_after_ms: wait_ms,
                message: format!(
                    "Discord's rate limit for {method} {} is used up (X-RateLimit-Remaining: 0); not sending before it resets in {wait_ms} ms",
                    shown_route(&route)
                ),
            }));
        }
        let resp = request.send()?;
        self.record(&route, &major, &resp);
        if resp.status == 429 {
            return Err(error_of(&resp, Context::default()));
        }
        Ok(resp)
    }

    /// How long a request on `route` must wait, when its bucket is empty.
    pub fn wait_ms_for(&self, method: &str, path: &str) -> Option<u64> {
        let (route, major) = route_key(method, path);
        self.wait_ms(&route, &major)
    }

    fn wait_ms(&self, route: &str, major: &str) -> Option<u64> {
        let limits = self.limits.borrow();
        if let Some(ms) = limits.global_ms {
            return Some(ms.max(1));
        }
        let bucket = limits.bucket_of.get(route)?;
        match limits.left.get(&format!("{bucket}|{major}")) {
            Some((0, reset_ms)) => Some((*reset_ms).max(1)),
            _ => None,
        }
    }

    fn record(&self, route: &str, major: &str, resp: &Response) {
        let mut limits = self.limits.borrow_mut();
        if resp.status == 429 && is_global(resp) {
            let ms = retry_after_ms(resp).unwrap_or(1000);
            limits.global_ms = Some(ms);
            return;
        }
        let Some(bucket) = resp.header("x-ratelimit-bucket").map(str::to_string) else { return };
        let remaining = resp.header("x-ratelimit-remaining").and_then(|v| v.trim().parse::<u64>().ok());
        let reset_ms = resp.header("x-ratelimit-reset-after").and_then(seconds_ms);
        limits.bucket_of.insert(route.to_string(), bucket.clone());
        if let (Some(remaining), Some(reset_ms)) = (remaining, reset_ms) {
            let remaining = if resp.status == 429 { 0 } else { remaining };
            let reset_ms =
                if resp.status == 429 { retry_after_ms(resp).unwrap_or(reset_ms).max(reset_ms) } else { reset_ms };
            limits.left.insert(format!("{bucket}|{major}"), (remaining, reset_ms));
        }
    }
}

/// The route of a request as Discord counts it, and its top-level resource:
/// `GET /channels/1/messages/2/reactions/%F0%9F%91%8D` is
/// (`GET /channels/1/messages/:id/reactions/:emoji`, `1`). Webhook paths
/// (relative to the webhook URL) count under the webhook.
fn route_key(method: &str, path: &str) -> (String, String) {
    let path = path.split('?').next().unwrap_or("");
    let mut out = Vec::new();
    let mut major = String::new();
    let mut prev = "";
    for seg in path.split('/') {
        let shown = if matches!(prev, "channels" | "webhooks" | "guilds") {
            major = seg.to_string();
            seg.to_string()
        } else if prev == "reactions" {
            ":emoji".to_string()
        } else if is_snowflake(seg) {
            ":id".to_string()
        } else {
            seg.to_string()
        };
        out.push(shown);
        prev = seg;
    }
    (format!("{method} {}", out.join("/")), major)
}

fn shown_route(route: &str) -> &str {
    route.split_once(' ').map(|(_, p)| p).unwrap_or(route)
}

/// Seconds (possibly fractional) as milliseconds, rounded up.
fn seconds_ms(v: &str) -> Option<u64> {
    let s: f64 = v.trim().parse().ok()?;
    (s.is_finite() && s >= 0.0).then(|| (s * 1000.0).ceil() as u64)
}

fn is_global(resp: &Response) -> bool {
    resp.header("x-ratelimit-global").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        || serde_json::from_slice::<ErrorBody>(&resp.body).ok().and_then(|b| b.global) == Some(true)
}

/// A 429's wait: `retry_after` from the body, else `Retry-After`.
fn retry_after_ms(resp: &Response) -> Option<u64> {
    let body: ErrorBody = serde_json::from_slice(&resp.body).unwrap_or_default();
    body.retry_after
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| (s * 1000.0).ceil() as u64)
        .or_else(|| resp.retry_after_ms())
}

/// Discord's JSON error body (`{"code": 10003, "message": "Unknown Channel"}`,
/// and for 429 `retry_after` / `global`).
#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    errors: Option<Value>,
    #[serde(default)]
    retry_after: Option<f64>,
    #[serde(default)]
    global: Option<bool>,
}

/// `Ok(resp)` for 2xx; otherwise the flavor error Discord's answer means.
pub fn check(resp: Response, ctx: Context<'_>) -> Result<Response, FlavorError> {
    if resp.is_success() {
        return Ok(resp);
    }
    Err(error_of(&resp, ctx))
}

/// The flavor error for a non-2xx answer.
pub fn error_of(resp: &Response, ctx: Context<'_>) -> FlavorError {
    let body: ErrorBody = serde_json::from_slice(&resp.body).unwrap_or_default();
    if resp.status == 429 {
        let retry_after_ms = retry_after_ms(resp).unwrap_or(1000);
        let scope = if is_global(resp) {
            "global rate limit (all routes)"
        } else if resp.header("x-ratelimit-scope") == Some("shared") {
            "rate limited (shared resource limit)"
        } else {
            "rate limited"
        };
        return FlavorError::RateLimited(RateLimit {
            retry_after_ms,
            message: format!(
                "Discord {scope} (HTTP 429): {}; retry after {} ms",
                body.message.as_deref().unwrap_or("You are being rate limited."),
                retry_after_ms
            ),
        });
    }
    let discord_code = body.code.filter(|c| *c != 0);
    let code = match discord_code {
        Some(c) => c.to_string(),
        None => resp.status.to_string(),
    };
    let text = match body.message.as_deref() {
        Some(m) => m.to_string(),
        None => truncate(resp.text().trim(), 300),
    };
    let mut message = format!("{text} (HTTP {})", resp.status);
    if let Some(errors) = body.errors.as_ref() {
        message.push_str(&format!(": {}", truncate(&errors.to_string(), 600)));
    }
    if let Some(hint) = hint(resp.status, discord_code, ctx) {
        message.push_str(". ");
        message.push_str(&hint);
    }
    FlavorError::Rejected(Rejection { code, message, status: Some(resp.status) })
}

/// What to do about a known error.
fn hint(status: u16, code: Option<i64>, ctx: Context<'_>) -> Option<String> {
    let channel = ctx.channel.unwrap_or("(none)");
    Some(match (status, code, ctx.doing) {
        (401, _, _) if ctx.webhook => "Hint: the webhook URL's token is not valid; copy the URL again from the channel's Integrations → Webhooks".into(),
        (401, _, _) => "Hint: the bot token is invalid; reset it in the Discord Developer Portal (Bot → Reset Token) and store the new one with `alerter update NAME --set token=...`".into(),
        (_, Some(10003), _) => format!(
            "Hint: unknown channel `{channel}`: check `channel_id` (the channel's numeric id: Developer Mode → right-click the channel → Copy Channel ID) and that the bot was added to that server"
        ),
        (_, Some(50001), Doing::Read) => format!(
            "Hint: the bot cannot read messages in channel `{channel}`: give it View Channel and Read Message History there (without Read Message History Discord lists no messages at all, so no answer could ever be seen)"
        ),
        (_, Some(50001), _) => format!(
            "Hint: missing access to channel `{channel}`: invite the bot to the server and give it View Channel and Send Messages in that channel (Read Message History to read replies)"
        ),
        (_, Some(50013), Doing::PostFiles) => format!(
            "Hint: missing permissions in channel `{channel}`: attaching files needs Attach Files there, besides Send Messages and Embed Links"
        ),
        (_, Some(50013), Doing::Read) => format!(
            "Hint: missing permissions in channel `{channel}`: reading replies and reactions needs View Channel and Read Message History there"
        ),
        (_, Some(50013), _) => format!(
            "Hint: missing permissions in channel `{channel}`: the bot needs Send Messages and Embed Links there (Read Message History to reply to a message, Attach Files for --attach)"
        ),
        (_, Some(50005), _) => "Hint: Discord lets a bot edit only its own messages; this reference names someone else's".into(),
        (_, Some(50006), _) => "Hint: Discord refused an empty message: give a body, or with --raw include `content`, `embeds` or files".into(),
        (_, Some(40005), _) => "Hint: the files are larger than this channel allows (10 MiB per file unless the server's boost tier allows more; 25 MiB per message)".into(),
        (_, Some(10014), _) => "Hint: Discord does not know that emoji".into(),
        (_, Some(10015), _) => "Hint: unknown webhook: the webhook was deleted or `webhook_url` is wrong; copy it again from the channel's Integrations → Webhooks".into(),
        (_, Some(10008), Doing::Edit) => "Hint: the message to update does not exist (any more) in that channel".into(),
        (_, Some(10008), _) => "Hint: the message to reply to (--thread) does not exist in that channel".into(),
        (_, Some(50035), _) => "Hint: Discord rejected the message body; with --raw check the payload against Discord's message and embed limits".into(),
        (403, _, _) => format!("Hint: the bot may not do this in channel `{channel}`; check its permissions there"),
        _ => return None,
    })
}

/// A snowflake: a non-empty decimal number (as Discord's spec requires).
pub fn is_snowflake(s: &str) -> bool {
    !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u64>().is_ok()
}

/// Milliseconds since the Unix epoch a snowflake was made at.
pub fn snowflake_ms(id: &str) -> Option<u64> {
    const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
    id.parse::<u64>().ok().map(|n| (n >> 22) + DISCORD_EPOCH_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status,
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn rejected(e: FlavorError) -> Rejection {
        match e {
            FlavorError::Rejected(r) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_channel_has_hint() {
        let ctx = Context { channel: Some("123"), ..Context::default() };
        let r = rejected(error_of(&resp(404, &[], r#"{"message": "Unknown Channel", "code": 10003}"#), ctx));
        assert_eq!(r.code, "10003");
        assert!(r.message.starts_with("Unknown Channel (HTTP 404). Hint: unknown channel `123`"), "{}", r.message);
    }

    #[test]
    fn unauthorized() {
        let r =
            rejected(error_of(&resp(401, &[], r#"{"message": "401: Unauthorized", "code": 0}"#), Context::default()));
        assert_eq!(r.code, "401");
        assert!(r.message.contains("bot token is invalid"));
    }

    #[test]
    fn hints_depend_on_what_was_done() {
        let missing = r#"{"message": "Missing Permissions", "code": 50013}"#;
        let with = |doing| {
            rejected(error_of(&resp(403, &[], missing), Context { channel: Some("9"), webhook: false, doing })).message
        };
        assert!(with(Doing::PostFiles).contains("Attach Files"));
        assert!(with(Doing::Read).contains("Read Message History"));
        assert!(with(Doing::Post).contains("Send Messages and Embed Links"));
        let access = r#"{"message": "Missing Access", "code": 50001}"#;
        let ctx = Context { channel: Some("9"), webhook: false, doing: Doing::Read };
        assert!(rejected(error_of(&resp(403, &[], access), ctx)).message.contains("lists no messages at all"));
        let empty = r#"{"message": "Cannot send an empty message", "code": 50006}"#;
        let r = rejected(error_of(&resp(400, &[], empty), Context::default()));
        assert_eq!(r.code, "50006");
        assert!(r
            .message
            .starts_with("Cannot send an empty message (HTTP 400). Hint: Discord refused an empty message"));
    }

    #[test]
    fn rate_limits() {
        let body = r#"{"message": "You are being rate limited.", "retry_after": 0.25, "global": false}"#;
        match error_of(&resp(429, &[("retry-after", "1")], body), Context::default()) {
            FlavorError::RateLimited(r) => assert_eq!(r.retry_after_ms, 250),
            other => panic!("{other:?}"),
        }
        match error_of(&resp(429, &[("retry-after", "3")], "not json"), Context::default()) {
            FlavorError::RateLimited(r) => assert_eq!(r.retry_after_ms, 3000),
            other => panic!("{other:?}"),
        }
        let global = r#"{"message": "You are being rate limited.", "retry_after": 64.57, "global": true}"#;
        match error_of(&resp(429, &[("retry-after", "65"), ("x-ratelimit-global", "true")], global), Context::default())
        {
            FlavorError::RateLimited(r) => {
                assert_eq!(r.retry_after_ms, 64_570);
                assert!(r.message.starts_with("Discord global rate limit (all routes) (HTTP 429)"), "{}", r.message);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn routes_count_per_top_level_resource() {
        assert_eq!(
            route_key("GET", "/channels/1/messages/22/reactions/%F0%9F%91%8D?limit=100"),
            ("GET /channels/1/messages/:id/reactions/:emoji".to_string(), "1".to_string())
        );
        assert_eq!(
            route_key("POST", "/channels/1/messages"),
            ("POST /channels/1/messages".to_string(), "1".to_string())
        );
        assert_eq!(route_key("PATCH", "/messages/5"), ("PATCH /messages/:id".to_string(), String::new()));
    }

    #[test]
    fn empty_buckets_and_global_limits_hold_requests_back() {
        let api = Api::bot("https://d/api", "t");
        let bucket = |remaining: &str, reset: &str| {
            resp(
                200,
                &[
                    ("x-ratelimit-bucket", "b1"),
                    ("x-ratelimit-remaining", remaining),
                    ("x-ratelimit-reset-after", reset),
                ],
                "[]",
            )
        };
        api.record("GET /channels/1/messages", "1", &bucket("1", "0.5"));
        assert_eq!(api.wait_ms_for("GET", "/channels/1/messages?after=3"), None);
        api.record("GET /channels/1/messages", "1", &bucket("0", "0.4"));
        assert_eq!(api.wait_ms_for("GET", "/channels/1/messages?after=3"), Some(400));
        // Another channel counts on its own; an unknown route is not held.
        assert_eq!(api.wait_ms_for("GET", "/channels/2/messages"), None);
        assert_eq!(api.wait_ms_for("GET", "/channels/1/messages/9"), None);
        let global = resp(429, &[("x-ratelimit-global", "true")], r#"{"retry_after": 1.5, "global": true}"#);
        api.record("GET /channels/7", "7", &global);
        assert_eq!(api.wait_ms_for("GET", "/channels/2/messages"), Some(1500));
    }
}
