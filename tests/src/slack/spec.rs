//! Slack's OpenAPI 2.0 spec (slackapi/slack-api-specs
//! `web-api/slack_web_openapi_v2.json`, vendored in `tests/specs/slack/`,
//! frozen since 2020), applied by the stand-in to **every** Web API request
//! and answer:
//!
//! - requests ([`check_request`]): the method exists, with the HTTP verb the
//!   spec declares; a body's content type is one the method `consumes` (so a
//!   JSON body only goes to write methods, as Slack takes it); every
//!   parameter is declared, in a compatible place, of the declared type;
//!   required parameters are present; the token comes as `Authorization:
//!   Bearer`;
//! - answers ([`check_response`]): the JSON matches the method's success
//!   schema (`ok: true`) or its error schema, validated as JSON Schema with
//!   the spec's `definitions`.
//!
//! The spec is wrong or silent in places. Each correction is one entry of
//! [`KNOWN_DEFECTS`] with the reason, applied to the loaded document; the
//! file itself is never edited. Methods newer than the spec (the external
//! file upload) are described from their docs pages in [`SUPPLEMENT`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{json, Value};

use super::api::{Place, SlackRequest};
use crate::chat::Seen;

/// One known defect of the spec, and how the stand-in corrects it.
pub struct SpecDefect {
    /// The Slack method (`*`: every method).
    pub method: &'static str,
    /// What is wrong, in the spec's terms.
    pub what: &'static str,
    /// Why the spec is wrong here (the docs or Slack's behaviour).
    pub why: &'static str,
    /// The correction, applied to the loaded spec (`None`: the request check
    /// forgives it, see [`forgiven`]).
    pub patch: Option<fn(&mut Value)>,
}

/// Error codes Slack answers that the spec's error enums leave out.
const UNLISTED_ERRORS: [&str; 10] = [
    "ratelimited",
    "missing_scope",
    "invalid_arguments",
    "invalid_cursor",
    "internal_error",
    "not_in_channel",
    "invalid_blocks",
    "invalid_blocks_format",
    "thread_not_found",
    "is_archived",
];

/// The allow-list of spec defects.
pub const KNOWN_DEFECTS: &[SpecDefect] = &[
    SpecDefect {
        method: "*",
        what: "parameter `token` declared `in: header`/`in: query` (sometimes required)",
        why: "Slack takes the token as `Authorization: Bearer xoxb-…`, which the flavor sends and the spec does \
              not model; the check requires that header instead",
        patch: None,
    },
    SpecDefect {
        method: "*",
        what: "parameters declared `in: formData` only",
        why: "methods whose `consumes` lists `application/json` take the same parameters as a JSON body",
        patch: None,
    },
    SpecDefect {
        method: "*",
        what: "`blocks` and `files` declared `type: string`",
        why: "that is the form encoding (URL-encoded JSON text); in a JSON body Slack takes the array itself",
        patch: None,
    },
    SpecDefect {
        method: "*",
        what: "`items: [A, B, …]` on objects and arrays",
        why: "Slack's generator writes alternatives (JSON Schema `anyOf`) as an `items` list, as its changelog \
              says (July 2019: `oneOf` replaced by `items`); read as `anyOf`",
        patch: Some(patch_items_alternatives),
    },
    SpecDefect {
        method: "*",
        what: "error schemas: `error` enums without the codes of UNLISTED_ERRORS; no \
               `needed`/`provided`/`errors`/`warning`",
        why: "the methods' current docs list these codes (429 `ratelimited`, `missing_scope` with the scope \
              `needed` and those `provided`, `invalid_arguments`, `invalid_cursor`, `internal_error` on \
              every method; `not_in_channel` on conversations.*; `invalid_blocks`, `thread_not_found`, \
              `is_archived` on chat.postMessage); the 2020 enums predate them",
        patch: Some(patch_error_schemas),
    },
    SpecDefect {
        method: "conversations.history",
        what: "success schema: `messages` has `minItems: 1` and `response_metadata` is not declared",
        why: "a channel with nothing new answers `messages: []`, and every paginated answer carries \
              `response_metadata.next_cursor` (docs: Pagination)",
        patch: Some(patch_paginated),
    },
    SpecDefect {
        method: "conversations.replies",
        what: "success schema: the parent alternative requires `subscribed` and `last_read` (user tokens only); \
               `response_metadata` is not declared; replies may not carry blocks, bot_id, files",
        why: "a bot token gets neither `subscribed` nor `last_read`, and replies are full message objects \
              (docs: conversations.replies example); read as `objs_message` items",
        patch: Some(patch_replies),
    },
    SpecDefect {
        method: "chat.update",
        what: "success schema: `message.blocks` declared `type: object`",
        why: "blocks are an array everywhere else (objs_message.blocks); the answer echoes the array",
        patch: Some(patch_update_blocks),
    },
    SpecDefect {
        method: "*",
        what: "objs_message lacks `edited`, `app_id`, `upload`, `files[].title` … declared in newer docs",
        why: "messages carry `app_id` for apps and `edited` once changed (docs: Message object); the 2020 \
              schema has `additionalProperties: false`",
        patch: Some(patch_message_fields),
    },
    SpecDefect {
        method: "files.getUploadURLExternal, files.completeUploadExternal",
        what: "missing from the spec (added to Slack in 2023)",
        why: "described from their docs pages (docs.slack.dev/reference/methods/…) in SUPPLEMENT",
        patch: Some(patch_supplement),
    },
];

/// The request check forgives this (see the entries with no patch).
fn forgiven_json_text(param: &str) -> bool {
    matches!(param, "blocks" | "files")
}

/// Methods newer than the spec, in the spec's own form, from their docs
/// pages: arguments (name, required, type), content types, and the success
/// answer's fields.
fn supplement() -> Value {
    let form = |name: &str, ty: &str, required: bool| json!({"in": "formData", "name": name, "type": ty, "required": required});
    json!({
        "/files.getUploadURLExternal": {"post": {
            // docs: "Content types: application/x-www-form-urlencoded".
            "consumes": ["application/x-www-form-urlencoded"],
            "parameters": [form("filename", "string", true), form("length", "integer", true),
                           form("alt_txt", "string", false), form("snippet_type", "string", false)],
            "responses": {
                "200": {"schema": {"type": "object", "additionalProperties": false,
                    "required": ["ok", "upload_url", "file_id"],
                    "properties": {"ok": {"$ref": "#/definitions/defs_ok_true"},
                                   "upload_url": {"type": "string", "format": "uri"},
                                   "file_id": {"$ref": "#/definitions/defs_file_id"}}}},
                "default": {"schema": {"$ref": "#/definitions/supplement_error"}}
            }
        }},
        "/files.completeUploadExternal": {"post": {
            "consumes": ["application/x-www-form-urlencoded", "application/json"],
            "parameters": [form("files", "string", true), form("channel_id", "string", false),
                           form("channels", "string", false), form("thread_ts", "string", false),
                           form("initial_comment", "string", false), form("blocks", "string", false)],
            "responses": {
                "200": {"schema": {"type": "object", "additionalProperties": false, "required": ["ok", "files"],
                    "properties": {"ok": {"$ref": "#/definitions/defs_ok_true"},
                                   "files": {"type": "array", "items": {"type": "object",
                                       "required": ["id"],
                                       "properties": {"id": {"$ref": "#/definitions/defs_file_id"},
                                                      "title": {"type": "string"}}}}}}},
                "default": {"schema": {"$ref": "#/definitions/supplement_error"}}
            }
        }},
    })
}

fn patch_supplement(spec: &mut Value) {
    if let (Some(paths), Value::Object(more)) = (spec["paths"].as_object_mut(), supplement()) {
        paths.extend(more);
    }
    spec["definitions"]["supplement_error"] = json!({
        "type": "object", "required": ["ok", "error"],
        "properties": {"ok": {"$ref": "#/definitions/defs_ok_false"}, "error": {"type": "string"}}
    });
}

fn patch_items_alternatives(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Array(alternatives)) = map.get("items").cloned() {
                map.remove("items");
                let any = json!({"anyOf": alternatives});
                if map.get("type").and_then(Value::as_str) == Some("array") {
                    map.insert("items".into(), any);
                } else {
                    map.insert("anyOf".into(), any["anyOf"].clone());
                }
            }
            map.values_mut().for_each(patch_items_alternatives);
        }
        Value::Array(items) => items.iter_mut().for_each(patch_items_alternatives),
        _ => {}
    }
}

fn each_operation(spec: &mut Value, mut f: impl FnMut(&str, &mut Value)) {
    if let Some(paths) = spec["paths"].as_object_mut() {
        for (path, ops) in paths.iter_mut() {
            for op in ops.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
                f(path.trim_start_matches('/'), op);
            }
        }
    }
}

fn patch_error_schemas(spec: &mut Value) {
    each_operation(spec, |_, op| {
        let schema = &mut op["responses"]["default"]["schema"];
        if let Some(codes) = schema["properties"]["error"]["enum"].as_array_mut() {
            codes.extend(UNLISTED_ERRORS.iter().map(|c| json!(c)));
        }
        if let Some(props) = schema["properties"].as_object_mut() {
            props.insert("needed".into(), json!({"type": "string"}));
            props.insert("provided".into(), json!({"type": "string"}));
            props.insert("errors".into(), json!({"type": "array", "items": {"type": "string"}}));
            props.insert("warning".into(), json!({"type": "string"}));
            props.insert("response_metadata".into(), json!({"type": "object"}));
        }
    });
}

fn metadata_property() -> Value {
    json!({"type": "object", "properties": {"next_cursor": {"type": "string"}}})
}

fn patch_paginated(spec: &mut Value) {
    let ok = &mut spec["paths"]["/conversations.history"]["get"]["responses"]["200"]["schema"];
    ok["properties"]["response_metadata"] = metadata_property();
    if let Some(m) = ok["properties"]["messages"].as_object_mut() {
        m.remove("minItems");
    }
}

fn patch_replies(spec: &mut Value) {
    let ok = &mut spec["paths"]["/conversations.replies"]["get"]["responses"]["200"]["schema"];
    ok["properties"]["response_metadata"] = metadata_property();
    ok["properties"]["messages"] =
        json!({"type": "array", "items": {"$ref": "#/definitions/objs_message"}, "uniqueItems": true});
}

fn patch_update_blocks(spec: &mut Value) {
    let ok = &mut spec["paths"]["/chat.update"]["post"]["responses"]["200"]["schema"];
    ok["properties"]["message"]["properties"]["blocks"] = json!({"$ref": "#/definitions/blocks"});
}

fn patch_message_fields(spec: &mut Value) {
    let props = &mut spec["definitions"]["objs_message"]["properties"];
    props["app_id"] = json!({"type": "string"});
    props["upload"] = json!({"type": "boolean"});
    props["edited"] = json!({"type": "object", "required": ["user", "ts"],
        "properties": {"user": {"type": "string"}, "ts": {"$ref": "#/definitions/defs_ts"}}});
}

/// Where the spec is read from: the vendored copy in `tests/specs/slack/`.
pub fn path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/slack/slack_web_openapi_v2.json")
}

/// The spec as the stand-in applies it: the vendored file with
/// [`KNOWN_DEFECTS`] corrected (loaded once per process).
pub fn load() -> Value {
    spec().clone()
}

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = path();
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read the Slack OpenAPI spec {}: {e}", path.display()));
        let mut spec: Value = serde_json::from_str(&text).expect("the Slack spec is JSON");
        for d in KNOWN_DEFECTS {
            if let Some(patch) = d.patch {
                patch(&mut spec);
            }
        }
        spec
    })
}

/// Is `method` a Web API method the spec (with its supplement) knows?
pub fn knows(method: &str) -> bool {
    spec()["paths"].get(format!("/{method}")).is_some()
}

/// The content types `method` takes a body in (empty for an unknown method).
pub fn consumes(method: &str) -> Vec<String> {
    let Some(ops) = spec()["paths"][format!("/{method}")].as_object() else { return Vec::new() };
    ops.values()
        .flat_map(|op| op["consumes"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c.as_str().map(str::to_string))
        .collect()
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

/// What is wrong with one Web API request (`operation` = the method); empty
/// when it conforms.
pub fn check_request(r: &Seen) -> Vec<String> {
    let m = &r.operation;
    let mut problems = Vec::new();
    let mut bad = |what: String| problems.push(format!("request {} {m}: {what}", r.method));
    let Some(ops) = spec()["paths"].get(format!("/{m}")) else {
        bad("no such method in the spec".into());
        return problems;
    };
    let verb = r.method.to_ascii_lowercase();
    let op = match ops.get(&verb) {
        Some(op) => op,
        None => {
            // Slack takes either verb; the flavor uses the one documented.
            let declared: Vec<&String> = ops.as_object().map(|o| o.keys().collect()).unwrap_or_default();
            bad(format!("the spec declares it with {declared:?}"));
            match ops.as_object().and_then(|o| o.values().next()) {
                Some(op) => op,
                None => return problems,
            }
        }
    };
    let declared: Vec<&Value> = op["parameters"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
    let consumes: Vec<&str> =
        op["consumes"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    if !r.body.is_empty() {
        let ct = r.header("content-type").unwrap_or("").to_ascii_lowercase();
        let base = ct.split(';').next().unwrap_or("").trim().to_string();
        if !consumes.contains(&base.as_str()) {
            bad(format!("a body of type `{base}`; the method consumes {consumes:?}"));
        }
    }
    if !r.header("authorization").is_some_and(|a| a.starts_with("Bearer ")) {
        bad("no `Authorization: Bearer` header".into());
    }
    let params = r.params();
    for p in &params {
        let Some(d) = declared.iter().find(|d| d["name"] == p.name.as_str()) else {
            bad(format!("parameter `{}` is not declared", p.name));
            continue;
        };
        let place = d["in"].as_str().unwrap_or("");
        let place_ok = match p.place {
            Place::Query => place == "query",
            Place::Form => place == "formData",
            Place::Json => place == "formData",
        };
        if !place_ok {
            bad(format!("parameter `{}` sent in the {:?}, declared `in: {place}`", p.name, p.place));
        }
        let ty = d["type"].as_str().unwrap_or("string");
        let json_text = p.place == Place::Json && forgiven_json_text(&p.name) && p.value.is_array();
        if !type_ok(ty, &p.value, p.place) && !json_text {
            bad(format!("parameter `{}` = {} is not a `{ty}`", p.name, p.value));
        }
    }
    for d in declared.iter().filter(|d| d["required"] == true && d["name"] != "token") {
        let name = d["name"].as_str().unwrap_or("");
        if !params.iter().any(|p| p.name == name) {
            bad(format!("required parameter `{name}` is missing"));
        }
    }
    problems
}

type Validators = Mutex<HashMap<(String, bool), Option<Arc<jsonschema::Validator>>>>;

/// The compiled schema of `method`'s success (`ok`) or error answer.
fn validator(method: &str, ok: bool) -> Option<Arc<jsonschema::Validator>> {
    static CACHE: OnceLock<Validators> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    cache
        .entry((method.to_string(), ok))
        .or_insert_with(|| {
            let ops = spec()["paths"].get(format!("/{method}"))?.as_object()?;
            let op = ops.values().next()?;
            let schema = op["responses"][if ok { "200" } else { "default" }]["schema"].clone();
            if schema.is_null() {
                return None;
            }
            let root = json!({"definitions": spec()["definitions"].clone(), "allOf": [schema]});
            let v = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft4)
                .should_validate_formats(true)
                .should_ignore_unknown_formats(true)
                .build(&root)
                .unwrap_or_else(|e| panic!("the spec's schema for {method} does not compile: {e}"));
            Some(Arc::new(v))
        })
        .clone()
}

/// What is wrong with `body`, the answer to `method`; empty when it matches
/// the spec.
pub fn check_response(method: &str, body: &Value) -> Vec<String> {
    let ok = body["ok"] == true;
    let Some(v) = validator(method, ok) else {
        return vec![format!("answer to {method}: the spec has no schema for it")];
    };
    v.iter_errors(body).map(|e| format!("answer to {method}: {e} at `{}`", e.instance_path())).collect()
}

/// The problems in `requests` (Web API calls only: webhooks and uploads
/// are not in the spec). Empty means all conform. The stand-in runs the
/// same check on every request as it arrives (see
/// [`crate::chat::Service::violations`]).
pub fn check(_spec: &Value, requests: &[Seen]) -> Vec<String> {
    requests.iter().filter(|r| r.path.starts_with("/api/")).flat_map(check_request).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternatives_become_any_of() {
        let mut v = json!({"type": "object", "items": [{"type": "string"}, {"type": "null"}],
                           "properties": {"a": {"type": "array", "items": [{"type": "integer"}]}}});
        patch_items_alternatives(&mut v);
        assert_eq!(
            v,
            json!({"type": "object", "anyOf": [{"type": "string"}, {"type": "null"}],
                   "properties": {"a": {"type": "array", "items": {"anyOf": [{"type": "integer"}]}}}})
        );
    }

    #[test]
    fn every_patch_changes_the_spec() {
        let path = path();
        let original: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for d in KNOWN_DEFECTS {
            if let Some(patch) = d.patch {
                let mut copy = original.clone();
                patch(&mut copy);
                assert_ne!(copy, original, "the correction of `{}` changes nothing: remove it", d.what);
            }
        }
    }
}
