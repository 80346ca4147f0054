//! Secrets: references, the owner-only secret store, and the placeholders a
//! flavor sees instead of plaintext.
//!
//! A secret setting's value is a literal or a reference `{{name.key}}`. A
//! reference resolves from the environment variable
//! `ALERTER_SECRET_<NAME>_<KEY>` first (handy in CI), then from the store
//! (`secrets.toml` in the state dir, mode 0600). The flavor receives a
//! placeholder; the host swaps in the real value in outgoing URLs and
//! headers, swaps it back out of responses, and redacts it from logs and
//! errors.

use std::collections::BTreeMap;

use crate::error::Error;

/// Secrets on disk: `name -> key -> value`.
pub type SecretMap = BTreeMap<String, BTreeMap<String, String>>;

/// A parsed `{{name.key}}` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    /// Secret name (a group, e.g. `ci`).
    pub name: String,
    /// Key within it (e.g. `slack_token`).
    pub key: String,
}

impl SecretRef {
    /// Parses `{{name.key}}`; `None` when the text is not a reference.
    pub fn parse(text: &str) -> Option<SecretRef> {
        let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
        let (name, key) = inner.split_once('.')?;
        (valid_ident(name) && valid_ident(key)).then(|| SecretRef { name: name.to_string(), key: key.to_string() })
    }

    /// The environment variable that can hold it: `ALERTER_SECRET_<NAME>_<KEY>`.
    pub fn env_var(&self) -> String {
        let up = |s: &str| {
            s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect::<String>()
        };
        format!("ALERTER_SECRET_{}_{}", up(&self.name), up(&self.key))
    }

    /// Looks the reference up: environment first, then the store.
    pub fn resolve(&self, store: &SecretMap) -> Result<String, Error> {
        if let Ok(v) = std::env::var(self.env_var()) {
            if !v.is_empty() {
                return Ok(v);
            }
        }
        store
            .get(&self.name)
            .and_then(|m| m.get(&self.key))
            .cloned()
            .ok_or_else(|| Error::SecretNotSet { reference: self.clone(), env_var: self.env_var() })
    }
}

impl std::fmt::Display for SecretRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{{{{{}.{}}}}}", self.name, self.key)
    }
}

/// Names and keys: letters, digits, `_` and `-`.
pub(crate) fn valid_ident(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The secrets of one call: each real value with the placeholder the flavor
/// sees instead.
#[derive(Debug, Clone, Default)]
pub struct SecretSet {
    entries: Vec<(String, String)>,
    nonce: String,
}

/// Shown in place of a secret in logs, errors and `describe`.
pub const REDACTED: &str = "****";

impl SecretSet {
    /// An empty set with a fresh random nonce, so text from outside (a
    /// message, a response) cannot forge a placeholder.
    pub fn new() -> Self {
        let nonce: u64 = rand::random();
        SecretSet { entries: Vec::new(), nonce: format!("{nonce:016x}") }
    }

    /// Registers `value` for setting `key`; returns the placeholder to hand
    /// to the flavor.
    pub fn add(&mut self, key: &str, value: String) -> String {
        let placeholder =
            format!("alerter-secret-{}-{}", self.nonce, key.replace(|c: char| !c.is_ascii_alphanumeric(), "_"));
        self.entries.push((placeholder.clone(), value));
        // Longest values first, so a secret containing another is redacted whole.
        self.entries.sort_by_key(|e| std::cmp::Reverse(e.1.len()));
        placeholder
    }

    /// True when no secrets are held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Replaces placeholders with real values (outgoing URL and headers).
    pub fn substitute(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (ph, value) in &self.entries {
            if out.contains(ph.as_str()) {
                out = out.replace(ph.as_str(), value);
            }
        }
        out
    }

    /// Replaces real values with their placeholders (responses going back to
    /// the flavor).
    pub fn mask(&self, text: &str) -> String {
        self.replace_values(text, |ph| ph.to_string())
    }

    /// Replaces real values and placeholders with `****` (logs and errors).
    pub fn redact(&self, text: &str) -> String {
        let mut out = self.replace_values(text, |_| REDACTED.to_string());
        for (ph, _) in &self.entries {
            if out.contains(ph.as_str()) {
                out = out.replace(ph.as_str(), REDACTED);
            }
        }
        out
    }

    /// [`SecretSet::mask`] for bytes; leaves non-UTF-8 bodies as they are
    /// unless a secret occurs in them byte-for-byte.
    pub fn mask_bytes(&self, bytes: Vec<u8>) -> Vec<u8> {
        if self.entries.iter().all(|(_, v)| v.is_empty() || !contains(&bytes, v.as_bytes())) {
            return bytes;
        }
        let mut out = bytes;
        for (ph, value) in &self.entries {
            if value.is_empty() {
                continue;
            }
            out = replace_bytes(&out, value.as_bytes(), ph.as_bytes());
        }
        out
    }

    fn replace_values(&self, text: &str, with: impl Fn(&str) -> String) -> String {
        let mut out = text.to_string();
        for (ph, value) in &self.entries {
            if !value.is_empty() && out.contains(value.as_str()) {
                out = out.replace(value.as_str(), &with(ph));
            }
        }
        out
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

fn replace_bytes(hay: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        assert_eq!(
            SecretRef::parse("{{ci.slack_token}}"),
            Some(SecretRef { name: "ci".into(), key: "slack_token".into() })
        );
        assert_eq!(SecretRef::parse(" {{ ci.tok }} ").map(|r| r.to_string()), Some("{{ci.tok}}".into()));
        assert_eq!(SecretRef::parse("xoxb-123"), None);
        assert_eq!(SecretRef::parse("{{nodot}}"), None);
        assert_eq!(SecretRef { name: "my-ci".into(), key: "tok".into() }.env_var(), "ALERTER_SECRET_MY_CI_TOK");
    }

    #[test]
    fn substitutes_masks_and_redacts() {
        let mut s = SecretSet::new();
        let ph = s.add("token", "xoxb-SECRET".into());
        assert_eq!(s.substitute(&format!("Bearer {ph}")), "Bearer xoxb-SECRET");
        assert_eq!(s.mask("echo xoxb-SECRET"), format!("echo {ph}"));
        assert_eq!(s.redact(&format!("xoxb-SECRET and {ph}")), "**** and ****");
        assert_eq!(s.mask_bytes(b"a xoxb-SECRET b".to_vec()), format!("a {ph} b").into_bytes());
    }
}
