//! The state directory: the registry of flavors and alerters, the secret
//! store, the pinned copies of registered components, the place of the
//! compile cache and its key, the lock and atomic writes.
//!
//! `$ALERTER_HOME`, else the user's config directory (`directories`). It is
//! created owner-only (0700) and refused when it is not owned by the user
//! or is writable by group or others: whoever can write it can change the
//! code that runs and read the secrets. Every file in it is created 0600.
//! Every change is read-modify-write under an exclusive lock on
//! `state.lock`, and every file is replaced atomically (write a temporary
//! file, sync, rename), so concurrent `alerter` processes never lose an
//! update and a failed command leaves the files as they were.
//!
//! A registered component is copied to `flavors/<sha256>.wasm`
//! (content-addressed) and read back from there, verified against the
//! sha256 the registry records: the code that runs is the code that was
//! registered, whatever happens to the original file.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use cap_std::ambient_authority;
use cap_std::fs::{Dir, OpenOptions};
use serde::{Deserialize, Serialize};

use crate::engine::sha256_hex;
use crate::error::Error;
use crate::limits::LimitOverrides;
use crate::secrets::SecretMap;

const REGISTRY: &str = "registry.toml";
const SECRETS: &str = "secrets.toml";
const LOCK: &str = "state.lock";
/// Subdirectory holding compiled flavors.
const CACHE_DIR: &str = "cache";
/// The key of the compile cache's MACs (32 random bytes, 0600).
const CACHE_KEY: &str = "cache.key";
/// Subdirectory holding the pinned copies of registered components.
const FLAVORS_DIR: &str = "flavors";

/// A flavor registered from a file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FlavorEntry {
    /// The file it was registered from, absolute (for display only: the
    /// code that runs is the pinned copy `flavors/<sha256>.wasm`).
    pub path: PathBuf,
    /// sha256 of the component as registered: the name of its pinned copy.
    pub sha256: String,
    /// Registered with `--trusted` (or `alerter flavor trust`): it may
    /// serve `ask`, whose answer is only as trustworthy as the flavor that
    /// reports who replied.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub trusted: bool,
}

/// A configured alerter: a flavor plus settings and grants.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct AlerterEntry {
    /// Flavor name (registered or built in).
    pub flavor: String,
    /// Settings; secret ones hold `{{name.key}}` references.
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
    /// Explicit egress grants, `scheme://host[:port]`.
    #[serde(default)]
    pub allow_hosts: Vec<String>,
    /// The declared https origins of its flavor that the user consented to
    /// with `--trust-declared-hosts` (recorded as they were then, so a
    /// replaced flavor's new hosts are not granted by it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_hosts: Vec<String>,
    /// Limits of this alerter's calls that differ from the runtime's.
    #[serde(default, skip_serializing_if = "LimitOverrides::is_empty")]
    pub limits: LimitOverrides,
}

/// The registry file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
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

    /// Opens the state directory at `root`, creating it owner-only (0700)
    /// when it does not exist; refuses one that is not owned by the user or
    /// is writable by group or others ([`Error::UnsafeStateDir`]).
    pub fn open(root: &Path) -> Result<StateDir, Error> {
        if !root.exists() {
            create_private_dir(root).map_err(|e| Error::state_dir(root, format!("cannot create it: {e}")))?;
        }
        check_private(root)?;
        let dir = Dir::open_ambient_dir(root, ambient_authority())
            .map_err(|e| Error::state_dir(root, format!("cannot open it: {e}")))?;
        Ok(StateDir { root: root.to_path_buf(), dir })
    }

    /// The directory's path.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Path of the compile cache (created owner-only on demand).
    pub fn cache_path(&self) -> Result<PathBuf, Error> {
        self.subdir(CACHE_DIR)
    }

    /// A subdirectory, created 0700 when missing, refused like the root
    /// when it is not private.
    fn subdir(&self, name: &str) -> Result<PathBuf, Error> {
        let path = self.root.join(name);
        if !path.exists() {
            create_private_dir(&path).map_err(|e| Error::state_dir(&path, format!("cannot create it: {e}")))?;
        }
        check_private(&path)?;
        Ok(path)
    }

    /// The compile cache's key: 32 random bytes in `cache.key` (0600),
    /// created on first use.
    pub fn cache_key(&self) -> Result<[u8; 32], Error> {
        let path = self.root.join(CACHE_KEY);
        match self.dir.read(CACHE_KEY) {
            Ok(bytes) if bytes.len() == 32 => {
                let mut key = [0u8; 32];
                key.copy_from_slice(&bytes);
                return Ok(key);
            }
            Ok(_) => tracing::warn!(
                "{} is not a 32-byte key; making a new one (the compile cache starts over)",
                path.display()
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::state_dir(&path, format!("cannot read it: {e}"))),
        }
        let key: [u8; 32] = rand::random();
        self.write_atomic(CACHE_KEY, &key)?;
        Ok(key)
    }

    /// Copies a component into `flavors/<sha256>.wasm` (0600) unless it is
    /// there already; returns its sha256.
    pub fn pin(&self, bytes: &[u8]) -> Result<String, Error> {
        self.subdir(FLAVORS_DIR)?;
        let sha = sha256_hex(bytes);
        let name = format!("{FLAVORS_DIR}/{sha}.wasm");
        if self.dir.read(&name).is_ok_and(|b| sha256_hex(&b) == sha) {
            return Ok(sha);
        }
        self.write_atomic(&name, bytes)?;
        Ok(sha)
    }

    /// The pinned component with this sha256, verified; `Ok(None)` when
    /// there is no pinned copy.
    pub fn pinned(&self, sha256: &str) -> Result<Option<Vec<u8>>, Error> {
        if !sha256.bytes().all(|b| b.is_ascii_hexdigit()) || sha256.len() != 64 {
            return Err(Error::StateFile {
                path: self.root.join(REGISTRY),
                problem: format!("`{}` is not a sha256", sha256.escape_debug()),
            });
        }
        let name = format!("{FLAVORS_DIR}/{sha256}.wasm");
        let bytes = match self.dir.read(&name) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::state_dir(self.root.join(&name), format!("cannot read it: {e}"))),
        };
        let found = sha256_hex(&bytes);
        if found != sha256 {
            return Err(Error::PinnedFlavorChanged {
                path: self.root.join(&name),
                expected: sha256.to_string(),
                found,
            });
        }
        Ok(Some(bytes))
    }

    /// Removes the pinned copies whose sha256 is not in `keep`; returns how
    /// many.
    pub fn prune_pinned(&self, keep: &std::collections::BTreeSet<String>) -> Result<usize, Error> {
        let Ok(entries) = self.dir.read_dir(FLAVORS_DIR) else { return Ok(0) };
        let mut removed = 0;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(sha) = name.strip_suffix(".wasm") else { continue };
            if keep.contains(sha) {
                continue;
            }
            let path = format!("{FLAVORS_DIR}/{name}");
            match self.dir.remove_file(&path) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::state_dir(self.root.join(&path), format!("cannot remove it: {e}"))),
            }
        }
        Ok(removed)
    }

    /// Takes the exclusive lock; hold it across read-modify-write.
    pub fn lock(&self) -> Result<StateLock, Error> {
        let mut opts = OpenOptions::new();
        opts.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use cap_std::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = self
            .dir
            .open_with(LOCK, &opts)
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
        let (dir, file) = match name.rsplit_once('/') {
            Some((d, f)) => (format!("{d}/"), f),
            None => (String::new(), name),
        };
        let tmp = format!("{dir}.{file}.{}.{:08x}.tmp", std::process::id(), rand::random::<u32>());
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

/// Creates `path` (and missing parents) with mode 0700.
fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(path)
}

/// Refuses a directory that is not owned by the user running alerter or is
/// writable by group or others.
fn check_private(path: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).map_err(|e| Error::state_dir(path, format!("cannot read it: {e}")))?;
        let me = rustix::process::geteuid().as_raw();
        if meta.uid() != me {
            return Err(Error::UnsafeStateDir {
                path: path.to_path_buf(),
                problem: format!("it is owned by user id {}, not by you (user id {me})", meta.uid()),
                fix: format!("use a directory of your own (ALERTER_HOME), or `chown {me} {}`", path.display()),
            });
        }
        let mode = meta.mode() & 0o777;
        if mode & 0o022 != 0 {
            let who = match (mode & 0o020 != 0, mode & 0o002 != 0) {
                (true, true) => "group and others",
                (true, false) => "its group",
                _ => "others",
            };
            return Err(Error::UnsafeStateDir {
                path: path.to_path_buf(),
                problem: format!("it is writable by {who} (mode {mode:03o})"),
                fix: format!("chmod 700 {}", path.display()),
            });
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn the_state_dir_is_created_private_and_refused_when_not() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        let state = StateDir::open(&home).unwrap();
        assert_eq!(std::fs::metadata(&home).unwrap().permissions().mode() & 0o777, 0o700);
        state.cache_path().unwrap();
        assert_eq!(std::fs::metadata(home.join("cache")).unwrap().permissions().mode() & 0o777, 0o700);
        let key = state.cache_key().unwrap();
        assert_eq!(state.cache_key().unwrap(), key, "the key is kept");
        assert_eq!(std::fs::metadata(home.join("cache.key")).unwrap().permissions().mode() & 0o777, 0o600);
        let sha = state.pin(b"\0asm component").unwrap();
        assert_eq!(state.pinned(&sha).unwrap().as_deref(), Some(&b"\0asm component"[..]));
        let pinned = home.join(FLAVORS_DIR).join(format!("{sha}.wasm"));
        assert_eq!(std::fs::metadata(&pinned).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::write(&pinned, b"swapped").unwrap();
        assert!(matches!(state.pinned(&sha), Err(Error::PinnedFlavorChanged { .. })));
        assert_eq!(state.prune_pinned(&Default::default()).unwrap(), 1);
        assert_eq!(state.pinned(&sha).unwrap(), None);

        for mode in [0o770, 0o702, 0o777, 0o720] {
            std::fs::set_permissions(&home, std::fs::Permissions::from_mode(mode)).unwrap();
            match StateDir::open(&home) {
                Err(Error::UnsafeStateDir { fix, .. }) => assert_eq!(fix, format!("chmod 700 {}", home.display())),
                other => panic!("{mode:o}: {:?}", other.map(|_| ())),
            }
        }
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o750)).unwrap();
        assert!(StateDir::open(&home).is_ok(), "readable by the group is fine");
    }
}
