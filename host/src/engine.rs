//! The wasmtime engine and linker, the compile cache, and loading a
//! component into a ready-to-call [`Flavor`].
//!
//! The compile cache holds two files per component and engine:
//! `<sha256 of the component>-<engine key>.cwasm`, the compiled artifact
//! exactly as wasmtime wrote it (so it can be mapped, never copied), and
//! `<same>.meta`, a keyed BLAKE3 MAC and what the artifact was compiled from
//! (the component's sha256, the engine key, the contract and the flavor's
//! `info`). A cache never mixes artifacts of different wasmtime versions or
//! settings. [`Runtime::prune_cache`] drops what is no longer wanted.
//!
//! A compiled artifact is native code: deserialising a crafted one would
//! run code outside the sandbox. So the MAC (the key: 32 random bytes in
//! `ALERTER_HOME/cache.key`, 0600, never in the cache directory itself) is
//! computed when the pair is written, over the metadata and every byte of
//! the artifact, and checked before the artifact is deserialised: on the
//! open file, which is then mapped through that very descriptor (not
//! opened again by name). A pair that fails the check (changed, restored
//! from elsewhere, written with another key, renamed to another
//! component's name) is a warning and a recompile, never a deserialise.
//! Keyed BLAKE3 over a 35 MiB artifact takes about 7 ms on one core here,
//! HMAC-SHA256 about 30 ms (BENCHMARKS.md); it is hashed through a small
//! mapped window, so it neither copies the artifact nor adds it to the
//! process's resident memory.
//!
//! Hashing every byte on every load was most of what a big flavor's
//! `alerter post` cost beyond a small one's, so the `.meta` file also
//! carries a seal: a second keyed MAC, over the artifact's MAC, the
//! metadata and the identity of the file as this cache last wrote or fully
//! checked it (device, inode, size, modification and change times). A load
//! whose open file still has that identity is checked by the seal alone.
//! Any write to the file, a copy, a restore or a rename over it gives it a
//! new change time or inode, which no program without root can set back, so
//! it gets the full check again; when that passes, the seal is renewed.
//!
//! Because the MAC binds the artifact to the sha256 of the component it was
//! compiled from, a cached load needs neither the component's bytes nor its
//! sha256 (see [`Runtime::load_sha256`]): the pinned copy of a registered
//! flavor is read, and verified, only when it has to be compiled. And
//! because it carries the flavor's `info`, a cached load instantiates
//! nothing: the first instance is the one of the first call.
//!
//! Within a process a component is loaded once: later loads of the same
//! sha256 share its compiled code and linking (both immutable); every call
//! still gets a fresh instance.
//!
//! Instances come from a pooling allocator (`pool_config`): each call takes
//! a slot of pre-reserved memory, tables and fiber stack, whose linear
//! memory is a copy-on-write image of the component's initial memory and is
//! reset when the call ends (only the pages the call dirtied; see
//! [`Residency`] for what stays resident afterwards). A semaphore
//! in front of calls keeps the number in flight within the pool's size, so
//! the pool is never exhausted: a call beyond it waits for a slot.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::bindings::{self, latest, v0_1, Contract};
use crate::error::{one_line, Error};
use crate::flavor::{Flavor, FlavorInfo, FlavorPre};
use crate::limits::{Limits, EPOCH_TICK};
use crate::net::Clients;
use crate::store::CallState;

/// Extension of compiled components in the cache.
const CACHE_EXTENSION: &str = "cwasm";
/// Extension of the MAC and metadata next to each compiled component.
const META_EXTENSION: &str = "meta";
/// The first bytes of a `.meta` file: this format; then the 32-byte MAC,
/// the 32-byte seal, the sealed file identity ([`IDENTITY_LEN`] bytes), then
/// the metadata (JSON).
const META_MAGIC: &[u8; 8] = b"alrtmt3\0";
/// The format before seals: the MAC, then the metadata. Read (fully
/// checked, then sealed), never written.
const META_MAGIC_V2: &[u8; 8] = b"alrtmt2\0";
/// Hashed first, so a MAC of this cache is never valid for anything else.
const MAC_DOMAIN: &[u8] = b"alerter compile cache v2\0";
/// Hashed first into a seal, so a seal is never a valid MAC and back.
const SEAL_DOMAIN: &[u8] = b"alerter compile cache seal v3\0";
/// Bytes of a file identity: device, inode, size, modification and change
/// times (seconds and nanoseconds), little-endian.
const IDENTITY_LEN: usize = 56;
/// The artifact is written in pieces this size. Linux caches a file in
/// folios as large as the writes that filled it, and maps a whole folio
/// around each page a process touches: written in one 30 MB piece, the
/// Python flavor's artifact put about 10 MiB more of its code in every
/// later `alerter post`'s resident memory than written in these.
const WRITE_PIECE: usize = 64 << 10;
/// Bytes of the artifact mapped at a time while it is hashed.
const HASH_WINDOW: usize = 4 << 20;

/// Calls in flight at once in one process (each holds one pooled instance
/// slot while it runs, HTTP included); more wait for a slot.
pub const MAX_CONCURRENT_CALLS: usize = 64;
/// Under [`Residency::KeepWarm`], bytes of each pooled linear memory kept
/// resident (and reset in place, only the pages the call wrote) rather than
/// given back to the kernel and faulted in again by the next call.
const KEEP_RESIDENT_MEMORY: usize = 2 << 20;
/// The same for each fiber stack.
const KEEP_RESIDENT_STACK: usize = 128 << 10;
/// Largest linear memory a pooled slot can hold: all of 32-bit wasm; the
/// per-call [`Limits::memory_bytes`] is what actually caps a call.
const POOL_MAX_MEMORY: usize = 4 << 30;

/// What a finished call leaves resident in its pooled instance slot: a
/// choice between the next call's speed and the process's peak memory.
/// Either way the next call starts from the component's initial state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Residency {
    /// Keep the first pages of each slot's memory (2 MiB), tables and fiber
    /// stack resident and reset them in place, so the next call in the slot
    /// does not fault them in again: for processes that make many calls
    /// (the library's default, the Python package).
    #[default]
    KeepWarm,
    /// Give every page of a finished call back to the kernel: for processes
    /// that make a few calls and exit (the `alerter` CLI). Resetting in
    /// place copies the memory image back over each page the call wrote,
    /// which reads the image through a second mapping: 1.1 MiB more at the
    /// peak of an `alerter post` through the Python flavor.
    GiveBack,
}

/// What the `.meta` file says about its artifact (MAC'd with it).
#[derive(Serialize, Deserialize)]
struct Meta {
    /// sha256 of the component compiled.
    sha256: String,
    /// The engine key (see [`engine_key`]).
    engine: String,
    /// What the flavor's `info` returned when it was compiled (validated).
    info: FlavorInfo,
}

/// A component loaded in this process: compiled, linked, described.
#[derive(Clone)]
struct Loaded {
    pre: FlavorPre,
    info: Arc<FlavorInfo>,
}

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
    /// One permit per pooled instance slot: a call holds one while it runs.
    pub(crate) slots: Arc<tokio::sync::Semaphore>,
    /// Components loaded in this process, by sha256.
    loaded: Mutex<HashMap<String, Loaded>>,
    /// HTTP clients shared by the alerters of this runtime.
    pub(crate) clients: Arc<Clients>,
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
    /// Its slots are kept warm ([`Residency::KeepWarm`]).
    pub fn new(cache_dir: Option<PathBuf>, limits: Limits) -> Result<Runtime, Error> {
        match cache_dir {
            None => Runtime::build(None, rand::random(), limits, Residency::KeepWarm),
            Some(dir) => {
                let key = key_next_to(&dir)?;
                Runtime::with_cache(dir, key, limits, Residency::KeepWarm)
            }
        }
    }

    /// A runtime caching compiled flavors in `dir`, each verified with a MAC
    /// keyed with `key` before it is deserialised.
    pub fn with_cache(dir: PathBuf, key: [u8; 32], limits: Limits, residency: Residency) -> Result<Runtime, Error> {
        std::fs::create_dir_all(&dir).map_err(|e| Error::state_dir(&dir, format!("cannot create it: {e}")))?;
        Runtime::build(Some(dir), key, limits, residency)
    }

    fn build(
        cache_dir: Option<PathBuf>,
        cache_key: [u8; 32],
        limits: Limits,
        residency: Residency,
    ) -> Result<Runtime, Error> {
        let internal = |what: &str, e: wasmtime::Error| Error::Internal(format!("{what}: {}", one_line(&e)));
        let engine = Engine::new(&engine_config(&limits, residency))
            .map_err(|e| internal("cannot create the wasm engine", e))?;

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
        Ok(Runtime {
            inner: Arc::new(RuntimeInner {
                engine,
                linker,
                limits,
                cache_dir,
                cache_key,
                stop_ticker,
                slots: Arc::new(tokio::sync::Semaphore::new(MAX_CONCURRENT_CALLS)),
                loaded: Mutex::new(HashMap::new()),
                clients: Arc::new(Clients::default()),
            }),
        })
    }

    /// The HTTP clients the alerters of this runtime share (one per origin
    /// and resolver rule, see [`Clients`]).
    pub fn clients(&self) -> &Arc<Clients> {
        &self.inner.clients
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
        self.load_sha256(&sha256, what, || Ok(std::borrow::Cow::Borrowed(bytes))).await
    }

    /// Loads the component whose sha256 is `sha256`: from this process's
    /// loaded components, else from the compile cache (which binds each
    /// artifact to the sha256 it was compiled from, so the component's bytes
    /// are not needed), else by compiling what `bytes` gives, which must
    /// have that sha256.
    pub(crate) async fn load_sha256<'a>(
        &self,
        sha256: &str,
        what: &str,
        bytes: impl FnOnce() -> Result<std::borrow::Cow<'a, [u8]>, Error>,
    ) -> Result<(Flavor, CompileSource), Error> {
        let known = self.inner.loaded.lock().unwrap_or_else(|e| e.into_inner()).get(sha256).cloned();
        if let Some(l) = known {
            return Ok((Flavor::ready(self.inner.clone(), l.pre, l.info, sha256.to_string()), CompileSource::Cached));
        }
        if let Some((component, meta)) = self.cached(sha256) {
            let pre = self.link(&component, what)?;
            let info = Arc::new(meta.info);
            let flavor = Flavor::ready(self.inner.clone(), pre.clone(), info.clone(), sha256.to_string());
            self.remember(sha256, pre, info);
            return Ok((flavor, CompileSource::Cached));
        }
        let bytes = bytes()?;
        check_header(&bytes, what)?;
        let found = sha256_hex(&bytes);
        if found != sha256 {
            return Err(Error::Internal(format!("{what}: expected the component {sha256}, got {found}")));
        }
        let compiled = self.inner.engine.precompile_component(&bytes).map_err(|e| Error::InvalidComponent {
            what: what.to_string(),
            reason: format!("not a valid component: {}", one_line(&e)),
        })?;
        drop(bytes);
        // SAFETY: `compiled` was produced just now by this engine.
        #[allow(unsafe_code)]
        let component = unsafe { Component::deserialize(&self.inner.engine, &compiled) }
            .map_err(|e| Error::Internal(format!("cannot load compiled code: {}", one_line(&e))))?;
        let pre = self.link(&component, what)?;
        let flavor = Flavor::describe(self.inner.clone(), pre.clone(), sha256.to_string(), what).await?;
        self.store_cached(sha256, &compiled, flavor.info());
        self.remember(sha256, pre, flavor.shared_info());
        Ok((flavor, CompileSource::Compiled))
    }

    fn remember(&self, sha256: &str, pre: FlavorPre, info: Arc<FlavorInfo>) {
        self.inner.loaded.lock().unwrap_or_else(|e| e.into_inner()).insert(sha256.to_string(), Loaded { pre, info });
    }

    /// Checks the contract and imports, and links the component.
    fn link(&self, component: &Component, what: &str) -> Result<FlavorPre, Error> {
        let contract = check_imports_exports(&self.inner.engine, component, what)?;
        let invalid = |reason: String| Error::InvalidComponent { what: what.to_string(), reason };
        let pre = self
            .inner
            .linker
            .instantiate_pre(component)
            .map_err(|e| invalid(format!("cannot be linked by this host: {}", one_line(&e))))?;
        let mismatch =
            |e: wasmtime::Error| invalid(format!("does not match the {contract} contract: {}", one_line(&e)));
        Ok(match contract {
            Contract::V0_2 => FlavorPre::V0_2(latest::AlerterFlavorPre::new(pre).map_err(mismatch)?),
            Contract::V0_1 => FlavorPre::V0_1(v0_1::AlerterFlavorPre::new(pre).map_err(mismatch)?),
        })
    }

    /// The cached artifact of `sha256` with its metadata, when the pair is
    /// there and its MAC checks out (a warning otherwise).
    fn cached(&self, sha256: &str) -> Option<(Component, Meta)> {
        let dir = self.inner.cache_dir.as_ref()?;
        let name = self.cache_file_name(sha256);
        let (artifact, meta) = (dir.join(&name), dir.join(Path::new(&name).with_extension(META_EXTENSION)));
        if !artifact.exists() {
            return None;
        }
        let file = match self.verified(&artifact, &meta, sha256) {
            Ok(v) => v,
            Err(problem) => {
                tracing::warn!(
                    "compile cache {} failed verification ({problem}); recompiling, never loading it",
                    artifact.display()
                );
                return None;
            }
        };
        let (file, meta) = file;
        // SAFETY: the file is an artifact this cache wrote: its keyed MAC
        // (key readable by the user only, outside the cache directory) was
        // checked on this open file, over every byte, just now or (by the
        // seal) when it last had the identity it still has, and it is
        // mapped through this same descriptor. Only someone with the user's
        // own rights could change it in between, and they could as well
        // read the key. wasmtime still checks the header and refuses
        // artifacts of another engine.
        #[allow(unsafe_code)]
        let loaded = unsafe { Component::deserialize_file(&self.inner.engine, fd_path(&file, &artifact)) };
        match loaded {
            Ok(c) => Some((c, meta)),
            Err(e) => {
                tracing::warn!("ignoring unreadable compile cache {}: {}", artifact.display(), one_line(&e));
                None
            }
        }
    }

    /// Opens the artifact and checks it against `meta`: by the seal when the
    /// open file still has the identity it was sealed with, else by the MAC
    /// over the metadata and every byte of the artifact (and then seals it
    /// afresh). Then checks that the metadata names `sha256` and this engine.
    fn verified(&self, artifact: &Path, meta: &Path, sha256: &str) -> Result<(File, Meta), String> {
        let meta_bytes = std::fs::read(meta).map_err(|e| format!("no readable MAC: {e}"))?;
        let sealed = MetaFile::parse(&meta_bytes).ok_or("not a cache file of this alerter")?;
        let file = File::open(artifact).map_err(|e| e.to_string())?;
        let identity = file_identity(&file);
        let by_seal = match (&identity, &sealed.seal) {
            (Some(now), Some((seal, then))) => now == then && self.seal(&sealed.mac, sealed.json, now) == *seal,
            _ => false,
        };
        if !by_seal {
            let mut h = self.mac_hasher(sealed.json);
            hash_file(&mut h, &file).map_err(|e| format!("cannot read it: {e}"))?;
            // `Hash` compares in constant time.
            if h.finalize() != sealed.mac {
                return Err("its MAC does not match: changed, or written with another key".into());
            }
        }
        let parsed: Meta = serde_json::from_slice(sealed.json).map_err(|e| format!("unreadable metadata: {e}"))?;
        if parsed.sha256 != sha256 || parsed.engine != engine_key(&self.inner.engine) {
            return Err("it was compiled from another component".into());
        }
        if let (false, Some(identity)) = (by_seal, identity) {
            // Copied, restored or written by an older alerter: checked in
            // full just now, so later loads need only the seal.
            let framed = self.frame_meta(&sealed.mac, sealed.json, &identity);
            if let Err(e) = write_atomic(meta, &framed) {
                tracing::debug!("cannot renew the seal of {}: {e}", artifact.display());
            }
        }
        Ok((file, parsed))
    }

    /// The seal of an artifact with MAC `mac`, metadata `json` and file
    /// identity `identity`.
    fn seal(&self, mac: &blake3::Hash, json: &[u8], identity: &[u8; IDENTITY_LEN]) -> blake3::Hash {
        let mut h = blake3::Hasher::new_keyed(&self.inner.cache_key);
        h.update(SEAL_DOMAIN);
        h.update(mac.as_bytes());
        h.update(&(json.len() as u64).to_le_bytes());
        h.update(json);
        h.update(identity);
        h.finalize()
    }

    /// The bytes of a `.meta` file (see [`META_MAGIC`]).
    fn frame_meta(&self, mac: &blake3::Hash, json: &[u8], identity: &[u8; IDENTITY_LEN]) -> Vec<u8> {
        let seal = self.seal(mac, json, identity);
        let mut framed = Vec::with_capacity(8 + 64 + IDENTITY_LEN + json.len());
        framed.extend_from_slice(META_MAGIC);
        framed.extend_from_slice(mac.as_bytes());
        framed.extend_from_slice(seal.as_bytes());
        framed.extend_from_slice(identity);
        framed.extend_from_slice(json);
        framed
    }

    fn mac_hasher(&self, meta_json: &[u8]) -> blake3::Hasher {
        let mut h = blake3::Hasher::new_keyed(&self.inner.cache_key);
        h.update(MAC_DOMAIN);
        h.update(&(meta_json.len() as u64).to_le_bytes());
        h.update(meta_json);
        h
    }

    /// Writes the artifact and its MAC'd metadata (a warning when it cannot).
    fn store_cached(&self, sha256: &str, compiled: &[u8], info: &FlavorInfo) {
        let Some(dir) = &self.inner.cache_dir else { return };
        let name = self.cache_file_name(sha256);
        let meta = Meta { sha256: sha256.to_string(), engine: engine_key(&self.inner.engine), info: info.clone() };
        let json = match serde_json::to_vec(&meta) {
            Ok(j) => j,
            Err(e) => return tracing::warn!("cannot describe the compile cache entry: {e}"),
        };
        let mut h = self.mac_hasher(&json);
        h.update(compiled);
        let mac = h.finalize();
        let artifact = dir.join(&name);
        let written = write_atomic(&artifact, compiled).and_then(|file| {
            // Sealed with the identity the file has now it is in place (a
            // rename changes its change time); without one, every load
            // checks the MAC.
            let identity = file_identity(&file).unwrap_or([0; IDENTITY_LEN]);
            write_atomic(&artifact.with_extension(META_EXTENSION), &self.frame_meta(&mac, &json, &identity))
        });
        if let Err(e) = written {
            tracing::warn!("cannot write compile cache {}: {e}", artifact.display());
        }
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
            let meta = std::fs::metadata(path.with_extension(META_EXTENSION)).map(|m| m.len()).unwrap_or(0);
            let bytes = e.metadata().map(|m| m.len()).unwrap_or(0) + meta;
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
            let _ = std::fs::remove_file(entry.path.with_extension(META_EXTENSION));
            match std::fs::remove_file(&entry.path) {
                Ok(()) => {
                    pruned.freed += entry.bytes;
                    pruned.removed.push(entry);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::state_dir(&entry.path, format!("cannot remove it: {e}"))),
            }
        }
        // Metadata whose artifact is gone (a write cut short) goes too.
        if let Some(dir) = &self.inner.cache_dir {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = e.path();
                if path.extension().is_some_and(|x| x == META_EXTENSION)
                    && !path.with_extension(CACHE_EXTENSION).exists()
                {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        Ok(pruned)
    }
}

/// The engine's settings: epoch interruption for the CPU budget, the
/// component model, the pooling allocator, and compiled artifacts without
/// what only debuggers and profilers read (symbols, native unwind tables,
/// the address map for wasm offsets in backtraces: a trap's error comes
/// from the guest's own last words), which makes the artifacts of the big
/// Python and JavaScript flavors about 15 % smaller to compile, hash and map.
fn engine_config(limits: &Limits, residency: Residency) -> Config {
    let mut config = Config::new();
    config.epoch_interruption(true);
    config.wasm_component_model(true);
    config.debug_symbols(false);
    config.native_unwind_info(false);
    config.generate_address_map(false);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool_config(limits, residency)));
    // For measuring the compile strategies (BENCHMARKS.md).
    match std::env::var("ALERTER_COMPILER").as_deref() {
        Ok("winch") => {
            config.strategy(wasmtime::Strategy::Winch);
        }
        Ok("cranelift-none") => {
            config.cranelift_opt_level(wasmtime::OptLevel::None);
        }
        Ok("cranelift-serial") => {
            config.parallel_compilation(false);
        }
        _ => {}
    }
    config
}

/// The pool: [`MAX_CONCURRENT_CALLS`] slots, each with room for everything
/// one call may create under the runtime's `limits` (instances, memories,
/// tables and their elements). Memory slots are reserved, not committed:
/// only the pages a call touches become resident, and `residency` says how
/// many stay so after it.
fn pool_config(limits: &Limits, residency: Residency) -> PoolingAllocationConfig {
    let n = MAX_CONCURRENT_CALLS as u32;
    let (memory, stack) = match residency {
        Residency::KeepWarm => (KEEP_RESIDENT_MEMORY, KEEP_RESIDENT_STACK),
        Residency::GiveBack => (0, 0),
    };
    let per = |v: usize| u32::try_from(v.max(1)).unwrap_or(u32::MAX);
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(n)
        .total_core_instances(n.saturating_mul(per(limits.max_instances)))
        .total_memories(n.saturating_mul(per(limits.max_memories)))
        .total_tables(n.saturating_mul(per(limits.max_tables)))
        .total_stacks(n)
        .max_core_instances_per_component(per(limits.max_instances))
        .max_memories_per_component(per(limits.max_memories))
        .max_tables_per_component(per(limits.max_tables))
        .max_memories_per_module(per(limits.max_memories))
        .max_tables_per_module(per(limits.max_tables))
        .table_elements(limits.max_table_elements.max(1))
        .max_memory_size(POOL_MAX_MEMORY)
        .linear_memory_keep_resident(memory)
        .table_keep_resident(memory / 8)
        .async_stack_keep_resident(stack)
        .pagemap_scan(Enabled::Auto);
    pool
}

/// Feeds every byte of `file` to `h` through a mapped window (so the file
/// is neither copied nor kept resident), on both cores for large files.
#[cfg(unix)]
fn hash_file(h: &mut blake3::Hasher, file: &File) -> std::io::Result<()> {
    let len = usize::try_from(file.metadata()?.len()).map_err(std::io::Error::other)?;
    let mut at = 0;
    while at < len {
        let n = HASH_WINDOW.min(len - at);
        let window = map_window(file, at, n)?;
        h.update_rayon(window.bytes());
        at += n;
    }
    Ok(())
}

#[cfg(not(unix))]
fn hash_file(h: &mut blake3::Hasher, mut file: &File) -> std::io::Result<()> {
    use std::io::Read;
    let mut buf = vec![0u8; HASH_WINDOW];
    loop {
        match file.read(&mut buf)? {
            0 => return Ok(()),
            n => {
                h.update_rayon(&buf[..n]);
            }
        }
    }
}

/// A read-only mapping of part of a file, unmapped when dropped.
#[cfg(unix)]
struct Window {
    ptr: *mut std::ffi::c_void,
    len: usize,
}

#[cfg(unix)]
impl Window {
    fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` maps `len` readable bytes for as long as `self` lives.
        #[allow(unsafe_code)]
        unsafe {
            std::slice::from_raw_parts(self.ptr.cast::<u8>(), self.len)
        }
    }
}

#[cfg(unix)]
impl Drop for Window {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made by `map_window`.
        #[allow(unsafe_code)]
        unsafe {
            let _ = rustix::mm::munmap(self.ptr, self.len);
        }
    }
}

#[cfg(unix)]
fn map_window(file: &File, offset: usize, len: usize) -> std::io::Result<Window> {
    use rustix::mm::{mmap, MapFlags, ProtFlags};
    // SAFETY: a fresh private read-only mapping of the file (never
    // written through); `Window` unmaps it.
    #[allow(unsafe_code)]
    let ptr = unsafe {
        mmap(std::ptr::null_mut(), len, ProtFlags::READ, MapFlags::PRIVATE | MapFlags::POPULATE, file, offset as u64)
    }?;
    Ok(Window { ptr, len })
}

/// A path that opens the very file `file` is (its descriptor, on Linux), so
/// what is mapped is what was verified; elsewhere its path.
fn fd_path(file: &File, path: &Path) -> PathBuf {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let by_fd = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
        if by_fd.exists() {
            return by_fd;
        }
        path.to_path_buf()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = file;
        path.to_path_buf()
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

/// Writes `bytes` to a temporary file next to `path` and renames it over
/// `path`; returns the file, now at `path`.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<File> {
    let dir = path.parent().ok_or_else(|| std::io::Error::other("cache path has no parent"))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    for piece in bytes.chunks(WRITE_PIECE) {
        std::io::Write::write_all(&mut tmp, piece)?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)
}

/// A `.meta` file read back: the MAC, the seal with the identity it seals
/// (none in the format before seals), and the metadata (JSON).
struct MetaFile<'a> {
    mac: blake3::Hash,
    seal: Option<(blake3::Hash, [u8; IDENTITY_LEN])>,
    json: &'a [u8],
}

impl<'a> MetaFile<'a> {
    fn parse(bytes: &'a [u8]) -> Option<MetaFile<'a>> {
        let hash = |b: &[u8]| <[u8; 32]>::try_from(b).ok().map(blake3::Hash::from_bytes);
        let (magic, rest) = bytes.split_at_checked(8)?;
        let (mac, rest) = rest.split_at_checked(32)?;
        if magic == META_MAGIC_V2 {
            return Some(MetaFile { mac: hash(mac)?, seal: None, json: rest });
        }
        if magic != META_MAGIC {
            return None;
        }
        let (seal, rest) = rest.split_at_checked(32)?;
        let (identity, json) = rest.split_at_checked(IDENTITY_LEN)?;
        Some(MetaFile { mac: hash(mac)?, seal: Some((hash(seal)?, identity.try_into().ok()?)), json })
    }
}

/// What identifies an open file and changes with any write to it: device,
/// inode, size, modification and change times. None where it cannot be read.
#[cfg(unix)]
fn file_identity(file: &File) -> Option<[u8; IDENTITY_LEN]> {
    let st = rustix::fs::fstat(file).ok()?;
    let fields: [u64; 7] = [
        st.st_dev as u64,
        st.st_ino as u64,
        st.st_size as u64,
        st.st_mtime as u64,
        st.st_mtime_nsec as u64,
        st.st_ctime as u64,
        st.st_ctime_nsec as u64,
    ];
    let mut out = [0u8; IDENTITY_LEN];
    for (slot, v) in out.chunks_exact_mut(8).zip(fields) {
        slot.copy_from_slice(&v.to_le_bytes());
    }
    Some(out)
}

#[cfg(not(unix))]
fn file_identity(_file: &File) -> Option<[u8; IDENTITY_LEN]> {
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_files_of_both_formats_parse_and_anything_else_does_not() {
        let (mac, seal, identity, json) = ([1u8; 32], [2u8; 32], [3u8; IDENTITY_LEN], br#"{"sha256":"x"}"#);
        let v3 = [&META_MAGIC[..], &mac, &seal, &identity, json].concat();
        let parsed = MetaFile::parse(&v3).expect("v3");
        assert_eq!(parsed.mac, blake3::Hash::from_bytes(mac));
        assert_eq!(parsed.seal, Some((blake3::Hash::from_bytes(seal), identity)));
        assert_eq!(parsed.json, json);

        let v2 = [&META_MAGIC_V2[..], &mac, json].concat();
        let parsed = MetaFile::parse(&v2).expect("v2");
        assert_eq!((parsed.mac, parsed.seal, parsed.json), (blake3::Hash::from_bytes(mac), None, &json[..]));

        for bad in [&v3[..8 + 32 + 32 + 10], &v3[..20], b"alrtmt9\0", &[], &[&b"garbage!"[..], &v3[8..]].concat()] {
            assert!(MetaFile::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn a_file_identity_changes_with_any_write_and_not_with_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let file = write_atomic(&path, b"some bytes").unwrap();
        let Some(written) = file_identity(&file) else { return };
        let _ = std::fs::read(&path).unwrap();
        assert_eq!(file_identity(&File::open(&path).unwrap()), Some(written), "reading changes nothing");
        // Put back the same bytes: the change time moves all the same.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&path, b"some bytes").unwrap();
        assert_ne!(file_identity(&File::open(&path).unwrap()), Some(written));
    }
}
