//! The network of one alerter: the only one its flavor has (through the
//! `http` import, see `imports/http.rs`).
//!
//! For each request: swap secret placeholders for real values, check the
//! origin against the egress policy, send it with reqwest (no redirects,
//! connect and total timeouts, size caps, internal addresses refused after
//! DNS resolution), and hand the response back with secrets masked again.

use std::sync::Mutex;
use std::time::Instant;

use reqwest::header::{HeaderName, HeaderValue};

use crate::bindings::latest::alerter::flavor::http::{HttpError, Request, Response};
use crate::bindings::latest::alerter::flavor::types::RateLimit;
use crate::budget::Budget;
use crate::egress::{Denial, EgressPolicy, InternalAddress, Origin};
use crate::error::{error_chain, Error};
use crate::limits::Limits;
use crate::secrets::SecretSet;

/// Everything the `http` import needs for one alerter: client, policy,
/// secrets, limits. Shared by all calls of one invocation.
pub struct Net {
    client: reqwest::Client,
    policy: EgressPolicy,
    secrets: SecretSet,
    limits: Limits,
    denied: Mutex<Vec<Denial>>,
    budget: Budget,
}

impl Net {
    /// Builds the client for this policy.
    pub fn new(policy: EgressPolicy, secrets: SecretSet, limits: Limits) -> Result<Net, Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.request_timeout)
            .dns_resolver(policy.resolver())
            .user_agent(concat!("alerter/", env!("CARGO_PKG_VERSION")))
            .no_proxy()
            .build()
            .map_err(|e| Error::Internal(format!("cannot set up the HTTP client: {}", error_chain(&e))))?;
        Ok(Net { client, policy, secrets, limits, denied: Mutex::new(Vec::new()), budget: Budget::default() })
    }

    /// The secrets of this alerter (for redacting logs and errors).
    pub fn secrets(&self) -> &SecretSet {
        &self.secrets
    }

    /// The egress policy.
    pub fn policy(&self) -> &EgressPolicy {
        &self.policy
    }

    /// Performs one request for a flavor. `allowance`: bytes of the call's
    /// attachments, by which the request body cap grows for this call.
    pub(crate) async fn fetch(&self, req: Request, allowance: usize) -> Result<Response, HttpError> {
        let started = Instant::now();
        let url_text = self.secrets.substitute(&req.url);
        let shown = self.secrets.redact(&url_text);
        let url =
            url::Url::parse(&url_text).map_err(|e| HttpError::InvalidRequest(format!("bad URL `{}`: {e}", shown)))?;
        let origin = Origin::of_url(&url).ok_or_else(|| {
            HttpError::InvalidRequest(format!("only http and https URLs are allowed, not `{}`", shown))
        })?;
        if let Err(d) = self.policy.check(&origin) {
            return Err(self.deny(d));
        }
        let route = format!("{origin}{}", url.path());
        if let Err(hold) = self.budget.admit(&origin.to_string(), &route, Instant::now()) {
            let text = hold.explain(&format!("{} {}", req.method, self.secrets.redact(&shown_path(&url_text))));
            tracing::debug!(target: "alerter::http", "{text}");
            return Err(HttpError::RateLimited(RateLimit {
                retry_after_ms: hold.wait.as_millis() as u64,
                message: text,
            }));
        }
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|_| HttpError::InvalidRequest(format!("bad HTTP method `{}`", req.method)))?;
        let mut builder = self.client.request(method.clone(), url);
        for (name, value) in &req.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| HttpError::InvalidRequest(format!("bad header name `{name}`")))?;
            let real = self.secrets.substitute(value);
            let carries_secret = real != *value;
            let mut value = HeaderValue::from_str(&real)
                .map_err(|_| HttpError::InvalidRequest(format!("bad value for header `{name}`")))?;
            value.set_sensitive(carries_secret || name == reqwest::header::AUTHORIZATION);
            builder = builder.header(name, value);
        }
        if let Some(body) = req.body {
            let cap = self.limits.max_request_bytes.saturating_add(allowance);
            if body.len() > cap {
                let how = match allowance {
                    0 => String::new(),
                    n => format!(" ({} + {n} bytes of attachments)", self.limits.max_request_bytes),
                };
                return Err(HttpError::TooLarge(format!(
                    "request body of {} bytes is over the {cap} byte cap{how}",
                    body.len(),
                )));
            }
            builder = builder.body(body);
        }

        let mut resp = builder.send().await.map_err(|e| self.send_error(&origin, e))?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), self.secrets.mask(&String::from_utf8_lossy(v.as_bytes()))))
            .collect();
        self.budget.observe(&origin.to_string(), &route, status, &headers, Instant::now());
        if let Some(len) = resp.content_length() {
            if len as usize > self.limits.max_response_bytes {
                return Err(self.too_large_response());
            }
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.send_error(&origin, e))? {
            if body.len() + chunk.len() > self.limits.max_response_bytes {
                return Err(self.too_large_response());
            }
            body.extend_from_slice(&chunk);
        }
        tracing::debug!(
            target: "alerter::http",
            "{method} {} -> {status} ({} bytes, {} ms)",
            self.secrets.redact(&shown_path(&url_text)),
            body.len(),
            started.elapsed().as_millis()
        );
        Ok(Response { status, headers, body: self.secrets.mask_bytes(body) })
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

    fn send_error(&self, origin: &Origin, e: reqwest::Error) -> HttpError {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(s) = source {
            if let Some(internal) = s.downcast_ref::<InternalAddress>() {
                return self.deny(Denial::PrivateAddress(origin.clone(), internal.ip));
            }
            source = s.source();
        }
        let text = self.secrets.redact(&error_chain(&e));
        if e.is_timeout() {
            HttpError::Timeout(format!("{origin}: {text}"))
        } else {
            HttpError::Connect(format!("{origin}: {text}"))
        }
    }
}

/// `scheme://host/path` without the query, for logs.
fn shown_path(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or(url).to_string()
}
