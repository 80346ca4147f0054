//! `mattermost`: the built-in Mattermost flavor.
//!
//! Two modes, chosen by which secret is set (exactly one must be):
//!
//! - **bot** (`url` + `token` + `channel_id`): REST API v4. Posts with
//!   `POST /api/v4/posts` (`root_id` for thread replies), attaches files
//!   uploaded with `POST /api/v4/files`, edits with
//!   `PUT /api/v4/posts/{id}/patch`, and reads answers and reactions
//!   ([`replies`]). A reference is `CHANNEL_ID:POST_ID`; the link is the
//!   server's permalink, `{url}/_redirect/pl/{post_id}`.
//! - **webhook** (`webhook_url`): an incoming webhook (`{"text", "props"}`).
//!   Post only: a webhook gives the post no id to read back.
//!
//! Rendering lives in [`render`], the API's requests and errors in [`api`].

use alerter_sdk::prelude::*;
use alerter_sdk::Need::*;
use alerter_sdk::{split_reference, Rejection};
use serde_json::{json, Value};

mod api;
mod render;
mod replies;

/// Files Mattermost attaches to one post.
const MAX_FILES: usize = 5;

struct Mattermost;

/// How this call reaches Mattermost.
enum Mode<'a> {
    /// A bot token: the REST API of the server at `url`.
    Bot { api: api::Api<'a>, channel: &'a str },
    /// An incoming webhook URL (a placeholder for the secret URL).
    Webhook { url: &'a str },
}

impl<'a> Mode<'a> {
    fn from(settings: &'a Settings) -> Result<Mode<'a>, FlavorError> {
        Ok(match settings.access("hrk8a4pufjb5bxn1yw3mtrq9do")? {
            Access::Bot { token, channel } => {
                let url = settings.get("url").ok_or_else(|| {
                    FlavorError::InvalidSettings(
                        "setting `url` is required with `token`: pass --set url=https://chat.example.com (the \
                         server's base URL)"
                            .into(),
                    )
                })?;
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    return Err(FlavorError::InvalidSettings(format!(
                        "setting `url` must be the server's base URL, such as https://chat.example.com, not `{url}`"
                    )));
                }
                Mode::Bot { api: api::Api::new(url, token), channel }
            }
            Access::Webhook { url } => Mode::Webhook { url },
        })
    }

    fn bot(settings: &'a Settings, what: &str) -> Result<(api::Api<'a>, &'a str), FlavorError> {
        match Mode::from(settings)? {
            Mode::Bot { api, channel } => Ok((api, channel)),
            Mode::Webhook { .. } => Err(FlavorError::Unsupported(format!(
                "webhook mode cannot {what}: use a bot `token` with `url` and `channel_id`"
            ))),
        }
    }
}

/// A `CHANNEL_ID:POST_ID` reference (or a bare `POST_ID`, in `default_channel`).
fn parse_reference<'r>(reference: &'r str, default_channel: &'r str) -> Result<(&'r str, &'r str), FlavorError> {
    split_reference(reference, Some(default_channel))
        .filter(|(c, p)| [c, p].iter().all(|s| s.chars().all(|c| c.is_ascii_alphanumeric())))
        .ok_or_else(|| {
            FlavorError::InvalidSettings(format!(
                "`{reference}` is not a Mattermost message reference: expected CHANNEL_ID:POST_ID"
            ))
        })
}

impl Flavor for Mattermost {
    fn info() -> FlavorInfo {
        FlavorInfo {
            name: "mattermost".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Posts to Mattermost as a bot (REST API v4: threads, replies, reactions, edits, files) or \
                          through an incoming webhook (post only)"
                .into(),
            settings: vec![
                setting("url", "Server base URL (https://chat.example.com); required with `token`", Optional),
                secret(
                    "token",
                    "Bot access token for bot mode (System Console > Integrations > Bot Accounts)",
                    SecretSlot::header("authorization", "Bearer {}"),
                    &["{url}"],
                ),
                setting("channel_id", "Channel ID to post to (26 characters, from View Info); with `token`", Optional),
                secret(
                    "webhook_url",
                    "Incoming webhook URL for post-only mode (instead of `token`)",
                    SecretSlot::url(),
                    &["{webhook_url}"],
                ),
            ],
            hosts: vec!["{url}".into(), "{webhook_url}".into()],
            capabilities: Capabilities::all(),
        }
    }

    /// A webhook only posts.
    fn capabilities_for(settings: &Settings) -> Capabilities {
        match settings.access("-") {
            Ok(Access::Webhook { .. }) => Capabilities::post_only(),
            _ => Self::info().capabilities,
        }
    }

    fn send(settings: &Settings, message: Message) -> Result<Sent, FlavorError> {
        let mut post = render::post(&message)?;
        match Mode::from(settings)? {
            Mode::Bot { api, channel } => {
                let (channel, root) = match message.thread.as_deref() {
                    Some(r) => {
                        let (c, p) = parse_reference(r, channel)?;
                        (c, Some(p))
                    }
                    None => (channel, None),
                };
                post.entry("channel_id").or_insert_with(|| json!(channel));
                if let Some(root) = root {
                    post.insert("root_id".into(), json!(root));
                }
                if !message.attachments.is_empty() {
                    let ids = upload(&api, channel, &message.attachments)?;
                    post.insert("file_ids".into(), json!(ids));
                }
                let posted: Value = api.send_json("POST", "/posts", &Value::Object(post))?;
                let id = posted["id"]
                    .as_str()
                    .ok_or_else(|| FlavorError::Internal("POST /api/v4/posts answered without an `id`".into()))?;
                let channel = posted["channel_id"].as_str().unwrap_or(channel);
                Ok(Sent {
                    reference: format!("{channel}:{id}"),
                    link: Some(format!("{}/_redirect/pl/{id}", api.base())),
                })
            }
            Mode::Webhook { url } => {
                if message.thread.is_some() {
                    return Err(FlavorError::Unsupported(
                        "webhook mode cannot reply in a thread: use a bot `token` with `url` and `channel_id`".into(),
                    ));
                }
                let text = post.remove("message").unwrap_or(json!(""));
                post.insert("text".into(), text);
                post_webhook(url, &Value::Object(post))?;
                Ok(Sent::default())
            }
        }
    }

    fn replies(settings: &Settings, reference: String, cursor: Option<String>) -> Result<RepliesPage, FlavorError> {
        let (api, channel) = Mode::bot(settings, "read replies")?;
        let (channel, post) = parse_reference(&reference, channel)?;
        replies::list(&api, channel, post, cursor.as_deref())
    }

    fn update(settings: &Settings, reference: String, message: Message) -> Result<(), FlavorError> {
        let (api, channel) = Mode::bot(settings, "edit messages")?;
        let (_, post) = parse_reference(&reference, channel)?;
        let mut patch = render::post(&Message { raw: None, ..message })?;
        // Without metadata the coloured fields go: an empty property bag.
        patch.entry("props").or_insert_with(|| json!({}));
        let _: Value = api.send_json("PUT", &format!("/posts/{post}/patch"), &Value::Object(patch))?;
        Ok(())
    }
}

/// Uploads the files to `channel` (`POST /api/v4/files`, multipart); their ids.
fn upload(api: &api::Api<'_>, channel: &str, files: &[alerter_sdk::Attachment]) -> Result<Vec<String>, FlavorError> {
    if files.len() > MAX_FILES {
        return Err(FlavorError::Rejected(Rejection {
            code: "too_many_files".into(),
            message: format!("Mattermost attaches at most {MAX_FILES} files to a post; {} were given", files.len()),
            status: None,
        }));
    }
    let boundary = boundary(files);
    let mut body = Vec::new();
    let mut part = |headers: String, data: &[u8]| {
        body.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n\r\n").as_bytes());
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    };
    part("content-disposition: form-data; name=\"channel_id\"".into(), channel.as_bytes());
    for f in files {
        let name = f.name.replace(['"', '\r', '\n'], "_");
        part(
            format!(
                "content-disposition: form-data; name=\"files\"; filename=\"{name}\"\r\ncontent-type: {}",
                f.media_type
            ),
            &f.data,
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let resp = api
        .request("POST", "/files")
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()?;
    let answer: Value = api::answer(resp)?.json()?;
    let ids: Vec<String> = answer["file_infos"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["id"].as_str().map(str::to_string))
        .collect();
    if ids.len() != files.len() {
        return Err(FlavorError::Internal(format!("uploaded {} files but got {} ids back", files.len(), ids.len())));
    }
    Ok(ids)
}

/// A multipart boundary that occurs in no file.
fn boundary(files: &[alerter_sdk::Attachment]) -> String {
    (0u32..)
        .map(|n| format!("alerter-mattermost-{n:08x}"))
        .find(|b| files.iter().all(|f| !f.data.windows(b.len()).any(|w| w == b.as_bytes())))
        .unwrap_or_default()
}

/// POSTs to an incoming webhook, which answers the text `ok`.
fn post_webhook(url: &str, payload: &Value) -> Result<(), FlavorError> {
    api::answer(Request::post(url).json(payload)?.send()?).map(|_| ())
}

export_flavor!(Mattermost);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(parse_reference("c1:p1", "x").unwrap(), ("c1", "p1"));
        assert_eq!(parse_reference("p1", "c2").unwrap(), ("c2", "p1"));
        assert!(parse_reference("c1:", "x").is_err());
        assert!(parse_reference("c1:../x", "x").is_err());
    }

    #[test]
    fn boundaries_avoid_the_data() {
        let file = |data: &[u8]| alerter_sdk::Attachment {
            name: "a".into(),
            media_type: "text/plain".into(),
            data: data.to_vec(),
        };
        assert_eq!(boundary(&[file(b"hello")]), "alerter-mattermost-00000000");
        assert_eq!(boundary(&[file(b"--alerter-mattermost-00000000")]), "alerter-mattermost-00000001");
    }
}
