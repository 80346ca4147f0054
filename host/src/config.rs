//! Changing and reading the configuration: flavors registered by path,
//! alerters (a flavor, settings and grants), the active alerter, secrets and
//! the compile cache. Each change is a read-modify-write under the state
//! lock; a failed change leaves every file as it was.
//!
//! The rules live here, as methods on [`Host`]: literal secrets move into the
//! secret store, settings and grants are checked before anything is saved, a
//! flavor in use cannot be removed, the compile cache keeps only the
//! artifacts of flavors that can still be loaded.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::alerter::{
    check_known, flavor_names, flavor_trusted, grants, resolve_settings, trusted_hosts, unknown_alerter, FlavorSource,
    Host, Unresolved,
};
use crate::builtin;
use crate::egress::{EgressPolicy, Origin};
use crate::engine::{sha256_hex, CacheEntry, CompileSource, Pruned};
use crate::error::{Error, NameKind};
use crate::flavor::{Flavor, FlavorInfo};
use crate::limits::LimitOverrides;
use crate::secrets::{valid_ident, SecretMap, SecretRef, REDACTED};
use crate::state::{AlerterEntry, FlavorEntry, Registry};

/// What registering a flavor did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlavorChange {
    /// A new name.
    Added,
    /// The name was registered already; its component is replaced
    /// (`--replace`).
    Replaced,
}

/// How to register a flavor, for [`Host::register_flavor_with`].
#[derive(Debug, Clone, Default)]
pub struct FlavorRegistration {
    /// The name to register it under (default: the name the flavor gives
    /// itself). Built-in names are reserved.
    pub name: Option<String>,
    /// Replace the flavor registered under that name (`--replace`);
    /// without it an existing name is refused.
    pub replace: bool,
    /// Trust it to report who replied, so it may serve `ask` (`--trusted`).
    /// Replacing a flavor drops its trust unless this is given again.
    pub trusted: bool,
}

/// The outcome of [`Host::register_flavor`].
#[derive(Debug, Clone)]
pub struct FlavorRegistered {
    /// The name it is registered under.
    pub name: String,
    /// What the flavor says about itself.
    pub info: FlavorInfo,
    /// The file it was registered from, absolute (shown only).
    pub path: PathBuf,
    /// sha256 of the component: the name of its pinned copy.
    pub sha256: String,
    /// The pinned copy that runs (`flavors/<sha256>.wasm` in the state dir).
    pub pinned: PathBuf,
    /// New or replaced.
    pub change: FlavorChange,
    /// Trusted to serve `ask`.
    pub trusted: bool,
    /// It was trusted before being replaced, and no longer is.
    pub trust_dropped: bool,
    /// Compiled now or read from the compile cache.
    pub compiled: CompileSource,
    /// What the compile cache lost as a result.
    pub pruned: Pruned,
}

/// A new alerter, for [`Host::register_alerter`].
#[derive(Debug, Clone, Default)]
pub struct NewAlerter {
    /// Its name.
    pub name: String,
    /// The flavor (built in or registered).
    pub flavor: String,
    /// Settings, `(key, value)`; a literal for a secret setting is moved into
    /// the secret store.
    pub settings: Vec<(String, String)>,
    /// Explicit grants, `SCHEME://HOST[:PORT]`.
    pub allow_hosts: Vec<String>,
    /// Grant the flavor's declared https hosts, as they are now
    /// (`--trust-declared-hosts`; built-in flavors' are granted anyway).
    pub trust_declared_hosts: bool,
    /// Limits of this alerter's calls that differ from the runtime's.
    pub limits: LimitOverrides,
}

/// Changes to an alerter, for [`Host::update_alerter`].
#[derive(Debug, Clone, Default)]
pub struct AlerterChanges {
    /// Switch to this flavor.
    pub flavor: Option<String>,
    /// Settings to set or change.
    pub set: Vec<(String, String)>,
    /// Settings to remove.
    pub unset: Vec<String>,
    /// Grants to add.
    pub allow_hosts: Vec<String>,
    /// Grants to withdraw.
    pub revoke_hosts: Vec<String>,
    /// Grant the flavor's declared https hosts as they are now
    /// (`Some(true)`), or withdraw that consent (`Some(false)`).
    pub trust_declared_hosts: Option<bool>,
    /// Limits to change (laid over the alerter's own).
    pub limits: LimitOverrides,
}

/// Something worth knowing about a configuration that was saved anyway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// A secret reference resolves to nothing yet (it may be exported in
    /// the environment later, as in CI).
    SecretNotSet {
        /// The reference.
        reference: SecretRef,
        /// The environment variable that may hold it.
        env_var: String,
    },
    /// The flavor was registered from a file, and these hosts it declares
    /// are not granted: requests to them are refused until the user
    /// consents (`--allow-host ORIGIN` each, or `--trust-declared-hosts`).
    HostsNotConsented {
        /// The declared hosts not granted.
        origins: Vec<Origin>,
    },
    /// An origin the settings point at is refused until it is granted
    /// explicitly: plain http, or an internal address.
    NeedsGrant {
        /// The origin to grant.
        origin: Origin,
        /// The setting that points there (`None` for a fixed host of the flavor).
        setting: Option<String>,
        /// Why the default grants do not cover it.
        reason: GrantReason,
    },
}

/// Why a declared origin is not granted by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantReason {
    /// Only `https` origins are granted by default.
    PlainHttp,
    /// Loopback, private and link-local addresses need an explicit grant.
    InternalAddress,
    /// The setting's value is the flavor's default, not one the user gave.
    FromDefault,
}

/// The outcome of registering or updating an alerter.
#[derive(Debug, Clone)]
pub struct AlerterSaved {
    /// The flavor's name as configured.
    pub flavor: String,
    /// The flavor's version.
    pub flavor_version: String,
    /// It became the active alerter (the first one registered does).
    pub became_active: bool,
    /// What is worth knowing about it.
    pub warnings: Vec<Warning>,
}

/// One alerter in [`Host::alerters`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlerterSummary {
    /// Its name.
    pub name: String,
    /// Its flavor.
    pub flavor: String,
    /// Whether it is the active one.
    pub active: bool,
}

/// An alerter as [`Host::describe_alerter`] shows it: no secret values.
#[derive(Debug, Clone)]
pub struct AlerterDescription {
    /// Its name.
    pub name: String,
    /// Whether it is the active one.
    pub active: bool,
    /// Its flavor's name.
    pub flavor: String,
    /// The flavor's version, when it loads.
    pub flavor_version: Option<String>,
    /// Settings as stored: references shown, literal secrets as `****`.
    pub settings: Vec<(String, String)>,
    /// The origins the flavor declares with these settings (empty when the
    /// flavor does not load or the settings do not resolve).
    pub declared: Vec<Origin>,
    /// The declared origins it may reach.
    pub granted: Vec<Origin>,
    /// Its explicit grants, as given.
    pub explicit: Vec<String>,
    /// The declared hosts consented to with `--trust-declared-hosts`.
    pub trusted_hosts: Vec<String>,
    /// Its flavor is built in or registered `--trusted` (it may serve `ask`).
    pub flavor_trusted: bool,
    /// Limits of its calls that differ from the runtime's.
    pub limits: LimitOverrides,
}

/// The compile cache, for [`Host::cache`].
#[derive(Debug, Clone)]
pub struct CacheInfo {
    /// Its directory.
    pub dir: PathBuf,
    /// Its files, with the flavors each belongs to.
    pub entries: Vec<CacheEntry>,
}

impl Host {
    /// Registers the component at `path` under `name` (default: the name
    /// the flavor gives itself), refusing a built-in's name or an existing
    /// one; see [`Host::register_flavor_with`].
    pub async fn register_flavor(&self, path: &Path, name: Option<&str>) -> Result<FlavorRegistered, Error> {
        let how = FlavorRegistration { name: name.map(str::to_string), ..FlavorRegistration::default() };
        self.register_flavor_with(path, &how).await
    }

    /// Registers the component at `path`: checks it (contract, `info`),
    /// compiles it, copies it into the state directory as
    /// `flavors/<sha256>.wasm` (what runs from now on, whatever happens to
    /// the file), records its sha256, and prunes the compile cache and the
    /// pinned copies no longer registered. Built-in names are reserved
    /// ([`Error::ReservedFlavorName`]); an existing name needs `replace`
    /// ([`Error::FlavorExists`]).
    pub async fn register_flavor_with(&self, path: &Path, how: &FlavorRegistration) -> Result<FlavorRegistered, Error> {
        let path = std::fs::canonicalize(path)
            .map_err(|e| Error::CannotRead { path: path.to_path_buf(), reason: e.to_string() })?;
        let bytes =
            std::fs::read(&path).map_err(|e| Error::CannotRead { path: path.clone(), reason: e.to_string() })?;
        let (flavor, compiled) = self.runtime.load(&bytes, &path.display().to_string()).await?;
        let name = how.name.clone().unwrap_or_else(|| flavor.info().name.clone());
        check_name(&name, NameKind::Flavor)?;
        if builtin::component(&name).is_some() {
            return Err(Error::ReservedFlavorName { name, path });
        }
        let lock = self.state.lock()?;
        let mut reg = self.state.registry()?;
        let before = reg.flavors.get(&name).cloned();
        if before.is_some() && !how.replace {
            return Err(Error::FlavorExists { name, path });
        }
        let sha256 = self.state.pin(&bytes)?;
        let entry = FlavorEntry { path: path.clone(), sha256: sha256.clone(), trusted: how.trusted };
        reg.flavors.insert(name.clone(), entry);
        self.state.save_registry(&lock, &reg)?;
        self.state.prune_pinned(&reg.flavors.values().map(|f| f.sha256.clone()).collect())?;
        let pruned = self.prune_cache_for(&reg)?;
        Ok(FlavorRegistered {
            name,
            info: flavor.info().clone(),
            path,
            pinned: self.state.root().join("flavors").join(format!("{sha256}.wasm")),
            sha256,
            change: if before.is_some() { FlavorChange::Replaced } else { FlavorChange::Added },
            trusted: how.trusted,
            trust_dropped: before.is_some_and(|b| b.trusted) && !how.trusted,
            compiled,
            pruned,
        })
    }

    /// Trusts (or no longer trusts) the registered flavor `name` to report
    /// who replied, which `ask` needs. Built-in flavors are always trusted.
    pub fn trust_flavor(&self, name: &str, trusted: bool) -> Result<(), Error> {
        let lock = self.state.lock()?;
        let mut reg = self.state.registry()?;
        if builtin::component(name).is_some() {
            return Err(Error::BuiltInFlavor { name: name.to_string() });
        }
        let Some(entry) = reg.flavors.get_mut(name) else {
            return Err(Error::NotRegistered { name: name.to_string() });
        };
        entry.trusted = trusted;
        self.state.save_registry(&lock, &reg)
    }

    /// Unregisters a flavor, unless an alerter uses it; prunes its pinned
    /// copy and the compile cache.
    pub fn remove_flavor(&self, name: &str) -> Result<Pruned, Error> {
        let lock = self.state.lock()?;
        let mut reg = self.state.registry()?;
        if builtin::component(name).is_some() {
            return Err(Error::BuiltInFlavor { name: name.to_string() });
        }
        if !reg.flavors.contains_key(name) {
            return Err(Error::NotRegistered { name: name.to_string() });
        }
        let users: Vec<String> =
            reg.alerters.iter().filter(|(_, a)| a.flavor == name).map(|(n, _)| n.clone()).collect();
        if !users.is_empty() {
            return Err(Error::FlavorInUse { name: name.to_string(), alerters: users });
        }
        reg.flavors.remove(name);
        self.state.save_registry(&lock, &reg)?;
        self.state.prune_pinned(&reg.flavors.values().map(|f| f.sha256.clone()).collect())?;
        self.prune_cache_for(&reg)
    }

    /// Built-in and registered flavors, each loaded (or why it does not load).
    pub async fn flavors(&self) -> Result<Vec<(String, Result<(Flavor, FlavorSource), Error>)>, Error> {
        let reg = self.state.registry()?;
        let mut out = Vec::new();
        for name in flavor_names(&reg) {
            let loaded = self.load_flavor(&reg, &name).await;
            out.push((name, loaded));
        }
        Ok(out)
    }

    /// Creates an alerter after checking its flavor, settings and grants. The
    /// first alerter becomes the active one.
    pub async fn register_alerter(&self, new: NewAlerter) -> Result<AlerterSaved, Error> {
        check_name(&new.name, NameKind::Alerter)?;
        let lock = self.state.lock()?;
        let mut reg = self.state.registry()?;
        if reg.alerters.contains_key(&new.name) {
            return Err(Error::AlerterExists { name: new.name });
        }
        if reg.groups.contains_key(&new.name) {
            return Err(Error::NameTaken { name: new.name, what: "a group" });
        }
        let (flavor, source) = self.load_flavor(&reg, &new.flavor).await?;
        let mut secrets = self.state.secrets()?;
        let mut entry = AlerterEntry { flavor: new.flavor.clone(), limits: new.limits.clone(), ..Default::default() };
        apply_settings(&new.name, flavor.info(), &mut entry.settings, new.settings, &mut secrets)?;
        add_grants(&mut entry, &new.allow_hosts)?;
        if new.trust_declared_hosts {
            trust_declared(&mut entry, &flavor);
        }
        let warnings = check_alerter(&new.name, false, &flavor, &source, &entry, &secrets)?;
        reg.alerters.insert(new.name.clone(), entry);
        let became_active = reg.active.is_none();
        if became_active {
            reg.active = Some(new.name.clone());
        }
        self.state.save_secrets(&lock, &secrets)?;
        self.state.save_registry(&lock, &reg)?;
        Ok(AlerterSaved { flavor: new.flavor, flavor_version: flavor.info().version.clone(), became_active, warnings })
    }

    /// Changes an alerter's flavor, settings or grants, checking the result
    /// as [`Host::register_alerter`] does.
    pub async fn update_alerter(&self, name: &str, changes: AlerterChanges) -> Result<AlerterSaved, Error> {
        let lock = self.state.lock()?;
        let mut reg = self.state.registry()?;
        let mut entry = reg.alerters.get(name).cloned().ok_or_else(|| unknown_alerter(&reg, name))?;
        if let Some(f) = &changes.flavor {
            if *f != entry.flavor {
                // Consent to one flavor's hosts is not consent to another's.
                entry.trusted_hosts.clear();
            }
            entry.flavor.clone_from(f);
        }
        let (flavor, source) = self.load_flavor(&reg, &entry.flavor).await?;
        entry.limits = entry.limits.merged(&changes.limits);
        let mut secrets = self.state.secrets()?;
        for k in &changes.unset {
            if entry.settings.remove(k).is_none() {
                return Err(Error::SettingNotSet { alerter: name.to_string(), setting: k.clone() });
            }
        }
        apply_settings(name, flavor.info(), &mut entry.settings, changes.set, &mut secrets)?;
        check_known(flavor.info(), entry.settings.keys())?;
        add_grants(&mut entry, &changes.allow_hosts)?;
        for h in &changes.revoke_hosts {
            let o = Origin::parse_grant(h)?.to_string();
            let before = entry.allow_hosts.len();
            entry.allow_hosts.retain(|x| x != &o);
            if entry.allow_hosts.len() == before {
                return Err(Error::NoSuchGrant { alerter: name.to_string(), origin: o });
            }
        }
        match changes.trust_declared_hosts {
            Some(true) => trust_declared(&mut entry, &flavor),
            Some(false) => entry.trusted_hosts.clear(),
            None => {}
        }
        let warnings = check_alerter(name, true, &flavor, &source, &entry, &secrets)?;
        let flavor_name = entry.flavor.clone();
        reg.alerters.insert(name.to_string(), entry);
        self.state.save_secrets(&lock, &secrets)?;
        self.state.save_registry(&lock, &reg)?;
        Ok(AlerterSaved {
            flavor: flavor_name,
            flavor_version: flavor.info().version.clone(),
            became_active: false,
            warnings,
        })
    }

    /// Deletes an alerter (its stored secrets stay).
    pub fn remove_alerter(&self, name: &str) -> Result<(), Error> {
        let lock = self.state.lock()?;
        let mut reg = self.state.registry()?;
        if reg.alerters.remove(name).is_none() {
            return Err(unknown_alerter(&reg, name));
        }
        if reg.active.as_deref() == Some(name) {
            reg.active = None;
        }
        self.state.save_registry(&lock, &reg)
    }

    /// Makes an alerter the one used when none is named.
    pub fn use_alerter(&self, name: &str) -> Result<(), Error> {
        let lock = self.state.lock()?;
        let mut reg = self.state.registry()?;
        if !reg.alerters.contains_key(name) {
            return Err(unknown_alerter(&reg, name));
        }
        reg.active = Some(name.to_string());
        self.state.save_registry(&lock, &reg)
    }

    /// The alerters, by name.
    pub fn alerters(&self) -> Result<Vec<AlerterSummary>, Error> {
        let reg = self.state.registry()?;
        Ok(reg
            .alerters
            .iter()
            .map(|(name, a)| AlerterSummary {
                name: name.clone(),
                flavor: a.flavor.clone(),
                active: reg.active.as_deref() == Some(name),
            })
            .collect())
    }

    /// An alerter's flavor, settings (no secret values) and network grants.
    pub async fn describe_alerter(&self, name: &str) -> Result<AlerterDescription, Error> {
        let reg = self.state.registry()?;
        let a = reg.alerters.get(name).ok_or_else(|| unknown_alerter(&reg, name))?;
        let loaded = self.load_flavor(&reg, &a.flavor).await.ok();
        let built_in = loaded.as_ref().is_some_and(|(_, s)| s.is_built_in());
        let flavor = loaded.map(|(f, _)| f);
        let info = flavor.as_ref().map(Flavor::info);
        let settings = a
            .settings
            .iter()
            .map(|(k, v)| {
                // Unknown flavor: treat every setting as possibly secret.
                let secret = info.is_none_or(|i| i.settings.iter().any(|s| &s.name == k && s.secret.is_some()));
                let shown = if secret && SecretRef::parse(v).is_none() { REDACTED.to_string() } else { v.clone() };
                (k.clone(), shown)
            })
            .collect();
        let (mut declared, mut granted) = (Vec::new(), Vec::new());
        if let Some(flavor) = &flavor {
            let secrets = self.state.secrets()?;
            let explicit: Vec<Origin> = a.allow_hosts.iter().filter_map(|h| Origin::parse_grant(h).ok()).collect();
            let policy = match resolve_settings(name, true, flavor, &a.settings, &[], &secrets, Unresolved::Note) {
                Ok(r) => {
                    let declared = r.declared.iter().map(|d| d.origin.clone());
                    EgressPolicy::new(name, declared, explicit)
                        .grant_by_default(r.granted_by_default(built_in, &trusted_hosts(a)))
                }
                Err(_) => EgressPolicy::new(name, [], explicit),
            };
            declared = policy.declared().cloned().collect();
            granted = policy.declared().filter(|o| policy.granted(o)).cloned().collect();
        }
        Ok(AlerterDescription {
            name: name.to_string(),
            active: reg.active.as_deref() == Some(name),
            flavor: a.flavor.clone(),
            flavor_version: info.map(|i| i.version.clone()),
            settings,
            declared,
            granted,
            explicit: a.allow_hosts.clone(),
            trusted_hosts: a.trusted_hosts.clone(),
            flavor_trusted: flavor_trusted(&reg, &a.flavor),
            limits: a.limits.clone(),
        })
    }

    /// Stores secret values under `name` (`{{name.key}}`); returns the
    /// references stored.
    pub fn set_secrets(&self, name: &str, pairs: Vec<(String, String)>) -> Result<Vec<SecretRef>, Error> {
        check_name(name, NameKind::Secret)?;
        for (k, v) in &pairs {
            check_name(k, NameKind::SecretKey)?;
            if v.is_empty() {
                return Err(Error::EmptySecret { name: name.to_string(), key: k.clone() });
            }
        }
        let lock = self.state.lock()?;
        let mut secrets = self.state.secrets()?;
        let group = secrets.entry(name.to_string()).or_default();
        let mut stored = Vec::new();
        for (k, v) in pairs {
            stored.push(SecretRef { name: name.to_string(), key: k.clone() });
            group.insert(k, v);
        }
        self.state.save_secrets(&lock, &secrets)?;
        Ok(stored)
    }

    /// Secret names and their keys (never values).
    pub fn secrets(&self) -> Result<Vec<(String, Vec<String>)>, Error> {
        Ok(self.state.secrets()?.into_iter().map(|(name, keys)| (name, keys.into_keys().collect())).collect())
    }

    /// Removes a secret, or only some of its keys.
    pub fn remove_secret(&self, name: &str, keys: &[String]) -> Result<(), Error> {
        let lock = self.state.lock()?;
        let mut secrets = self.state.secrets()?;
        let Some(group) = secrets.get_mut(name) else {
            return Err(Error::UnknownSecret { name: name.to_string() });
        };
        for k in keys {
            if group.remove(k).is_none() {
                return Err(Error::UnknownSecretKey { name: name.to_string(), key: k.clone() });
            }
        }
        if keys.is_empty() || group.is_empty() {
            secrets.remove(name);
        }
        self.state.save_secrets(&lock, &secrets)
    }

    /// The compile cache's files, each with the flavors it belongs to.
    pub fn cache(&self) -> Result<CacheInfo, Error> {
        let reg = self.state.registry()?;
        let owners = cache_owners(&reg);
        let mut entries = self.runtime.cache_entries()?;
        for e in &mut entries {
            if let Some(names) = e.sha256.as_ref().filter(|_| e.current_engine).and_then(|s| owners.get(s)) {
                e.flavors.clone_from(names);
            }
        }
        Ok(CacheInfo { dir: self.state.cache_path()?, entries })
    }

    /// Drops every compiled artifact except those of the registered and
    /// built-in flavors for the running engine.
    pub fn prune_cache(&self) -> Result<Pruned, Error> {
        let _lock = self.state.lock()?;
        let reg = self.state.registry()?;
        self.prune_cache_for(&reg)
    }

    fn prune_cache_for(&self, reg: &Registry) -> Result<Pruned, Error> {
        let keep: BTreeSet<String> = cache_owners(reg).into_keys().collect();
        self.runtime.prune_cache(&keep)
    }
}

/// The components worth keeping compiled, by sha256: the built-in flavors,
/// and each registered flavor's pinned component.
fn cache_owners(reg: &Registry) -> BTreeMap<String, Vec<String>> {
    let mut owners: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for name in builtin::NAMES {
        if let Some(bytes) = builtin::component(name) {
            owners.entry(sha256_hex(bytes)).or_default().push(format!("{name} (built-in)"));
        }
    }
    for (name, entry) in &reg.flavors {
        owners.entry(entry.sha256.clone()).or_default().push(name.clone());
    }
    owners
}

fn check_name(name: &str, kind: NameKind) -> Result<(), Error> {
    if valid_ident(name) {
        Ok(())
    } else {
        Err(Error::InvalidName { kind, name: name.to_string() })
    }
}

/// Records consent to the flavor's declared fixed https hosts, as they are.
fn trust_declared(entry: &mut AlerterEntry, flavor: &Flavor) {
    for h in &flavor.info().hosts {
        if let Ok(o) = Origin::parse_grant(h) {
            let o = o.to_string();
            if o.starts_with("https://") && !entry.trusted_hosts.contains(&o) {
                entry.trusted_hosts.push(o);
            }
        }
    }
}

fn add_grants(entry: &mut AlerterEntry, hosts: &[String]) -> Result<(), Error> {
    for h in hosts {
        let o = Origin::parse_grant(h)?.to_string();
        if !entry.allow_hosts.contains(&o) {
            entry.allow_hosts.push(o);
        }
    }
    Ok(())
}

/// Applies settings: literal secrets move into the secret store under
/// `{{alerter.key}}`.
fn apply_settings(
    alerter: &str,
    info: &FlavorInfo,
    settings: &mut BTreeMap<String, String>,
    pairs: Vec<(String, String)>,
    secrets: &mut SecretMap,
) -> Result<(), Error> {
    check_known(info, pairs.iter().map(|(k, _)| k))?;
    for (key, value) in pairs {
        let secret = info.settings.iter().any(|s| s.name == key && s.secret.is_some());
        if secret && value.contains(['\r', '\n']) {
            return Err(Error::SecretWithLineBreak { alerter: alerter.to_string(), setting: key });
        }
        if secret && SecretRef::parse(&value).is_none() && !value.is_empty() {
            secrets.entry(alerter.to_string()).or_default().insert(key.clone(), value);
            settings.insert(key.clone(), SecretRef { name: alerter.to_string(), key }.to_string());
        } else {
            settings.insert(key, value);
        }
    }
    Ok(())
}

/// Checks required settings, URL-valued hosts and grants; what is not wrong
/// but worth knowing comes back as warnings.
fn check_alerter(
    name: &str,
    exists: bool,
    flavor: &Flavor,
    source: &FlavorSource,
    entry: &AlerterEntry,
    secrets: &SecretMap,
) -> Result<Vec<Warning>, Error> {
    let explicit = grants(entry)?;
    let resolved = resolve_settings(name, exists, flavor, &entry.settings, &[], secrets, Unresolved::Note)?;
    let mut warnings: Vec<Warning> = resolved
        .unresolved
        .iter()
        .map(|reference| Warning::SecretNotSet { env_var: reference.env_var(), reference: reference.clone() })
        .collect();
    let by_default = resolved.granted_by_default(source.is_built_in(), &trusted_hosts(entry));
    if !source.is_built_in() {
        let origins: Vec<Origin> =
            resolved.fixed_hosts().filter(|o| !explicit.contains(o) && !by_default.contains(o)).cloned().collect();
        if !origins.is_empty() {
            warnings.push(Warning::HostsNotConsented { origins });
        }
    }
    for d in &resolved.declared {
        let Some(setting) = &d.setting else { continue };
        if explicit.contains(&d.origin) {
            continue;
        }
        let reason = if d.origin.scheme != "https" {
            GrantReason::PlainHttp
        } else if d.origin.is_known_internal() {
            GrantReason::InternalAddress
        } else if !by_default.contains(&d.origin) {
            GrantReason::FromDefault
        } else {
            continue;
        };
        warnings.push(Warning::NeedsGrant { origin: d.origin.clone(), setting: Some(setting.clone()), reason });
    }
    Ok(warnings)
}
