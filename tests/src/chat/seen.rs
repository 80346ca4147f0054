//! The request log: every request a stand-in received, as it received it.

use std::time::Instant;

use serde_json::Value;

/// One request as the stand-in received it, and how it was answered.
#[derive(Debug, Clone)]
pub struct Seen {
    /// What the service calls it (`chat.postMessage`, `create_message`,
    /// `webhook`); empty when the service has no such endpoint.
    pub operation: String,
    /// The HTTP method.
    pub method: String,
    /// The path.
    pub path: String,
    /// The raw query string (empty when none).
    pub query: String,
    /// All headers, names lowercase, in order.
    pub headers: Vec<(String, String)>,
    /// The body as received.
    pub body: Vec<u8>,
    /// When it arrived.
    pub at: Instant,
    /// The HTTP status answered.
    pub status: u16,
    /// The error code the service answered, if any.
    pub error: Option<String>,
    /// An injected fault answered it.
    pub faulted: bool,
}

impl Seen {
    /// The first header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The query parameters, decoded.
    pub fn query_params(&self) -> Vec<(String, String)> {
        decode_form(&self.query)
    }

    /// The value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_params().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// `METHOD /path` (no query).
    pub fn route(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// `METHOD /path?query`.
    pub fn line(&self) -> String {
        if self.query.is_empty() {
            self.route()
        } else {
            format!("{} {}?{}", self.method, self.path, self.query)
        }
    }

    /// Everything the stand-in saw except the `Authorization` header, for
    /// "the secret appears nowhere else" checks.
    pub fn all_but_authorization(&self) -> String {
        let headers: Vec<String> = self
            .headers
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("authorization"))
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        format!("{}\n{}\n\n{}", self.line(), headers.join("\n"), self.text())
    }
}

/// Decodes `application/x-www-form-urlencoded` text (also a query string).
pub fn decode_form(text: &str) -> Vec<(String, String)> {
    fn unescape(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                        Ok(b) => {
                            out.push(b);
                            i += 2;
                        }
                        Err(_) => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (unescape(k), unescape(v))
        })
        .collect()
}
