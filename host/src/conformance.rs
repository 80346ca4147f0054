//! `alerter flavor test`: a conformance run of a component against a local
//! recording service that the run starts on 127.0.0.1 and grants to this
//! run only.
//!
//! The run uses a throw-away state directory: it registers the component
//! there and one alerter whose settings come from the caller (`--set`),
//! with every URL-typed setting pointed at the service (see
//! [`url_settings`]), a generated value for every required secret the
//! caller left out, and `conformance` for every other required setting.
//! Then it calls the flavor and checks, each check one line with its fix:
//!
//! - `info` and `capabilities-for` answer under the limits;
//! - `send` reaches the service and returns a reference (a flavor that
//!   reads replies needs one);
//! - a reply in the thread of that reference is accepted (with `threads`);
//! - `replies` answers `unsupported` for a post-only flavor, and a page or a
//!   typed error otherwise (never a trap); `update` the same;
//! - missing settings give `invalid-settings`, not a trap;
//! - errors are typed: a 500 from the service becomes `rejected` (status
//!   500), a 429 with `Retry-After: 2` becomes `rate-limited` (2000 ms);
//! - no request left for an origin the flavor does not declare;
//! - a secret's value reached the service only in its slot.
//!
//! The service records every request and answers a few generic shapes: 200
//! with `{"ok": true, "id": ..., "message_id": ..., "ts": ..., "result":
//! {...}}` (enough for most APIs to read a message id), or the 500 / 429
//! the checks ask for.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::alerter::{Alerter, Host};
use crate::config::NewAlerter;
use crate::error::Error;
use crate::flavor::{CallError, Capabilities, FlavorError, FlavorInfo, Message, SecretSlot};
use crate::limits::Limits;

/// The value every required plain setting gets unless `--set` gives one.
pub const FILLER: &str = "conformance";

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked, one line.
    pub name: String,
    /// It passed.
    pub passed: bool,
    /// What happened (for a failure: what went wrong).
    pub detail: String,
    /// How to fix a failure.
    pub fix: Option<String>,
}

/// What [`run`] found.
#[derive(Debug, Clone)]
pub struct Report {
    /// The flavor as it describes itself.
    pub info: FlavorInfo,
    /// The recording service's origin (`http://127.0.0.1:PORT`).
    pub service: String,
    /// The settings the alerter got, secrets shown as `<generated>` or `<given>`.
    pub settings: Vec<(String, String)>,
    /// Every check, in order.
    pub checks: Vec<Check>,
    /// Requests the service received.
    pub requests: usize,
}

impl Report {
    /// Every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }
}

/// The settings that hold a URL, which the run points at the service: those
/// the flavor's `hosts` name as `{setting}`, those whose default is an
/// http(s) URL, and those named `url`, `server`, `api_base`, `webhook_url`
/// or ending in `_url` or `_base`.
pub fn url_settings(info: &FlavorInfo) -> Vec<String> {
    info.settings
        .iter()
        .filter(|s| {
            let n = s.name.as_str();
            info.hosts.iter().any(|h| h == &format!("{{{n}}}"))
                || s.default.as_deref().is_some_and(|d| d.starts_with("https://") || d.starts_with("http://"))
                || matches!(n, "url" | "server" | "api_base" | "webhook_url")
                || n.ends_with("_url")
                || n.ends_with("_base")
        })
        .map(|s| s.name.clone())
        .collect()
}

/// Runs the checks on the component at `path`, with `given` settings laid
/// over the generated ones.
pub async fn run(path: &std::path::Path, given: &[(String, String)], limits: Limits) -> Result<Report, Error> {
    let home = tempfile::tempdir().map_err(|e| Error::Internal(format!("cannot create a temporary home: {e}")))?;
    let host = Host::open(home.path(), limits)?;
    let registered = host.register_flavor(path, Some("under_test")).await?;
    let info = registered.info.clone();
    let service = Service::start().await?;

    let mut settings: Vec<(String, String)> = Vec::new();
    let mut shown = Vec::new();
    let mut generated_secrets = Vec::new();
    let urls = url_settings(&info);
    for spec in &info.settings {
        let value = if let Some((_, v)) = given.iter().rev().find(|(k, _)| k == &spec.name) {
            shown.push((spec.name.clone(), if spec.secret.is_some() { "<given>".to_string() } else { v.clone() }));
            v.clone()
        } else if urls.contains(&spec.name) {
            let url = match &spec.secret {
                Some(s) if matches!(s.slot, SecretSlot::Url) => format!("{}/hook/{}", service.origin, random_token()),
                _ => service.origin.clone(),
            };
            if spec.secret.is_some() {
                generated_secrets.push((spec.name.clone(), url.clone(), spec.secret.clone().map(|s| s.slot)));
            }
            shown.push((spec.name.clone(), if spec.secret.is_some() { "<generated>".into() } else { url.clone() }));
            url
        } else if spec.required && spec.secret.is_some() {
            let secret = format!("conformance-{}-{}", spec.name.replace('_', "-"), random_token());
            generated_secrets.push((spec.name.clone(), secret.clone(), spec.secret.clone().map(|s| s.slot)));
            shown.push((spec.name.clone(), "<generated>".into()));
            secret
        } else if spec.required {
            shown.push((spec.name.clone(), FILLER.into()));
            FILLER.to_string()
        } else {
            continue;
        };
        settings.push((spec.name.clone(), value));
    }
    host.register_alerter(NewAlerter {
        name: "conformance".into(),
        flavor: "under_test".into(),
        settings,
        allow_hosts: vec![service.origin.clone()],
        ..NewAlerter::default()
    })
    .await?;
    let alerter = host.alerter(Some("conformance"), &[]).await?;

    let mut checks = Vec::new();
    let capabilities = checks_capabilities(&alerter, &mut checks).await;
    let reference = check_send(&alerter, &service, &capabilities, &mut checks).await;
    if let Some(reference) = reference.as_deref().filter(|r| !r.is_empty()) {
        if capabilities.threads {
            check_thread(&alerter, reference, &mut checks).await;
        }
        if capabilities.update {
            check_update(&alerter, reference, &mut checks).await;
        }
    }
    check_replies(&alerter, reference.as_deref().unwrap_or("none"), &capabilities, &mut checks).await;
    check_bad_settings(&alerter, &info, &mut checks).await;
    check_typed_errors(&alerter, &service, &mut checks).await;
    check_egress(&alerter, &mut checks);
    check_secrets(&service, &generated_secrets, &mut checks);

    let requests = service.requests().len();
    Ok(Report { info, service: service.origin.clone(), settings: shown, checks, requests })
}

fn pass(checks: &mut Vec<Check>, name: &str, detail: impl Into<String>) {
    checks.push(Check { name: name.into(), passed: true, detail: detail.into(), fix: None });
}

fn fail(checks: &mut Vec<Check>, name: &str, detail: impl Into<String>, fix: impl Into<String>) {
    checks.push(Check { name: name.into(), passed: false, detail: detail.into(), fix: Some(fix.into()) });
}

/// A trap's fix, the same for every call.
const TRAP_FIX: &str =
    "a trap is a bug: return errors as values (Err(FlavorError::...) in Rust, raise Rejected/InvalidSettings... in \
     Python, throw rejected(...)/invalidSettings(...) in JavaScript, return sdk_err_...(err, ...) in C)";

fn is_trap(e: &CallError) -> bool {
    !matches!(e, CallError::Flavor(_))
}

async fn checks_capabilities(alerter: &Alerter, checks: &mut Vec<Check>) -> Capabilities {
    let info = alerter.flavor().info();
    pass(checks, "info answers under the limits", format!("{} {}", info.name, info.version));
    match alerter.flavor().capabilities_for(alerter.net(), alerter.settings()).await {
        Ok(c) => {
            pass(checks, "capabilities-for answers under the limits", describe_capabilities(&c));
            c
        }
        Err(e) => {
            fail(checks, "capabilities-for answers under the limits", e.to_string(), TRAP_FIX);
            info.capabilities
        }
    }
}

/// The capabilities that are on, by their contract names
/// (`post, read-replies, threads`).
pub fn describe_capabilities(c: &Capabilities) -> String {
    let all = [
        (c.post, "post"),
        (c.read_replies, "read-replies"),
        (c.threads, "threads"),
        (c.attachments, "attachments"),
        (c.reactions, "reactions"),
        (c.update, "update"),
    ];
    all.iter().filter(|(on, _)| *on).map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
}

fn test_message(body: &str) -> Message {
    let mut m = Message::text(body);
    m.title = Some("Conformance".into());
    m.metadata = vec![("check".into(), "alerter flavor test".into())];
    m
}

async fn check_send(
    alerter: &Alerter,
    service: &Service,
    capabilities: &Capabilities,
    checks: &mut Vec<Check>,
) -> Option<String> {
    const NAME: &str = "send reaches the service and returns a reference";
    let before = service.requests().len();
    match alerter.flavor().send(alerter.net(), alerter.settings(), &test_message("alerter flavor test: send")).await {
        Ok(sent) if service.requests().len() == before => {
            fail(
                checks,
                NAME,
                format!("send returned {:?} without a request to the service", sent.reference),
                "point the flavor's URL at the service: pass --set for the setting that holds it (see the settings above)",
            );
            Some(sent.reference)
        }
        Ok(sent) if sent.reference.is_empty() && capabilities.read_replies => {
            fail(
                checks,
                NAME,
                "the reference is empty, but the flavor says it reads replies",
                "return the service's message id (the answer here is {\"ok\": true, \"id\": ..., \"message_id\": ...}) as sent.reference",
            );
            Some(sent.reference)
        }
        Ok(sent) => {
            let shown = if sent.reference.is_empty() {
                "empty (a post-only flavor may return none)".to_string()
            } else {
                format!("`{}`", sent.reference)
            };
            pass(checks, NAME, format!("reference {shown}"));
            Some(sent.reference)
        }
        Err(e) => {
            let fix = match &e {
                CallError::Flavor(FlavorError::InvalidSettings(_)) => {
                    "pass the settings this flavor needs with --set KEY=VALUE (see the error)"
                }
                e if is_trap(e) => TRAP_FIX,
                _ => "the service answered 200 with a generic JSON body: read the id you need from it, or report this",
            };
            fail(checks, NAME, alerter.error_text(&e), fix);
            None
        }
    }
}

async fn check_thread(alerter: &Alerter, reference: &str, checks: &mut Vec<Check>) {
    const NAME: &str = "a reply in the message's thread is sent";
    let mut m = test_message("alerter flavor test: in the thread");
    m.thread = Some(reference.to_string());
    match alerter.flavor().send(alerter.net(), alerter.settings(), &m).await {
        Ok(_) => pass(checks, NAME, "accepted"),
        Err(e) => fail(checks, NAME, alerter.error_text(&e), "accept your own sent.reference as message.thread"),
    }
}

async fn check_update(alerter: &Alerter, reference: &str, checks: &mut Vec<Check>) {
    const NAME: &str = "update answers (capabilities.update)";
    let m = test_message("alerter flavor test: updated");
    match alerter.flavor().update(alerter.net(), alerter.settings(), reference, &m).await {
        Err(e) if is_trap(&e) => fail(checks, NAME, e.to_string(), TRAP_FIX),
        Err(CallError::Flavor(FlavorError::Unsupported(m))) => fail(
            checks,
            NAME,
            format!("unsupported ({m}), but capabilities.update is set"),
            "implement update, or clear capabilities.update",
        ),
        Ok(()) => pass(checks, NAME, "edited"),
        Err(e) => pass(checks, NAME, format!("a typed error: {}", alerter.error_text(&e))),
    }
}

async fn check_replies(alerter: &Alerter, reference: &str, capabilities: &Capabilities, checks: &mut Vec<Check>) {
    let result = alerter.flavor().replies(alerter.net(), alerter.settings(), reference, None).await;
    if !capabilities.read_replies {
        const NAME: &str = "replies of a post-only flavor is `unsupported`";
        match result {
            Err(CallError::Flavor(FlavorError::Unsupported(why))) => pass(checks, NAME, format!("\"{why}\"")),
            Err(e) if is_trap(&e) => fail(checks, NAME, e.to_string(), TRAP_FIX),
            other => fail(
                checks,
                NAME,
                format!("{:?}", other.map(|p| p.replies.len()).map_err(|e| e.to_string())),
                "a flavor that cannot read replies returns unsupported with a reason people can act on \
                 (the SDKs' default replies does this)",
            ),
        }
        return;
    }
    const NAME: &str = "replies answers a page or a typed error";
    match result {
        Ok(page) => pass(checks, NAME, format!("{} replies", page.replies.len())),
        Err(e) if is_trap(&e) => fail(checks, NAME, e.to_string(), TRAP_FIX),
        Err(CallError::Flavor(FlavorError::Unsupported(m))) => fail(
            checks,
            NAME,
            format!("unsupported ({m}), but capabilities-for says it reads replies"),
            "clear read-replies in capabilities-for for these settings, or implement replies",
        ),
        Err(e) => pass(checks, NAME, format!("a typed error: {}", alerter.error_text(&e))),
    }
}

async fn check_bad_settings(alerter: &Alerter, info: &FlavorInfo, checks: &mut Vec<Check>) {
    const NAME: &str = "missing settings give invalid-settings, not a trap";
    if !info.settings.iter().any(|s| s.required) && info.settings.is_empty() {
        pass(checks, NAME, "no settings to miss");
        return;
    }
    match alerter.flavor().send(alerter.net(), &[], &test_message("alerter flavor test: no settings")).await {
        Err(CallError::Flavor(FlavorError::InvalidSettings(m))) => pass(checks, NAME, format!("\"{m}\"")),
        Err(e) if is_trap(&e) => fail(checks, NAME, e.to_string(), TRAP_FIX),
        Ok(_) if !info.settings.iter().any(|s| s.required) => pass(checks, NAME, "sent: it needs no setting"),
        other => fail(
            checks,
            NAME,
            format!(
                "without settings, send gave {}",
                other.map(|_| "a message".to_string()).unwrap_or_else(|e| e.to_string())
            ),
            "check required settings first and return invalid-settings naming them (settings.require(\"x\")? in \
             Rust, settings.require(\"x\") in Python and JavaScript, sdk_err_required in C)",
        ),
    }
}

async fn check_typed_errors(alerter: &Alerter, service: &Service, checks: &mut Vec<Check>) {
    service.answer_next(Canned::ServerError);
    let m = test_message("alerter flavor test: a 500");
    const NAME_500: &str = "a 500 from the service is `rejected`";
    match alerter.flavor().send(alerter.net(), alerter.settings(), &m).await {
        Err(CallError::Flavor(FlavorError::Rejected(r))) if r.status == Some(500) => {
            pass(checks, NAME_500, format!("code `{}`, status 500", r.code));
        }
        Err(CallError::Flavor(FlavorError::Rejected(r))) => fail(
            checks,
            NAME_500,
            format!("rejected with status {:?}", r.status),
            "set rejection.status to the answer's HTTP status (the host treats 5xx as transient)",
        ),
        Err(e) if is_trap(&e) => fail(checks, NAME_500, e.to_string(), TRAP_FIX),
        other => fail(
            checks,
            NAME_500,
            format!("got {}", other.map(|_| "success".to_string()).unwrap_or_else(|e| alerter.error_text(&e))),
            "turn an HTTP error status into rejected (Response::ensure_success in Rust, ensure_success() in Python, \
             ensureSuccess() in JavaScript, sdk_err_response in C)",
        ),
    }
    service.answer_next(Canned::RateLimited);
    let m = test_message("alerter flavor test: a 429");
    const NAME_429: &str = "a 429 with Retry-After: 2 is `rate-limited`";
    match alerter.flavor().send(alerter.net(), alerter.settings(), &m).await {
        Err(CallError::Flavor(FlavorError::RateLimited(r))) if (1000..=3000).contains(&r.retry_after_ms) => {
            pass(checks, NAME_429, format!("retry after {} ms", r.retry_after_ms));
        }
        Err(CallError::Flavor(FlavorError::RateLimited(r))) => fail(
            checks,
            NAME_429,
            format!("retry after {} ms", r.retry_after_ms),
            "read Retry-After (seconds) into retry-after-ms (Response::rate_limited in Rust, rate_limited() in \
             Python, rateLimited() in JavaScript, sdk_retry_after_ms in C)",
        ),
        Err(e) if is_trap(&e) => fail(checks, NAME_429, e.to_string(), TRAP_FIX),
        other => fail(
            checks,
            NAME_429,
            format!("got {}", other.map(|_| "success".to_string()).unwrap_or_else(|e| alerter.error_text(&e))),
            "answer a 429 with rate-limited and the Retry-After wait",
        ),
    }
    service.answer_next(Canned::Ok);
}

fn check_egress(alerter: &Alerter, checks: &mut Vec<Check>) {
    const NAME: &str = "no request outside the declared hosts";
    let denied = alerter.net().take_denied();
    let undeclared: Vec<String> = denied
        .iter()
        .filter(|d| matches!(d, crate::egress::Denial::NotDeclared(_)))
        .map(|d| d.origin().to_string())
        .collect();
    if undeclared.is_empty() {
        let refused: Vec<String> = denied.iter().map(|d| d.origin().to_string()).collect();
        let detail = if refused.is_empty() {
            "none".to_string()
        } else {
            format!("declared but not pointed at the service (so refused here): {}", refused.join(", "))
        };
        pass(checks, NAME, detail);
    } else {
        fail(
            checks,
            NAME,
            format!("requests to undeclared origins: {}", undeclared.join(", ")),
            "declare every origin the flavor calls in info.hosts (`https://api.example.com`, or `{setting}` for a \
             setting that holds the URL)",
        );
    }
}

fn check_secrets(service: &Service, secrets: &[(String, String, Option<SecretSlot>)], checks: &mut Vec<Check>) {
    const NAME: &str = "each secret reached the service only in its slot";
    let mut misplaced = Vec::new();
    let mut seen = 0;
    for req in service.requests() {
        for (name, value, slot) in secrets {
            let (in_slot, rest) = req.split_slot(value, slot.as_ref());
            if in_slot {
                seen += 1;
            }
            if rest.contains(value.as_str()) {
                misplaced.push(format!("`{name}` in {} {}", req.method, req.target));
            }
        }
    }
    if secrets.is_empty() {
        pass(checks, NAME, "no secret setting was filled");
    } else if misplaced.is_empty() {
        pass(checks, NAME, format!("{seen} time(s) in its slot, nowhere else"));
    } else {
        fail(
            checks,
            NAME,
            misplaced.join("; "),
            "put a secret's placeholder only where its secret-spec's slot says (the host refuses anything else)",
        );
    }
}

fn random_token() -> String {
    let n: u64 = rand::random();
    format!("{n:016x}")
}

// ---------------------------------------------------------------------------
// The recording service.

/// One request the service received.
#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    /// Path and query.
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Recorded {
    /// Whether `secret` was in its slot, and everything else of the request
    /// as text (the slot cut out).
    fn split_slot(&self, secret: &str, slot: Option<&SecretSlot>) -> (bool, String) {
        let mut target = self.target.clone();
        let mut headers = self.headers.clone();
        let mut in_slot = false;
        match slot {
            Some(SecretSlot::Header(h)) => {
                let want = h.format.replacen("{}", secret, 1);
                if let Some(i) = headers.iter().position(|(k, v)| k.eq_ignore_ascii_case(&h.name) && *v == want) {
                    headers.remove(i);
                    in_slot = true;
                }
            }
            Some(SecretSlot::PathSegment(t)) => {
                let want = t.replacen("{}", secret, 1);
                let (path, query) = target.split_once('?').map_or((target.as_str(), ""), |(p, q)| (p, q));
                if path.split('/').any(|s| s == want) {
                    in_slot = true;
                    let path: Vec<&str> = path.split('/').filter(|s| *s != want).collect();
                    target = format!("{}?{query}", path.join("/"));
                }
            }
            Some(SecretSlot::Url) => {
                // A URL secret is the service's origin plus a path: the path
                // reaching the service is the slot.
                if let Some(path) = secret.split_once("//").and_then(|(_, r)| r.find('/').map(|i| &r[i..])) {
                    if let Some(rest) = target.strip_prefix(path) {
                        in_slot = true;
                        target = rest.to_string();
                    }
                }
            }
            None => {}
        }
        let headers: Vec<String> = headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        (in_slot, format!("{target}\n{}\n{}", headers.join("\n"), String::from_utf8_lossy(&self.body)))
    }
}

/// What the service answers next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Canned {
    Ok,
    ServerError,
    RateLimited,
}

struct Service {
    origin: String,
    state: Arc<Mutex<(Vec<Recorded>, Canned)>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Service {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Service {
    async fn start() -> Result<Service, Error> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| Error::Internal(format!("cannot start the recording service: {e}")))?;
        let addr = listener.local_addr().map_err(|e| Error::Internal(format!("recording service: {e}")))?;
        let state = Arc::new(Mutex::new((Vec::new(), Canned::Ok)));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            let mut n = 0u64;
            while let Ok((stream, _)) = listener.accept().await {
                n += 1;
                let state = shared.clone();
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(Duration::from_secs(10), serve(stream, state, n)).await;
                });
            }
        });
        Ok(Service { origin: format!("http://{addr}"), state, task })
    }

    fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).0.clone()
    }

    fn answer_next(&self, canned: Canned) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).1 = canned;
    }
}

/// Reads one request (Content-Length or chunked body), records it, answers.
async fn serve(stream: TcpStream, state: Arc<Mutex<(Vec<Recorded>, Canned)>>, n: u64) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("").to_string());
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 || line.trim_end().is_empty() {
            break;
        }
        if let Some((k, v)) = line.trim_end().split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let mut body = Vec::new();
    if let Some(len) = header("content-length").and_then(|l| l.parse::<usize>().ok()) {
        body.resize(len.min(64 << 20), 0);
        reader.read_exact(&mut body).await?;
    } else if header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        loop {
            line.clear();
            reader.read_line(&mut line).await?;
            let size = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).await?;
            body.extend_from_slice(&chunk[..size]);
        }
    }
    let canned = {
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        s.0.push(Recorded { method, target, headers, body });
        std::mem::replace(&mut s.1, Canned::Ok)
    };
    let (status, extra, body) = match canned {
        Canned::Ok => (
            "200 OK",
            "",
            format!(
                "{{\"ok\":true,\"id\":\"m{n}\",\"message_id\":{n},\"ts\":\"1700000000.{n:06}\",\"channel\":\"conformance\",\
                 \"result\":{{\"id\":\"m{n}\",\"message_id\":{n},\"chat\":{{\"id\":1}}}}}}"
            ),
        ),
        Canned::ServerError => {
            ("500 Internal Server Error", "", "{\"ok\":false,\"error\":\"internal_error\",\"message\":\"conformance: a 500\"}".into())
        }
        Canned::RateLimited => (
            "429 Too Many Requests",
            "retry-after: 2\r\n",
            "{\"ok\":false,\"error\":\"rate_limited\",\"parameters\":{\"retry_after\":2}}".into(),
        ),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = reader.into_inner();
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flavor::{HeaderSlot, SettingSpec};

    fn setting(name: &str, default: Option<&str>) -> SettingSpec {
        SettingSpec {
            name: name.into(),
            description: String::new(),
            required: false,
            default: default.map(Into::into),
            secret: None,
        }
    }

    #[test]
    fn url_settings_are_found_by_host_default_and_name() {
        let info = FlavorInfo {
            name: "x".into(),
            version: "1".into(),
            description: String::new(),
            settings: vec![
                setting("endpoint", None),
                setting("server", None),
                setting("home", Some("https://ntfy.sh")),
                setting("topic", None),
                setting("hook_url", None),
            ],
            hosts: vec!["{endpoint}".into()],
            capabilities: Capabilities {
                post: true,
                read_replies: false,
                threads: false,
                attachments: false,
                reactions: false,
                update: false,
            },
        };
        assert_eq!(url_settings(&info), ["endpoint", "server", "home", "hook_url"]);
    }

    #[test]
    fn secrets_are_found_in_their_slot_only() {
        let req = Recorded {
            method: "POST".into(),
            target: "/botS3CRET/send?x=1".into(),
            headers: vec![("authorization".into(), "Bearer S3CRET".into())],
            body: b"{}".to_vec(),
        };
        let header = SecretSlot::Header(HeaderSlot { name: "authorization".into(), format: "Bearer {}".into() });
        let (in_slot, rest) = req.split_slot("S3CRET", Some(&header));
        assert!(in_slot && rest.contains("S3CRET"), "also in the path: {rest}");
        let (in_slot, rest) = req.split_slot("S3CRET", Some(&SecretSlot::PathSegment("bot{}".into())));
        assert!(in_slot && rest.contains("S3CRET"), "also in a header: {rest}");
        let only_path = Recorded { headers: Vec::new(), ..req };
        let (in_slot, rest) = only_path.split_slot("S3CRET", Some(&SecretSlot::PathSegment("bot{}".into())));
        assert!(in_slot && !rest.contains("S3CRET"), "{rest}");
    }
}
