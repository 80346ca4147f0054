//! Attachments: files sent with a message (a plot, a log). Read from disk
//! with a media type from the file's extension, capped per file and per
//! message, and left out with a note when the alerter cannot attach files.

use std::path::Path;

use crate::error::Error;
use crate::flavor::{Attachment, Message};

/// Largest attachment (10 MiB): Slack takes far more, Discord 10 MiB per
/// file for bots without boosts.
pub const MAX_ATTACHMENT_BYTES: usize = 10 << 20;

/// Largest total of a message's attachments (25 MiB).
pub const MAX_ATTACHMENTS_BYTES: usize = 25 << 20;

/// Media types by extension (lowercase). Anything else is
/// `application/octet-stream`.
const MEDIA_TYPES: &[(&str, &str)] = &[
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("svg", "image/svg+xml"),
    ("bmp", "image/bmp"),
    ("pdf", "application/pdf"),
    ("txt", "text/plain"),
    ("log", "text/plain"),
    ("out", "text/plain"),
    ("err", "text/plain"),
    ("md", "text/markdown"),
    ("csv", "text/csv"),
    ("tsv", "text/tab-separated-values"),
    ("html", "text/html"),
    ("htm", "text/html"),
    ("json", "application/json"),
    ("jsonl", "application/x-ndjson"),
    ("yaml", "application/yaml"),
    ("yml", "application/yaml"),
    ("toml", "application/toml"),
    ("xml", "application/xml"),
    ("zip", "application/zip"),
    ("gz", "application/gzip"),
    ("tgz", "application/gzip"),
    ("tar", "application/x-tar"),
    ("mp4", "video/mp4"),
    ("webm", "video/webm"),
    ("mp3", "audio/mpeg"),
    ("wav", "audio/wav"),
];

/// The media type of a file name, from its extension.
pub fn media_type(name: &str) -> &'static str {
    let ext = Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    MEDIA_TYPES.iter().find(|(e, _)| *e == ext).map_or("application/octet-stream", |(_, t)| t)
}

impl Attachment {
    /// Reads the file at `path`: named after the file, media type from its
    /// extension. Refused when over [`MAX_ATTACHMENT_BYTES`].
    pub fn from_path(path: &Path) -> Result<Attachment, Error> {
        let cannot = |reason: String| Error::CannotRead { path: path.to_path_buf(), reason };
        let meta = std::fs::metadata(path).map_err(|e| cannot(e.to_string()))?;
        if !meta.is_file() {
            return Err(cannot("not a file".into()));
        }
        let name = path.file_name().map_or_else(|| "attachment".to_string(), |n| n.to_string_lossy().into_owned());
        if meta.len() > MAX_ATTACHMENT_BYTES as u64 {
            return Err(Error::AttachmentTooLarge { name, bytes: meta.len(), cap: MAX_ATTACHMENT_BYTES as u64 });
        }
        let data = std::fs::read(path).map_err(|e| cannot(e.to_string()))?;
        Ok(Attachment { media_type: media_type(&name).to_string(), name, data })
    }

    /// An attachment from bytes in memory; the media type from `name`.
    pub fn from_bytes(name: impl Into<String>, data: Vec<u8>) -> Attachment {
        let name = name.into();
        Attachment { media_type: media_type(&name).to_string(), name, data }
    }
}

impl Message {
    /// The same message with the file at `path` attached.
    pub fn attach(mut self, path: &Path) -> Result<Message, Error> {
        self.attachments.push(Attachment::from_path(path)?);
        Ok(self)
    }
}

/// Checks the caps: each attachment at most [`MAX_ATTACHMENT_BYTES`], all
/// together at most [`MAX_ATTACHMENTS_BYTES`].
pub(crate) fn check_caps(message: &Message) -> Result<(), Error> {
    for a in &message.attachments {
        if a.data.len() > MAX_ATTACHMENT_BYTES {
            return Err(Error::AttachmentTooLarge {
                name: a.name.clone(),
                bytes: a.data.len() as u64,
                cap: MAX_ATTACHMENT_BYTES as u64,
            });
        }
    }
    let total: usize = message.attachments.iter().map(|a| a.data.len()).sum();
    if total > MAX_ATTACHMENTS_BYTES {
        return Err(Error::AttachmentsTooLarge {
            count: message.attachments.len(),
            bytes: total as u64,
            cap: MAX_ATTACHMENTS_BYTES as u64,
        });
    }
    Ok(())
}

/// The message without its attachments, the body ending with a note that
/// names them: `(not attached: a.png, b.log — this alerter cannot attach
/// files)`.
pub(crate) fn without_attachments(message: &Message, why: &str) -> Message {
    let mut m = message.clone();
    let names: Vec<String> = m.attachments.drain(..).map(|a| a.name).collect();
    m.body = with_note(&m.body, &format!("(not attached: {} — {why})", names.join(", ")));
    m
}

/// `body` with `note` on a line of its own at the end.
pub(crate) fn with_note(body: &str, note: &str) -> String {
    if body.trim().is_empty() {
        note.to_string()
    } else {
        format!("{}\n\n{note}", body.trim_end())
    }
}

/// A byte count for people: `512 B`, `12.3 KiB`, `10.0 MiB`.
pub(crate) fn bytes(n: u64) -> String {
    if n < 1024 {
        return format!("{n} B");
    }
    let kib = n as f64 / 1024.0;
    if kib < 1024.0 {
        format!("{kib:.1} KiB")
    } else {
        format!("{:.1} MiB", kib / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_come_from_the_extension() {
        assert_eq!(media_type("loss.png"), "image/png");
        assert_eq!(media_type("LOSS.PNG"), "image/png");
        assert_eq!(media_type("train.log"), "text/plain");
        assert_eq!(media_type("metrics.csv"), "text/csv");
        assert_eq!(media_type("model.bin"), "application/octet-stream");
        assert_eq!(media_type("Makefile"), "application/octet-stream");
    }

    #[test]
    fn caps_name_the_file_and_the_cap() {
        let mut m = Message::text("x");
        m.attachments.push(Attachment::from_bytes("big.bin", vec![0; MAX_ATTACHMENT_BYTES + 1]));
        assert_eq!(
            check_caps(&m).unwrap_err().to_string(),
            "attachment big.bin is 10.0 MiB (10485761 bytes), over the cap of 10.0 MiB per file"
        );
        let mut m = Message::text("x");
        for i in 0..3 {
            m.attachments.push(Attachment::from_bytes(format!("{i}.bin"), vec![0; 9 << 20]));
        }
        assert_eq!(
            check_caps(&m).unwrap_err().to_string(),
            "3 attachments are 27.0 MiB together, over the cap of 25.0 MiB per message"
        );
        m.attachments.pop();
        assert!(check_caps(&m).is_ok());
    }

    #[test]
    fn left_out_attachments_are_named_in_a_note() {
        let mut m = Message::text("Training failed.\n");
        m.attachments.push(Attachment::from_bytes("a.png", vec![1]));
        m.attachments.push(Attachment::from_bytes("b.log", vec![2]));
        let out = without_attachments(&m, "this alerter cannot attach files");
        assert!(out.attachments.is_empty());
        assert_eq!(out.body, "Training failed.\n\n(not attached: a.png, b.log — this alerter cannot attach files)");
    }
}
