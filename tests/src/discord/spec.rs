//! Discord's specifications as the stand-in applies them: every request
//! body is checked against the OpenAPI schema of its endpoint in
//! `tests/specs/discord/discord_openapi.json` (in-process JSON Schema
//! validation, `$ref`s resolved inside the document) and against the limits
//! the docs in `tests/specs/discord/discord-api-docs` state where the spec is
//! looser ([`SPEC_DEVIATIONS`]). Every answer the stand-in gives is checked
//! against the spec's response schema too ([`check_response`]), so the
//! stand-in cannot drift from what Discord returns.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{json, Value};

/// Limits the docs state that the OpenAPI spec leaves out or states looser.
/// The stand-in enforces the docs' side; the spec file stays untouched.
pub const SPEC_DEVIATIONS: &[Deviation] = &[
    Deviation {
        what: "content of a message created by a bot (POST /channels/{id}/messages)",
        spec: "MessageCreateRequest.content maxLength 4000",
        docs: "message.mdx, Create Message: content up to 2000 characters",
    },
    Deviation {
        what: "total text of all embeds of one message",
        spec: "no limit across embeds (only per property)",
        docs: "message.mdx, Embed Limits: title + description + field names and values + footer.text + author.name together at most 6000 characters (whitespace trimmed)",
    },
    Deviation {
        what: "an empty message",
        spec: "no property is required",
        docs: "message.mdx / webhook.mdx: at least one of content, embeds, components, files, poll (sticker_ids, shared_client_theme for bots)",
    },
    Deviation {
        what: "User-Agent of REST calls",
        spec: "not described",
        docs: "reference.mdx, User Agent: `DiscordBot ($url, $versionNumber)`",
    },
];

/// One place where the stand-in follows the docs rather than the spec.
#[derive(Debug, Clone, Copy)]
pub struct Deviation {
    /// What is limited.
    pub what: &'static str,
    /// What discord_openapi.json says.
    pub spec: &'static str,
    /// What the docs say (and the stand-in enforces).
    pub docs: &'static str,
}

/// Which endpoint's request schema to check a body against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /channels/{id}/messages` (`MessageCreateRequest`).
    CreateMessage,
    /// `POST /webhooks/{id}/{token}` (`IncomingWebhookRequestPartial` or
    /// `IncomingWebhookUpdateRequestPartial`).
    ExecuteWebhook,
    /// `PATCH /channels/{id}/messages/{id}` (`MessageEditRequestPartial`).
    EditMessage,
}

/// Which response schema an answer is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// A message (`MessageResponse`): create, get, edit, execute webhook.
    Message,
    /// A list of messages (`GET /channels/{id}/messages`).
    Messages,
    /// Users (`GET .../reactions/{emoji}`: `UserResponse`s).
    Users,
    /// A channel (`GET /channels/{id}`).
    Channel,
}

/// Path of the Discord OpenAPI document (the vendored copy in `tests/specs/discord/`).
pub fn openapi_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/discord/discord_openapi.json")
}

pub(crate) struct Schemas {
    create: jsonschema::Validator,
    webhook: jsonschema::Validator,
    edit: jsonschema::Validator,
    message: jsonschema::Validator,
    messages: jsonschema::Validator,
    users: jsonschema::Validator,
    channel: jsonschema::Validator,
}

pub(crate) fn schemas() -> &'static Schemas {
    static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let path = openapi_path();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let doc: Value = serde_json::from_str(&text).expect("discord_openapi.json is JSON");
        let body_schema = |path: &str, method: &str| -> Value {
            doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"].clone()
        };
        let answer_schema = |path: &str, method: &str| -> Value {
            doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"].clone()
        };
        // A root schema that is the endpoint's body schema, with the spec's
        // components beside it so every `#/components/...` $ref resolves.
        let build = |schema: Value| {
            assert!(!schema.is_null(), "body schema missing from the spec");
            let mut root = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": doc["components"].clone(),
            });
            root["allOf"] = json!([schema]);
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .should_ignore_unknown_formats(true)
                .build(&root)
                .expect("compile schema")
        };
        let message = "/channels/{channel_id}/messages/{message_id}";
        Schemas {
            create: build(body_schema("/channels/{channel_id}/messages", "post")),
            webhook: build(body_schema("/webhooks/{webhook_id}/{webhook_token}", "post")),
            edit: build(body_schema(message, "patch")),
            message: build(answer_schema(message, "get")),
            messages: build(answer_schema("/channels/{channel_id}/messages", "get")),
            users: build(answer_schema("/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}", "get")),
            channel: build(answer_schema("/channels/{channel_id}", "get")),
        }
    })
}

/// Everything wrong with `body` as a request to `endpoint`: JSON Schema
/// errors from the spec, then the docs' limits ([`SPEC_DEVIATIONS`]).
pub fn check_body(endpoint: Endpoint, body: &Value) -> Vec<String> {
    check_form(endpoint, body, 0)
}

/// [`check_body`] for a body that comes with `files` uploaded files (a
/// `multipart/form-data` request's `payload_json`).
pub fn check_form(endpoint: Endpoint, body: &Value, files: usize) -> Vec<String> {
    let s = schemas();
    let validator = match endpoint {
        Endpoint::CreateMessage => &s.create,
        Endpoint::ExecuteWebhook => &s.webhook,
        Endpoint::EditMessage => &s.edit,
    };
    let mut problems: Vec<String> =
        validator.iter_errors(body).map(|e| format!("schema: {} at `{}`", e, e.instance_path())).collect();
    problems.extend(doc_limits(body, endpoint, files));
    problems
}

/// Everything wrong with `body` as Discord's 200 answer of kind `answered`
/// (the spec's response schema).
pub fn check_response(answered: Answered, body: &Value) -> Vec<String> {
    let s = schemas();
    let validator = match answered {
        Answered::Message => &s.message,
        Answered::Messages => &s.messages,
        Answered::Users => &s.users,
        Answered::Channel => &s.channel,
    };
    let mut problems: Vec<String> =
        validator.iter_errors(body).map(|e| format!("response schema: {} at `{}`", e, e.instance_path())).collect();
    problems.truncate(5);
    problems
}

fn trimmed_len(v: &Value) -> usize {
    v.as_str().map(|s| s.trim().chars().count()).unwrap_or(0)
}

/// The docs' limits the spec does not carry (an edit may leave out
/// everything; a new message may not).
pub fn doc_limits(body: &Value, endpoint: Endpoint, files: usize) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(content) = body["content"].as_str() {
        let n = content.chars().count();
        if n > 2000 {
            problems.push(format!("docs: content has {n} characters, more than 2000"));
        }
    }
    let total = embed_text_len(body);
    if total > 6000 {
        problems.push(format!("docs: embeds carry {total} characters of text, more than 6000"));
    }
    let has = |k: &str| match &body[k] {
        Value::Null => false,
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => true,
    };
    let forward = body["message_reference"]["type"] == json!(1);
    if endpoint != Endpoint::EditMessage
        && files == 0
        && !forward
        && !["content", "embeds", "components", "sticker_ids", "poll", "shared_client_theme", "attachments"]
            .iter()
            .any(|k| has(k))
    {
        problems.push(EMPTY.into());
    }
    problems
}

/// Why a message without anything to show is refused (Discord answers
/// 50006 Cannot send an empty message).
pub const EMPTY: &str = "docs: a message needs at least one of content, embeds, components, files, poll";

/// The characters all embeds of a message body count against the 6000
/// limit (title, description, field names and values, footer text, author
/// name; whitespace trimmed as Discord does).
pub fn embed_text_len(body: &Value) -> usize {
    let Some(embeds) = body["embeds"].as_array() else { return 0 };
    embeds
        .iter()
        .map(|e| {
            let fields: usize = e["fields"]
                .as_array()
                .map(|fs| fs.iter().map(|f| trimmed_len(&f["name"]) + trimmed_len(&f["value"])).sum())
                .unwrap_or(0);
            trimmed_len(&e["title"])
                + trimmed_len(&e["description"])
                + trimmed_len(&e["footer"]["text"])
                + trimmed_len(&e["author"]["name"])
                + fields
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_checks() {
        assert!(check_body(Endpoint::CreateMessage, &json!({"content": "hi"})).is_empty());
        let long = json!({"content": "x".repeat(2500)});
        let p = check_body(Endpoint::CreateMessage, &long);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].starts_with("docs: content"));
        // The webhook schema itself says 2000.
        assert!(check_body(Endpoint::ExecuteWebhook, &long).iter().any(|p| p.starts_with("schema:")));
        let bad = json!({"embeds": [{"title": "t".repeat(300), "color": -1, "fields": [{"name": "n"}]}]});
        let p = check_body(Endpoint::CreateMessage, &bad);
        assert!(p.len() >= 3, "{p:?}");
        let bad_ref = json!({"content": "x", "message_reference": {"message_id": "abc"}});
        assert!(!check_body(Endpoint::CreateMessage, &bad_ref).is_empty());
        assert!(!check_body(Endpoint::CreateMessage, &json!({})).is_empty());
        let huge = json!({"embeds": [{"description": "d".repeat(4096), "fields": (0..3).map(|_| json!({"name": "n", "value": "v".repeat(1000)})).collect::<Vec<_>>()}]});
        assert!(check_body(Endpoint::CreateMessage, &huge).iter().any(|p| p.contains("6000")));
        let bad_url = json!({"embeds": [{"title": "t", "url": "not a url"}]});
        assert!(!check_body(Endpoint::CreateMessage, &bad_url).is_empty());
    }
}
