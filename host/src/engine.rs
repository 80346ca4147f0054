//! The wasmtime engine and linker, the compile cache, and loading a
//! component into a ready-to-call [`Flavor`].
//!
//! The compile cache holds one file per component and engine,
//! `<sha256 of the component>-<engine key>.cwasm`, so a cache never mixes
//! artifacts of different wasmtime versions or settings. [`Runtime::prune_cache`]
//! drops what is no longer wanted.
//!
//! A compiled artifact is native code: deserialising a crafted one would
//! run code outside the sandbox. So each file starts with a keyed BLAKE3
//! MAC of the artifact (the key: 32 random bytes in `ALERTER_HOME/cache.key`,
//! 0600, never in the cache directory itself), computed when it is written
//! and checked on the bytes in memory before they are deserialised. A file
//! that fails the check (changed, restored from elsewhere, written with
//! another key) is a warning and a recompile, never a deserialise. Keyed
//! BLAKE3 over a 35 MiB artifact takes about 7 ms here, HMAC-SHA256 about
//! 30 ms (BENCHMARKS.md).

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine};

use crate::bindings::{self, latest, v0_1, Contract};
use crate::error::{one_line, Error};
use crate::flavor::{Flavor, FlavorPre};
use crate::limits::{Limits, EPOCH_TICK};
use crate::store::CallState;

/// Extension of compiled components in the cache.
const CACHE_EXTENSION: &str = "cwasm";
/// The first bytes of a cache file: this format, then the 32-byte MAC.
const CACHE_MAGIC: &[u8; 8] = b"alrtcw1\0";

/// One engine and linker for the process; loads flavors.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<RuntimeInner>,
}

pub(crate) struct RuntimeInner {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<CallState>,
    pub(crate) limits: Limits,
    cache_dir: Option<PathBuf>,
    cache_key: [u8; 32],
    stop_ticker: Arc<AtomicBool>,
}

impl Drop for RuntimeInner {
    fn drop(&mut self) {
        self.stop_ticker.store(true, Ordering::Relaxed);
    }
}

/// Where a loaded component's machine code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompileSource {
    /// Compiled now (and written to the cache when there is one).
    Compiled,
    /// Read back from the compile cache.
    Cached,
}

/// One file of the compile cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheEntry {
    /// The file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// sha256 of the component it was compiled from (from its name).
    pub sha256: Option<String>,
    /// Whether the running engine can use it.
    pub current_engine: bool,
    /// The flavors it belongs to, when known (filled by [`crate::Host::cache`]).
    pub flavors: Vec<String>,
}

/// What [`Runtime::prune_cache`] removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned {
    /// The files removed.
    pub removed: Vec<CacheEntry>,
    /// Bytes freed.
    pub freed: u64,
}

impl Runtime {
    /// A runtime with the given limits; compiled flavors are cached in
    /// `cache_dir` when given, their MACs keyed with the 32 bytes in the
    /// file next to it, `<cache_dir>.key` (created 0600 when missing).
    /// [`crate::Host::open`] uses `ALERTER_HOME/cache` and
    /// `ALERTER_HOME/cache.key`.
    pub fn new(cache_dir: Option<PathBuf>, limits: Limits) -> Result<Runtime, Error> {
        match cache_dir {
            None => Runtime::build(None, rand::random(), limits),
            Some(dir) => {
                let key = key_next_to(&dir)?;
                Runtime::with_cache(dir, key, limits)
            }
        }
    }

    /// A runtime caching compiled flavors in `dir`, each verified with a MAC
    /// keyed with `key` before it is deserialised.
    pub fn with_cache(dir: PathBuf, key: [u8; 32], limits: Limits) -> Result<Runtime, Error> {
        std::fs::create_dir_all(&dir).map_err(|e| Error::state_dir(&dir, format!("cannot create it: {e}")))?;
        Runtime::build(Some(dir), key, limits)
    }

    fn build(cache_dir: Option<PathBuf>, cache_key: [u8; 32], limits: Limits) -> Result<Runtime, Error> {
        let internal = |what: &str, e: wasmtime::Error| Error::Internal(format!("{what}: {}", one_line(&e)));
        let mut config = Config::new();
        config.epoch_interruption(true);
        config.wasm_component_model(true);
        let engine = Engine::new(&config).map_err(|e| internal("cannot create the wasm engine", e))?;

        let mut linker: Linker<CallState> = Linker::new(&engine);
        latest::AlerterFlavor::add_to_linker::<CallState, HasSelf<CallState>>(&mut linker, |s| s)
            .map_err(|e| internal("cannot link the flavor contract", e))?;
        v0_1::AlerterFlavor::add_to_linker::<CallState, HasSelf<CallState>>(&mut linker, |s| s)
            .map_err(|e| internal("cannot link the flavor contract 0.1", e))?;
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(|e| internal("cannot link WASI", e))?;

        let stop_ticker = Arc::new(AtomicBool::new(false));
        {
            let engine = engine.clone();
            let stop = stop_ticker.clone();
            std::thread::Builder::new()
                .name("alerter-epoch".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(EPOCH_TICK);
                        engine.increment_epoch();
                    }
                })
                .map_err(|e| Error::Internal(format!("cannot start the epoch thread: {e}")))?;
        }
        Ok(Runtime { inner: Arc::new(RuntimeInner { engine, linker, limits, cache_dir, cache_key, stop_ticker }) })
    }

    /// The limits every call runs under.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// Validates, compiles (or reads from the cache) and describes a
    /// component. `what` names it in errors (a path or `built-in flavor "slack"`).
    pub async fn load(&self, bytes: &[u8], what: &str) -> Result<(Flavor, CompileSource), Error> {
        check_header(bytes, what)?;
        let sha256 = sha256_hex(bytes);
        let (component, how) = self.compile(bytes, &sha256, what)?;
        let contract = check_imports_exports(&self.inner.engine, &component, what)?;
        let invalid = |reason: String| Error::InvalidComponent { what: what.to_string(), reason };
        let pre = self
            .inner
            .linker
            .instantiate_pre(&component)
            .map_err(|e| invalid(format!("cannot be linked by this host: {}", one_line(&e))))?;
        let mismatch =
            |e: wasmtime::Error| invalid(format!("does not match the {contract} contract: {}", one_line(&e)));
        let pre = match contract {
            Contract::V0_2 => FlavorPre::V0_2(latest::AlerterFlavorPre::new(pre).map_err(mismatch)?),
            Contract::V0_1 => FlavorPre::V0_1(v0_1::AlerterFlavorPre::new(pre).map_err(mismatch)?),
        };
        let flavor = Flavor::describe(self.inner.clone(), pre, sha256, what).await?;
        Ok((flavor, how))
    }

    fn compile(&self, bytes: &[u8], sha256: &str, what: &str) -> Result<(Component, CompileSource), Error> {
        let engine = &self.inner.engine;
        let cache_file = self.inner.cache_dir.as_ref().map(|d| d.join(self.cache_file_name(sha256)));
        if let Some(file) = cache_file.as_ref().filter(|f| f.exists()) {
            match std::fs::read(file).map_err(|e| e.to_string()).and_then(|b| self.verified(b)) {
                Ok(artifact) => {
                    // SAFETY: the bytes are an artifact this cache wrote: their
                    // keyed MAC (key readable by the user only, outside the
                    // cache directory) was checked just now, on these very
                    // bytes in memory. wasmtime still checks the header and
                    // refuses artifacts of another engine.
                    #[allow(unsafe_code)]
                    match unsafe { Component::deserialize(engine, &artifact) } {
                        Ok(c) => return Ok((c, CompileSource::Cached)),
                        Err(e) => {
                            tracing::warn!("ignoring unreadable compile cache {}: {}", file.display(), one_line(&e));
                        }
                    }
                }
                Err(problem) => tracing::warn!(
                    "compile cache {} failed verification ({problem}); recompiling, never loading it",
                    file.display()
                ),
            }
        }
        let compiled = engine.precompile_component(bytes).map_err(|e| Error::InvalidComponent {
            what: what.to_string(),
            reason: format!("not a valid component: {}", one_line(&e)),
        })?;
        if let Some(file) = &cache_file {
            let mut framed = Vec::with_capacity(compiled.len() + 40);
            framed.extend_from_slice(CACHE_MAGIC);
            framed.extend_from_slice(blake3::keyed_hash(&self.inner.cache_key, &compiled).as_bytes());
            framed.extend_from_slice(&compiled);
            if let Err(e) = write_atomic(file, &framed) {
                tracing::warn!("cannot write compile cache {}: {e}", file.display());
            }
        }
        // SAFETY: `compiled` was produced just now by this engine.
        #[allow(unsafe_code)]
        let component = unsafe { Component::deserialize(engine, &compiled) }
            .map_err(|e| Error::Internal(format!("cannot load compiled code: {}", one_line(&e))))?;
        Ok((component, CompileSource::Compiled))
    }

    /// The artifact in a cache file, when its MAC checks out.
    fn verified(&self, mut file: Vec<u8>) -> Result<Vec<u8>, String> {
        if file.len() < 40 || &file[..8] != CACHE_MAGIC {
            return Err("not a cache file of this alerter".into());
        }
        let mac = blake3::Hash::from_bytes(file[8..40].try_into().map_err(|_| "short file".to_string())?);
        // `Hash` compares in constant time.
        if blake3::keyed_hash(&self.inner.cache_key, &file[40..]) != mac {
            return Err("its MAC does not match: changed, or written with another key".into());
        }
        file.drain(..40);
        Ok(file)
    }

    fn cache_file_name(&self, sha256: &str) -> String {
        format!("{sha256}-{}.{CACHE_EXTENSION}", engine_key(&self.inner.engine))
    }

    /// The files of the compile cache (none without a cache).
    pub fn cache_entries(&self) -> Result<Vec<CacheEntry>, Error> {
        let Some(dir) = &self.inner.cache_dir else { return Ok(Vec::new()) };
        let io = |e: std::io::Error| Error::state_dir(dir, format!("cannot list the compile cache: {e}"));
        let key = engine_key(&self.inner.engine);
        let mut entries = Vec::new();
        for e in std::fs::read_dir(dir).map_err(io)? {
            let e = e.map_err(io)?;
            let path = e.path();
            if path.extension().and_then(|x| x.to_str()) != Some(CACHE_EXTENSION) {
                continue; // a temporary file being written, or not ours
            }
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let (sha256, current_engine) = match stem.split_once('-') {
                Some((sha, k)) => (Some(sha.to_string()), k == key),
                None => (None, false),
            };
            let bytes = e.metadata().map(|m| m.len()).unwrap_or(0);
            entries.push(CacheEntry { path, bytes, sha256, current_engine, flavors: Vec::new() });
        }
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(entries)
    }

    /// Removes every cached artifact except those of the components whose
    /// sha256 is in `keep`, compiled by this engine.
    pub fn prune_cache(&self, keep: &BTreeSet<String>) -> Result<Pruned, Error> {
        let mut pruned = Pruned::default();
        for entry in self.cache_entries()? {
            let wanted = entry.current_engine && entry.sha256.as_ref().is_some_and(|s| keep.contains(s));
            if wanted {
                continue;
            }
            match std::fs::remove_file(&entry.path) {
                Ok(()) => {
                    pruned.freed += entry.bytes;
                    pruned.removed.push(entry);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::state_dir(&entry.path, format!("cannot remove it: {e}"))),
            }
        }
        Ok(pruned)
    }
}

/// Hex sha256 of `bytes`: how components are named in the cache and the registry.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A short key for the engine's compatibility (wasmtime version, target,
/// settings), so a cache never mixes artifacts of different engines.
fn engine_key(engine: &Engine) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    format!("{:016x}", h.finish())
}

/// The key in `<dir>.key`, created (32 random bytes, 0600) when missing.
fn key_next_to(dir: &Path) -> Result<[u8; 32], Error> {
    let mut name = dir.as_os_str().to_owned();
    name.push(".key");
    let path = PathBuf::from(name);
    if let Ok(bytes) = std::fs::read(&path) {
        if let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) {
            return Ok(key);
        }
    }
    let key: [u8; 32] = rand::random();
    write_atomic(&path, &key).map_err(|e| Error::state_dir(&path, format!("cannot write it: {e}")))?;
    Ok(key)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().ok_or_else(|| std::io::Error::other("cache path has no parent"))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Refuses files that are not wasm, and core modules.
fn check_header(bytes: &[u8], what: &str) -> Result<(), Error> {
    if bytes.len() < 8 || &bytes[0..4] != b"\0asm" {
        return Err(Error::NotWasm { what: what.to_string() });
    }
    if bytes[4..8] == [1, 0, 0, 0] {
        return Err(Error::CoreModule { what: what.to_string() });
    }
    Ok(())
}

/// Checks the contract version of the exports (one this host runs) and
/// refuses `wasi:http`.
fn check_imports_exports(engine: &Engine, component: &Component, what: &str) -> Result<Contract, Error> {
    let ty = component.component_type();
    if let Some((name, _)) = ty.imports(engine).find(|(name, _)| name.starts_with("wasi:http/")) {
        return Err(Error::ImportsWasiHttp { what: what.to_string(), import: name.to_string() });
    }
    let exports: Vec<String> = ty.exports(engine).map(|(n, _)| n.to_string()).collect();
    let prefix = format!("{}/flavor@", bindings::CONTRACT_PACKAGE);
    let Some(found) = exports.iter().find(|n| n.starts_with(&prefix)) else {
        return Err(Error::NoFlavorExport {
            what: what.to_string(),
            exports,
            contract: bindings::CONTRACT_VERSION.to_string(),
        });
    };
    let version = &found[prefix.len()..];
    let mut parts = version.split('.').map(|p| p.parse::<u64>().ok());
    let (major, minor) = (parts.next().flatten(), parts.next().flatten());
    major.zip(minor).and_then(|(major, minor)| Contract::of(major, minor)).ok_or_else(|| Error::WrongContract {
        what: what.to_string(),
        found: version.to_string(),
        supported: bindings::SUPPORTED_CONTRACTS
            .iter()
            .map(|(major, minor)| format!("{major}.{minor}.x"))
            .collect::<Vec<_>>()
            .join(" or "),
    })
}
