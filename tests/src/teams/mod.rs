//! Microsoft Teams stand-in: a Workflows (Power Automate) webhook, "Post to
//! a channel when a webhook request is received", on the shared
//! [`crate::chat`] core.
//!
//! `POST /workflows/{id}/triggers/manual/paths/invoke?api-version=1&sp=...&sv=1.0&sig=SIG`
//! answers `202 Accepted` with an empty body and an `x-ms-workflow-run-id`
//! header, as Logic Apps triggers do, and posts the card to the flow's
//! channel. Errors are Logic Apps JSON, `{"error": {"code", "message"}}`:
//! 404 `WorkflowNotFound`, 401 `DirectApiInvalidAuthorizationSignature`
//! (a wrong `sig`), 400 `WorkflowDisabled` (a flow turned off), 400
//! `InvalidRequestContent` for a body that is not a Teams message with an
//! Adaptive Card, 413 `MessageTooLarge` past 28 KB; a rate limit answers 429
//! `WorkflowRequestsThrottled` with `Retry-After`.
//!
//! Every card is validated inside the stand-in against the Adaptive Card
//! JSON schema of its `version` (1.4 or 1.5, vendored in
//! tests/specs/teams/schemas); what fails lands in
//! [`crate::chat::Service::violations`] as well as in the 400 answer.

pub mod spec;
#[cfg(test)]
mod tests;

use std::ops::Deref;

use serde_json::{json, Map, Value};

use crate::chat::{Answer, Author, Channel, ChatApi, Fault, Seen, Service, Stamp, State, Store, Webhook};

/// The flow that exists from the start.
pub const WORKFLOW: &str = "8a1f3c5e0b2d4e6f9a7b1c3d5e7f9a0b";
/// Its signature (the secret part of the URL).
pub const SIG: &str = "Wq3yZSh8c2VjcmV0LXNpZy1vZi10aGUtZmxvdw";
/// A flow that exists but is turned off.
pub const DISABLED: &str = "d15ab1edd15ab1edd15ab1edd15ab1ed";
/// The channel the flow posts to.
pub const CHANNEL: &str = "19:alerts@thread.tacv2";
/// Teams' message limit: about 28 KB (28 KiB here).
pub const MAX_BYTES: usize = 28 * 1024;

/// The Teams service (its flows are webhooks of the store).
pub struct TeamsApi;

/// A Logic Apps error.
fn error(status: u16, code: &str, message: &str) -> Answer {
    Answer::json(status, &json!({"error": {"code": code, "message": message}})).error(code)
}

impl ChatApi for TeamsApi {
    fn operation(&self, req: &Seen) -> String {
        let invoke = req.path.starts_with("/workflows/") && req.path.ends_with("/triggers/manual/paths/invoke");
        if req.method == "POST" && invoke {
            "invoke".into()
        } else {
            String::new()
        }
    }

    fn answer(&self, state: &mut State, req: &Seen) -> Answer {
        if req.operation.is_empty() {
            return error(404, "NotFound", "The requested resource does not exist.");
        }
        let id = req.path.trim_start_matches("/workflows/").split('/').next().unwrap_or("");
        let Some(flow) = state.store.webhook(id).cloned() else {
            return error(404, "WorkflowNotFound", &format!("The workflow '{id}' could not be found."));
        };
        if req.query_param("sig").as_deref() != Some(flow.token.as_str()) {
            return error(
                401,
                "DirectApiInvalidAuthorizationSignature",
                "The provided authorization signature is not valid.",
            );
        }
        if flow.channel.is_empty() {
            return error(400, "WorkflowDisabled", "The workflow is disabled: it cannot be triggered.");
        }
        if req.body.len() > MAX_BYTES {
            return error(
                413,
                "MessageTooLarge",
                &format!("The message is {} bytes; Teams accepts about 28 KB.", req.body.len()),
            );
        }
        let problems = spec::check_message(req);
        if !problems.is_empty() {
            let message = problems.join("; ");
            state.violations.extend(problems);
            return error(400, "InvalidRequestContent", &message);
        }
        let card = req.json().map(|m| m["attachments"][0]["content"].clone()).unwrap_or(Value::Null);
        let mut extra = Map::new();
        extra.insert("card".into(), card.clone());
        let text = spec::card_text(&card);
        let m = state.store.post(&flow.channel, &Author::bot("workflows", "Workflows"), &text, None, extra);
        Answer::empty(202).header("x-ms-workflow-run-id", format!("08584{:015}", m.stamp.seq))
    }

    fn fault(&self, fault: &Fault, _req: &Seen) -> Answer {
        match fault {
            Fault::RateLimited { retry_after_s, .. } => {
                error(429, "WorkflowRequestsThrottled", "Rate limit is exceeded. Try again later.")
                    .header("retry-after", retry_after_s.ceil() as u64)
            }
            // `STATUS:CODE` or a status.
            Fault::Error { code } => {
                let (status, code) = code.split_once(':').unwrap_or((code.as_str(), "InjectedFailure"));
                error(status.parse().unwrap_or(500), code, "Injected failure.")
            }
        }
    }
}

/// The running stand-in; the shared helpers come from [`Service`].
#[derive(Clone)]
pub struct TeamsService {
    service: Service<TeamsApi>,
}

impl Deref for TeamsService {
    type Target = Service<TeamsApi>;
    fn deref(&self) -> &Self::Target {
        &self.service
    }
}

impl TeamsService {
    /// Starts the stand-in on 127.0.0.1 (ephemeral port) with the flow
    /// [`WORKFLOW`] (posting to [`CHANNEL`]) and the disabled [`DISABLED`].
    pub fn start() -> TeamsService {
        let mut store = Store::new(|s: Stamp| s.seq.to_string());
        store.add_channel(Channel::with_bot(CHANNEL));
        store.add_webhook(Webhook { id: WORKFLOW.into(), token: SIG.into(), channel: CHANNEL.into() });
        store.add_webhook(Webhook { id: DISABLED.into(), token: SIG.into(), channel: String::new() });
        TeamsService { service: Service::start(TeamsApi, store) }
    }

    /// The webhook URL of flow `id`, as the Workflows app shows it.
    pub fn url_of(&self, id: &str) -> String {
        format!(
            "{}/workflows/{id}/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIG}",
            self.origin()
        )
    }

    /// The webhook URL of [`WORKFLOW`].
    pub fn webhook_url(&self) -> String {
        self.url_of(WORKFLOW)
    }

    /// The request bodies of every invocation answered 202.
    pub fn posted(&self) -> Vec<Value> {
        self.seen_op("invoke").iter().filter(|s| s.status == 202).filter_map(|s| s.json()).collect()
    }

    /// The cards posted to [`CHANNEL`], oldest first.
    pub fn cards(&self) -> Vec<Value> {
        self.channel_messages(CHANNEL).iter().filter_map(|m| m.extra.get("card").cloned()).collect()
    }
}
