//! `multipart/form-data` bodies (RFC 7578) as Discord reads them for file
//! uploads (reference.mdx, "Uploading Files"): parts with a
//! `Content-Disposition: form-data; name="..."[; filename="..."]` header,
//! an optional `Content-Type`, and their bytes.

/// One part of a form.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The field name (`payload_json`, `files[0]`).
    pub name: String,
    /// The file name, for a file.
    pub filename: Option<String>,
    /// The part's `Content-Type`, if it has one.
    pub content_type: Option<String>,
    /// The bytes.
    pub data: Vec<u8>,
}

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("boundary").then(|| v.trim().trim_matches('"').to_string())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The parts of `body`, or why it is not a well-formed form.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Vec<Part>, String> {
    let boundary =
        boundary(content_type).ok_or_else(|| format!("not multipart/form-data with a boundary: {content_type:?}"))?;
    let delimiter = format!("--{boundary}").into_bytes();
    let start = find(body, &delimiter).ok_or("the body has no boundary line")?;
    let mut rest = &body[start + delimiter.len()..];
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        rest = rest.strip_prefix(b"\r\n").ok_or("a boundary line not followed by CRLF")?;
        let mut next = b"\r\n".to_vec();
        next.extend_from_slice(&delimiter);
        let end = find(rest, &next).ok_or("a part without a closing boundary")?;
        parts.push(part(&rest[..end])?);
        rest = &rest[end + next.len()..];
    }
}

fn part(raw: &[u8]) -> Result<Part, String> {
    let split = find(raw, b"\r\n\r\n").ok_or("a part without a blank line after its headers")?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| "part headers are not UTF-8")?;
    let data = raw[split + 4..].to_vec();
    let mut disposition = None;
    let mut content_type = None;
    for line in head.split("\r\n") {
        let (k, v) = line.split_once(':').ok_or_else(|| format!("bad part header {line:?}"))?;
        match k.trim().to_ascii_lowercase().as_str() {
            "content-disposition" => disposition = Some(v.trim().to_string()),
            "content-type" => content_type = Some(v.trim().to_string()),
            _ => {}
        }
    }
    let disposition = disposition.ok_or("a part without Content-Disposition")?;
    let mut items = params(&disposition).into_iter();
    match items.next() {
        Some((kind, None)) if kind.eq_ignore_ascii_case("form-data") => {}
        _ => return Err(format!("Content-Disposition is not form-data: {disposition:?}")),
    }
    let (mut name, mut filename) = (None, None);
    for (k, v) in items {
        match (k.to_ascii_lowercase().as_str(), v) {
            ("name", Some(v)) => name = Some(v),
            ("filename", Some(v)) => filename = Some(v),
            _ => {}
        }
    }
    let name = name.ok_or_else(|| format!("a part without a name: {disposition:?}"))?;
    Ok(Part { name, filename, content_type, data })
}

/// `form-data; name="a;b"; filename="x"` as (key, value) pairs, quotes
/// honoured.
fn params(header: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut items = Vec::new();
    for c in header.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ';' if !quoted => items.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    items.push(current);
    for item in items {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        match item.split_once('=') {
            Some((k, v)) => {
                let v = v.trim();
                let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v);
                out.push((k.trim().to_string(), Some(v.to_string())));
            }
            None => out.push((item.to_string(), None)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_discords_example() {
        let body = "--boundary\r\nContent-Disposition: form-data; name=\"payload_json\"\r\nContent-Type: application/json\r\n\r\n{\"content\": \"Hello, World!\"}\r\n--boundary\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"my;file.png\"\r\nContent-Type: image/png\r\n\r\n\x01\x02\r\n--boundary--\r\n";
        let parts = parse("multipart/form-data; boundary=boundary", body.as_bytes()).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "payload_json");
        assert_eq!(parts[0].data, b"{\"content\": \"Hello, World!\"}");
        assert_eq!(
            (parts[1].filename.as_deref(), parts[1].content_type.as_deref()),
            (Some("my;file.png"), Some("image/png"))
        );
        assert_eq!(parts[1].data, b"\x01\x02");
        assert!(parse("application/json", body.as_bytes()).is_err());
        assert!(parse("multipart/form-data; boundary=other", body.as_bytes()).is_err());
        let unclosed = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx";
        assert!(parse("multipart/form-data; boundary=b", unclosed.as_bytes()).is_err());
    }
}
