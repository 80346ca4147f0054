//! Slack's external file upload, as the stand-in serves it:
//!
//! 1. `files.getUploadURLExternal` (`filename`, `length` > 0) answers a
//!    one-use `upload_url` on the stand-in's own origin (Slack's is on
//!    `https://files.slack.com`) and a `file_id`;
//! 2. `POST {upload_url}` takes the bytes, raw or as `multipart/form-data`,
//!    and answers `200 OK - <length>`. The URL is pre-signed: a request that
//!    carries an `Authorization` header is recorded as a violation (the bot
//!    token must never reach the upload host), and so is a length other than
//!    the one announced;
//! 3. `files.completeUploadExternal` (`files` = `[{"id", "title"}]`,
//!    `channel_id`, `thread_ts`, `initial_comment`) shares the files: a
//!    message from the bot with `files` appears in the channel (or thread).
//!    Without `channel_id` the files stay private. An id that was never
//!    uploaded is `file_not_found`.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::api::{fail, postable, Args, SlackRequest, Workspace};
use super::{BOT_ID, BOT_USER};
use crate::chat::{Answer, Author, Seen, Store};

/// Where upload URLs point, under the stand-in's origin.
pub const UPLOAD_PATH: &str = "/upload/v1/";

/// One file: announced, then uploaded, then shared.
#[derive(Debug, Clone)]
pub struct File {
    /// `F0…`.
    pub id: String,
    /// The `filename` announced.
    pub name: String,
    /// The `length` announced.
    pub length: usize,
    /// `alt_txt`, when given.
    pub alt_txt: Option<String>,
    /// The title it was shared with.
    pub title: Option<String>,
    /// The bytes received at the upload URL.
    pub data: Option<Vec<u8>>,
    /// The content type of the upload (of the file part, for multipart).
    pub content_type: Option<String>,
    /// Where it was shared: (channel, thread ts).
    pub shared: Vec<(String, Option<String>)>,
}

impl File {
    /// The media type Slack would report.
    pub fn mimetype(&self) -> String {
        match self.content_type.as_deref() {
            Some(ct) if !ct.is_empty() && ct != "application/octet-stream" => ct.to_string(),
            _ => "application/octet-stream".into(),
        }
    }
}

/// Files of the workspace and the upload URLs handed out.
#[derive(Debug, Default)]
pub struct Files {
    files: BTreeMap<String, File>,
    tickets: BTreeMap<String, String>,
    next: u64,
}

impl Files {
    /// Every file, in id order.
    pub fn all(&self) -> Vec<File> {
        self.files.values().cloned().collect()
    }

    /// The file object a message carries (`objs_file`).
    pub fn object(&self, id: &str) -> Option<Value> {
        let f = self.files.get(id)?;
        let filetype = f.name.rsplit_once('.').map(|(_, ext)| ext.to_lowercase()).unwrap_or_default();
        Some(json!({
            "id": f.id, "name": f.name, "title": f.title.clone().unwrap_or_else(|| f.name.clone()),
            "mimetype": f.mimetype(), "filetype": filetype,
            "size": f.data.as_ref().map_or(0, Vec::len), "user": BOT_USER, "created": 1_700_000_000,
            "is_external": false, "is_public": true, "mode": "hosted",
            "channels": f.shared.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>(),
        }))
    }
}

/// `files.getUploadURLExternal`.
pub(crate) fn upload_url(files: &mut Files, args: &Args, origin: &str) -> Answer {
    let Some(name) = args.param_str("filename").filter(|n| !n.is_empty()) else {
        return fail("invalid_arguments");
    };
    let length = match args.param_str("length").map(|l| l.parse::<usize>()) {
        Some(Ok(0)) | None => return fail("missing_argument"),
        Some(Ok(n)) => n,
        Some(Err(_)) => return fail("invalid_arguments"),
    };
    let alt_txt = args.param_str("alt_txt");
    if alt_txt.as_ref().is_some_and(|a| a.chars().count() > 1000) {
        return fail("alt_txt_too_large");
    }
    files.next += 1;
    let id = format!("F0{:08}", files.next);
    let ticket = format!("CwABAAAAXAoAAZnB{:06}", files.next * 7919 % 1_000_000);
    files.tickets.insert(ticket.clone(), id.clone());
    files.files.insert(
        id.clone(),
        File { id: id.clone(), name, length, alt_txt, title: None, data: None, content_type: None, shared: Vec::new() },
    );
    Answer::json(200, &json!({"ok": true, "upload_url": format!("{origin}{UPLOAD_PATH}{ticket}"), "file_id": id}))
}

/// `POST {upload_url}`: the bytes.
pub(crate) fn receive(files: &mut Files, req: &Seen, violations: &mut Vec<String>) -> Answer {
    let ticket = req.path.trim_start_matches(UPLOAD_PATH);
    let Some(id) = files.tickets.remove(ticket) else {
        return Answer::text(404, "text/plain", "upload URL not found or already used").error("not_found");
    };
    if req.method != "POST" {
        violations.push(format!("upload {}: the upload URL takes POST", req.method));
        return Answer::text(405, "text/plain", "method not allowed").error("method_not_allowed");
    }
    if req.header("authorization").is_some() {
        violations.push(
            "upload: the request to the upload URL carried an Authorization header; the URL is pre-signed and \
             the bot token must never be sent to the upload host"
                .into(),
        );
    }
    let content_type = req.header("content-type").map(str::to_string);
    let (data, part_type) = match content_type.as_deref() {
        Some(ct) if ct.starts_with("multipart/form-data") => match file_part(ct, &req.body) {
            Some(part) => part,
            None => return Answer::text(400, "text/plain", "no file in the form").error("invalid_form"),
        },
        _ => (req.body.clone(), content_type),
    };
    let Some(file) = files.files.get_mut(&id) else {
        return Answer::text(404, "text/plain", "unknown file").error("not_found");
    };
    if data.len() != file.length {
        violations.push(format!(
            "upload: {} bytes sent for `{}`, announced as {} by files.getUploadURLExternal",
            data.len(),
            file.name,
            file.length
        ));
    }
    let len = data.len();
    file.data = Some(data);
    file.content_type = part_type;
    Answer::text(200, "text/plain", &format!("OK - {len}"))
}

/// The first file part of a multipart body: its bytes and content type.
fn file_part(content_type: &str, body: &[u8]) -> Option<(Vec<u8>, Option<String>)> {
    let boundary = content_type.split("boundary=").nth(1)?.trim_matches('"');
    let delimiter = format!("--{boundary}");
    let text = body;
    let mut parts = split(text, delimiter.as_bytes()).into_iter().skip(1);
    parts.find_map(|part| {
        let part = part.strip_prefix(b"\r\n")?;
        let end = find(part, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&part[..end]).to_string();
        if !head.to_ascii_lowercase().contains("filename=") {
            return None;
        }
        let data = part[end + 4..].strip_suffix(b"\r\n").unwrap_or(&part[end + 4..]).to_vec();
        let ct = head.lines().find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-type")));
        Some((data, ct.map(|(_, v)| v.trim().to_string())))
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn split<'a>(mut hay: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    while let Some(i) = find(hay, delimiter) {
        out.push(&hay[..i]);
        hay = &hay[i + delimiter.len()..];
    }
    out.push(hay);
    out
}

/// `files.completeUploadExternal`.
pub(crate) fn complete(store: &mut Store, ws: &mut Workspace, args: &Args) -> Answer {
    let list = match args.param("files") {
        Some(Value::String(s)) => serde_json::from_str::<Value>(&s).unwrap_or(Value::Null),
        Some(v) => v,
        None => return fail("invalid_arguments"),
    };
    let Some(list) = list.as_array().filter(|l| !l.is_empty()) else { return fail("invalid_arguments") };
    let mut chosen: Vec<(String, Option<String>)> = Vec::new();
    for f in list {
        let Some(id) = f["id"].as_str() else { return fail("invalid_arguments") };
        if ws.files.files.get(id).is_none_or(|file| file.data.is_none()) {
            return fail("file_not_found");
        }
        chosen.push((id.to_string(), f["title"].as_str().map(str::to_string)));
    }
    let channel = match args.param_str("channel_id") {
        None => None,
        Some(c) => match postable(store, ws, Some(c)) {
            Ok(c) => Some(c),
            Err(e) => return e,
        },
    };
    let thread_ts = args.param_str("thread_ts");
    if let (Some(c), Some(t)) = (&channel, &thread_ts) {
        if store.find(c, t).is_none_or(|m| !m.top_level()) {
            return fail("thread_not_found");
        }
    }
    for (id, title) in &chosen {
        let file = ws.files.files.get_mut(id).expect("checked above");
        file.title = title.clone().or_else(|| Some(file.name.clone()));
        if let Some(c) = &channel {
            file.shared.push((c.clone(), thread_ts.clone()));
        }
    }
    if let Some(c) = &channel {
        let mut extra = Map::new();
        extra.insert("bot_id".into(), json!(BOT_ID));
        extra.insert("files".into(), json!(chosen.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>()));
        let text = args.param_str("initial_comment").unwrap_or_default();
        store.post(c, &Author::bot(BOT_USER, "alerter"), &text, thread_ts.as_deref(), extra);
    }
    let files: Vec<Value> = chosen
        .iter()
        .map(|(id, _)| json!({"id": id, "title": ws.files.files[id].title.clone().unwrap_or_default()}))
        .collect();
    Answer::json(200, &json!({"ok": true, "files": files}))
}
