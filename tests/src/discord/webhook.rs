//! Discord's webhooks: `POST /webhooks/{id}/{token}[?wait=true][&thread_id=]`,
//! JSON or `multipart/form-data` with files; 200 with the message with
//! `wait=true`, 204 without.

use serde_json::json;

use super::api::{checked_body, error, invalid_form, kept, snowflake_param, store_files, Inner};
use super::message_json;
use super::spec::Endpoint;
use crate::chat::{Answer, Author, Seen, State};

/// Executes webhook `id` with `token`.
pub(crate) fn answer(state: &mut State, inner: &mut Inner, req: &Seen, id: &str, token: &str) -> Answer {
    let Some(hook) = state.store.webhook(id).cloned() else {
        return error(404, 10015, "Unknown Webhook");
    };
    if hook.token != token {
        return error(401, 50027, "Invalid Webhook Token");
    }
    let target = match snowflake_param(req, "thread_id") {
        Err(()) => return invalid_form(&["thread_id must be a snowflake".to_string()]),
        Ok(None) => hook.channel.clone(),
        Ok(Some(t)) => {
            let t = t.to_string();
            match state.store.channel(&t) {
                Some(c) if c.parent.as_deref() == Some(hook.channel.as_str()) => t,
                _ => return error(400, 10003, "Unknown Channel"),
            }
        }
    };
    let (body, files) = match checked_body(state, req, Endpoint::ExecuteWebhook) {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    let author = Author::bot(id, body["username"].as_str().unwrap_or("Alerter Hook"));
    let mut extra = kept(&body, &target);
    extra.remove("message_reference");
    extra.insert("webhook_id".into(), json!(id));
    store_files(&mut state.store, inner, &target, &files, &mut extra);
    let content = body["content"].as_str().unwrap_or("").to_string();
    let posted = state.store.post(&target, &author, &content, None, extra).id.clone();
    match req.query_param("wait").as_deref() {
        Some("true" | "True" | "1") => {
            let m = state.store.find(&target, &posted).expect("just posted");
            Answer::json(200, &message_json(&state.store, m))
        }
        _ => Answer::empty(204),
    }
}
