//! The entry point, [`Host`] (a state directory and a runtime), and a
//! configured [`Alerter`]: a flavor with its settings resolved, secrets
//! bound to their slots and swapped for placeholders, the egress policy
//! built, ready to post.
//!
//! Consent: the declared `https` origins of a built-in flavor are granted by
//! default; those of a flavor registered from a file only when the alerter
//! was registered with `--trust-declared-hosts` (or each with
//! `--allow-host`). An origin a `{setting}` host points at counts as
//! granted (https only) when the user gave that setting's value, never from
//! the flavor's default. Only values the user gave are resolved as secret
//! references; a flavor's defaults are literal.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::bindings::Contract;
use crate::builtin;
use crate::egress::{EgressPolicy, Origin};
use crate::engine::{CompileSource, Residency, Runtime};
use crate::error::Error;
use crate::flavor::{CallError, Capabilities, Flavor, FlavorError, Message, RepliesPage, SecretSlot, Sent};
use crate::limits::{retry_fits, Limits};
use crate::net::Net;
use crate::secrets::{Redactor, SecretMap, SecretRef, SecretSet, REDACTED};
use crate::state::{AlerterEntry, FlavorEntry, Registry, StateDir};

/// Where a flavor comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlavorSource {
    /// Embedded in the library.
    BuiltIn,
    /// Registered from this file (shown only: what runs is its pinned
    /// copy in the state directory).
    Path(PathBuf),
}

impl FlavorSource {
    /// True for a built-in flavor.
    pub fn is_built_in(&self) -> bool {
        matches!(self, FlavorSource::BuiltIn)
    }
}

/// A state directory (registry, secrets, pinned flavors, compile cache) and
/// the runtime: the entry point of the library. The configuration
/// operations (register, update, remove, secrets, cache) are methods too.
pub struct Host {
    pub(crate) state: StateDir,
    pub(crate) runtime: Runtime,
}

impl Host {
    /// `$ALERTER_HOME`, else the platform config directory
    /// (`~/.config/alerter` on Linux).
    pub fn default_home() -> Result<PathBuf, Error> {
        StateDir::default_path()
    }

    /// Opens the state directory at `home` (created owner-only; refused
    /// when it is not private, see [`Error::UnsafeStateDir`]), for a process
    /// that makes many calls ([`Residency::KeepWarm`]).
    pub fn open(home: &Path, limits: Limits) -> Result<Host, Error> {
        Host::open_with(home, limits, Residency::KeepWarm)
    }

    /// [`Host::open`] choosing what finished calls leave resident: the CLI,
    /// which makes a few calls and exits, gives it all back
    /// ([`Residency::GiveBack`]).
    pub fn open_with(home: &Path, limits: Limits, residency: Residency) -> Result<Host, Error> {
        let state = StateDir::open(home)?;
        let runtime = Runtime::with_cache(state.cache_path()?, state.cache_key()?, limits, residency)?;
        Ok(Host { state, runtime })
    }

    /// The state directory's path.
    pub fn home(&self) -> &Path {
        self.state.root()
    }

    /// The runtime (engine, limits, compile cache).
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Loads a component from a file, naming it by its path in errors.
    pub async fn load_path(&self, path: &Path) -> Result<(Flavor, CompileSource), Error> {
        let bytes =
            std::fs::read(path).map_err(|e| Error::CannotRead { path: path.to_path_buf(), reason: e.to_string() })?;
        self.runtime.load(&bytes, &path.display().to_string()).await
    }

    /// Loads the flavor built in or registered under `name`.
    pub async fn flavor(&self, name: &str) -> Result<(Flavor, FlavorSource), Error> {
        self.load_flavor(&self.state.registry()?, name).await
    }

    /// Whether the flavor `name` may serve `ask`: built in, or registered
    /// with `--trusted`.
    pub fn flavor_trusted(&self, name: &str) -> Result<bool, Error> {
        Ok(flavor_trusted(&self.state.registry()?, name))
    }

    pub(crate) async fn load_flavor(&self, reg: &Registry, name: &str) -> Result<(Flavor, FlavorSource), Error> {
        // Built-in names are reserved: a registered entry of that name (from
        // before names were reserved) is ignored.
        if let Some(bytes) = builtin::component(name) {
            if reg.flavors.contains_key(name) {
                tracing::warn!(
                    "a flavor registered as \"{name}\" is ignored: the name is the built-in flavor's; \
                     register the file under another name with --name"
                );
            }
            let (flavor, _) = self.runtime.load(bytes, &format!("built-in flavor \"{name}\"")).await?;
            return Ok((flavor, FlavorSource::BuiltIn));
        }
        if let Some(entry) = reg.flavors.get(name) {
            let broken = |e: Error| match e.class() {
                crate::ErrorClass::Input => {
                    Error::BrokenFlavor { name: name.to_string(), path: entry.path.clone(), error: Box::new(e) }
                }
                crate::ErrorClass::Failure => e,
            };
            let what = format!("flavor \"{name}\" ({})", entry.path.display());
            // The compile cache binds each artifact to the sha256 it was
            // compiled from: the pinned copy is read (and verified) only
            // when it has to be compiled.
            let bytes = || self.pinned_bytes(name, entry).map(std::borrow::Cow::Owned);
            let (flavor, _) = self.runtime.load_sha256(&entry.sha256, &what, bytes).await.map_err(broken)?;
            return Ok((flavor, FlavorSource::Path(entry.path.clone())));
        }
        Err(Error::UnknownFlavor { name: name.to_string(), known: flavor_names(reg) })
    }

    /// The pinned component of a registered flavor. A registry written
    /// before components were pinned has none: the original file is pinned
    /// then, if it is still the one registered.
    fn pinned_bytes(&self, name: &str, entry: &FlavorEntry) -> Result<Vec<u8>, Error> {
        if let Some(bytes) = self.state.pinned(&entry.sha256)? {
            return Ok(bytes);
        }
        let original = std::fs::read(&entry.path).ok().filter(|b| crate::engine::sha256_hex(b) == entry.sha256);
        match original {
            Some(bytes) => {
                self.state.pin(&bytes)?;
                tracing::info!("flavor \"{name}\": pinned the component it was registered with");
                Ok(bytes)
            }
            None => Err(Error::FlavorNotPinned { name: name.to_string(), path: entry.path.clone() }),
        }
    }

    /// Resolves the alerter `name` (or the active one) with per-call
    /// setting overrides laid over its configuration.
    pub async fn alerter(&self, name: Option<&str>, overrides: &[(String, String)]) -> Result<Alerter, Error> {
        let reg = self.state.registry()?;
        let name = match name {
            Some(n) => n.to_string(),
            None => reg.active.clone().ok_or(Error::NoActiveAlerter)?,
        };
        let entry = reg.alerters.get(&name).ok_or_else(|| unknown_alerter(&reg, &name))?;
        let (flavor, source) = self.load_flavor(&reg, &entry.flavor).await?;
        let secrets = self.state.secrets()?;
        let trusted = source.is_built_in() || flavor_trusted(&reg, &entry.flavor);
        let limits = self.runtime.limits().with(&entry.limits);
        Alerter::new(&name, entry, flavor, &source, trusted, overrides, &secrets, limits)
    }
}

/// Whether the flavor `name` is built in or registered `--trusted`.
pub(crate) fn flavor_trusted(reg: &Registry, name: &str) -> bool {
    builtin::component(name).is_some() || reg.flavors.get(name).is_some_and(|f| f.trusted)
}

/// Built-in and registered flavor names, sorted.
pub(crate) fn flavor_names(reg: &Registry) -> Vec<String> {
    let mut names: Vec<String> = builtin::NAMES.iter().map(|s| s.to_string()).collect();
    names.extend(reg.flavors.keys().cloned());
    names.sort();
    names.dedup();
    names
}

pub(crate) fn unknown_alerter(reg: &Registry, name: &str) -> Error {
    Error::UnknownAlerter { name: name.to_string(), known: reg.alerters.keys().cloned().collect() }
}

/// How [`resolve_settings`] treats a secret reference it cannot resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unresolved {
    /// It is an error (a call needs every value).
    Fail,
    /// It is noted and skipped (checking a configuration whose secret may be
    /// exported later, in CI).
    Note,
}

/// An origin the flavor declares, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Declared {
    /// The origin.
    pub(crate) origin: Origin,
    /// The setting a `{setting}` host took it from; `None` for a fixed host.
    pub(crate) setting: Option<String>,
    /// The setting's value was given by the user (not the flavor's default).
    pub(crate) user_given: bool,
}

/// Settings after merging, checking and secret resolution.
pub(crate) struct ResolvedSettings {
    /// What the flavor receives (secrets as placeholders).
    pub(crate) for_flavor: Vec<(String, String)>,
    /// The real secrets behind the placeholders, bound to slots and origins.
    pub(crate) secrets: SecretSet,
    /// The flavor's declared origins (`{setting}` entries resolved).
    pub(crate) declared: Vec<Declared>,
    /// References that resolved to nothing (with [`Unresolved::Note`]).
    pub(crate) unresolved: Vec<SecretRef>,
}

impl ResolvedSettings {
    /// The origins granted without an explicit grant: the fixed https hosts
    /// of a built-in flavor (or those in `trusted`, consented to with
    /// `--trust-declared-hosts`), and those a setting the user gave points
    /// at (https only).
    pub(crate) fn granted_by_default(&self, built_in: bool, trusted: &[Origin]) -> Vec<Origin> {
        self.declared
            .iter()
            .filter(|d| d.origin.scheme == "https")
            .filter(|d| if d.setting.is_some() { d.user_given } else { built_in || trusted.contains(&d.origin) })
            .map(|d| d.origin.clone())
            .collect()
    }

    /// The fixed hosts the flavor declares.
    pub(crate) fn fixed_hosts(&self) -> impl Iterator<Item = &Origin> {
        self.declared.iter().filter(|d| d.setting.is_none()).map(|d| &d.origin)
    }

    /// The egress policy of alerter `name` with these settings.
    pub(crate) fn policy(&self, name: &str, entry: &AlerterEntry, built_in: bool) -> Result<EgressPolicy, Error> {
        let declared = self.declared.iter().map(|d| d.origin.clone());
        let trusted = trusted_hosts(entry);
        Ok(EgressPolicy::new(name, declared, grants(entry)?)
            .grant_by_default(self.granted_by_default(built_in, &trusted)))
    }
}

/// Merges configured settings and overrides (the values the user gave),
/// fills the flavor's defaults (literal: never resolved as references),
/// checks names and required settings, binds each secret the user gave a
/// value to its slot and origins, and swaps it for a placeholder.
pub(crate) fn resolve_settings(
    alerter: &str,
    alerter_exists: bool,
    flavor: &Flavor,
    configured: &BTreeMap<String, String>,
    overrides: &[(String, String)],
    store: &SecretMap,
    unresolved: Unresolved,
) -> Result<ResolvedSettings, Error> {
    let info = flavor.info();
    let mut given = configured.clone();
    for (k, v) in overrides {
        given.insert(k.clone(), v.clone());
    }
    check_known(info, given.keys())?;
    // Pass 1: every value, and whether the user gave it.
    let mut values: BTreeMap<&str, (String, bool)> = BTreeMap::new();
    let mut missing_secrets = Vec::new();
    for spec in &info.settings {
        let secret = spec.secret.is_some();
        let user = given.get(&spec.name).filter(|v| !v.is_empty());
        if secret && user.is_some() && flavor.contract() == Contract::V0_1 {
            return Err(Error::SecretWithoutSlot { flavor: info.name.clone(), setting: spec.name.clone() });
        }
        let value = match user {
            Some(v) => match (SecretRef::parse(v), secret) {
                (Some(r), true) => match (r.resolve(store), unresolved) {
                    (Ok(v), _) => v,
                    (Err(Error::SecretNotSet { reference, .. }), Unresolved::Note) => {
                        missing_secrets.push(reference);
                        continue;
                    }
                    (Err(e), _) => return Err(e),
                },
                (Some(reference), false) => {
                    return Err(Error::ReferenceInPlainSetting {
                        flavor: info.name.clone(),
                        setting: spec.name.clone(),
                        reference,
                    })
                }
                (None, _) => v.clone(),
            },
            None => match spec.default.clone().filter(|d| !d.is_empty()) {
                Some(d) => d,
                None if spec.required => {
                    return Err(Error::MissingSetting {
                        alerter: alerter.to_string(),
                        flavor: info.name.clone(),
                        setting: spec.name.clone(),
                        description: spec.description.clone(),
                        alerter_exists,
                    })
                }
                None => continue,
            },
        };
        if secret && user.is_some() && value.contains(['\r', '\n']) {
            return Err(Error::SecretWithLineBreak { alerter: alerter.to_string(), setting: spec.name.clone() });
        }
        values.insert(&spec.name, (value, user.is_some()));
    }
    let is_secret = |name: &str| info.settings.iter().any(|s| s.name == name && s.secret.is_some());
    let origin_of = |setting: &str, value: &str| {
        Origin::of_url_str(value).ok_or_else(|| Error::NotAUrl {
            setting: setting.to_string(),
            shown: if is_secret(setting) { REDACTED.to_string() } else { value.to_string() },
        })
    };
    // Pass 2: the declared origins.
    let mut declared = Vec::new();
    for host in &info.hosts {
        match host.strip_prefix('{').and_then(|h| h.strip_suffix('}')) {
            Some(setting) => {
                if let Some((v, user_given)) = values.get(setting) {
                    let origin = origin_of(setting, v)?;
                    declared.push(Declared { origin, setting: Some(setting.to_string()), user_given: *user_given });
                }
            }
            None => match Origin::parse_grant(host) {
                Ok(origin) => declared.push(Declared { origin, setting: None, user_given: false }),
                Err(_) => tracing::warn!("flavor \"{}\" declares an unusable host `{host}`; ignored", info.name),
            },
        }
    }
    declared.sort();
    declared.dedup_by(|a, b| a.origin == b.origin);
    // Pass 3: the secrets the user gave, bound; everything else literal.
    let mut secrets = SecretSet::new();
    let mut for_flavor = Vec::new();
    for spec in &info.settings {
        let Some((value, user_given)) = values.get(spec.name.as_str()) else { continue };
        let shown = match &spec.secret {
            Some(secret) if *user_given => {
                if matches!(secret.slot, SecretSlot::Url) {
                    origin_of(&spec.name, value)?;
                }
                let mut origins = Vec::new();
                for o in &secret.origins {
                    match o.strip_prefix('{').and_then(|h| h.strip_suffix('}')) {
                        Some(setting) => {
                            if let Some((v, _)) = values.get(setting) {
                                origins.push(origin_of(setting, v)?);
                            }
                        }
                        None => origins.extend(Origin::parse_grant(o).ok()),
                    }
                }
                origins.sort();
                origins.dedup();
                secrets.bind(&spec.name, value.clone(), secret.slot.clone(), origins)
            }
            _ => value.clone(),
        };
        for_flavor.push((spec.name.clone(), shown));
    }
    Ok(ResolvedSettings { for_flavor, secrets, declared, unresolved: missing_secrets })
}

/// Refuses setting names the flavor does not know.
pub(crate) fn check_known<'a>(
    info: &crate::flavor::FlavorInfo,
    keys: impl IntoIterator<Item = &'a String>,
) -> Result<(), Error> {
    for key in keys {
        if !info.settings.iter().any(|s| &s.name == key) {
            return Err(Error::UnknownSetting {
                flavor: info.name.clone(),
                setting: key.clone(),
                known: info.settings.iter().map(|s| s.name.clone()).collect(),
            });
        }
    }
    Ok(())
}

/// The explicit grants of an entry, parsed.
pub(crate) fn grants(entry: &AlerterEntry) -> Result<Vec<Origin>, Error> {
    entry.allow_hosts.iter().map(|h| Origin::parse_grant(h)).collect()
}

/// What [`Alerter::deliver`] did.
#[derive(Debug, Clone)]
pub struct Delivered {
    /// The posted message.
    pub sent: Sent,
    /// Attachments left out (named in a note at the end of the message)
    /// because the alerter cannot attach files.
    pub not_attached: Vec<String>,
}

/// The declared hosts the user consented to (`--trust-declared-hosts`).
pub(crate) fn trusted_hosts(entry: &AlerterEntry) -> Vec<Origin> {
    entry.trusted_hosts.iter().filter_map(|h| Origin::parse_grant(h).ok()).collect()
}

/// Leaves a retried call at least this much time, or it is not retried.
const MIN_RETRY_CALL: Duration = Duration::from_secs(1);

/// A ready alerter: post, ask (see [`crate::ask`]), read replies.
pub struct Alerter {
    name: String,
    flavor: Flavor,
    settings: Vec<(String, String)>,
    net: Arc<Net>,
    limits: Limits,
    trusted: bool,
}

impl Alerter {
    #[allow(clippy::too_many_arguments)]
    fn new(
        name: &str,
        entry: &AlerterEntry,
        flavor: Flavor,
        source: &FlavorSource,
        trusted: bool,
        overrides: &[(String, String)],
        store: &SecretMap,
        limits: Limits,
    ) -> Result<Alerter, Error> {
        let resolved = resolve_settings(name, true, &flavor, &entry.settings, overrides, store, Unresolved::Fail)?;
        let policy = resolved.policy(name, entry, source.is_built_in())?;
        let net = Net::with_clients(policy, resolved.secrets, limits.clone(), flavor.clients())?;
        Ok(Alerter {
            name: name.to_string(),
            flavor,
            settings: resolved.for_flavor,
            net: Arc::new(net),
            limits,
            trusted,
        })
    }

    /// The alerter's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its flavor.
    pub fn flavor(&self) -> &Flavor {
        &self.flavor
    }

    /// Its network (grants, secrets) and resolved settings, for calling the
    /// flavor directly (`conformance`).
    pub(crate) fn net(&self) -> &Arc<Net> {
        &self.net
    }

    pub(crate) fn settings(&self) -> &[(String, String)] {
        &self.settings
    }

    /// Whether its flavor may serve `ask`: built in, or registered with
    /// `--trusted`. A flavor reports who replied, so an approval gate is as
    /// trustworthy as the flavor.
    pub fn trusted(&self) -> bool {
        self.trusted
    }

    /// The redactor of this alerter: its secrets and `ALERTER_SECRET_*`
    /// values, in every form.
    pub fn redactor(&self) -> &Redactor {
        self.net.redactor()
    }

    /// Posts a message. The message is masked first (every secret of the
    /// alerter and every `ALERTER_SECRET_*` value, in every form, becomes
    /// `****`), and what comes back is redacted and stripped of control
    /// characters. A rate-limited answer is retried after its retry-after
    /// while that still fits in the one deadline of the whole post.
    /// Attachments are checked against the caps
    /// ([`crate::MAX_ATTACHMENT_BYTES`] per file,
    /// [`crate::MAX_ATTACHMENTS_BYTES`] per message); an alerter that cannot
    /// attach files posts the message with a note naming them (see
    /// [`Alerter::deliver`] to learn which were left out).
    pub async fn post(&self, message: &Message) -> Result<Sent, Error> {
        Ok(self.deliver(message).await?.sent)
    }

    /// Posts a message as [`Alerter::post`] does, and says which attachments
    /// were left out because the alerter cannot attach files.
    pub async fn deliver(&self, message: &Message) -> Result<Delivered, Error> {
        crate::attach::check_caps(message)?;
        if message.attachments.is_empty() || self.capabilities().await?.attachments {
            return Ok(Delivered { sent: self.send_now(message).await?, not_attached: Vec::new() });
        }
        let not_attached: Vec<String> = message.attachments.iter().map(|a| a.name.clone()).collect();
        let without = crate::attach::without_attachments(message, "this alerter cannot attach files");
        tracing::info!("{}: cannot attach files; posting without {}", self.flavor.label(), not_attached.join(", "));
        Ok(Delivered { sent: self.send_now(&without).await?, not_attached })
    }

    /// Replaces the content of the posted message `reference` (a question
    /// showing its outcome), masked as for `post`; a rate-limited answer is
    /// retried as for `post`. A flavor without `capabilities.update` fails
    /// with `unsupported`.
    pub async fn update(&self, reference: &str, message: &Message) -> Result<(), Error> {
        let message = self.mask_message(message);
        let deadline = Instant::now() + self.limits.call_timeout;
        loop {
            match self.flavor.update(&self.net, &self.settings, reference, &message).await {
                Ok(()) => return Ok(()),
                Err(e) => match e.retry_after() {
                    Some(wait) if retry_fits(Instant::now(), deadline, wait, MIN_RETRY_CALL) => {
                        tokio::time::sleep(wait.max(Duration::from_millis(10))).await;
                    }
                    _ => return Err(self.error(e)),
                },
            }
        }
    }

    async fn send_now(&self, message: &Message) -> Result<Sent, Error> {
        let message = self.mask_message(message);
        let deadline = Instant::now() + self.limits.call_timeout;
        loop {
            match self.flavor.send_within(&self.net, &self.settings, &message, Some(deadline)).await {
                Ok(sent) => return Ok(self.clean_sent(sent)),
                Err(e) => match e.retry_after() {
                    Some(wait) if retry_fits(Instant::now(), deadline, wait, MIN_RETRY_CALL) => {
                        tracing::warn!(
                            "{}: rate limited; retrying in {:.1} s",
                            self.flavor.label(),
                            wait.as_secs_f64()
                        );
                        tokio::time::sleep(wait.max(Duration::from_millis(10))).await;
                    }
                    _ => return Err(self.error(e)),
                },
            }
        }
    }

    /// `message` with every secret of the alerter masked out.
    pub fn mask_message(&self, message: &Message) -> Message {
        let r = self.net.redactor();
        if r.is_empty() {
            return message.clone();
        }
        let mut m = message.clone();
        m.title = m.title.map(|t| r.redact(&t));
        m.body = r.redact(&m.body);
        m.metadata = m.metadata.into_iter().map(|(k, v)| (r.redact(&k), r.redact(&v))).collect();
        m.link = m.link.map(|l| r.redact(&l));
        m.raw = m.raw.map(|x| r.redact(&x));
        for a in &mut m.attachments {
            a.name = r.redact(&a.name);
            a.data = r.redact_bytes(std::mem::take(&mut a.data));
        }
        m
    }

    fn clean_sent(&self, sent: Sent) -> Sent {
        let r = self.net.redactor();
        Sent { reference: r.clean(&sent.reference, true), link: sent.link.map(|l| r.clean(&l, true)) }
    }

    /// What the flavor can do with this alerter's settings.
    pub async fn capabilities(&self) -> Result<Capabilities, Error> {
        self.flavor.capabilities_for(&self.net, &self.settings).await.map_err(|e| self.error(e))
    }

    /// The capabilities, when they include reading replies (so the alerter
    /// can ask); otherwise [`Error::CannotReadReplies`] with the flavor's own
    /// reason. The reason comes from calling `replies` once with an empty
    /// reference: a flavor that cannot read replies answers `unsupported`
    /// with its explanation, without network I/O.
    pub async fn capabilities_to_ask(&self) -> Result<Capabilities, Error> {
        let capabilities = self.capabilities().await?;
        if capabilities.read_replies {
            return Ok(capabilities);
        }
        let reason = match self.replies("", None).await {
            Err(CallError::Flavor(FlavorError::Unsupported(reason))) => reason,
            _ => "it cannot read replies with these settings".to_string(),
        };
        Err(self.cannot_read_replies(&reason))
    }

    pub(crate) fn cannot_read_replies(&self, reason: &str) -> Error {
        Error::CannotReadReplies {
            alerter: self.name.clone(),
            label: self.flavor.label(),
            reason: self.net.redactor().clean(reason, true),
        }
    }

    /// `ask` needs a flavor it can trust to say who replied: built in or
    /// registered with `--trusted`; otherwise [`Error::UntrustedFlavor`].
    pub(crate) fn check_trusted_for_ask(&self) -> Result<(), Error> {
        if self.trusted {
            return Ok(());
        }
        Err(Error::UntrustedFlavor { alerter: self.name.clone(), flavor: self.flavor.info().name.clone() })
    }

    /// Lists replies to a posted message (one call, no retries: the ask
    /// engine owns the cadence). Every text in the page and in an error is
    /// redacted and stripped of control characters; the cursor is passed
    /// back to the flavor as it gave it.
    pub async fn replies(&self, reference: &str, cursor: Option<&str>) -> Result<RepliesPage, CallError> {
        let r = self.net.redactor();
        let mut page =
            self.flavor.replies(&self.net, &self.settings, reference, cursor).await.map_err(|e| e.redacted(r))?;
        for reply in &mut page.replies {
            for field in [&mut reply.author_id, &mut reply.author_name, &mut reply.text, &mut reply.id] {
                *field = r.clean(field, true);
            }
            for m in &mut reply.bot_mentions {
                *m = r.clean(m, true);
            }
        }
        for n in &mut page.notices {
            *n = r.clean(n, true);
        }
        Ok(page)
    }

    /// One line for a call error, prefixed with the flavor, secrets redacted.
    pub fn error_text(&self, e: &CallError) -> String {
        self.net.redactor().clean(&format!("{}: {e}", self.flavor.label()), true)
    }

    /// Turns a call error into an [`Error::CallFailed`], secrets redacted,
    /// with the requests the egress policy refused during the call.
    pub fn error(&self, e: CallError) -> Error {
        Error::CallFailed {
            alerter: Some(self.name.clone()),
            label: self.flavor.label(),
            error: Box::new(e.redacted(self.net.redactor())),
            denied: self.net.take_denied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(s: &str) -> Origin {
        Origin::parse_grant(s).unwrap()
    }

    /// Consent as a table: which declared origins are granted without
    /// `--allow-host`, by where they come from and who gave the value.
    #[test]
    fn consent_rules() {
        let d = |origin: &str, setting: Option<&str>, user_given: bool| Declared {
            origin: o(origin),
            setting: setting.map(str::to_string),
            user_given,
        };
        let resolved = ResolvedSettings {
            for_flavor: Vec::new(),
            secrets: SecretSet::new(),
            declared: vec![
                d("https://fixed.example", None, false),
                d("http://plain.example", None, false),
                d("https://api.example", Some("api_base"), true),
                d("http://127.0.0.1:8080", Some("url"), true),
                d("https://default.example", Some("proxy"), false),
            ],
            unresolved: Vec::new(),
        };
        let rows: &[(bool, &[&str], &[&str])] = &[
            // (built in, consented hosts) -> granted by default
            (true, &[], &["https://fixed.example", "https://api.example"]),
            (false, &[], &["https://api.example"]),
            (false, &["https://fixed.example"], &["https://fixed.example", "https://api.example"]),
            (false, &["https://other.example"], &["https://api.example"]),
            (false, &["http://plain.example"], &["https://api.example"]),
        ];
        for (built_in, trusted, want) in rows {
            let trusted: Vec<Origin> = trusted.iter().map(|t| o(t)).collect();
            let mut got: Vec<String> =
                resolved.granted_by_default(*built_in, &trusted).iter().map(Origin::to_string).collect();
            got.sort();
            let mut want: Vec<String> = want.iter().map(|w| w.to_string()).collect();
            want.sort();
            assert_eq!(got, want, "built in {built_in}, trusted {trusted:?}");
        }
        assert_eq!(resolved.fixed_hosts().count(), 2);
    }
}
