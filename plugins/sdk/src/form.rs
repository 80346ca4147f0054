//! Encodings a flavor needs to build requests: percent-encoding for URL
//! path segments and query strings (RFC 3986), and `multipart/form-data`
//! bodies (RFC 7578) for file uploads.

/// Percent-encodes `text` for a URL path segment or a query component: every
/// byte but the RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`)
/// becomes `%XX` (uppercase hex), so `👍` gives `%F0%9F%91%8D` and `a b/c`
/// gives `a%20b%2Fc`.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A query string from pairs, each name and value percent-encoded:
/// `query(&[("limit", "100"), ("after", "1 2")])` gives `limit=100&after=1%202`
/// (no leading `?`).
pub fn query(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect::<Vec<_>>().join("&")
}

/// A `multipart/form-data` body under construction (RFC 7578): text fields,
/// JSON fields and files, in order.
///
/// ```ignore
/// let (content_type, body) = Multipart::new()
///     .json("payload_json", &serde_json::json!({"content": "hi"}))
///     .file("files[0]", "loss.png", "image/png", &png)
///     .finish();
/// Request::post(url).header("content-type", content_type).body(body)
/// ```
#[derive(Debug, Clone, Default)]
pub struct Multipart {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
struct Part {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    data: Vec<u8>,
}

impl Multipart {
    /// An empty form.
    pub fn new() -> Self {
        Multipart::default()
    }

    /// Adds a text field.
    pub fn text(mut self, name: &str, value: &str) -> Self {
        self.parts.push(Part { name: name.into(), filename: None, content_type: None, data: value.as_bytes().into() });
        self
    }

    /// Adds a field holding `value` as JSON (`Content-Type: application/json`).
    pub fn json(mut self, name: &str, value: &serde_json::Value) -> Self {
        self.parts.push(Part {
            name: name.into(),
            filename: None,
            content_type: Some("application/json".into()),
            data: value.to_string().into_bytes(),
        });
        self
    }

    /// Adds a field holding JSON text as given (already encoded).
    pub fn json_text(mut self, name: &str, json: &str) -> Self {
        self.parts.push(Part {
            name: name.into(),
            filename: None,
            content_type: Some("application/json".into()),
            data: json.as_bytes().into(),
        });
        self
    }

    /// Adds a file: `name` is the field (`files[0]`, `file`), `filename` the
    /// name the service shows.
    pub fn file(mut self, name: &str, filename: &str, media_type: &str, data: &[u8]) -> Self {
        let media_type = if media_type.trim().is_empty() { "application/octet-stream" } else { media_type };
        self.parts.push(Part {
            name: name.into(),
            filename: Some(filename.into()),
            content_type: Some(media_type.into()),
            data: data.into(),
        });
        self
    }

    /// The `Content-Type` header value (with the boundary) and the body. The
    /// boundary is derived from the content and never occurs in it.
    pub fn finish(self) -> (String, Vec<u8>) {
        let boundary = self.boundary();
        let mut body = Vec::new();
        for part in &self.parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", quoted(&part.name));
            if let Some(f) = &part.filename {
                disposition.push_str(&format!("; filename=\"{}\"", quoted(f)));
            }
            body.extend_from_slice(disposition.as_bytes());
            body.extend_from_slice(b"\r\n");
            if let Some(ct) = &part.content_type {
                body.extend_from_slice(format!("Content-Type: {}\r\n", one_line(ct)).as_bytes());
            }
            body.extend_from_slice(b"\r\n");
            body.extend_from_slice(&part.data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        (format!("multipart/form-data; boundary={boundary}"), body)
    }

    /// `alerter-` and 16 hex digits of a hash of the parts; rehashed with a
    /// counter in the (astronomically unlikely) case a part contains it.
    fn boundary(&self) -> String {
        (0..).map(|salt| self.candidate(salt)).find(|b| !self.clashes(b)).unwrap_or_default()
    }

    fn candidate(&self, salt: u64) -> String {
        let mut h = Fnv::new(salt);
        for p in &self.parts {
            h.write(p.name.as_bytes());
            h.write(&p.data);
        }
        format!("alerter-{:016x}", h.0)
    }

    /// `boundary` occurs somewhere in the parts.
    fn clashes(&self, boundary: &str) -> bool {
        let needle = boundary.as_bytes();
        self.parts.iter().any(|p| {
            p.data.windows(needle.len()).any(|w| w == needle)
                || p.name.contains(boundary)
                || p.filename.as_deref().is_some_and(|f| f.contains(boundary))
        })
    }
}

/// FNV-1a, 64 bits.
struct Fnv(u64);

impl Fnv {
    fn new(salt: u64) -> Fnv {
        let mut h = Fnv(0xcbf2_9ce4_8422_2325);
        h.write(&salt.to_le_bytes());
        h
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// A field or file name inside `"…"`: `"`, CR and LF percent-encoded, as
/// browsers send them (WHATWG multipart/form-data encoding).
fn quoted(s: &str) -> String {
    s.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A")
}

fn one_line(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding() {
        assert_eq!(percent_encode("👍"), "%F0%9F%91%8D");
        assert_eq!(percent_encode("a b/c?d=e&f"), "a%20b%2Fc%3Fd%3De%26f");
        assert_eq!(percent_encode("Az09-._~"), "Az09-._~");
        assert_eq!(percent_encode("name:123"), "name%3A123");
        assert_eq!(query(&[("limit", "100"), ("after", "1 2")]), "limit=100&after=1%202");
        assert_eq!(query(&[]), "");
    }

    #[test]
    fn multipart_bodies() {
        let (ct, body) = Multipart::new()
            .json("payload_json", &serde_json::json!({"content": "hi"}))
            .text("note", "plain")
            .file("files[0]", "lo\"ss.png", "image/png", b"\x89PNG")
            .finish();
        let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
        assert!(boundary.starts_with("alerter-") && boundary.len() == 24, "{boundary}");
        let expected = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"payload_json\"\r\nContent-Type: application/json\r\n\r\n{{\"content\":\"hi\"}}\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nplain\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"lo%22ss.png\"\r\nContent-Type: image/png\r\n\r\n",
            b = boundary
        );
        assert!(body.starts_with(expected.as_bytes()), "{}", String::from_utf8_lossy(&body));
        assert!(body.ends_with(&[b"\x89PNG\r\n".as_slice(), format!("--{boundary}--\r\n").as_bytes()].concat()));
        // The same parts give the same boundary; other parts another one.
        let again = Multipart::new().text("note", "plain").finish().0;
        assert_ne!(again, ct);
        assert_eq!(again, Multipart::new().text("note", "plain").finish().0);
    }

    #[test]
    fn boundary_never_occurs_in_the_content() {
        let form = Multipart::new().text("a", "x");
        assert_eq!(form.boundary(), form.candidate(0));
        let first = form.candidate(0);
        let clashing = Multipart::new().text("a", &format!("see {first} here"));
        assert!(clashing.clashes(&first));
        assert!(!clashing.clashes(&clashing.boundary()));
        assert!(!form.clashes("alerter-0000000000000000"));
    }
}
