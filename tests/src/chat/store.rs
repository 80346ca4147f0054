//! Channels, messages and webhooks of a stand-in, with ids that only grow.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

/// Who posted a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// User id (empty for posts without a user, such as Slack webhooks).
    pub id: String,
    /// Display name.
    pub name: String,
    /// A bot account.
    pub bot: bool,
}

impl Author {
    /// A person.
    pub fn human(id: &str, name: &str) -> Author {
        Author { id: id.into(), name: name.into(), bot: false }
    }

    /// A bot.
    pub fn bot(id: &str, name: &str) -> Author {
        Author { id: id.into(), name: name.into(), bot: true }
    }
}

/// When something was created: both numbers only ever grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp {
    /// Position in the store (1, 2, 3, ...).
    pub seq: u64,
    /// Unix time in microseconds, strictly later than every earlier stamp.
    pub at_us: u64,
}

/// One message.
#[derive(Debug, Clone)]
pub struct Message {
    /// Its id, as the service names it.
    pub id: String,
    /// When it was posted.
    pub stamp: Stamp,
    /// The channel it is in.
    pub channel: String,
    /// Who posted it.
    pub author: Author,
    /// Its text.
    pub text: String,
    /// The id of the message whose thread it is in (threads inside a channel,
    /// as on Slack); `None` at top level.
    pub thread: Option<String>,
    /// What else the service keeps (blocks, embeds, a subtype, the request).
    pub extra: Map<String, Value>,
}

impl Message {
    /// At top level: not in a thread, or the thread's own first message.
    pub fn top_level(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| *t == self.id)
    }

    /// `extra[key]` as text.
    pub fn extra_str(&self, key: &str) -> Option<&str> {
        self.extra.get(key).and_then(Value::as_str)
    }
}

/// A channel.
#[derive(Debug, Clone)]
pub struct Channel {
    /// Its id.
    pub id: String,
    /// The bot is in it (may read and post).
    pub bot_member: bool,
    /// For a thread that is a channel of its own: the channel it belongs to.
    pub parent: Option<String>,
}

impl Channel {
    /// A channel the bot is in.
    pub fn with_bot(id: &str) -> Channel {
        Channel { id: id.into(), bot_member: true, parent: None }
    }
}

/// An incoming webhook: posting to it with its token posts to its channel.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// Its id (part of its URL).
    pub id: String,
    /// Its secret token (part of its URL).
    pub token: String,
    /// Where it posts.
    pub channel: String,
}

/// A file uploaded to the service (to attach to a message).
#[derive(Debug, Clone)]
pub struct File {
    /// Its id, as the service names it.
    pub id: String,
    /// The channel it was uploaded to.
    pub channel: String,
    /// Its file name.
    pub name: String,
    /// Its media type, when the upload gave one.
    pub media_type: Option<String>,
    /// The content.
    pub data: Vec<u8>,
}

/// The state of a chat service.
pub struct Store {
    channels: BTreeMap<String, Channel>,
    messages: Vec<Message>,
    webhooks: Vec<Webhook>,
    files: Vec<File>,
    last: Stamp,
    message_id: fn(Stamp) -> String,
    tick_us: u64,
}

impl Store {
    /// An empty store; `message_id` makes a message's id from its stamp.
    pub fn new(message_id: fn(Stamp) -> String) -> Store {
        Store {
            channels: BTreeMap::new(),
            messages: Vec::new(),
            webhooks: Vec::new(),
            files: Vec::new(),
            last: Stamp { seq: 0, at_us: 0 },
            message_id,
            tick_us: 1,
        }
    }

    /// Stamps at least `us` microseconds apart, for a service whose times
    /// have a coarser resolution (Mattermost's milliseconds) but must still
    /// tell every two messages apart.
    pub fn with_tick_us(mut self, us: u64) -> Store {
        self.tick_us = us.max(1);
        self
    }

    /// A new stamp, after every earlier one.
    pub fn stamp(&mut self) -> Stamp {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0);
        let at_us = if self.last.seq == 0 { now } else { now.max(self.last.at_us + self.tick_us) };
        self.last = Stamp { seq: self.last.seq + 1, at_us: at_us - at_us % self.tick_us };
        self.last
    }

    /// Adds (or replaces) a channel.
    pub fn add_channel(&mut self, channel: Channel) {
        self.channels.insert(channel.id.clone(), channel);
    }

    /// The channel `id`.
    pub fn channel(&self, id: &str) -> Option<&Channel> {
        self.channels.get(id)
    }

    /// Adds a webhook.
    pub fn add_webhook(&mut self, webhook: Webhook) {
        self.webhooks.push(webhook);
    }

    /// The webhook `id`.
    pub fn webhook(&self, id: &str) -> Option<&Webhook> {
        self.webhooks.iter().find(|w| w.id == id)
    }

    /// Keeps an uploaded file.
    pub fn add_file(&mut self, file: File) {
        self.files.push(file);
    }

    /// The uploaded file `id`.
    pub fn file(&self, id: &str) -> Option<&File> {
        self.files.iter().find(|f| f.id == id)
    }

    /// Posts a message; returns it as stored.
    pub fn post(
        &mut self,
        channel: &str,
        author: &Author,
        text: &str,
        thread: Option<&str>,
        extra: Map<String, Value>,
    ) -> &Message {
        let stamp = self.stamp();
        self.messages.push(Message {
            id: (self.message_id)(stamp),
            stamp,
            channel: channel.to_string(),
            author: author.clone(),
            text: text.to_string(),
            thread: thread.map(str::to_string),
            extra,
        });
        self.messages.last().expect("just pushed")
    }

    /// The messages of `channel`, oldest first.
    pub fn messages<'a>(&'a self, channel: &str) -> impl Iterator<Item = &'a Message> + 'a {
        let channel = channel.to_string();
        self.messages.iter().filter(move |m| m.channel == channel)
    }

    /// Every message, oldest first.
    pub fn all_messages(&self) -> &[Message] {
        &self.messages
    }

    /// The message `id` in `channel`.
    pub fn find(&self, channel: &str, id: &str) -> Option<&Message> {
        self.messages(channel).find(|m| m.id == id)
    }

    /// The message `id`, in any channel, to change.
    pub fn find_mut(&mut self, id: &str) -> Option<&mut Message> {
        self.messages.iter_mut().find(|m| m.id == id)
    }

    /// The replies in the thread of `root` in `channel`, oldest first.
    pub fn thread<'a>(&'a self, channel: &str, root: &str) -> impl Iterator<Item = &'a Message> + 'a {
        let root = root.to_string();
        self.messages(channel).filter(move |m| m.thread.as_deref() == Some(root.as_str()) && m.id != root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_and_ids_only_grow() {
        let mut s = Store::new(|st| st.seq.to_string());
        s.add_channel(Channel::with_bot("c"));
        let ann = Author::human("u1", "ann");
        let a = s.post("c", &ann, "one", None, Map::new()).stamp;
        let b = s.post("c", &ann, "two", Some("1"), Map::new()).stamp;
        assert!(a < b && a.at_us < b.at_us);
        assert_eq!(s.thread("c", "1").map(|m| m.text.as_str()).collect::<Vec<_>>(), ["two"]);
        assert!(s.find("c", "1").is_some_and(Message::top_level));
    }
}
