//! A configured alerter: a flavor with its settings resolved, secrets
//! swapped for placeholders and the egress policy built, ready to post.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::builtin;
use crate::egress::{EgressPolicy, Origin};
use crate::engine::{CompileSource, Runtime};
use crate::error::Error;
use crate::flavor::{CallError, Flavor, FlavorError, FlavorInfo, Message, RepliesPage, Sent};
use crate::http::Net;
use crate::limits::Limits;
use crate::registry::{AlerterEntry, Registry, StateDir};
use crate::secrets::{SecretMap, SecretRef, SecretSet, REDACTED};

/// Where a flavor comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlavorSource {
    /// Embedded in the binary.
    BuiltIn,
    /// Registered by path.
    Path(PathBuf),
}

/// The state directory and the runtime: the entry point of the library.
pub struct Host {
    state: StateDir,
    runtime: Runtime,
}

impl Host {
    /// Opens the state directory at `root` (see [`StateDir::default_path`]).
    pub fn open(root: &std::path::Path, limits: Limits) -> Result<Host, Error> {
        let state = StateDir::open(root)?;
        let runtime = Runtime::new(Some(state.cache_path()?), limits)?;
        Ok(Host { state, runtime })
    }

    /// The state directory.
    pub fn state(&self) -> &StateDir {
        &self.state
    }

    /// The runtime.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Loads a component from a file, naming it by its path in errors.
    pub async fn load_path(&self, path: &std::path::Path) -> Result<(Flavor, CompileSource), Error> {
        let bytes = std::fs::read(path).map_err(|e| Error::input(format!("cannot read {}: {e}", path.display())))?;
        self.runtime.load(&bytes, &path.display().to_string()).await
    }

    /// Loads the flavor registered (or built in) under `name`.
    pub async fn flavor(&self, reg: &Registry, name: &str) -> Result<(Flavor, FlavorSource), Error> {
        if let Some(entry) = reg.flavors.get(name) {
            let (flavor, how) = self.load_path(&entry.path).await.map_err(|e| match e {
                Error::Input(m) => Error::input(format!("flavor \"{name}\": {m} (re-register it with `alerter flavor register PATH`)")),
                other => other,
            })?;
            if flavor.sha256() != entry.sha256 {
                tracing::info!("flavor \"{name}\": {} changed on disk; using the new file ({how:?})", entry.path.display());
            }
            return Ok((flavor, FlavorSource::Path(entry.path.clone())));
        }
        if let Some(bytes) = builtin::component(name) {
            let (flavor, _) = self.runtime.load(bytes, &format!("built-in flavor \"{name}\"")).await?;
            return Ok((flavor, FlavorSource::BuiltIn));
        }
        let mut known: Vec<String> = reg.flavors.keys().cloned().collect();
        known.extend(builtin::NAMES.iter().map(|s| s.to_string()));
        known.sort();
        known.dedup();
        Err(Error::input(format!(
            "unknown flavor \"{name}\" (known: {}); register one with `alerter flavor register PATH`",
            known.join(", ")
        )))
    }

    /// Resolves the alerter `name` (or the active one) with per-call
    /// setting overrides laid over its configuration.
    pub async fn alerter(&self, name: Option<&str>, overrides: &[(String, String)]) -> Result<Alerter, Error> {
        let reg = self.state.registry()?;
        let name = match name {
            Some(n) => n.to_string(),
            None => reg.active.clone().ok_or_else(|| {
                Error::input("no alerter given and none is active: pass --alerter NAME, or create one with `alerter register NAME --flavor FLAVOR`")
            })?,
        };
        let entry = reg.alerters.get(&name).ok_or_else(|| {
            let known: Vec<&str> = reg.alerters.keys().map(String::as_str).collect();
            Error::input(format!(
                "unknown alerter \"{name}\" (known: {}); create it with `alerter register {name} --flavor FLAVOR`",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            ))
        })?;
        let (flavor, _) = self.flavor(&reg, &entry.flavor).await?;
        let secrets = self.state.secrets()?;
        Alerter::new(&name, entry, flavor, overrides, &secrets, self.runtime.limits().clone())
    }
}

/// Settings after merging, checking and secret resolution.
pub struct ResolvedSettings {
    /// What the flavor receives (secrets as placeholders).
    pub for_flavor: Vec<(String, String)>,
    /// The real secrets behind the placeholders.
    pub secrets: SecretSet,
    /// The flavor's declared origins, `{setting}` entries resolved.
    pub declared: Vec<Origin>,
}

/// Merges configured settings and overrides, fills defaults, checks names
/// and required settings, and swaps secrets for placeholders.
pub fn resolve_settings(
    alerter: &str,
    info: &FlavorInfo,
    configured: &BTreeMap<String, String>,
    overrides: &[(String, String)],
    store: &SecretMap,
) -> Result<ResolvedSettings, Error> {
    let mut merged = configured.clone();
    for (k, v) in overrides {
        merged.insert(k.clone(), v.clone());
    }
    check_known(info, merged.keys())?;
    let mut secrets = SecretSet::new();
    let mut real: BTreeMap<String, String> = BTreeMap::new();
    let mut for_flavor = Vec::new();
    for spec in &info.settings {
        let value = merged.get(&spec.name).cloned().or_else(|| spec.default.clone()).filter(|v| !v.is_empty());
        let Some(value) = value else {
            if spec.required {
                return Err(Error::input(format!(
                    "alerter \"{alerter}\" (flavor \"{}\") needs setting `{}` ({}): run `alerter update {alerter} --set {}=VALUE` or pass --set {}=VALUE",
                    info.name, spec.name, spec.description, spec.name, spec.name
                )));
            }
            continue;
        };
        let reference = SecretRef::parse(&value);
        let value = match (&reference, spec.secret) {
            (Some(r), true) => r.resolve(store)?,
            (Some(r), false) => {
                return Err(Error::input(format!(
                    "setting `{}` of flavor \"{}\" is not secret, so it cannot reference {r}; give the value itself",
                    spec.name, info.name
                )))
            }
            (None, _) => value,
        };
        real.insert(spec.name.clone(), value.clone());
        let shown = if spec.secret { secrets.add(&spec.name, value) } else { value };
        for_flavor.push((spec.name.clone(), shown));
    }
    let mut declared = Vec::new();
    for host in &info.hosts {
        if let Some(setting) = host.strip_prefix('{').and_then(|h| h.strip_suffix('}')) {
            if let Some(v) = real.get(setting) {
                match Origin::of_url_str(v) {
                    Some(o) => declared.push(o),
                    None => {
                        let shown = if info.settings.iter().any(|s| s.name == setting && s.secret) { REDACTED } else { v.as_str() };
                        return Err(Error::input(format!(
                            "setting `{setting}` must be an http(s) URL, got `{shown}`"
                        )));
                    }
                }
            }
        } else {
            match Origin::of_url_str(host) {
                Some(o) => declared.push(o),
                None => tracing::warn!("flavor \"{}\" declares an unusable host `{host}`; ignored", info.name),
            }
        }
    }
    declared.sort();
    declared.dedup();
    Ok(ResolvedSettings { for_flavor, secrets, declared })
}

/// Refuses setting names the flavor does not know.
pub fn check_known<'a>(info: &FlavorInfo, keys: impl IntoIterator<Item = &'a String>) -> Result<(), Error> {
    for key in keys {
        if !info.settings.iter().any(|s| &s.name == key) {
            let names: Vec<&str> = info.settings.iter().map(|s| s.name.as_str()).collect();
            return Err(Error::input(format!(
                "flavor \"{}\" has no setting `{key}` (it has: {})",
                info.name,
                names.join(", ")
            )));
        }
    }
    Ok(())
}

/// A ready alerter.
pub struct Alerter {
    name: String,
    flavor: Flavor,
    settings: Vec<(String, String)>,
    net: Arc<Net>,
    limits: Limits,
}

impl Alerter {
    /// Builds an alerter from its registry entry.
    pub fn new(
        name: &str,
        entry: &AlerterEntry,
        flavor: Flavor,
        overrides: &[(String, String)],
        store: &SecretMap,
        limits: Limits,
    ) -> Result<Alerter, Error> {
        let resolved = resolve_settings(name, flavor.info(), &entry.settings, overrides, store)?;
        let mut explicit = Vec::new();
        for h in &entry.allow_hosts {
            explicit.push(Origin::parse_grant(h)?);
        }
        let policy = EgressPolicy::new(name, resolved.declared, explicit);
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

    /// Posts a message; a rate-limited answer is retried after its
    /// retry-after while that still fits in the call deadline.
    pub async fn post(&self, message: &Message) -> Result<Sent, Error> {
        let deadline = Instant::now() + self.limits.call_timeout;
        loop {
            match self.flavor.send(&self.net, &self.settings, message).await {
                Ok(sent) => return Ok(sent),
                Err(e) => match e.retry_after() {
                    Some(wait) if Instant::now() + wait < deadline => {
                        tracing::warn!("{}: rate limited; retrying in {:.1} s", self.flavor.label(), wait.as_secs_f64());
                        tokio::time::sleep(wait.max(Duration::from_millis(10))).await;
                    }
                    _ => return Err(self.error(e)),
                },
            }
        }
    }

    /// What the flavor can do with this alerter's settings.
    pub async fn capabilities(&self) -> Result<crate::flavor::Capabilities, Error> {
        self.flavor.capabilities_for(&self.net, &self.settings).await.map_err(|e| self.error(e))
    }

    /// Lists replies to a posted message (one call, no retries: the ask
    /// engine owns the cadence).
    pub async fn replies(&self, reference: &str, cursor: Option<&str>) -> Result<RepliesPage, CallError> {
        self.flavor.replies(&self.net, &self.settings, reference, cursor).await
    }

    /// One line for a call error, prefixed with the flavor, secrets redacted.
    pub fn error_text(&self, e: &CallError) -> String {
        self.net.secrets().redact(&format!("{}: {e}", self.flavor.label()))
    }

    /// Turns a call error into a one-line [`Error`], secrets redacted.
    pub fn error(&self, e: CallError) -> Error {
        let text = self.error_text(&e);
        match e {
            CallError::Flavor(FlavorError::InvalidSettings(_)) => Error::Input(text),
            _ => Error::Flavor(text),
        }
    }
}
