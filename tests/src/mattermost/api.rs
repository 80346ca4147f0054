//! The REST API v4 under `/api/v4`: authentication, `AppError` bodies and
//! the operations the flavor uses; `/hooks/{key}` goes to [`super::webhook`].
//! Operations are named by their `operationId` in the vendored description
//! (`CreatePost`, `GetPostThread`, `GetPostsForChannel`, `PatchPost`,
//! `GetReactions`, `GetUser`, `GetUsersByIds`), plus `UploadFile` and
//! `webhook`.

use serde_json::{json, Map, Value};

use super::{spec, BOT_USERNAME, BOT_USER_ID};
use crate::chat::multipart;
use crate::chat::{Answer, Author, ChatApi, Fault, Message, Seen, State, Store};

/// Mattermost's longest message, in characters.
pub const MESSAGE_MAX: usize = 16_383;
/// Files on one post.
pub const FILES_MAX: usize = 5;

/// The Mattermost service: its fixed configuration.
pub struct MattermostApi {
    /// The access token accepted.
    pub token: String,
}

/// Mattermost's error body.
pub fn app_error(status: u16, id: &str, message: &str) -> Answer {
    Answer::json(
        status,
        &json!({"id": id, "message": message, "detailed_error": "", "request_id": "standinrequest0000000000001",
                "status_code": status}),
    )
    .error(id)
}

impl ChatApi for MattermostApi {
    fn operation(&self, req: &Seen) -> String {
        if req.method == "POST" && req.path.starts_with("/hooks/") {
            return "webhook".into();
        }
        if req.method == "POST" && req.path == "/api/v4/files" {
            return "UploadFile".into();
        }
        spec::openapi().operation(&req.method, &req.path).map(|op| op.id).unwrap_or_default()
    }

    fn answer(&self, state: &mut State, req: &Seen) -> Answer {
        match req.operation.as_str() {
            "webhook" => {
                state.violations.extend(super::webhook::check(req));
                return super::webhook::answer(&mut state.store, req);
            }
            "UploadFile" => {}
            _ => state.violations.extend(spec::check(req)),
        }
        let token = req.header("authorization").and_then(|a| a.strip_prefix("Bearer ")).unwrap_or("");
        if token != self.token {
            return app_error(
                401,
                "api.context.session_expired.app_error",
                "Invalid or expired session, please login again.",
            );
        }
        let store = &mut state.store;
        match req.operation.as_str() {
            "CreatePost" => create_post(store, req),
            "GetPostThread" => thread(store, req),
            "GetPostsForChannel" => channel_posts(store, req),
            "PatchPost" => patch_post(store, req),
            "GetReactions" => reactions(store, req),
            "GetUser" => user(req.path.rsplit('/').next().unwrap_or("")),
            "GetUsersByIds" => {
                let ids: Vec<String> = req.json().and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default();
                Answer::json(200, &Value::Array(ids.iter().map(|id| user_json(id)).collect()))
            }
            "UploadFile" => upload(store, req, &mut state.violations),
            "" => app_error(404, "api.context.404.app_error", "Sorry, we could not find the page."),
            _ => app_error(501, "api.context.not_implemented.app_error", "Not implemented by the stand-in."),
        }
    }

    fn fault(&self, fault: &Fault, _req: &Seen) -> Answer {
        match fault {
            Fault::RateLimited { retry_after_s, .. } => {
                let s = retry_after_s.ceil() as u64;
                Answer::text(429, "text/plain; charset=utf-8", "limit exceeded\n")
                    .header("retry-after", s)
                    .header("x-ratelimit-limit", 10)
                    .header("x-ratelimit-remaining", 0)
                    .header("x-ratelimit-reset", s)
                    .error("429")
            }
            // `ID` or `ID:STATUS` (default 400); a bare number is a status.
            Fault::Error { code } => match code.parse::<u16>() {
                Ok(status) => app_error(status, "api.context.injected.app_error", "Injected failure."),
                Err(_) => {
                    let (id, status) = code.split_once(':').unwrap_or((code.as_str(), "400"));
                    app_error(status.parse().unwrap_or(400), id, "Injected failure.")
                }
            },
        }
    }
}

/// A user as the API describes one.
fn user_json(id: &str) -> Value {
    let (username, bot) = if id == BOT_USER_ID { (BOT_USERNAME, true) } else { (id, false) };
    json!({"id": id, "username": username, "first_name": "", "last_name": "", "nickname": "",
           "is_bot": bot, "roles": "system_user", "locale": "en", "create_at": 0, "update_at": 0, "delete_at": 0})
}

fn user(id: &str) -> Answer {
    Answer::json(200, &user_json(if id == "me" { BOT_USER_ID } else { id }))
}

/// A post as the API returns it.
pub fn post_json(m: &Message) -> Value {
    let create_at = m.stamp.at_us / 1000;
    let mut p = json!({
        "id": m.id, "create_at": create_at, "update_at": create_at, "edit_at": 0, "delete_at": 0,
        "is_pinned": false, "user_id": m.author.id, "channel_id": m.channel,
        "root_id": m.thread.clone().unwrap_or_default(), "original_id": "", "message": m.text,
        "type": "", "props": {}, "hashtag": "", "file_ids": [], "pending_post_id": "", "reply_count": 0,
        "metadata": {},
    });
    for key in ["props", "file_ids", "update_at", "edit_at", "type"] {
        if let Some(v) = m.extra.get(key) {
            p[key] = v.clone();
        }
    }
    p
}

/// `{order, posts, next_post_id, prev_post_id, has_next}`, newest first.
fn post_list(posts: &[&Message]) -> Value {
    let mut sorted: Vec<&&Message> = posts.iter().collect();
    sorted.sort_by_key(|m| std::cmp::Reverse(m.stamp));
    let order: Vec<&str> = sorted.iter().map(|m| m.id.as_str()).collect();
    let map: Map<String, Value> = sorted.iter().map(|m| (m.id.clone(), post_json(m))).collect();
    json!({"order": order, "posts": map, "next_post_id": "", "prev_post_id": "", "has_next": false})
}

fn create_post(store: &mut Store, req: &Seen) -> Answer {
    let Some(Value::Object(body)) = req.json() else {
        return app_error(400, "api.context.invalid_body_param.app_error", "Invalid or missing post in request body.");
    };
    let channel_id = body.get("channel_id").and_then(Value::as_str).unwrap_or_default().to_string();
    let Some(channel) = store.channel(&channel_id) else {
        return app_error(404, "app.channel.get.existing.app_error", "Unable to find the existing channel.");
    };
    if !channel.bot_member {
        return app_error(403, "api.context.permissions.app_error", "You do not have the appropriate permissions.");
    }
    let message = body.get("message").and_then(Value::as_str).unwrap_or_default();
    if message.chars().count() > MESSAGE_MAX {
        return app_error(400, "model.post.is_valid.msg.app_error", "Invalid Message.");
    }
    let root = body.get("root_id").and_then(Value::as_str).filter(|r| !r.is_empty());
    if let Some(r) = root {
        if store.find(&channel_id, r).is_none_or(|m| !m.top_level()) {
            return app_error(400, "api.post.create_post.root_id.app_error", "Invalid RootId parameter.");
        }
    }
    let mut extra = Map::new();
    let mut props = body.get("props").cloned().unwrap_or_else(|| json!({}));
    props["from_bot"] = json!("true");
    extra.insert("props".into(), props);
    if let Some(ids) = body.get("file_ids").and_then(Value::as_array) {
        if ids.len() > FILES_MAX || ids.iter().any(|id| id.as_str().is_none_or(|id| store.file(id).is_none())) {
            return app_error(400, "api.post.create_post.file_ids.app_error", "Invalid file ids.");
        }
        extra.insert("file_ids".into(), json!(ids));
    }
    let author = Author::bot(BOT_USER_ID, BOT_USERNAME);
    let posted = store.post(&channel_id, &author, message, root, extra).clone();
    Answer::json(201, &post_json(&posted))
}

/// The post `id` of a path `/api/v4/posts/{id}/...`.
fn path_post(req: &Seen) -> &str {
    req.path.trim_start_matches("/api/v4/posts/").split('/').next().unwrap_or("")
}

fn not_found_post() -> Answer {
    app_error(404, "app.post.get.app_error", "Unable to get the post.")
}

fn thread(store: &Store, req: &Seen) -> Answer {
    let id = path_post(req);
    let Some(root) = store.all_messages().iter().find(|m| m.id == id) else { return not_found_post() };
    let root_id = root.thread.clone().unwrap_or_else(|| root.id.clone());
    let posts: Vec<&Message> = store
        .all_messages()
        .iter()
        .filter(|m| m.channel == root.channel && (m.id == root_id || m.thread.as_deref() == Some(&root_id)))
        .collect();
    Answer::json(200, &post_list(&posts))
}

fn channel_posts(store: &Store, req: &Seen) -> Answer {
    let channel = req.path.trim_start_matches("/api/v4/channels/").trim_end_matches("/posts");
    match store.channel(channel) {
        None => return app_error(404, "app.channel.get.existing.app_error", "Unable to find the existing channel."),
        Some(c) if !c.bot_member => {
            return app_error(403, "api.context.permissions.app_error", "You do not have the appropriate permissions.")
        }
        Some(_) => {}
    }
    let updated = |m: &Message| m.extra.get("update_at").and_then(Value::as_u64).unwrap_or(m.stamp.at_us / 1000);
    let mut posts: Vec<&Message> = store.messages(channel).collect();
    match req.query_param("since").and_then(|s| s.parse::<u64>().ok()) {
        // Modified after `since`, all of them (up to 1000).
        Some(since) => posts.retain(|m| updated(m) > since),
        None => {
            let per_page = req.query_param("per_page").and_then(|p| p.parse().ok()).unwrap_or(60usize);
            let page = req.query_param("page").and_then(|p| p.parse().ok()).unwrap_or(0usize);
            posts.reverse();
            posts = posts.into_iter().skip(page * per_page).take(per_page).collect();
        }
    }
    posts.truncate(1000);
    Answer::json(200, &post_list(&posts))
}

fn patch_post(store: &mut Store, req: &Seen) -> Answer {
    let id = path_post(req).to_string();
    let Some(Value::Object(patch)) = req.json() else {
        return app_error(400, "api.context.invalid_body_param.app_error", "Invalid or missing post in request body.");
    };
    let at = store.stamp().at_us / 1000;
    let Some(m) = store.find_mut(&id) else { return not_found_post() };
    if m.author.id != BOT_USER_ID {
        return app_error(403, "api.context.permissions.app_error", "You do not have the appropriate permissions.");
    }
    if let Some(text) = patch.get("message").and_then(Value::as_str) {
        if text.chars().count() > MESSAGE_MAX {
            return app_error(400, "model.post.is_valid.msg.app_error", "Invalid Message.");
        }
        m.text = text.to_string();
    }
    if let Some(props) = patch.get("props") {
        m.extra.insert("props".into(), props.clone());
    }
    m.extra.insert("update_at".into(), json!(at));
    m.extra.insert("edit_at".into(), json!(at));
    let m = m.clone();
    Answer::json(200, &post_json(&m))
}

fn reactions(store: &Store, req: &Seen) -> Answer {
    let id = path_post(req);
    let Some(m) = store.all_messages().iter().find(|m| m.id == id) else { return not_found_post() };
    Answer::json(200, m.extra.get("reactions").unwrap_or(&json!([])))
}

/// `POST /api/v4/files`: a `channel_id` field and `files` parts; each file
/// is kept in the store, so a later post can name it.
fn upload(store: &mut Store, req: &Seen, violations: &mut Vec<String>) -> Answer {
    let parts = match multipart::parts(req) {
        Ok(p) => p,
        Err(why) => {
            violations.push(format!("POST /api/v4/files: {why}"));
            return app_error(400, "api.file.upload_file.read_form.app_error", "Unable to parse multipart form.");
        }
    };
    let Some(channel) = parts.iter().find(|p| p.name == "channel_id").map(|p| p.text()) else {
        violations.push("POST /api/v4/files: no channel_id field".into());
        return app_error(400, "api.file.upload_file.storage.app_error", "Missing channel_id.");
    };
    let files: Vec<&multipart::Part> = parts.iter().filter(|p| p.name == "files").collect();
    if files.is_empty() || files.len() > FILES_MAX || files.iter().any(|f| f.filename.is_none()) {
        violations.push(format!("POST /api/v4/files: {} `files` parts (1 to {FILES_MAX}, each named)", files.len()));
        return app_error(
            400,
            "api.file.upload_file.incorrect_number_of_files.app_error",
            "Incorrect number of files.",
        );
    }
    let infos: Vec<Value> = files
        .iter()
        .map(|f| {
            let id = format!("f{:025}", store.stamp().seq);
            let name = f.filename.clone().unwrap_or_default();
            let info = json!({"id": id, "user_id": BOT_USER_ID, "channel_id": channel, "name": name,
                   "extension": name.rsplit_once('.').map(|(_, e)| e).unwrap_or(""),
                   "size": f.data.len(), "mime_type": f.content_type.clone().unwrap_or_default()});
            store.add_file(crate::chat::File {
                id,
                channel: channel.clone(),
                name,
                media_type: f.content_type.clone(),
                data: f.data.clone(),
            });
            info
        })
        .collect();
    Answer::json(201, &json!({"file_infos": infos, "client_ids": []}))
}
