//! Conveniences on the contract's types: constructors for secret slots,
//! and defaults for the records that grew fields in 0.2 (so a flavor
//! writes `..Default::default()` instead of every new field).

use crate::{Capabilities, HeaderSlot, Level, Message, Rejection, RepliesPage, Reply, ReplyKind, SecretSlot, Sent};

impl SecretSlot {
    /// In header `name`, whose whole value is `format` with `{}` standing for
    /// the secret: `SecretSlot::header("authorization", "Bearer {}")`.
    pub fn header(name: &str, format: &str) -> SecretSlot {
        SecretSlot::Header(HeaderSlot { name: name.to_string(), format: format.to_string() })
    }

    /// The secret is a whole URL (a webhook): a request URL must start with
    /// the placeholder, followed by nothing, `?…` or `/…`.
    pub fn url() -> SecretSlot {
        SecretSlot::Url
    }

    /// One whole path segment of this form, `{}` standing for the secret:
    /// `SecretSlot::path_segment("bot{}")`.
    pub fn path_segment(template: &str) -> SecretSlot {
        SecretSlot::PathSegment(template.to_string())
    }
}

impl Capabilities {
    /// Posts, nothing else (the default).
    pub fn post_only() -> Capabilities {
        Capabilities { post: true, ..Capabilities::default() }
    }

    /// Everything the contract offers: posts, reads replies and
    /// reactions, threads, attaches files and updates messages.
    pub fn all() -> Capabilities {
        Capabilities { post: true, read_replies: true, threads: true, attachments: true, reactions: true, update: true }
    }
}

impl Default for Capabilities {
    /// Posts; no replies, threads, attachments, reactions or updates.
    fn default() -> Self {
        Capabilities {
            post: true,
            read_replies: false,
            threads: false,
            attachments: false,
            reactions: false,
            update: false,
        }
    }
}

impl Default for Message {
    /// An empty info message.
    fn default() -> Self {
        Message {
            title: None,
            body: String::new(),
            level: Level::Info,
            metadata: Vec::new(),
            link: None,
            raw: None,
            thread: None,
            attachments: Vec::new(),
        }
    }
}

impl Message {
    /// A plain info message with just a body.
    pub fn text(body: impl Into<String>) -> Message {
        Message { body: body.into(), ..Message::default() }
    }
}

impl Default for Sent {
    /// No reference (a message the service gave no id) and no link.
    fn default() -> Self {
        Sent { reference: String::new(), link: None }
    }
}

impl Default for Reply {
    /// An empty top-level message reply from nobody; fill in what you know.
    fn default() -> Self {
        Reply {
            author_id: String::new(),
            author_name: String::new(),
            is_bot: false,
            text: String::new(),
            bot_mentions: Vec::new(),
            kind: ReplyKind::Message,
            in_thread: false,
            id: String::new(),
            posted_at_ms: None,
        }
    }
}

impl Default for RepliesPage {
    /// No replies, no cursor, no notices.
    fn default() -> Self {
        RepliesPage { replies: Vec::new(), cursor: None, notices: Vec::new() }
    }
}

impl Rejection {
    /// A rejection with the service's `code`, a `message` saying what to do,
    /// and the HTTP status when there was one.
    pub fn new(code: impl Into<String>, message: impl Into<String>, status: Option<u16>) -> Rejection {
        Rejection { code: code.into(), message: message.into(), status }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_post_only_and_empty() {
        let c = Capabilities::default();
        assert!(c.post && !c.read_replies && !c.threads && !c.attachments && !c.reactions && !c.update);
        assert_eq!(Message::text("hi").body, "hi");
        assert!(Message::default().attachments.is_empty());
        assert!(matches!(Reply::default().kind, ReplyKind::Message));
        assert!(RepliesPage::default().notices.is_empty());
        match SecretSlot::header("authorization", "Bearer {}") {
            SecretSlot::Header(h) => assert_eq!((h.name.as_str(), h.format.as_str()), ("authorization", "Bearer {}")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(SecretSlot::path_segment("bot{}"), SecretSlot::PathSegment(t) if t == "bot{}"));
    }
}
