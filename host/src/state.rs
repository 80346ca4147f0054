//! The state directory: the registry of flavors and alerters, the secret
//! store, the place of the compile cache, the lock and atomic writes.
//!
//! `$ALERTER_HOME`, else the user's config directory (`directories`). Every
//! change is read-modify-write under an exclusive lock on `state.lock`, and
//! every file is replaced atomically (write a temporary file, sync, rename),
//! so concurrent `alerter` processes never lose an update and a failed
//! command leaves the files as they were.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use cap_std::ambient_authority;
use cap_std::fs::{Dir, OpenOptions};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::secrets::SecretMap;

const REGISTRY: &str = "registry.toml";
const SECRETS: &str = "secrets.toml";
const LOCK: &str = "state.lock";
/// Subdirectory holding compiled flavors.
const CACHE_DIR: &str = "cache";

/// A flavor registered by path.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FlavorEntry {
    /// Absolute path of the `.wasm` component.
    pub path: PathBuf,
    /// sha256 of the file when it was last loaded.
    pub sha256: String,
}

/// A configured alerter: a flavor plus settings and grants.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct AlerterEntry {
    /// Flavor name (registered or built in).
    pub flavor: String,
    /// Settings; secret ones hold `{{name.key}}` references.
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
    /// Explicit egress grants, `scheme://host[:port]`.
    #[serde(default)]
    pub allow_hosts: Vec<String>,
}

/// The registry file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Registry {
    /// The alerter used when `--alerter` is not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<String>,
    /// Flavors registered by path.
    #[serde(default)]
    pub flavors: BTreeMap<String, FlavorEntry>,
    /// Alerters by name.
    #[serde(default)]
    pub alerters: BTreeMap<String, AlerterEntry>,
    /// Groups of alerters by name (`alerter group set`), each usable where
    /// an alerter name is.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub groups: BTreeMap<String, Vec<String>>,
}

/// The state directory, opened with cap-std so every access stays inside it.
pub struct StateDir {
    root: PathBuf,
    dir: Dir,
}

/// Holds the exclusive state lock until dropped.
pub struct StateLock {
    _file: std::fs::File,
}

impl StateDir {
    /// `$ALERTER_HOME`, else the platform config dir (`~/.config/alerter` on Linux).
    pub fn default_path() -> Result<PathBuf, Error> {
        if let Some(home) = std::env::var_os("ALERTER_HOME").filter(|v| !v.is_empty()) {
            return Ok(PathBuf::from(home));
        }
        directories::ProjectDirs::from("dev", "alerter", "alerter")
            .map(|d| d.config_dir().to_path_buf())
            .ok_or(Error::NoHomeDirectory)
    }

    /// Opens (creating, owner-only) the state directory at `root`.
    pub fn open(root: &Path) -> Result<StateDir, Error> {
        std::fs::create_dir_all(root).map_err(|e| Error::state_dir(root, format!("cannot create it: {e}")))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o700));
        }
        let dir = Dir::open_ambient_dir(root, ambient_authority())
            .map_err(|e| Error::state_dir(root, format!("cannot open it: {e}")))?;
        Ok(StateDir { root: root.to_path_buf(), dir })
    }

    /// The directory's path.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Path of the compile cache (created on demand).
    pub fn cache_path(&self) -> Result<PathBuf, Error> {
        self.dir
            .create_dir_all(CACHE_DIR)
            .map_err(|e| Error::state_dir(self.root.join(CACHE_DIR), format!("cannot create it: {e}")))?;
        Ok(self.root.join(CACHE_DIR))
    }

    /// Takes the exclusive lock; hold it across read-modify-write.
    pub fn lock(&self) -> Result<StateLock, Error> {
        let file = self
            .dir
            .open_with(LOCK, OpenOptions::new().create(true).truncate(false).write(true))
            .map_err(|e| Error::state_dir(self.root.join(LOCK), format!("cannot open the lock: {e}")))?
            .into_std();
        file.lock().map_err(|e| Error::state_dir(self.root.join(LOCK), format!("cannot lock it: {e}")))?;
        Ok(StateLock { _file: file })
    }

    /// Reads the registry (empty when there is none yet).
    pub fn registry(&self) -> Result<Registry, Error> {
        self.read_toml(REGISTRY)
    }

    /// Replaces the registry atomically. Call with the lock held.
    pub fn save_registry(&self, _lock: &StateLock, reg: &Registry) -> Result<(), Error> {
        let text = toml::to_string_pretty(reg).map_err(|e| Error::state_dir(self.root.join(REGISTRY), e))?;
        self.write_atomic(REGISTRY, text.as_bytes())
    }

    /// Reads the secret store.
    pub fn secrets(&self) -> Result<SecretMap, Error> {
        self.read_toml(SECRETS)
    }

    /// Replaces the secret store atomically (mode 0600). Call with the lock held.
    pub fn save_secrets(&self, _lock: &StateLock, secrets: &SecretMap) -> Result<(), Error> {
        let text = toml::to_string_pretty(secrets).map_err(|e| Error::state_dir(self.root.join(SECRETS), e))?;
        self.write_atomic(SECRETS, text.as_bytes())
    }

    /// Writes a file in the state directory atomically (owner-only).
    fn write_atomic(&self, name: &str, bytes: &[u8]) -> Result<(), Error> {
        let tmp = format!(".{name}.{}.{:08x}.tmp", std::process::id(), rand::random::<u32>());
        let result = (|| -> std::io::Result<()> {
            let mut opts = OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use cap_std::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = self.dir.open_with(&tmp, &opts)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            self.dir.rename(&tmp, &self.dir, name)?;
            Ok(())
        })();
        if result.is_err() {
            let _ = self.dir.remove_file(&tmp);
        }
        result.map_err(|e| Error::state_dir(self.root.join(name), format!("cannot write it: {e}")))
    }

    fn read_toml<T: Default + for<'de> Deserialize<'de>>(&self, name: &str) -> Result<T, Error> {
        match self.dir.read_to_string(name) {
            Ok(text) => toml::from_str(&text)
                .map_err(|e| Error::StateFile { path: self.root.join(name), problem: e.message().to_string() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
            Err(e) => Err(Error::state_dir(self.root.join(name), format!("cannot read it: {e}"))),
        }
    }
}
