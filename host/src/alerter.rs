//! The entry point, [`Host`] (a state directory and a runtime), and a
//! configured [`Alerter`]: a flavor with its settings resolved, secrets
//! swapped for placeholders and the egress policy built, ready to post.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::bindings::Contract;
use crate::builtin;
use crate::egress::{EgressPolicy, Origin};
use crate::engine::{CompileSource, Runtime};
use crate::error::Error;
use crate::flavor::{CallError, Capabilities, Flavor, FlavorError, FlavorInfo, Message, RepliesPage, Sent};
use crate::limits::Limits;
use crate::net::Net;
use crate::secrets::{SecretMap, SecretRef, SecretSet, REDACTED};
use crate::state::{AlerterEntry, Registry, StateDir};

/// Where a flavor comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlavorSource {
    /// Embedded in the library.
    BuiltIn,
    /// Registered by path.
    Path(PathBuf),
}

/// A state directory (registry, secrets, compile cache) and the runtime:
/// the entry point of the library. The configuration operations (register,
/// update, remove, secrets, cache) are methods too.
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

    /// Opens (creating, owner-only) the state directory at `home`.
    pub fn open(home: &Path, limits: Limits) -> Result<Host, Error> {
        let state = StateDir::open(home)?;
        let runtime = Runtime::new(Some(state.cache_path()?), limits)?;
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

    /// Loads the flavor registered (or built in) under `name`.
    pub async fn flavor(&self, name: &str) -> Result<(Flavor, FlavorSource), Error> {
        self.load_flavor(&self.state.registry()?, name).await
    }

    pub(crate) async fn load_flavor(&self, reg: &Registry, name: &str) -> Result<(Flavor, FlavorSource), Error> {
        if let Some(entry) = reg.flavors.get(name) {
            let (flavor, how) = self.load_path(&entry.path).await.map_err(|e| match e.class() {
                crate::ErrorClass::Input => {
                    Error::BrokenFlavor { name: name.to_string(), path: entry.path.clone(), error: Box::new(e) }
                }
                crate::ErrorClass::Failure => e,
            })?;
            if flavor.sha256() != entry.sha256 {
                tracing::info!(
                    "flavor \"{name}\": {} changed on disk; using the new file ({how:?})",
                    entry.path.display()
                );
            }
            return Ok((flavor, FlavorSource::Path(entry.path.clone())));
        }
        if let Some(bytes) = builtin::component(name) {
            let (flavor, _) = self.runtime.load(bytes, &format!("built-in flavor \"{name}\"")).await?;
            return Ok((flavor, FlavorSource::BuiltIn));
        }
        Err(Error::UnknownFlavor { name: name.to_string(), known: flavor_names(reg) })
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
        let (flavor, _) = self.load_flavor(&reg, &entry.flavor).await?;
        let secrets = self.state.secrets()?;
        Alerter::new(&name, entry, flavor, overrides, &secrets, self.runtime.limits().clone())
    }
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

/// Settings after merging, checking and secret resolution.
pub(crate) struct ResolvedSettings {
    /// What the flavor receives (secrets as placeholders).
    pub(crate) for_flavor: Vec<(String, String)>,
    /// The real secrets behind the placeholders.
    pub(crate) secrets: SecretSet,
    /// The flavor's declared origins (`{setting}` entries resolved), each
    /// with the setting it came from.
    pub(crate) declared: Vec<(Origin, Option<String>)>,
    /// References that resolved to nothing (with [`Unresolved::Note`]).
    pub(crate) unresolved: Vec<SecretRef>,
}

/// Merges configured settings and overrides, fills defaults, checks names
/// and required settings, and swaps secrets for placeholders.
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
    let mut merged = configured.clone();
    for (k, v) in overrides {
        merged.insert(k.clone(), v.clone());
    }
    check_known(info, merged.keys())?;
    let mut secrets = SecretSet::new();
    let mut real: BTreeMap<String, String> = BTreeMap::new();
    let mut for_flavor = Vec::new();
    let mut missing_secrets = Vec::new();
    for spec in &info.settings {
        let value = merged.get(&spec.name).cloned().or_else(|| spec.default.clone()).filter(|v| !v.is_empty());
        let Some(value) = value else {
            if spec.required {
                return Err(Error::MissingSetting {
                    alerter: alerter.to_string(),
                    flavor: info.name.clone(),
                    setting: spec.name.clone(),
                    description: spec.description.clone(),
                    alerter_exists,
                });
            }
            continue;
        };
        let secret = spec.secret.is_some();
        if secret && flavor.contract() == Contract::V0_1 && merged.get(&spec.name).is_some_and(|v| !v.is_empty()) {
            return Err(Error::SecretWithoutSlot { flavor: info.name.clone(), setting: spec.name.clone() });
        }
        let value = match (SecretRef::parse(&value), secret) {
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
            (None, _) => value,
        };
        real.insert(spec.name.clone(), value.clone());
        let shown = if secret { secrets.add(&spec.name, value) } else { value };
        for_flavor.push((spec.name.clone(), shown));
    }
    let mut declared = Vec::new();
    for host in &info.hosts {
        if let Some(setting) = host.strip_prefix('{').and_then(|h| h.strip_suffix('}')) {
            if let Some(v) = real.get(setting) {
                let Some(origin) = Origin::of_url_str(v) else {
                    let secret = info.settings.iter().any(|s| s.name == setting && s.secret.is_some());
                    let shown = if secret { REDACTED.to_string() } else { v.clone() };
                    return Err(Error::NotAUrl { setting: setting.to_string(), shown });
                };
                declared.push((origin, Some(setting.to_string())));
            }
        } else {
            match Origin::of_url_str(host) {
                Some(o) => declared.push((o, None)),
                None => tracing::warn!("flavor \"{}\" declares an unusable host `{host}`; ignored", info.name),
            }
        }
    }
    declared.sort();
    declared.dedup_by(|a, b| a.0 == b.0);
    Ok(ResolvedSettings { for_flavor, secrets, declared, unresolved: missing_secrets })
}

/// Refuses setting names the flavor does not know.
pub(crate) fn check_known<'a>(info: &FlavorInfo, keys: impl IntoIterator<Item = &'a String>) -> Result<(), Error> {
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

/// A ready alerter: post, ask (see [`crate::ask`]), read replies.
pub struct Alerter {
    name: String,
    flavor: Flavor,
    settings: Vec<(String, String)>,
    net: Arc<Net>,
    limits: Limits,
}

impl Alerter {
    fn new(
        name: &str,
        entry: &AlerterEntry,
        flavor: Flavor,
        overrides: &[(String, String)],
        store: &SecretMap,
        limits: Limits,
    ) -> Result<Alerter, Error> {
        let resolved = resolve_settings(name, true, &flavor, &entry.settings, overrides, store, Unresolved::Fail)?;
        let declared = resolved.declared.into_iter().map(|(o, _)| o);
        let policy = EgressPolicy::new(name, declared, grants(entry)?);
        let net = Net::new(policy, resolved.secrets, limits.clone())?;
        Ok(Alerter { name: name.to_string(), flavor, settings: resolved.for_flavor, net: Arc::new(net), limits })
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

    /// Posts a message; a rate-limited answer is retried after its
    /// retry-after while that still fits in the call deadline.
    pub async fn post(&self, message: &Message) -> Result<Sent, Error> {
        let deadline = Instant::now() + self.limits.call_timeout;
        loop {
            match self.flavor.send(&self.net, &self.settings, message).await {
                Ok(sent) => return Ok(sent),
                Err(e) => match e.retry_after() {
                    Some(wait) if Instant::now() + wait < deadline => {
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
            reason: self.net.secrets().redact(reason),
        }
    }

    /// Lists replies to a posted message (one call, no retries: the ask
    /// engine owns the cadence). Texts in the error are redacted.
    pub async fn replies(&self, reference: &str, cursor: Option<&str>) -> Result<RepliesPage, CallError> {
        self.flavor
            .replies(&self.net, &self.settings, reference, cursor)
            .await
            .map_err(|e| e.redacted(self.net.secrets()))
    }

    /// One line for a call error, prefixed with the flavor, secrets redacted.
    pub fn error_text(&self, e: &CallError) -> String {
        self.net.secrets().redact(&format!("{}: {e}", self.flavor.label()))
    }

    /// Turns a call error into an [`Error::CallFailed`], secrets redacted,
    /// with the requests the egress policy refused during the call.
    pub fn error(&self, e: CallError) -> Error {
        Error::CallFailed {
            alerter: Some(self.name.clone()),
            label: self.flavor.label(),
            error: Box::new(e.redacted(self.net.secrets())),
            denied: self.net.take_denied(),
        }
    }
}
