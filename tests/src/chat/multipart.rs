//! `multipart/form-data` bodies (file uploads), as stand-ins read them.

use super::seen::Seen;

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The form field's `name`.
    pub name: String,
    /// The `filename`, for a file.
    pub filename: Option<String>,
    /// The part's `content-type`, when given.
    pub content_type: Option<String>,
    /// The content.
    pub data: Vec<u8>,
}

impl Part {
    /// The content as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// The parts of `req`'s body, or why it is not a well-formed
/// `multipart/form-data` body (RFC 7578: a boundary in the content type,
/// CRLF line ends, a `content-disposition: form-data; name=...` per part, a
/// closing delimiter).
pub fn parts(req: &Seen) -> Result<Vec<Part>, String> {
    let content_type = req.header("content-type").unwrap_or("");
    let (kind, params) = content_type.split_once(';').unwrap_or((content_type, ""));
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return Err(format!("content type `{content_type}` is not multipart/form-data"));
    }
    let boundary = params
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim_matches('"').to_string())
        .filter(|b| !b.is_empty() && b.len() <= 70)
        .ok_or("no boundary (1 to 70 characters) in the content type")?;
    let delimiter = format!("--{boundary}").into_bytes();
    let body = &req.body;
    let mut pos = find(body, &delimiter, 0).ok_or("no opening boundary")?;
    let mut parts = Vec::new();
    loop {
        pos += delimiter.len();
        if body[pos..].starts_with(b"--") {
            return if parts.is_empty() { Err("no parts".into()) } else { Ok(parts) };
        }
        if !body[pos..].starts_with(b"\r\n") {
            return Err("a boundary line does not end with CRLF".into());
        }
        pos += 2;
        let head_end = find(body, b"\r\n\r\n", pos).ok_or("a part has no blank line after its headers")?;
        let head = String::from_utf8_lossy(&body[pos..head_end]).into_owned();
        let data_start = head_end + 4;
        let mut closing = b"\r\n".to_vec();
        closing.extend_from_slice(&delimiter);
        let data_end = find(body, &closing, data_start).ok_or("a part is not closed by a boundary")?;
        parts.push(part(&head, body[data_start..data_end].to_vec())?);
        pos = data_end + 2;
    }
}

fn part(head: &str, data: Vec<u8>) -> Result<Part, String> {
    let mut name = None;
    let mut filename = None;
    let mut content_type = None;
    for line in head.split("\r\n") {
        let (key, value) = line.split_once(':').ok_or_else(|| format!("malformed part header `{line}`"))?;
        match key.trim().to_ascii_lowercase().as_str() {
            "content-disposition" => {
                let mut fields = value.split(';').map(str::trim);
                if fields.next() != Some("form-data") {
                    return Err(format!("content-disposition `{value}` is not form-data"));
                }
                for field in fields {
                    let (k, v) = field.split_once('=').unwrap_or((field, ""));
                    let v = v.trim_matches('"').to_string();
                    match k {
                        "name" => name = Some(v),
                        "filename" => filename = Some(v),
                        _ => {}
                    }
                }
            }
            "content-type" => content_type = Some(value.trim().to_string()),
            _ => {}
        }
    }
    let name = name.ok_or("a part has no name")?;
    Ok(Part { name, filename, content_type, data })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(content_type: &str, body: &[u8]) -> Seen {
        Seen {
            operation: String::new(),
            method: "POST".into(),
            path: "/".into(),
            query: String::new(),
            headers: vec![("content-type".into(), content_type.into())],
            body: body.to_vec(),
            at: std::time::Instant::now(),
            status: 0,
            error: None,
            faulted: false,
        }
    }

    #[test]
    fn reads_fields_and_files() {
        let body = b"--XyZ\r\ncontent-disposition: form-data; name=\"chat_id\"\r\n\r\n42\r\n\
                     --XyZ\r\ncontent-disposition: form-data; name=\"photo\"; filename=\"a.png\"\r\n\
                     content-type: image/png\r\n\r\n\x89PNG\r\n--XyZ--\r\n";
        let parts = parts(&seen("multipart/form-data; boundary=XyZ", body)).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!((parts[0].name.as_str(), parts[0].text().as_str()), ("chat_id", "42"));
        assert_eq!(parts[1].filename.as_deref(), Some("a.png"));
        assert_eq!(parts[1].content_type.as_deref(), Some("image/png"));
        assert_eq!(parts[1].data, b"\x89PNG");
    }

    #[test]
    fn refuses_malformed_bodies() {
        assert!(parts(&seen("application/json", b"{}")).is_err());
        assert!(parts(&seen("multipart/form-data", b"")).is_err());
        assert!(parts(&seen("multipart/form-data; boundary=b", b"--b\r\nx: y\r\n\r\nz\r\n--b--")).is_err());
        assert!(parts(&seen(
            "multipart/form-data; boundary=b",
            b"--b\r\ncontent-disposition: form-data; name=a\r\n\r\nz"
        ))
        .is_err());
    }
}
