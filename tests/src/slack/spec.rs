//! Checks requests against Slack's OpenAPI 2.0 spec (slackapi/slack-api-specs
//! `web-api/slack_web_openapi_v2.json`, stale since 2020): the method exists,
//! with that HTTP method; every parameter sent is declared for it, in a
//! compatible place and of the declared type; required parameters are there;
//! the body's content type is one the method `consumes`. The spec's known
//! defects are corrected by [`KNOWN_DEFECTS`], never by editing the spec.

use serde_json::Value;

use super::api::{Place, SlackRequest};
use crate::chat::Seen;

/// One known defect of the spec that the check forgives.
#[derive(Debug)]
pub struct SpecDefect {
    /// The Slack method (`*`: every method).
    pub method: &'static str,
    /// The parameter (`<json-body>`: sending formData parameters as JSON).
    pub param: &'static str,
    /// Why the spec is wrong here.
    pub why: &'static str,
}

/// The allow-list of spec defects.
pub const KNOWN_DEFECTS: &[SpecDefect] = &[
    SpecDefect {
        method: "*",
        param: "token",
        why: "declared a (sometimes required) `header`/`query` parameter named `token`; Slack takes the token \
              as `Authorization: Bearer xoxb-…`, which the flavor sends and the spec does not model",
    },
    SpecDefect {
        method: "*",
        param: "<json-body>",
        why: "parameters are declared `in: formData` only; Slack also takes them as a JSON body \
              (`application/json`, listed in `consumes` for write methods such as chat.postMessage)",
    },
    SpecDefect {
        method: "chat.postMessage",
        param: "blocks",
        why: "declared `type: string` (URL-encoded JSON, the form encoding); in a JSON body Slack takes \
              the array itself",
    },
];

fn forgiven(method: &str, param: &str) -> bool {
    KNOWN_DEFECTS.iter().any(|d| (d.method == "*" || d.method == method) && d.param == param)
}

/// Where the spec is read from: the vendored copy in `tests/specs/slack/`.
pub fn path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/slack/slack_web_openapi_v2.json")
}

/// Loads the spec.
pub fn load() -> Value {
    let path = path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the Slack OpenAPI spec {}: {e}", path.display()));
    serde_json::from_str(&text).expect("the Slack spec is JSON")
}

fn type_ok(spec_type: &str, value: &Value, place: Place) -> bool {
    match (place, value) {
        (Place::Json, v) => match spec_type {
            "string" => v.is_string(),
            "boolean" => v.is_boolean(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number() || v.as_str().is_some_and(|s| s.parse::<f64>().is_ok()),
            _ => true,
        },
        (_, v) => {
            let s = v.as_str().unwrap_or_default();
            match spec_type {
                "boolean" => matches!(s, "true" | "false" | "1" | "0"),
                "integer" => s.parse::<i64>().is_ok(),
                "number" => s.parse::<f64>().is_ok(),
                _ => true,
            }
        }
    }
}

/// The problems found in `requests` (webhook posts are skipped: the spec
/// does not cover incoming webhooks). Empty means all conform.
pub fn check(spec: &Value, requests: &[Seen]) -> Vec<String> {
    let mut problems = Vec::new();
    for r in requests.iter().filter(|r| r.operation != "webhook") {
        let m = &r.operation;
        let mut bad = |what: String| problems.push(format!("{} {}: {what}", r.method, m));
        let Some(ops) = spec["paths"].get(format!("/{m}")) else {
            bad("no such method in the spec".into());
            continue;
        };
        let verb = r.method.to_ascii_lowercase();
        let Some(op) = ops.get(&verb) else {
            let declared: Vec<&String> = ops.as_object().map(|o| o.keys().collect()).unwrap_or_default();
            bad(format!("the spec declares it with {declared:?}"));
            continue;
        };
        let declared: Vec<&Value> = op["parameters"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
        let consumes: Vec<&str> =
            op["consumes"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();

        // Content type of a body.
        if !r.body.is_empty() {
            let ct = r.header("content-type").unwrap_or("").to_ascii_lowercase();
            let base = ct.split(';').next().unwrap_or("").trim().to_string();
            if !consumes.contains(&base.as_str()) {
                bad(format!("content type `{base}` is not in the spec's consumes {consumes:?}"));
            }
        }
        // Authentication: the Authorization header (see KNOWN_DEFECTS).
        if !r.header("authorization").is_some_and(|a| a.starts_with("Bearer ")) {
            bad("no `Authorization: Bearer` header".into());
        }
        // Every parameter sent is declared, in a compatible place, with its type.
        for p in &r.params() {
            let Some(d) = declared.iter().find(|d| d["name"] == p.name.as_str()) else {
                bad(format!("parameter `{}` is not declared", p.name));
                continue;
            };
            let place = d["in"].as_str().unwrap_or("");
            let place_ok = match p.place {
                Place::Query => place == "query",
                Place::Form => place == "formData",
                Place::Json => place == "formData" && forgiven(m, "<json-body>"),
            };
            if !place_ok {
                bad(format!("parameter `{}` sent in the {:?}, declared `in: {place}`", p.name, p.place));
            }
            let ty = d["type"].as_str().unwrap_or("string");
            if !type_ok(ty, &p.value, p.place) && !forgiven(m, &p.name) {
                bad(format!("parameter `{}` = {} is not a `{ty}`", p.name, p.value));
            }
        }
        // Required parameters are present.
        for d in declared.iter().filter(|d| d["required"] == true) {
            let name = d["name"].as_str().unwrap_or("");
            if r.param(name).is_none() && !forgiven(m, name) {
                bad(format!("required parameter `{name}` is missing"));
            }
        }
    }
    problems
}
