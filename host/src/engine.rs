//! The wasmtime engine, the linker, the compile cache, and loading a
//! component into a ready-to-call [`Flavor`].

use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Context as _;
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine};

use crate::bindings::{self, latest};
use crate::error::Error;
use crate::flavor::{CallState, Flavor};
use crate::limits::{Limits, EPOCH_TICK};

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

impl Runtime {
    /// A runtime with the given limits; compiled flavors are cached in
    /// `cache_dir` when given.
    pub fn new(cache_dir: Option<PathBuf>, limits: Limits) -> anyhow::Result<Runtime> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        config.wasm_component_model(true);
        let engine = Engine::new(&config)?;

        let mut linker: Linker<CallState> = Linker::new(&engine);
        latest::AlerterFlavor::add_to_linker::<CallState, HasSelf<CallState>>(&mut linker, |s| s)?;
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;

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
                .context("cannot start the epoch thread")?;
        }
        Ok(Runtime { inner: Arc::new(RuntimeInner { engine, linker, limits, cache_dir, stop_ticker }) })
    }

    /// The limits every call runs under.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// Validates, compiles (or reads from the cache) and describes a
    /// component. `source` names it in errors (a path or `built-in slack`).
    pub async fn load(&self, bytes: &[u8], source: &str) -> Result<(Flavor, CompileSource), Error> {
        check_header(bytes, source)?;
        let sha256 = hex::encode(Sha256::digest(bytes));
        let (component, how) = self.compile(bytes, &sha256, source)?;
        check_imports_exports(&self.inner.engine, &component, source)?;
        let pre = self.inner.linker.instantiate_pre(&component).map_err(|e| {
            Error::input(format!("{source}: cannot be linked by this host: {}", one_line(&e)))
        })?;
        let pre = latest::AlerterFlavorPre::new(pre).map_err(|e| {
            Error::input(format!(
                "{source}: does not match the alerter:flavor@{} contract: {}",
                bindings::CONTRACT_VERSION,
                one_line(&e)
            ))
        })?;
        let flavor = Flavor::describe(self.inner.clone(), pre, sha256, source).await?;
        Ok((flavor, how))
    }

    fn compile(&self, bytes: &[u8], sha256: &str, source: &str) -> Result<(Component, CompileSource), Error> {
        let engine = &self.inner.engine;
        let cache_file = self.inner.cache_dir.as_ref().map(|d| d.join(format!("{sha256}-{}.cwasm", engine_key(engine))));
        if let Some(file) = &cache_file {
            if file.exists() {
                // SAFETY: the cache is in the owner-only state directory and
                // each file is named by the sha256 of its source plus the
                // engine's compatibility hash; wasmtime still checks the
                // header and refuses artifacts from another engine.
                match unsafe { Component::deserialize_file(engine, file) } {
                    Ok(c) => return Ok((c, CompileSource::Cached)),
                    Err(e) => tracing::warn!("ignoring unreadable compile cache {}: {}", file.display(), one_line(&e)),
                }
            }
        }
        let compiled = engine
            .precompile_component(bytes)
            .map_err(|e| Error::input(format!("{source}: not a valid component: {}", one_line(&e))))?;
        if let Some(file) = &cache_file {
            if let Err(e) = write_atomic(file, &compiled) {
                tracing::warn!("cannot write compile cache {}: {e}", file.display());
            }
        }
        // SAFETY: `compiled` was produced just now by this engine.
        let component = unsafe { Component::deserialize(engine, &compiled) }.map_err(|e| Error::Other(e.into()))?;
        Ok((component, CompileSource::Compiled))
    }
}

/// A short key for the engine's compatibility (wasmtime version, target,
/// settings), so a cache never mixes artifacts of different engines.
fn engine_key(engine: &Engine) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    format!("{:016x}", h.finish())
}

fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().context("cache path has no parent")?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)?;
    Ok(())
}

/// Refuses files that are not wasm, and core modules, with a fix.
fn check_header(bytes: &[u8], source: &str) -> Result<(), Error> {
    if bytes.len() < 8 || &bytes[0..4] != b"\0asm" {
        return Err(Error::input(format!(
            "{source}: not a WebAssembly file; a flavor is a .wasm component (build Rust flavors with `scripts/build-flavors`)"
        )));
    }
    if bytes[4..8] == [1, 0, 0, 0] {
        return Err(Error::input(format!(
            "{source}: is a core wasm module, not a component; wrap it with `wasm-tools component new` \
             (Rust: build for wasm32-wasip2, or componentize a wasm32-unknown-unknown build)"
        )));
    }
    Ok(())
}

/// Checks the contract version of the exports and refuses `wasi:http`.
fn check_imports_exports(engine: &Engine, component: &Component, source: &str) -> Result<(), Error> {
    let ty = component.component_type();
    for (name, _) in ty.imports(engine) {
        if name.starts_with("wasi:http/") {
            return Err(Error::input(format!(
                "{source}: imports {name}, which would bypass the egress policy; flavors reach the network only \
                 through alerter:flavor/http. Rebuild without it (componentize-js: `-d http -d fetch-event`; \
                 componentize-py: `--stub-wasi`; Rust: drop the wasi-http/waki dependency)"
            )));
        }
    }
    let exports: Vec<String> = ty.exports(engine).map(|(n, _)| n.to_string()).collect();
    let prefix = format!("{}/flavor@", bindings::PACKAGE);
    let Some(found) = exports.iter().find(|n| n.starts_with(&prefix)) else {
        return Err(Error::input(format!(
            "{source}: exports no {}/flavor interface (it exports: {}); build it against the alerter:flavor@{} WIT in wit/",
            bindings::PACKAGE,
            if exports.is_empty() { "nothing".to_string() } else { exports.join(", ") },
            bindings::CONTRACT_VERSION
        )));
    };
    let version = &found[prefix.len()..];
    let mut parts = version.split('.').map(|p| p.parse::<u64>().ok());
    let (major, minor) = (parts.next().flatten(), parts.next().flatten());
    let (want_major, want_minor) = bindings::CONTRACT_MAJOR_MINOR;
    if major != Some(want_major) || minor != Some(want_minor) {
        return Err(Error::input(format!(
            "{source}: built for alerter:flavor@{version}; this host supports alerter:flavor@{want_major}.{want_minor}.x: \
             rebuild the flavor against this host's wit/ (or use a matching alerter release)"
        )));
    }
    Ok(())
}

/// An error and its causes on one line.
pub(crate) fn one_line(e: &impl std::fmt::Display) -> String {
    format!("{e:#}").replace('\n', " ")
}
