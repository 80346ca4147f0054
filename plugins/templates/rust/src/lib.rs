//! `__NAME__`: an alerter flavor in Rust.
//!
//! Posts each message as JSON, `{"text": ..., "title": ...}`, to
//! `{url}/messages`, with `authorization: Bearer <token>` when the secret
//! `token` is set, and returns the answer's `"id"` as the reference.
//! Post-only: the SDK answers `replies` with `unsupported`.

use alerter_sdk::prelude::*;
use alerter_sdk::Need::*;
use serde::Deserialize;
use serde_json::json;

struct Hello;

#[derive(Deserialize)]
struct Posted {
    #[serde(default)]
    id: Option<serde_json::Value>,
    link: Option<String>,
}

impl Flavor for Hello {
    fn info() -> FlavorInfo {
        FlavorInfo {
            name: "__NAME__".into(),
            version: "0.1.0".into(),
            description: "Posts messages as JSON to a web service".into(),
            settings: vec![
                setting("url", "Base URL of the service", Required),
                // The token may go only into `authorization: Bearer {}`, only to {url}.
                secret("token", "Bearer token (optional)", SecretSlot::header("authorization", "Bearer {}"), &["{url}"]),
            ],
            hosts: vec!["{url}".into()],
            capabilities: Capabilities::post_only(),
        }
    }

    fn send(settings: &Settings, m: Message) -> Result<Sent, FlavorError> {
        let url = format!("{}/messages", settings.require("url")?.trim_end_matches('/'));
        let mut req = Request::post(url).json(&json!({ "text": m.body, "title": m.title }))?;
        if let Some(token) = settings.get("token") {
            req = req.bearer(token); // a placeholder: the host puts the secret in
        }
        let posted: Posted = req.send()?.ensure_success()?.json()?;
        let reference = match posted.id {
            Some(serde_json::Value::String(s)) => s,
            Some(v) => v.to_string(),
            None => String::new(),
        };
        Ok(Sent { reference, link: posted.link })
    }
}

export_flavor!(Hello);
