//! The network of one alerter: the only one its flavor has (through the
//! `http` import, see `imports/http.rs`).
//!
//! For each request, on the request exactly as the flavor wrote it: refuse
//! the methods and headers a flavor may not set, check the header count and
//! size and the URL length, match every secret placeholder against its slot
//! (`slots.rs`), check the real URL's origin against the egress policy and
//! each substituted secret's origins; only then send it with reqwest (no
//! redirects, the call's deadline, size caps, internal addresses refused
//! after DNS resolution unless that origin was granted explicitly), and
//! hand the response back with secrets masked. Every text about a request
//! is built from the unsubstituted request: no value is ever in it. A panic
//! while handling a request is caught and becomes an error value.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use reqwest::header::{HeaderName, HeaderValue};

use crate::bindings::latest::alerter::flavor::http::{HttpError, Request, Response};
use crate::bindings::latest::alerter::flavor::types::RateLimit;
use crate::budget::Budget;
use crate::egress::{Denial, EgressPolicy, InternalAddress, Origin};
use crate::error::{error_chain, Error};
use crate::limits::{remaining, Limits};
use crate::secrets::{env_secret_values, Redactor, SecretSet, SentLog};
use crate::slots::{check_origin, place};

/// Methods a flavor may use.
pub const ALLOWED_METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// Headers the host sets itself; a flavor that sets one gets
/// `http-error.forbidden`. Any `proxy-*` header is refused too.
pub const FORBIDDEN_HEADERS: &[&str] =
    &["host", "connection", "upgrade", "te", "transfer-encoding", "content-length", "keep-alive", "trailer", "expect"];

/// Characters of a URL or name shown in an error.
const SHOWN_CHARS: usize = 300;

/// Everything the `http` import needs for one alerter: clients, policy,
/// secrets, the redactor, limits. Shared by all calls of one invocation.
pub struct Net {
    clients: Mutex<HashMap<Origin, reqwest::Client>>,
    policy: EgressPolicy,
    secrets: SecretSet,
    redactor: Redactor,
    limits: Limits,
    denied: Mutex<Vec<Denial>>,
    budget: Budget,
}

impl Net {
    /// The network for this policy and these secrets; values of
    /// `ALERTER_SECRET_*` variables are masked like the secrets.
    pub fn new(policy: EgressPolicy, secrets: SecretSet, limits: Limits) -> Result<Net, Error> {
        let redactor = secrets.redactor(&env_secret_values());
        Ok(Net {
            clients: Mutex::new(HashMap::new()),
            policy,
            secrets,
            redactor,
            limits,
            denied: Mutex::new(Vec::new()),
            budget: Budget::default(),
        })
    }

    /// The secrets of this alerter.
    pub fn secrets(&self) -> &SecretSet {
        &self.secrets
    }

    /// The redactor every text about this alerter goes through.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The egress policy.
    pub fn policy(&self) -> &EgressPolicy {
        &self.policy
    }

    /// The limits of this alerter's calls.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Performs one request for a flavor, within `deadline`. `allowance`:
    /// bytes of the call's attachments, by which the request body cap grows
    /// for this call. A panic while handling it (a bug in the host or a
    /// library) is caught and becomes an `invalid-request` error; the host
    /// keeps serving.
    pub(crate) async fn fetch(
        self: &Arc<Self>,
        req: Request,
        deadline: Instant,
        allowance: usize,
        sent: SentLog,
    ) -> Result<Response, HttpError> {
        let net = self.clone();
        let task = tokio::spawn(async move { net.fetch_checked(req, deadline, allowance, &sent).await });
        let _abort = AbortOnDrop(task.abort_handle());
        match task.await {
            Ok(answer) => answer,
            Err(e) if e.is_panic() => {
                tracing::error!(target: "alerter::http", "the host failed while handling a request (a bug); refused it");
                Err(HttpError::InvalidRequest(
                    "the host failed while handling this request (a bug in alerter); nothing was sent".into(),
                ))
            }
            Err(_) => Err(HttpError::Timeout("the request was cancelled".into())),
        }
    }

    async fn fetch_checked(
        &self,
        req: Request,
        deadline: Instant,
        allowance: usize,
        sent: &SentLog,
    ) -> Result<Response, HttpError> {
        let started = Instant::now();
        // What the flavor itself wrote, before any secret is placed: a run
        // of a secret it sent is not masked in what comes back.
        {
            let mut parts: Vec<&[u8]> = vec![req.url.as_bytes()];
            for (name, value) in &req.headers {
                parts.push(name.as_bytes());
                parts.push(value.as_bytes());
            }
            if let Some(body) = &req.body {
                parts.push(body);
            }
            sent.record(&parts);
        }
        let limits = &self.limits;
        let show = |text: &str| cap(&self.redactor.show(text));

        // What a flavor may not ask for, and the caps, before anything is built.
        if !ALLOWED_METHODS.contains(&req.method.as_str()) {
            return Err(HttpError::Forbidden(format!(
                "method `{}` is not allowed; flavors may use {}",
                show(&req.method),
                ALLOWED_METHODS.join(", ")
            )));
        }
        if req.headers.len() > limits.max_headers {
            return Err(HttpError::TooLarge(format!(
                "the request has {} headers, over the cap of {}",
                req.headers.len(),
                limits.max_headers
            )));
        }
        let header_bytes: usize = req.headers.iter().map(|(k, v)| k.len() + v.len()).sum();
        if header_bytes > limits.max_header_bytes {
            return Err(HttpError::TooLarge(format!(
                "the request's headers are {header_bytes} bytes, over the cap of {}",
                limits.max_header_bytes
            )));
        }
        for (name, _) in &req.headers {
            let lower = name.to_ascii_lowercase();
            if FORBIDDEN_HEADERS.contains(&lower.as_str()) || lower.starts_with("proxy-") {
                return Err(HttpError::Forbidden(format!(
                    "header `{}` is set by the host; a flavor may not set it",
                    show(&lower)
                )));
            }
            if HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(HttpError::InvalidRequest(format!("bad header name `{}`", show(name))));
            }
        }
        if req.url.len() > limits.max_url_bytes {
            return Err(HttpError::TooLarge(format!(
                "the URL is {} bytes, over the cap of {}",
                req.url.len(),
                limits.max_url_bytes
            )));
        }
        if let Some(body) = &req.body {
            let cap = limits.max_request_bytes.saturating_add(allowance);
            if body.len() > cap {
                let how = match allowance {
                    0 => String::new(),
                    n => format!(" ({} + {n} bytes of attachments)", limits.max_request_bytes),
                };
                return Err(HttpError::TooLarge(format!(
                    "request body of {} bytes is over the {cap} byte cap{how}",
                    body.len(),
                )));
            }
        }

        // Secrets in their slots only.
        let placed = place(&self.secrets, &req.url, &req.headers, req.body.as_deref())
            .map_err(|e| HttpError::SecretMisplaced(e.to_string()))?;
        let shown = cap(&self.redactor.show(&placed.shown_url));
        let url =
            url::Url::parse(&placed.url).map_err(|e| HttpError::InvalidRequest(format!("bad URL `{shown}`: {e}")))?;
        let origin = Origin::of_url(&url)
            .ok_or_else(|| HttpError::InvalidRequest(format!("only http and https URLs are allowed, not `{shown}`")))?;
        if let Err(d) = self.policy.check(&origin) {
            return Err(self.deny(d));
        }
        check_origin(&self.secrets, &placed, &origin).map_err(|e| HttpError::SecretMisplaced(e.to_string()))?;
        // The request budget of the route, and the service's Retry-After.
        let route = format!("{origin}{}", url.path());
        if let Err(hold) = self.budget.admit(&origin.to_string(), &route, Instant::now()) {
            let text = hold.explain(&format!("{} {}", req.method, shown_path(&shown)));
            tracing::debug!(target: "alerter::http", "{text}");
            return Err(HttpError::RateLimited(RateLimit {
                retry_after_ms: hold.wait.as_millis() as u64,
                message: text,
            }));
        }

        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|_| HttpError::InvalidRequest(format!("bad HTTP method `{}`", show(&req.method))))?;
        let Some(timeout) = remaining(Instant::now(), deadline, limits.request_timeout) else {
            return Err(HttpError::Timeout(format!("{shown}: the call's deadline leaves no time for this request")));
        };
        let client = self.client(&origin)?;
        let mut builder = client.request(method.clone(), url).timeout(timeout);
        for (name, value, carries_secret) in &placed.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| HttpError::InvalidRequest(format!("bad header name `{}`", show(name))))?;
            let mut value = HeaderValue::from_str(value)
                .map_err(|_| HttpError::InvalidRequest(format!("bad value for header `{name}`")))?;
            value.set_sensitive(*carries_secret || name == reqwest::header::AUTHORIZATION);
            builder = builder.header(name, value);
        }
        if let Some(body) = req.body {
            builder = builder.body(body);
        }

        let mut resp = builder.send().await.map_err(|e| self.send_error(&origin, &shown, e))?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                let value = String::from_utf8_lossy(v.as_bytes());
                (k.as_str().to_string(), self.redactor.mask_response_text(&value, &origin, sent))
            })
            .collect();
        self.budget.observe(&origin.to_string(), &route, status, &headers, Instant::now());
        if let Some(len) = resp.content_length() {
            if len as usize > limits.max_response_bytes {
                return Err(self.too_large_response());
            }
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.send_error(&origin, &shown, e))? {
            if body.len() + chunk.len() > limits.max_response_bytes {
                return Err(self.too_large_response());
            }
            body.extend_from_slice(&chunk);
        }
        tracing::debug!(
            target: "alerter::http",
            "{method} {} -> {status} ({} bytes, {} ms)",
            shown_path(&shown),
            body.len(),
            started.elapsed().as_millis()
        );
        Ok(Response { status, headers, body: self.redactor.mask_response(body, &origin, sent) })
    }

    /// The client for `origin` (one per origin, so the DNS resolver knows
    /// which origin it resolves for).
    fn client(&self, origin: &Origin) -> Result<reqwest::Client, HttpError> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = clients.get(origin) {
            return Ok(c.clone());
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.limits.connect_timeout)
            .timeout(self.limits.request_timeout)
            .dns_resolver(self.policy.resolver(origin))
            .user_agent(concat!("alerter/", env!("CARGO_PKG_VERSION")))
            .no_proxy()
            .build()
            .map_err(|e| HttpError::Connect(format!("cannot set up the HTTP client: {}", error_chain(&e))))?;
        clients.insert(origin.clone(), client.clone());
        Ok(client)
    }

    /// Requests refused by the egress policy since the last call of this.
    pub fn take_denied(&self) -> Vec<Denial> {
        std::mem::take(&mut *self.denied.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn deny(&self, denial: Denial) -> HttpError {
        let text = self.policy.explain(&denial);
        tracing::debug!(target: "alerter::egress", "{text}");
        self.denied.lock().unwrap_or_else(|e| e.into_inner()).push(denial);
        HttpError::Denied(text)
    }

    fn too_large_response(&self) -> HttpError {
        HttpError::TooLarge(format!("response body is over the {} byte cap", self.limits.max_response_bytes))
    }

    /// The error for a failed send: about the request as the flavor wrote
    /// it (reqwest's own text names the real URL, so it is left out).
    fn send_error(&self, origin: &Origin, shown: &str, e: reqwest::Error) -> HttpError {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(s) = source {
            if let Some(internal) = s.downcast_ref::<InternalAddress>() {
                return self.deny(Denial::PrivateAddress(origin.clone(), internal.ip));
            }
            source = s.source();
        }
        let timeout = e.is_timeout();
        let text = self.redactor.clean(&error_chain(&e.without_url()), true);
        let path = shown_path(shown);
        if timeout {
            HttpError::Timeout(format!("{path}: {text}"))
        } else {
            HttpError::Connect(format!("{path}: {text}"))
        }
    }
}

/// Aborts a spawned task when dropped (the call was given up).
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// `scheme://host/path` without the query, for logs.
fn shown_path(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or(url).to_string()
}

/// At most [`SHOWN_CHARS`] characters.
fn cap(text: &str) -> String {
    if text.chars().count() <= SHOWN_CHARS {
        return text.to_string();
    }
    let kept: String = text.chars().take(SHOWN_CHARS - 1).collect();
    format!("{kept}…")
}
