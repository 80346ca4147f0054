//! Stand-ins for the hostile-flavor suite (`host/cli/tests/hostile_*.rs`),
//! on the shared [`crate::chat`] core, and the leak oracle the suite checks
//! every output with.
//!
//! One service, [`EvilService`], plays three roles, each started on its own
//! port: the **granted** service (the origin the user granted: it records
//! every request, so a test proves the secret arrived only in its slot),
//! the **collector** (an attacker's origin that must receive nothing
//! secret) and **echo-evil** (a service that answers with the request's
//! secret in every encoding). Routes:
//!
//! - `GET /evil` (or `/bot<secret>/evil`): the secret taken from
//!   `Authorization: Bearer <secret>` (or the path segment) echoed in every
//!   form of [`encodings`], in the body and in response headers;
//! - `POST /echo`: the body back, verbatim (the exact-match oracle);
//! - `GET /api/webhooks/<id>/<token>`: a Discord-style webhook object with
//!   the id and token as separate fields; `POST` there: 204;
//! - `GET /slow?ms=N`: answers after N ms (blocking the stand-in meanwhile);
//! - `GET /big`: a 9 MiB body;
//! - anything else: `200 {"ok":true}`.
//!
//! [`Secret`] makes unguessable secret values; [`leak`] finds any form of a
//! secret in a text: every encoding of [`encodings`] and any run of
//! [`RUN`] consecutive characters (a secret split in parts).

use std::ops::Deref;
use std::time::Duration;

use serde_json::json;

use crate::chat::{Answer, ChatApi, Fault, Seen, Service, State, Store};

/// The shortest run of a secret's characters that counts as a leak: the
/// host masks any run this long (secrets.rs, `SECRET_RUN_LEN`).
pub const RUN: usize = 12;

/// The echo-evil, collector and granted services' behaviour.
pub struct EvilApi {
    role: &'static str,
}

impl ChatApi for EvilApi {
    fn operation(&self, req: &Seen) -> String {
        let p = req.path.as_str();
        let op = if p == "/echo" {
            "echo"
        } else if p.ends_with("/evil") {
            "evil"
        } else if p.starts_with("/api/webhooks/") {
            "webhook"
        } else if p == "/slow" {
            "slow"
        } else if p == "/big" {
            "big"
        } else if p == "/loot" {
            "loot"
        } else {
            "other"
        };
        op.to_string()
    }

    fn answer(&self, _state: &mut State, req: &Seen) -> Answer {
        match req.operation.as_str() {
            "echo" => Answer {
                status: 200,
                headers: Vec::new(),
                content_type: Some("text/plain".into()),
                body: req.body.clone(),
                error: None,
            },
            "evil" => {
                let secret = secret_of(req);
                let mut answer = Answer::json(200, &json!({ "role": self.role, "echo": encodings(&secret) }));
                for (i, form) in encodings(&secret).iter().take(8).enumerate() {
                    answer = answer.header(&format!("x-echo-{i}"), form);
                }
                answer
            }
            "webhook" => {
                let parts: Vec<&str> = req.path.trim_start_matches("/api/webhooks/").split('/').collect();
                if req.method == "GET" {
                    Answer::json(
                        200,
                        &json!({
                            "type": 1, "id": parts.first().copied().unwrap_or_default(),
                            "token": parts.get(1).copied().unwrap_or_default(), "name": "captain hook",
                            "channel_id": "1000000000000000001", "url": format!("https://discord.invalid{}", req.path),
                        }),
                    )
                } else {
                    Answer::empty(204)
                }
            }
            "slow" => {
                let ms = req.query_param("ms").and_then(|m| m.parse().ok()).unwrap_or(1000);
                std::thread::sleep(Duration::from_millis(ms));
                Answer::json(200, &json!({"ok": true, "slept_ms": ms}))
            }
            "big" => Answer::text(200, "text/plain", &"x".repeat(9 << 20)),
            _ => Answer::json(200, &json!({"ok": true, "role": self.role})),
        }
    }

    fn fault(&self, fault: &Fault, _req: &Seen) -> Answer {
        match fault {
            Fault::RateLimited { retry_after_s, .. } => {
                Answer::json(429, &json!({"error": "rate limited"})).header("retry-after", retry_after_s.ceil() as u64)
            }
            Fault::Error { code } => Answer::json(code.parse().unwrap_or(500), &json!({"error": code})).error(code),
        }
    }
}

/// The secret a request carries: `Authorization: Bearer <secret>`, else a
/// `bot<secret>` path segment, else the whole path.
fn secret_of(req: &Seen) -> String {
    if let Some(t) = req.header("authorization").and_then(|a| a.strip_prefix("Bearer ")) {
        return t.to_string();
    }
    if let Some(seg) = req.path.split('/').find_map(|s| s.strip_prefix("bot")) {
        return percent_decode(seg);
    }
    req.path.clone()
}

/// A running stand-in in one of its roles; the request log comes from
/// [`Service`].
#[derive(Clone)]
pub struct EvilService {
    service: Service<EvilApi>,
}

impl Deref for EvilService {
    type Target = Service<EvilApi>;
    fn deref(&self) -> &Self::Target {
        &self.service
    }
}

impl EvilService {
    fn start(role: &'static str) -> EvilService {
        EvilService { service: Service::start(EvilApi { role }, Store::new(|stamp| stamp.seq.to_string())) }
    }

    /// The service the user granted (records every request).
    pub fn granted() -> EvilService {
        Self::start("granted")
    }

    /// The attacker's collector (must receive nothing secret).
    pub fn collector() -> EvilService {
        Self::start("collector")
    }

    /// A service that echoes the request's secret in every encoding.
    pub fn echo_evil() -> EvilService {
        Self::start("echo-evil")
    }

    /// Every request as text: the line, the headers, the body.
    pub fn dump(&self) -> Vec<String> {
        self.seen().iter().map(dump).collect()
    }
}

/// One request as text: `METHOD /path?query`, headers, body.
pub fn dump(s: &Seen) -> String {
    let headers: Vec<String> = s.headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("{}\n{}\n\n{}", s.line(), headers.join("\n"), s.text())
}

/// An unguessable secret value.
#[derive(Debug, Clone)]
pub struct Secret(pub String);

impl Secret {
    /// `prefix` followed by `len` random letters and digits.
    pub fn random(prefix: &str, len: usize) -> Secret {
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        let mut out = prefix.to_string();
        let mut state = random_u64();
        for _ in 0..len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            out.push(ALPHABET[(state % ALPHABET.len() as u64) as usize] as char);
        }
        Secret(out)
    }

    /// A random string of `len` digits (a Discord webhook id).
    pub fn digits(len: usize) -> String {
        let mut state = random_u64();
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                char::from(b'1' + (state % 9) as u8)
            })
            .collect()
    }

    /// The value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    h.finish() | 1
}

/// Every form echo-evil answers a secret in (and the leak oracle looks for):
/// exact, lowercase, uppercase, base64 and base64url at all three
/// alignments, with and without padding, reversed, split in halves,
/// percent-escaped (every byte, both hex cases, and only what needs it),
/// `\/`-escaped, `\uXXXX`-escaped, hex.
pub fn encodings(secret: &str) -> Vec<String> {
    let b = secret.as_bytes();
    let mut forms = vec![secret.to_string(), secret.to_lowercase(), secret.to_uppercase()];
    for lead in 0..3 {
        let mut bytes = vec![b'~'; lead];
        bytes.extend_from_slice(b);
        forms.push(base64(&bytes, STD, true));
        forms.push(base64(&bytes, URL, false));
    }
    forms.push(secret.chars().rev().collect());
    let half = secret.len() / 2;
    forms.push(format!("first half: {} / second half: {}", &secret[..half], &secret[half..]));
    forms.push(b.iter().map(|c| format!("%{c:02X}")).collect());
    forms.push(b.iter().map(|c| format!("%{c:02x}")).collect());
    forms.push(percent_encode(secret));
    forms.push(secret.replace('/', "\\/"));
    forms.push(secret.chars().map(|c| format!("\\u{:04x}", c as u32)).collect());
    forms.push(b.iter().map(|c| format!("{c:02x}")).collect());
    forms.push(b.iter().map(|c| format!("{c:02X}")).collect());
    forms
}

/// Where a form of `secret` occurs in `text`, if anywhere: a description of
/// the form found. Looks for the encodings of [`encodings`] (base64 forms
/// without the characters that depend on neighbouring bytes), for any run
/// of [`RUN`] consecutive characters of the secret in any case, and does so
/// in `text` as it is and with `\/` and percent-escapes undone.
pub fn leak(text: &str, secret: &str) -> Option<String> {
    if secret.len() < RUN {
        return text.contains(secret).then(|| "the exact value".to_string());
    }
    let b = secret.as_bytes();
    let mut needles: Vec<(String, String)> = Vec::new();
    for lead in 0..3 {
        let mut bytes = vec![0u8; lead];
        bytes.extend_from_slice(b);
        for (alphabet, name) in [(STD, "base64"), (URL, "base64url")] {
            let enc = base64(&bytes, alphabet, false);
            // The characters that depend on the leading or trailing bytes.
            let inner: String = enc.chars().skip(4).take(enc.len().saturating_sub(8)).collect();
            if inner.len() >= 8 {
                needles.push((inner, format!("{name} (alignment {lead})")));
            }
        }
    }
    needles.push((b.iter().map(|c| format!("{c:02x}")).collect(), "hex".into()));
    needles.push((secret.chars().rev().collect(), "reversed".into()));
    needles.push((secret.chars().map(|c| format!("\\u{:04x}", c as u32)).collect(), "\\u-escaped".into()));
    let lowered_text = text.to_lowercase();
    for (needle, what) in &needles {
        if text.contains(needle.as_str()) || lowered_text.contains(&needle.to_lowercase()) {
            return Some(what.clone());
        }
    }
    let variants = [text.to_string(), text.replace("\\/", "/"), percent_decode(text)];
    let chars: Vec<char> = secret.chars().collect();
    for variant in &variants {
        let lower = variant.to_lowercase();
        for w in chars.windows(RUN) {
            let run: String = w.iter().collect::<String>().to_lowercase();
            if lower.contains(&run) {
                return Some(format!("a run of {RUN} characters of it (`{run}`)"));
            }
            let reversed: String = run.chars().rev().collect();
            if lower.contains(&reversed) {
                return Some(format!("a reversed run of {RUN} characters of it (`{reversed}`)"));
            }
        }
    }
    None
}

/// Panics when `text` (`what`) holds any form of any of `secrets`.
#[track_caller]
pub fn assert_no_leak(what: &str, text: &str, secrets: &[&str]) {
    for s in secrets {
        if let Some(form) = leak(text, s) {
            panic!("{what} leaks a secret as {form}:\n{}", excerpt(text, 4000));
        }
    }
}

/// At most `max` characters of `text`.
pub fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max).collect();
    format!("{kept}… ({} bytes in all)", text.len())
}

const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64 of `bytes` with `alphabet`, `=`-padded when `pad`.
pub fn base64(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &c)| acc | (u32::from(c) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(alphabet[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
        if pad {
            for _ in chunk.len()..3 {
                out.push('=');
            }
        }
    }
    out
}

/// Percent-encodes what a URL component needs encoded (all but unreserved).
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|c| {
            if c.is_ascii_alphanumeric() || b"-._~".contains(&c) {
                (c as char).to_string()
            } else {
                format!("%{c:02X}")
            }
        })
        .collect()
}

/// Undoes percent-escapes (invalid ones are kept as they are).
pub fn percent_decode(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64(b"hello", STD, true), "aGVsbG8=");
        assert_eq!(base64(b"hello?>", URL, false), "aGVsbG8_Pg");
        assert_eq!(base64(b"", STD, true), "");
    }

    #[test]
    fn every_encoding_is_found_and_ordinary_text_is_not() {
        let s = Secret::random("xoxb-", 32);
        for form in encodings(s.as_str()) {
            assert!(leak(&format!("junk {form} junk"), s.as_str()).is_some(), "{form}");
        }
        assert!(leak("Nightly training finished: accuracy 0.93 run 42 ****", s.as_str()).is_none());
        assert_eq!(percent_decode("a%2Fb%zz%4"), "a/b%zz%4");
    }
}
