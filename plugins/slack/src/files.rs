//! Attachments, with Slack's current upload flow (the deprecated
//! `files.upload` is never used):
//!
//! 1. `files.getUploadURLExternal` (`filename`, `length`) answers an
//!    `upload_url` and a `file_id`;
//! 2. the bytes are POSTed to `upload_url` (on `https://files.slack.com`):
//!    a pre-signed URL, so the request carries **no token**; Slack answers
//!    200 (`OK - <length>`);
//! 3. after the message is posted, `files.completeUploadExternal` shares
//!    every file at once where the message is (`channel_id`, and `thread_ts`
//!    when the message is a thread reply), right after it.
//!
//! Steps 1 and 2 run before the message is posted, so a failure there
//! leaves nothing behind and the host may retry the whole call. A failure
//! of step 3 comes after the message exists: it is reported as final (not
//! as a rate limit), so nobody posts the message twice.

use alerter_sdk::prelude::*;
use alerter_sdk::{Attachment, Rejection};
use serde_json::{json, Value};

use crate::api::WebApi;

/// A file uploaded but not shared yet.
pub struct Uploaded {
    /// Slack's file id (`F0...`).
    pub id: String,
    /// The title it is shared with (the file name).
    pub title: String,
}

/// Steps 1 and 2 for one attachment.
pub fn upload(api: &WebApi, file: &Attachment) -> Result<Uploaded, FlavorError> {
    let length = file.data.len().to_string();
    let mut params = vec![("filename", file.name.as_str()), ("length", length.as_str())];
    if file.media_type.starts_with("image/") {
        params.push(("alt_txt", file.name.as_str())); // read out by screen readers
    }
    let ticket = api.form("files.getUploadURLExternal", &params)?;
    let (Some(url), Some(id)) = (ticket["upload_url"].as_str(), ticket["file_id"].as_str()) else {
        return Err(FlavorError::Internal(
            "files.getUploadURLExternal answered ok without `upload_url` and `file_id`".into(),
        ));
    };
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(FlavorError::Internal(format!(
            "files.getUploadURLExternal gave an upload URL that is not HTTP: {url}"
        )));
    }
    let media_type = match file.media_type.trim() {
        "" => "application/octet-stream",
        m => m,
    };
    // No `bearer` here: the upload URL is pre-signed, and the token may only
    // go to the Web API (its secret slot allows nothing else).
    let resp = Request::post(url).header("content-type", media_type).body(file.data.clone()).send()?;
    if let Some(e) = resp.rate_limited() {
        return Err(e);
    }
    if !resp.is_success() {
        let answer = resp.text();
        return Err(FlavorError::Rejected(Rejection::new(
            resp.status.to_string(),
            format!("uploading `{}`: HTTP {}: {}", file.name, resp.status, alerter_sdk::truncate(answer.trim(), 200)),
            Some(resp.status),
        )));
    }
    Ok(Uploaded { id: id.to_string(), title: file.name.clone() })
}

/// Step 3: shares `files` into `channel` (in the thread of `thread_ts`).
/// `posted` names the message already posted, for the error.
pub fn share(
    api: &WebApi,
    files: &[Uploaded],
    channel: &str,
    thread_ts: Option<&str>,
    posted: &str,
) -> Result<(), FlavorError> {
    let list: Vec<Value> = files.iter().map(|f| json!({"id": f.id, "title": f.title})).collect();
    let mut body = json!({"files": list, "channel_id": channel});
    if let Some(ts) = thread_ts {
        body["thread_ts"] = json!(ts);
    }
    api.write("files.completeUploadExternal", &body).map(drop).map_err(|e| {
        let (code, why) = match e {
            FlavorError::Rejected(r) => (r.code, r.message),
            FlavorError::RateLimited(r) => ("ratelimited".to_string(), r.message),
            FlavorError::InvalidSettings(m) | FlavorError::Unsupported(m) | FlavorError::Internal(m) => {
                ("files_not_shared".to_string(), m)
            }
        };
        // Final on purpose (no status, not a rate limit): the message exists.
        FlavorError::Rejected(Rejection::new(
            code,
            format!("the message was posted ({posted}) but its files were not shared: {why}"),
            None,
        ))
    })
}
