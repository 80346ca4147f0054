//! ntfy's server as its vendored sources describe it (ntfy publishes no
//! OpenAPI document): the JSON publish fields and their Go types from
//! `publishMessage` in tests/specs/ntfy/server/types.go, and every error
//! answer from the `errHTTP...` table of server/errors.go. Both files are
//! read as text, verbatim.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{json, Map, Value};

use crate::chat::Answer;

fn read(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/ntfy/server").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// `publishMessage`'s fields: JSON name → Go type (`string`, `int`, `bool`,
/// `[]string`, `[]action`).
pub fn publish_fields() -> &'static BTreeMap<String, String> {
    static FIELDS: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    FIELDS.get_or_init(|| {
        let text = read("types.go");
        let start = text.find("type publishMessage struct {").expect("publishMessage in types.go");
        let body = &text[start..];
        let body = &body[..body.find("\n}").expect("end of publishMessage")];
        body.lines()
            .skip(1)
            .filter_map(|line| {
                let mut words = line.split_whitespace();
                let (_, go_type) = (words.next()?, words.next()?);
                let tag = line.split("json:\"").nth(1)?.split('"').next()?;
                Some((tag.split(',').next()?.to_string(), go_type.to_string()))
            })
            .collect()
    })
}

/// One error of errors.go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrHttp {
    /// Its Go name (`errHTTPForbidden`).
    pub name: String,
    /// ntfy's code (`40301`).
    pub code: u32,
    /// The HTTP status.
    pub status: u16,
    /// The text.
    pub error: String,
    /// The docs link, or empty.
    pub link: String,
}

/// Every `errHTTP...` of errors.go.
pub fn errors() -> &'static Vec<ErrHttp> {
    static ERRORS: OnceLock<Vec<ErrHttp>> = OnceLock::new();
    ERRORS.get_or_init(|| {
        let text = read("errors.go");
        text.lines()
            .filter_map(|line| {
                let (name, rest) = line.trim().split_once('=')?;
                let inner = rest.trim().strip_prefix("&errHTTP{")?;
                let (code, rest) = inner.split_once(',')?;
                let (status, rest) = rest.split_once(',')?;
                let mut quoted = rest.split('"').skip(1).step_by(2);
                Some(ErrHttp {
                    name: name.trim().to_string(),
                    code: code.trim().parse().ok()?,
                    status: http_status(status.trim())?,
                    error: quoted.next()?.to_string(),
                    link: quoted.next().unwrap_or_default().to_string(),
                })
            })
            .collect()
    })
}

/// The number of a Go `http.StatusX` constant (those errors.go uses).
fn http_status(name: &str) -> Option<u16> {
    Some(match name.trim_start_matches("http.Status") {
        "BadRequest" => 400,
        "Unauthorized" => 401,
        "PaymentRequired" => 402,
        "Forbidden" => 403,
        "NotFound" => 404,
        "Conflict" => 409,
        "Gone" => 410,
        "RequestEntityTooLarge" => 413,
        "TooManyRequests" => 429,
        "InternalServerError" => 500,
        "InsufficientStorage" => 507,
        _ => return None,
    })
}

/// The server's answer for the error named `name` (or with code `name`).
pub fn error(name: &str) -> Answer {
    let e = errors()
        .iter()
        .find(|e| e.name == name || e.code.to_string() == name)
        .unwrap_or_else(|| panic!("no error {name} in errors.go"));
    let mut body = json!({"code": e.code, "http": e.status, "error": e.error});
    if !e.link.is_empty() {
        body["link"] = json!(e.link);
    }
    Answer::json(e.status, &body).error(&e.code.to_string())
}

/// ntfy's topic rule: 1 to 64 of `A-Z a-z 0-9 _ -`.
pub fn topic_valid(topic: &str) -> bool {
    (1..=64).contains(&topic.len()) && topic.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// What in a JSON publish body is not a `publishMessage` field of its type.
pub fn check_publish(body: &Map<String, Value>) -> Vec<String> {
    let fields = publish_fields();
    let mut problems = Vec::new();
    for (k, v) in body {
        let Some(go) = fields.get(k) else {
            problems.push(format!("publish: unknown field `{k}`"));
            continue;
        };
        let fits = match go.as_str() {
            "string" => v.is_string(),
            "int" => v.is_i64(),
            "bool" => v.is_boolean(),
            "[]string" => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
            _ if go.starts_with("[]") => v.is_array(),
            _ => true,
        };
        if !fits {
            problems.push(format!("publish: `{k}` is not a Go {go}: {v}"));
        }
    }
    if !body.contains_key("topic") {
        problems.push("publish: no `topic`".into());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_servers_own_tables() {
        let f = publish_fields();
        assert_eq!(f.get("priority").map(String::as_str), Some("int"));
        assert_eq!(f.get("tags").map(String::as_str), Some("[]string"));
        assert!(f.contains_key("click") && f.contains_key("markdown"));
        let forbidden = errors().iter().find(|e| e.name == "errHTTPForbidden").unwrap();
        assert_eq!((forbidden.code, forbidden.status, forbidden.error.as_str()), (40301, 403, "forbidden"));
        assert!(errors().len() > 50);
        assert!(topic_valid("a_b-C9") && !topic_valid("no spaces") && !topic_valid(&"x".repeat(65)));
    }

    #[test]
    fn publish_bodies_are_checked() {
        let ok = json!({"topic": "t", "message": "m", "priority": 4, "tags": ["warning"], "click": "https://x"});
        assert!(check_publish(ok.as_object().unwrap()).is_empty());
        let bad = json!({"message": 5, "priority": "high", "colour": "red"});
        assert_eq!(check_publish(bad.as_object().unwrap()).len(), 4);
    }
}
