//! Secrets: references, the placeholders a flavor sees instead of values,
//! the secrets of one alerter bound to their slots and origins
//! ([`SecretSet`]), and the one [`Redactor`] every text leaving the host
//! goes through.
//!
//! A secret setting's value, as the user gave it, is a literal or a
//! reference `{{name.key}}`. A reference resolves from the environment
//! variable `ALERTER_SECRET_<NAME>_<KEY>` first (handy in CI), then from the
//! store (`secrets.toml` in the state dir, mode 0600). Only values the user
//! gave this alerter are resolved: a flavor's default never is.
//!
//! The flavor receives a random placeholder (`[A-Za-z0-9_-]` only, fresh for
//! every alerter resolved) and may write it only where the setting's
//! [`SecretSlot`] says (see `slots.rs`). Responses come back with the value
//! masked in every form a service may echo it in, and every text that
//! leaves the host (errors, log lines, references, links, ask outcomes,
//! captured output) is redacted and stripped of control characters.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, Input, MatchKind, StartKind};
use base64::Engine as _;

use crate::egress::Origin;
use crate::error::Error;
use crate::flavor::SecretSlot;

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
        format!("{SECRET_ENV_PREFIX}{}_{}", up(&self.name), up(&self.key))
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

/// The prefix of the environment variables that hold secrets.
pub const SECRET_ENV_PREFIX: &str = "ALERTER_SECRET_";

/// Whether `text` looks like a secret reference (has `{{` … `}}`): what a
/// flavor's default may never be.
pub fn looks_like_reference(text: &str) -> bool {
    text.find("{{").is_some_and(|at| text[at..].contains("}}"))
}

/// Names and keys: letters, digits, `_` and `-`.
pub(crate) fn valid_ident(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The values of every `ALERTER_SECRET_*` environment variable (at least
/// [`MIN_MASKED_LEN`] long): masked out of messages and removed from the
/// environment of `alerter run`'s command.
pub fn env_secret_values() -> Vec<String> {
    std::env::vars_os()
        .filter(|(k, _)| k.as_encoded_bytes().starts_with(SECRET_ENV_PREFIX.as_bytes()))
        .filter_map(|(_, v)| v.into_string().ok())
        .filter(|v| v.len() >= MIN_MASKED_LEN)
        .collect()
}

/// One secret of an alerter: the value, the placeholder the flavor holds
/// instead, where the value may go and towards which origins.
#[derive(Debug, Clone)]
pub struct SecretEntry {
    /// The setting it is the value of.
    pub setting: String,
    /// What the flavor holds instead.
    pub placeholder: String,
    /// The value.
    pub(crate) value: String,
    /// Where in a request it may go.
    pub slot: SecretSlot,
    /// The origins it may be sent to (the spec's, resolved against the
    /// settings).
    pub origins: Vec<Origin>,
}

impl SecretEntry {
    /// `{{secret:token}}`: how the placeholder is shown in texts about a
    /// request.
    pub fn shown(&self) -> String {
        format!("{{{{secret:{}}}}}", self.setting)
    }

    /// The rule, for errors: ``secret `token` may only go in header
    /// `authorization` as `Bearer {}` towards https://slack.com``.
    pub fn rule(&self) -> String {
        let slot = match &self.slot {
            SecretSlot::Header(h) => format!("in header `{}` as `{}`", h.name.to_ascii_lowercase(), h.format),
            SecretSlot::Url => "as the whole URL (optionally followed by `/…` or `?…`)".to_string(),
            SecretSlot::PathSegment(t) => format!("as a whole URL path segment `{t}`"),
        };
        let towards = if self.origins.is_empty() {
            "no origin".to_string()
        } else {
            self.origins.iter().map(Origin::to_string).collect::<Vec<_>>().join(", ")
        };
        format!("secret `{}` may only go {slot} towards {towards}", self.setting)
    }
}

/// The secrets of one alerter, each bound to its slot and origins.
#[derive(Debug, Clone, Default)]
pub struct SecretSet {
    entries: Vec<SecretEntry>,
}

/// Shown in place of a secret in logs, errors and `describe`.
pub const REDACTED: &str = "****";

/// Values shorter than this are not masked at all (they would mask
/// ordinary text); derived forms shorter than [`MIN_DERIVED_LEN`] neither.
pub const MIN_MASKED_LEN: usize = 3;
/// Shortest derived form (encoding) of a secret that is masked.
pub const MIN_DERIVED_LEN: usize = 8;
/// A run of this many consecutive characters of a secret is masked wherever
/// it appears (catches a secret split in parts).
pub const SECRET_RUN_LEN: usize = 12;
/// A path segment or query value of a URL secret at least this long is
/// masked on its own (a webhook's id and token, answered separately).
pub const URL_PART_LEN: usize = 8;

impl SecretSet {
    /// An empty set.
    pub fn new() -> Self {
        SecretSet::default()
    }

    /// Binds `value` of `setting` to `slot` and `origins`; returns the
    /// placeholder to hand to the flavor: random, unguessable, made of
    /// `[A-Za-z0-9_-]`.
    pub fn bind(&mut self, setting: &str, value: String, slot: SecretSlot, origins: Vec<Origin>) -> String {
        let placeholder = format!("alerter-secret-{:032x}", rand::random::<u128>());
        self.entries.push(SecretEntry {
            setting: setting.to_string(),
            placeholder: placeholder.clone(),
            value,
            slot,
            origins,
        });
        placeholder
    }

    /// The entries.
    pub fn entries(&self) -> &[SecretEntry] {
        &self.entries
    }

    /// True when no secrets are held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The redactor for these secrets and `extra` values (masked like
    /// secrets, without a placeholder: `ALERTER_SECRET_*` values).
    pub fn redactor(&self, extra: &[String]) -> Redactor {
        Redactor::new(&self.entries, extra)
    }
}

/// What a pattern of the [`Redactor`] stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A secret's exact value (entry index; `None` for an extra value).
    Value(Option<usize>),
    /// An encoding or part of a secret.
    Derived,
    /// [`PLACEHOLDER_PREFIX`]: maybe one of the alerter's placeholders.
    Placeholder,
}

/// How [`Redactor`] replaces what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Responses to the flavor: exact values become their placeholder,
    /// anything derived `****`; placeholders stay.
    Mask,
    /// Text for people: values, derived forms and placeholders all `****`.
    Redact,
    /// Texts about a request: placeholders shown as `{{secret:NAME}}`,
    /// values and derived forms `****`.
    Show,
}

/// How every placeholder starts (then 32 hex digits).
const PLACEHOLDER_PREFIX: &str = "alerter-secret-";
/// Hex digits after the prefix.
const PLACEHOLDER_HEX: usize = 32;

/// Masked bytes of a text, as text. Patterns are whole UTF-8 strings or
/// ASCII, but a run may cut a multi-byte character of the secret: stay
/// valid UTF-8 regardless.
fn into_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// What a flavor sent in one call, as it wrote it (placeholders, not
/// values), lowercased: the URLs, headers and bodies of its requests, up to
/// [`SentLog::CAP`] bytes. Shared by the call's requests.
#[derive(Debug, Clone, Default)]
pub(crate) struct SentLog(Arc<Mutex<Vec<u8>>>);

impl SentLog {
    /// Bytes kept per call; a flavor sending more than this has the rest
    /// of its call's responses masked as if it had sent nothing.
    pub(crate) const CAP: usize = 16 << 20;

    /// Adds what one request carries.
    pub(crate) fn record(&self, parts: &[&[u8]]) {
        let mut log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for part in parts {
            let room = Self::CAP.saturating_sub(log.len());
            log.extend(part.iter().take(room).map(u8::to_ascii_lowercase));
            log.push(b'\n');
        }
    }

    /// Whether `run` (any case) is in what was sent.
    fn contains(&self, run: &[u8]) -> bool {
        let run = run.to_ascii_lowercase();
        let log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        !run.is_empty() && log.windows(run.len()).any(|w| w == run.as_slice())
    }
}

/// Finds secrets in text and bytes, in every form a service or a flavor may
/// turn them into, and replaces them. One per alerter; everything that
/// leaves the host goes through it.
///
/// Forms of each value: exact, lowercase, uppercase, percent-encoded (only
/// what needs it, and every byte; both hex cases), JSON-escaped (`\/`, and
/// every character `\uXXXX`), base64 and base64url at the three alignments
/// (the characters that depend on neighbouring bytes trimmed), reversed,
/// hex (both cases); any run of [`SECRET_RUN_LEN`] consecutive characters
/// of it in any case (a secret split in parts); and for a URL secret each
/// path segment or query value of at least [`URL_PART_LEN`] characters
/// that looks like an id or a token.
///
/// The automata that find them depend only on the values, so alerters with
/// the same secrets share them (a process holding thousands of alerters
/// builds them once); the placeholders, random per alerter, are checked
/// where the shared automaton finds [`PLACEHOLDER_PREFIX`].
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    placeholders: Vec<(String, String)>,
    shared: Option<Arc<Automata>>,
}

/// The automata of one set of secret values.
#[derive(Debug)]
struct Automata {
    /// Values, derived forms and the placeholder prefix, leftmost-longest.
    main: AhoCorasick,
    kinds: Vec<Kind>,
    /// The same without the placeholder prefix, for what starts where a
    /// prefix turned out not to be a placeholder of this alerter.
    values: Option<(AhoCorasick, Vec<Kind>)>,
    /// Runs of [`SECRET_RUN_LEN`] characters, any case.
    runs: Option<AhoCorasick>,
    /// For each pattern of `runs`: the origins the secrets it is a run of
    /// are sent to (none for a value that is never sent).
    run_origins: Vec<Vec<Origin>>,
}

/// The value sets' automata in use, by a keyed hash of what they were built
/// from (so the map never holds a secret, not even after its alerters are
/// gone).
type AutomataCache = Mutex<HashMap<[u8; 32], Weak<Automata>>>;

/// One value the automata find: its entry index (`None` for an extra
/// value), the value, whether it is a URL secret, the origins it is sent to.
type Values = (Option<usize>, String, bool, Vec<Origin>);

fn automata_cache() -> &'static AutomataCache {
    static CACHE: OnceLock<AutomataCache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The cache key of a value set: BLAKE3 keyed with a random key of this
/// process, over an unambiguous encoding (lengths before contents).
fn values_key(values: &[Values]) -> [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    let mut h = blake3::Hasher::new_keyed(KEY.get_or_init(rand::random));
    let mut field = |bytes: &[u8]| {
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    for (index, value, is_url, origins) in values {
        field(&index.map_or(u64::MAX, |i| i as u64).to_le_bytes());
        field(value.as_bytes());
        field(&[u8::from(*is_url)]);
        field(&(origins.len() as u64).to_le_bytes());
        for o in origins {
            field(o.to_string().as_bytes());
        }
    }
    *h.finalize().as_bytes()
}

impl Automata {
    /// The automata for `values` (entry index or `None` for an extra value,
    /// the value, whether it is a URL secret): shared while in use.
    fn for_values(values: Vec<Values>) -> Option<Arc<Automata>> {
        let key = values_key(&values);
        let mut cache = automata_cache().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(a) = cache.get(&key).and_then(Weak::upgrade) {
            return Some(a);
        }
        let built = Arc::new(Automata::build(&values)?);
        cache.retain(|_, w| w.strong_count() > 0);
        cache.insert(key, Arc::downgrade(&built));
        Some(built)
    }

    fn build(values: &[Values]) -> Option<Automata> {
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut kinds: Vec<Kind> = Vec::new();
        let mut runs: BTreeMap<Vec<u8>, Vec<Origin>> = BTreeMap::new();
        let add = |pattern: Vec<u8>, kind: Kind, patterns: &mut Vec<Vec<u8>>, kinds: &mut Vec<Kind>| {
            let long_enough = match kind {
                Kind::Derived => pattern.len() >= MIN_DERIVED_LEN,
                _ => pattern.len() >= MIN_MASKED_LEN,
            };
            if long_enough && !patterns.contains(&pattern) {
                patterns.push(pattern);
                kinds.push(kind);
            }
        };
        for (index, value, is_url, origins) in values {
            let (index, value, is_url, origins) = (*index, value.as_str(), *is_url, origins.as_slice());
            add(value.as_bytes().to_vec(), Kind::Value(index), &mut patterns, &mut kinds);
            if value.len() < MIN_MASKED_LEN {
                continue;
            }
            for form in derived_forms(value) {
                add(form, Kind::Derived, &mut patterns, &mut kinds);
            }
            if is_url {
                for part in url_parts(value) {
                    add(part.into_bytes(), Kind::Derived, &mut patterns, &mut kinds);
                }
            }
            // For a URL secret only what follows the origin is secret (the
            // origin is shown in grants and denials).
            let secret_part = if is_url { after_origin(value) } else { value };
            let chars: Vec<char> = secret_part.chars().collect();
            if chars.len() > SECRET_RUN_LEN {
                // In a URL an all-digit run is part of an id (a Discord
                // webhook's snowflake): ids made at about the same time share
                // long prefixes, so such runs would mask other ids. The id
                // itself is masked whole (see `url_parts`).
                for w in chars.windows(SECRET_RUN_LEN).filter(|w| !is_url || !w.iter().all(char::is_ascii_digit)) {
                    let run: String = w.iter().collect();
                    let to = runs.entry(run.to_ascii_lowercase().into_bytes()).or_default();
                    to.extend(origins.iter().filter(|o| !to.contains(o)).cloned().collect::<Vec<_>>());
                }
            }
        }
        let leftmost = |p: &[Vec<u8>]| {
            AhoCorasickBuilder::new().match_kind(MatchKind::LeftmostLongest).start_kind(StartKind::Both).build(p).ok()
        };
        let values = (!patterns.is_empty()).then(|| leftmost(&patterns).map(|ac| (ac, kinds.clone()))).flatten();
        // (A secret that is the prefix itself stays a value: masked.)
        add(PLACEHOLDER_PREFIX.as_bytes().to_vec(), Kind::Placeholder, &mut patterns, &mut kinds);
        let (runs, run_origins): (Vec<Vec<u8>>, Vec<Vec<Origin>>) = runs.into_iter().unzip();
        let runs = (!runs.is_empty())
            .then(|| AhoCorasickBuilder::new().ascii_case_insensitive(true).build(&runs).ok())
            .flatten();
        Some(Automata { main: leftmost(&patterns)?, kinds, values, runs, run_origins })
    }
}

impl Redactor {
    fn new(entries: &[SecretEntry], extra: &[String]) -> Redactor {
        let values: Vec<Values> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (Some(i), e.value.clone(), matches!(e.slot, SecretSlot::Url), e.origins.clone()))
            .chain(extra.iter().map(|v| (None, v.clone(), false, Vec::new())))
            .collect();
        let shared = if values.is_empty() { None } else { Automata::for_values(values) };
        Redactor { placeholders: entries.iter().map(|e| (e.placeholder.clone(), e.shown())).collect(), shared }
    }

    /// True when there is nothing to find.
    pub fn is_empty(&self) -> bool {
        self.shared.is_none()
    }

    /// The index of this alerter's placeholder at the start of `bytes`.
    fn placeholder_at(&self, bytes: &[u8]) -> Option<usize> {
        let len = PLACEHOLDER_PREFIX.len() + PLACEHOLDER_HEX;
        let candidate = bytes.get(..len)?;
        self.placeholders.iter().position(|(p, _)| p.as_bytes() == candidate)
    }

    fn replace(&self, bytes: &[u8], mode: Mode) -> Vec<u8> {
        let out = self.replace_values(bytes, mode);
        self.mask_runs(out, |_, _| true)
    }

    /// Every exact value, derived form and placeholder replaced (not yet
    /// the runs).
    fn replace_values(&self, bytes: &[u8], mode: Mode) -> Vec<u8> {
        let Some(a) = &self.shared else { return bytes.to_vec() };
        let mut out = Vec::with_capacity(bytes.len());
        let mut last = 0;
        let mut at = 0;
        while at < bytes.len() {
            let Some(m) = a.main.find(Input::new(bytes).range(at..)) else { break };
            let (start, mut end) = (m.start(), m.end());
            let mut kind = a.kinds[m.pattern().as_usize()];
            if kind == Kind::Placeholder {
                match self.placeholder_at(&bytes[start..]) {
                    Some(i) => end = start + self.placeholders[i].0.len(),
                    None => {
                        // Not ours: whatever value starts here, else go on.
                        let found = a.values.as_ref().and_then(|(ac, kinds)| {
                            let input = Input::new(bytes).range(start..).anchored(Anchored::Yes);
                            ac.find(input).map(|v| (v.end(), kinds[v.pattern().as_usize()]))
                        });
                        match found {
                            Some((e, k)) => (end, kind) = (e, k),
                            None => {
                                at = start + 1;
                                continue;
                            }
                        }
                    }
                }
            }
            out.extend_from_slice(&bytes[last..start]);
            match (mode, kind) {
                (Mode::Mask, Kind::Value(Some(i))) => out.extend_from_slice(self.placeholders[i].0.as_bytes()),
                (Mode::Mask, Kind::Placeholder) => out.extend_from_slice(&bytes[start..end]),
                (Mode::Show, Kind::Placeholder) => {
                    let i = self.placeholder_at(&bytes[start..]).unwrap_or(0);
                    out.extend_from_slice(self.placeholders[i].1.as_bytes());
                }
                _ => out.extend_from_slice(REDACTED.as_bytes()),
            }
            last = end;
            at = end.max(at + 1);
        }
        out.extend_from_slice(&bytes[last..]);
        out
    }

    /// Replaces every run of [`SECRET_RUN_LEN`] characters of a secret (any
    /// case) for which `counts(pattern, run)` holds with `****`, overlapping
    /// runs merged.
    fn mask_runs(&self, bytes: Vec<u8>, counts: impl Fn(usize, &[u8]) -> bool) -> Vec<u8> {
        let Some(ac) = self.shared.as_ref().and_then(|a| a.runs.as_ref()) else { return bytes };
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for m in ac.find_overlapping_iter(&bytes) {
            if !counts(m.pattern().as_usize(), &bytes[m.start()..m.end()]) {
                continue;
            }
            match spans.last_mut() {
                Some(last) if m.start() <= last.1 => last.1 = last.1.max(m.end()),
                _ => spans.push((m.start(), m.end())),
            }
        }
        if spans.is_empty() {
            return bytes;
        }
        let mut out = Vec::with_capacity(bytes.len());
        let mut last = 0;
        for (start, end) in spans {
            out.extend_from_slice(&bytes[last..start]);
            out.extend_from_slice(REDACTED.as_bytes());
            last = end;
        }
        out.extend_from_slice(&bytes[last..]);
        out
    }

    fn replace_text(&self, text: &str, mode: Mode) -> String {
        if self.shared.is_none() {
            return text.to_string();
        }
        into_text(self.replace(text.as_bytes(), mode))
    }

    /// A response for the flavor: each exact value becomes its placeholder,
    /// every derived form `****`.
    pub fn mask_bytes(&self, bytes: Vec<u8>) -> Vec<u8> {
        if self.shared.is_none() {
            return bytes;
        }
        self.replace(&bytes, Mode::Mask)
    }

    /// [`Redactor::mask`] for text (a response header).
    pub fn mask(&self, text: &str) -> String {
        self.replace_text(text, Mode::Mask)
    }

    /// A response from `origin` for the flavor. Exact values and derived
    /// forms are replaced as by [`Redactor::mask_bytes`]. A run of a secret
    /// (a secret split in parts) is masked only when it comes from an
    /// origin the secret is sent to, and the flavor did not send that run
    /// itself in this call (`sent`: the call's requests as the flavor wrote
    /// them, lowercased): otherwise a flavor that sends guesses to a
    /// service echoing them would learn, from which come back masked,
    /// whether a guess continues a secret (an oracle).
    pub(crate) fn mask_response(&self, bytes: Vec<u8>, origin: &Origin, sent: &SentLog) -> Vec<u8> {
        if self.shared.is_none() {
            return bytes;
        }
        let out = self.replace_values(&bytes, Mode::Mask);
        self.mask_runs(out, |pattern, run| {
            self.shared.as_ref().and_then(|a| a.run_origins.get(pattern)).is_some_and(|o| o.contains(origin))
                && !sent.contains(run)
        })
    }

    /// [`Redactor::mask_response`] for text (a response header).
    pub(crate) fn mask_response_text(&self, text: &str, origin: &Origin, sent: &SentLog) -> String {
        if self.shared.is_none() {
            return text.to_string();
        }
        into_text(self.mask_response(text.as_bytes().to_vec(), origin, sent))
    }

    /// Text for people: every value, derived form and placeholder `****`.
    pub fn redact(&self, text: &str) -> String {
        self.replace_text(text, Mode::Redact)
    }

    /// [`Redactor::redact`] for bytes (an attachment).
    pub fn redact_bytes(&self, bytes: Vec<u8>) -> Vec<u8> {
        if self.shared.is_none() {
            return bytes;
        }
        self.replace(&bytes, Mode::Redact)
    }

    /// Text about a request the flavor wrote: placeholders as
    /// `{{secret:NAME}}`, any value or derived form `****`.
    pub fn show(&self, text: &str) -> String {
        strip_controls(&self.replace_text(text, Mode::Show), true)
    }

    /// [`Redactor::redact`], then control characters removed: one line when
    /// `one_line`, else `\n` kept (a block meant to be multi-line).
    pub fn clean(&self, text: &str, one_line: bool) -> String {
        strip_controls(&self.redact(text), one_line)
    }
}

/// The derived forms of `value` (see [`Redactor`]), without the exact one.
fn derived_forms(value: &str) -> Vec<Vec<u8>> {
    let bytes = value.as_bytes();
    let mut forms: Vec<String> = vec![value.to_lowercase(), value.to_uppercase(), value.chars().rev().collect()];
    for upper in [true, false] {
        forms.push(percent_encode(bytes, upper, false));
        forms.push(percent_encode(bytes, upper, true));
        forms.push(if upper { hex::encode_upper(bytes) } else { hex::encode(bytes) });
        let unicode: String =
            value.encode_utf16().map(|u| if upper { format!("\\u{u:04X}") } else { format!("\\u{u:04x}") }).collect();
        forms.push(unicode);
    }
    forms.push(value.replace('/', "\\/"));
    for engine in [&base64::engine::general_purpose::STANDARD, &base64::engine::general_purpose::URL_SAFE] {
        for offset in 0..3usize {
            let mut shifted = vec![0u8; offset];
            shifted.extend_from_slice(bytes);
            let encoded = engine.encode(&shifted);
            // Characters fully determined by the value: bits [8·offset,
            // 8·(offset+len)) cover characters ceil(8·offset/6) up to
            // floor(8·(offset+len)/6) (exclusive).
            let first = (8 * offset).div_ceil(6);
            let end = (8 * (offset + bytes.len())) / 6;
            if let Some(core) = encoded.get(first..end) {
                forms.push(core.to_string());
            }
        }
    }
    forms.retain(|f| f != value);
    forms.into_iter().map(String::into_bytes).collect()
}

/// What follows `scheme://authority` in a URL (the whole text when it is
/// not one).
fn after_origin(url: &str) -> &str {
    let Some(rest_at) = url.find("://").map(|i| i + 3) else { return url };
    match url[rest_at..].find(['/', '?', '#']) {
        Some(i) => &url[rest_at + i..],
        None => "",
    }
}

/// `%XX` for every byte (`all`), or for every byte but the unreserved ones.
fn percent_encode(bytes: &[u8], upper: bool, all: bool) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if !all && (b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')) {
            out.push(b as char);
        } else if upper {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

/// The path segments and query values of a URL secret worth masking on
/// their own: at least [`URL_PART_LEN`] characters, and looking like an id
/// or a token (a digit or an upper-case letter in it, or 20 characters and
/// more), so that words like `services` or `webhooks` stay readable.
fn url_parts(value: &str) -> Vec<String> {
    let Ok(url) = url::Url::parse(value) else { return Vec::new() };
    let mut parts: Vec<String> = url.path_segments().map(|s| s.map(str::to_string).collect()).unwrap_or_default();
    parts.extend(url.query_pairs().map(|(_, v)| v.into_owned()));
    parts.retain(|p| {
        p.len() >= URL_PART_LEN && (p.len() >= 20 || p.chars().any(|c| c.is_ascii_digit() || c.is_ascii_uppercase()))
    });
    parts
}

/// Removes control characters: C0 and C1 controls, DEL, and the invisible
/// format characters that reorder or hide text (bidi overrides, zero-width
/// characters). A tab becomes a space. With `one_line`, `\n` and `\r`
/// become a space too; otherwise `\n` is kept and `\r` dropped.
pub fn strip_controls(text: &str, one_line: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' if !one_line => out.push('\n'),
            '\n' | '\t' => out.push(' '),
            '\r' if one_line => out.push(' '),
            c if c.is_control() => {}
            '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flavor::HeaderSlot;

    fn bearer() -> SecretSlot {
        SecretSlot::Header(HeaderSlot { name: "authorization".into(), format: "Bearer {}".into() })
    }

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
        for (text, looks) in [
            ("{{ci.slack_token}}", true),
            ("Bearer {{ci.tok}}", true),
            ("{{ nodot }}", true),
            ("https://slack.com/api", false),
            ("{api_base}", false),
            ("}} then {{", false),
        ] {
            assert_eq!(looks_like_reference(text), looks, "{text}");
        }
    }

    #[test]
    fn alerters_with_the_same_secrets_share_automata_keyed_by_a_hash() {
        let set = |value: &str| {
            let mut s = SecretSet::new();
            s.bind("token", value.into(), bearer(), vec![]);
            s
        };
        let (a, b, c) = (set("xoxb-same-value-1"), set("xoxb-same-value-1"), set("xoxb-other-value-2"));
        let (ra, rb, rc) = (a.redactor(&[]), b.redactor(&[]), c.redactor(&[]));
        let shared = |r: &Redactor| r.shared.clone().expect("automata");
        assert!(Arc::ptr_eq(&shared(&ra), &shared(&rb)), "same values: built once");
        assert!(!Arc::ptr_eq(&shared(&ra), &shared(&rc)), "other values: their own");
        // Each alerter keeps its own placeholders: b's is not a's.
        assert_ne!(ra.placeholders[0].0, rb.placeholders[0].0);
        assert_eq!(rb.redact("x xoxb-same-value-1 y"), "x **** y");
        // The map's keys are hashes: no secret is kept there.
        let cache = automata_cache().lock().unwrap();
        assert!(cache.contains_key(&values_key(&[(Some(0), "xoxb-same-value-1".into(), false, vec![])])));
        assert_ne!(
            values_key(&[(Some(0), "ab".into(), false, vec![])]),
            values_key(&[(Some(0), "a".into(), false, vec![]), (None, "b".into(), false, vec![])])
        );
    }

    #[test]
    fn placeholders_are_random_and_url_and_header_safe() {
        let mut s = SecretSet::new();
        let a = s.bind("token", "v1".into(), bearer(), vec![]);
        let b = s.bind("token", "v1".into(), bearer(), vec![]);
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{a}");
        assert!(a.len() >= 40, "128 random bits: {a}");
    }

    /// A secret, and a text that carries it in one form: the redactor masks
    /// every one of them.
    #[test]
    fn masks_every_derived_form() {
        const V: &str = "xoxb-1111-2222-Sup3rS3cret/Tok+en=";
        let mut s = SecretSet::new();
        let ph = s.bind("token", V.into(), bearer(), vec![]);
        let r = s.redactor(&[]);
        let b64 = |engine: &base64::engine::GeneralPurpose, prefix: &[u8], suffix: &[u8]| {
            let mut bytes = prefix.to_vec();
            bytes.extend_from_slice(V.as_bytes());
            bytes.extend_from_slice(suffix);
            engine.encode(bytes)
        };
        let std = &base64::engine::general_purpose::STANDARD;
        let url = &base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let forms: Vec<(&str, String)> = vec![
            ("lowercase", V.to_lowercase()),
            ("uppercase", V.to_uppercase()),
            ("reversed", V.chars().rev().collect()),
            ("percent", V.replace('/', "%2F").replace('+', "%2B").replace('=', "%3D")),
            ("percent lower", V.replace('/', "%2f").replace('+', "%2b").replace('=', "%3d")),
            ("percent all", V.bytes().map(|b| format!("%{b:02X}")).collect()),
            ("json slash", V.replace('/', "\\/")),
            ("json unicode", V.chars().map(|c| format!("\\u{:04x}", c as u32)).collect()),
            ("json unicode upper", V.chars().map(|c| format!("\\u{:04X}", c as u32)).collect()),
            ("hex", hex::encode(V)),
            ("HEX", hex::encode_upper(V)),
            ("base64", b64(std, b"", b"")),
            ("base64 after 1 byte", b64(std, b"a", b"")),
            ("base64 after 2 bytes", b64(std, b"ab", b"zz")),
            ("base64 in a longer text", b64(std, b"{\"token\": \"", b"\"}")),
            ("base64url no pad", b64(url, b"", b"")),
            ("base64url after 1 byte", b64(url, b"x", b"y")),
            ("base64url after 2 bytes", b64(url, b"xy", b"")),
            ("first half", V[..17].to_string()),
            ("second half", V[17..].to_string()),
            ("a run of 12 in another case", V[5..17].to_uppercase()),
        ];
        for (what, form) in forms {
            let text = format!("before {form} after");
            let masked = String::from_utf8(r.mask_bytes(text.clone().into_bytes())).unwrap();
            assert!(masked.contains(REDACTED), "{what}: {form} not masked: {masked}");
            assert!(!masked.contains(&form), "{what}: {masked}");
            assert!(masked.starts_with("before ") && masked.ends_with(" after"), "{what}: only the form: {masked}");
            let redacted = r.redact(&text);
            assert!(!redacted.contains(&form), "{what}: {redacted}");
        }
        // The exact value becomes the placeholder for the flavor, `****` for people.
        assert_eq!(r.mask(&format!("echo {V}!")), format!("echo {ph}!"));
        assert_eq!(r.redact(&format!("echo {V} and {ph}")), "echo **** and ****");
        assert_eq!(r.show(&format!("Bearer {ph}")), "Bearer {{secret:token}}");
    }

    /// In a response for the flavor, a run of a secret is masked only from
    /// an origin the secret goes to, and only when the flavor did not send
    /// that run itself in the call: guesses echoed back come back as sent,
    /// so nothing tells a right guess from a wrong one. Whole values and
    /// derived forms are masked from everywhere.
    #[test]
    fn responses_mask_runs_only_the_flavor_could_not_have_sent() {
        const V: &str = "xoxb-1111-2222-Sup3rS3cret";
        let slack = Origin::parse_grant("https://slack.com").unwrap();
        let other = Origin::parse_grant("https://echo.example").unwrap();
        let mut s = SecretSet::new();
        let ph = s.bind("token", V.into(), bearer(), vec![slack.clone()]);
        let r = s.redactor(&[]);
        let run = &V[3..15];
        let text = |t: &str| format!("[{t}]").into_bytes();
        let back = |origin: &Origin, body: &str, sent: &SentLog| {
            String::from_utf8(r.mask_response(text(body), origin, sent)).unwrap()
        };
        let nothing = SentLog::default();
        assert_eq!(back(&slack, run, &nothing), "[****]", "a run from the secret's service");
        assert_eq!(back(&other, run, &nothing), format!("[{run}]"), "a run from elsewhere was never sent there");
        let guessed = SentLog::default();
        guessed.record(&[b"POST /echo", run.to_uppercase().as_bytes()]);
        assert_eq!(back(&slack, run, &guessed), format!("[{run}]"), "the flavor's own guess, echoed");
        for origin in [&slack, &other] {
            assert_eq!(back(origin, V, &guessed), format!("[{ph}]"), "the whole value, from {origin}");
            let reversed: String = V.chars().rev().collect();
            assert_eq!(back(origin, &reversed, &guessed), "[****]", "a derived form, from {origin}");
        }
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        let mut s = SecretSet::new();
        s.bind("token", "xoxb-1111-2222-Sup3rS3cret".into(), bearer(), vec![]);
        s.bind(
            "webhook_url",
            "https://hooks.slack.com/services/T0STANDIN/B0STANDIN/xWebhookSecret42".into(),
            SecretSlot::Url,
            vec![],
        );
        let r = s.redactor(&["env-secret-value".into()]);
        for text in [
            "{\"ok\":true,\"channel\":\"C0ALERTS\",\"ts\":\"1700000000.000100\"}",
            "https://hooks.slack.com/services/ is where webhooks live; xoxb- tokens start so",
            "Nightly training finished: accuracy 0.93, run 42",
            "the services and webhooks words stay, and so does 1111-2222",
            "",
        ] {
            assert_eq!(r.redact(text), text);
            assert_eq!(String::from_utf8(r.mask_bytes(text.as_bytes().to_vec())).unwrap(), text);
        }
        // Parts of the webhook URL that look like ids or tokens are masked on their own.
        let masked = r.redact("{\"id\": \"T0STANDIN\", \"token\": \"xWebhookSecret42\"}");
        assert_eq!(masked, "{\"id\": \"****\", \"token\": \"****\"}");
        assert_eq!(r.redact("an env-secret-value here"), "an **** here");
        // Another id made at about the same time as a webhook's stays readable.
        let mut d = SecretSet::new();
        d.bind(
            "webhook_url",
            "https://discord.com/api/webhooks/1576942925479149570/tok-Zx81Qw".into(),
            SecretSlot::Url,
            vec![],
        );
        let r = d.redactor(&[]);
        assert_eq!(r.redact("{\"channel_id\": \"1576942925479149569\"}"), "{\"channel_id\": \"1576942925479149569\"}");
        assert_eq!(r.redact("{\"webhook_id\": \"1576942925479149570\"}"), "{\"webhook_id\": \"****\"}");
    }

    #[test]
    fn short_values_are_masked_only_exactly_and_tiny_ones_not_at_all() {
        let mut s = SecretSet::new();
        s.bind("a", "abcd".into(), bearer(), vec![]);
        s.bind("b", "xy".into(), bearer(), vec![]);
        let r = s.redactor(&[]);
        assert_eq!(r.redact("abcd ABCD dcba xy"), "**** ABCD dcba xy");
    }

    #[test]
    fn control_characters_are_removed() {
        assert_eq!(strip_controls("a\x1b[31mred\x07\r\nnext\tcol\u{202e}x\u{200b}", true), "a[31mred  next colx");
        assert_eq!(strip_controls("line 1\r\nline 2\x1b\n", false), "line 1\nline 2\n");
        assert_eq!(strip_controls("\u{85}c1\u{7f}", true), "c1");
    }
}
