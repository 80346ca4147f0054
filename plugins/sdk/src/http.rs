//! Outgoing HTTP through the host's `http` import.

use crate::bindings::alerter::flavor::http::{self as wit, HttpError};
use crate::{FlavorError, RateLimit, Rejection};

/// A request under construction. Every request goes through the host, which
/// checks it against the alerter's granted hosts and fills in secrets.
#[derive(Debug, Clone)]
pub struct Request {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Request {
    /// A request with any method.
    pub fn new(method: &str, url: impl Into<String>) -> Self {
        Request { method: method.to_string(), url: url.into(), headers: Vec::new(), body: None }
    }

    /// A `GET` request.
    pub fn get(url: impl Into<String>) -> Self {
        Self::new("GET", url)
    }

    /// A `POST` request.
    pub fn post(url: impl Into<String>) -> Self {
        Self::new("POST", url)
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// Adds `Authorization: Bearer <token>`. Pass the secret setting's value
    /// (a placeholder) as is; declare the setting with
    /// `SecretSlot::header("authorization", "Bearer {}")`.
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", format!("Bearer {token}"))
    }

    /// Sets a JSON body and `content-type: application/json; charset=utf-8`.
    pub fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Result<Self, FlavorError> {
        let bytes =
            serde_json::to_vec(body).map_err(|e| FlavorError::Internal(format!("cannot encode JSON body: {e}")))?;
        self.body = Some(bytes);
        Ok(self.header("content-type", "application/json; charset=utf-8"))
    }

    /// Sets a `multipart/form-data` body (files and fields) and its
    /// `content-type` with the boundary.
    pub fn multipart(mut self, form: crate::Multipart) -> Self {
        let (content_type, body) = form.finish();
        self.body = Some(body);
        self.header("content-type", content_type)
    }

    /// Sets a raw body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Sends the request. A request the host holds back for a rate limit
    /// comes back as [`FlavorError::RateLimited`]; network and policy
    /// failures as [`FlavorError::Internal`] with the host's explanation
    /// (use [`Request::send_raw`] to see the typed [`HttpError`]).
    pub fn send(self) -> Result<Response, FlavorError> {
        self.send_raw().map_err(http_error)
    }

    /// Sends the request, keeping the host's typed error.
    pub fn send_raw(self) -> Result<Response, HttpError> {
        let req = wit::Request { method: self.method, url: self.url, headers: self.headers, body: self.body };
        wit::fetch(&req).map(|r| Response { status: r.status, headers: r.headers, body: r.body })
    }
}

/// Turns the host's HTTP error into a flavor error, keeping its text (a
/// denial says exactly what to grant): `rate-limited` stays a rate limit
/// with its retry-after, everything else becomes `internal`.
pub fn http_error(e: HttpError) -> FlavorError {
    FlavorError::Internal(match e {
        HttpError::RateLimited(r) => return FlavorError::RateLimited(r),
        HttpError::Denied(m) => m,
        HttpError::Timeout(m) => format!("timed out: {m}"),
        HttpError::TooLarge(m) => format!("too large: {m}"),
        HttpError::Connect(m) => format!("cannot connect: {m}"),
        HttpError::InvalidRequest(m) => format!("invalid request: {m}"),
        HttpError::SecretMisplaced(m) => format!("secret misplaced: {m}"),
        HttpError::Forbidden(m) => format!("forbidden: {m}"),
    })
}

/// A response, whatever its status.
#[derive(Debug, Clone)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// Headers, names lowercase.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Parses the body as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, FlavorError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            FlavorError::Internal(format!(
                "unexpected answer (HTTP {}): not the JSON expected ({e}): {}",
                self.status,
                crate::truncate(&self.text(), 200)
            ))
        })
    }

    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `Retry-After` in milliseconds (seconds, possibly fractional), if given.
    pub fn retry_after_ms(&self) -> Option<u64> {
        let v: f64 = self.header("retry-after")?.trim().parse().ok()?;
        (v.is_finite() && v >= 0.0).then(|| (v * 1000.0).ceil() as u64)
    }

    /// A `rate-limited` error when the status is 429 (default wait 1 s when
    /// the service gives none).
    pub fn rate_limited(&self) -> Option<FlavorError> {
        (self.status == 429).then(|| {
            FlavorError::RateLimited(RateLimit {
                retry_after_ms: self.retry_after_ms().unwrap_or(1000),
                message: format!("rate limited (HTTP 429): {}", crate::truncate(&self.text(), 200)),
            })
        })
    }

    /// `Ok(self)` for 2xx; a `rate-limited` error for 429; otherwise a
    /// `rejected` error carrying the status and the start of the body.
    pub fn ensure_success(self) -> Result<Self, FlavorError> {
        if self.is_success() {
            return Ok(self);
        }
        if let Some(e) = self.rate_limited() {
            return Err(e);
        }
        Err(FlavorError::Rejected(Rejection {
            code: self.status.to_string(),
            message: format!("HTTP {}: {}", self.status, crate::truncate(&self.text(), 300)),
            status: Some(self.status),
        }))
    }
}
