// Building guests of the plugins/ workspace into wasm components, for build
// scripts: host/build.rs builds the built-in flavors, tests/artifacts/build.rs
// every guest. One copy of this code, used by both with `#[path]`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The wasm target guests are built for: rustc links a cdylib straight into a
/// component for it.
pub const TARGET: &str = "wasm32-wasip2";

/// A built guest.
pub struct Guest {
    /// Its package name, e.g. `fixture-echo`.
    pub package: String,
    /// Its component, copied into this build script's OUT_DIR (so a later
    /// build of the guests, from another checkout sharing the target dir,
    /// cannot change what this build embeds or points at).
    pub wasm: PathBuf,
}

/// The repository root: the parent of the package running the build script
/// (`host/` or `tests/artifacts/`) that holds `plugins/`.
pub fn repo_root() -> PathBuf {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    manifest_dir
        .ancestors()
        .find(|d| d.join("plugins/Cargo.toml").is_file())
        .expect("plugins/ above the package")
        .into()
}

/// Builds `packages` of the plugins workspace in release mode for [`TARGET`]
/// and tells cargo to run the build script again when any source file they
/// were built from changes (from cargo's dep-info files), or the plugins'
/// manifest, lock file or the contract's WIT files.
pub fn build(packages: &[String]) -> Vec<Guest> {
    let root = repo_root();
    let plugins = root.join("plugins");
    for watched in [plugins.join("Cargo.toml"), plugins.join("Cargo.lock"), root.join("wit")] {
        println!("cargo:rerun-if-changed={}", watched.display());
    }
    println!("cargo:rerun-if-env-changed=ALERTER_GUEST_TARGET_DIR");
    let target_dir = guest_target_dir(&root);
    ensure_rust_target(TARGET);

    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(["build", "--release", "--locked", "--target", TARGET, "--manifest-path"])
        .arg(plugins.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target_dir);
    for p in packages {
        cmd.args(["-p", p]);
    }
    // What the outer build sets for itself must not leak into the guest
    // build: flags for the host target, the jobserver, and clippy's wrapper
    // (which would lint the guests with the outer lints and rebuild them).
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_PROFILE_RELEASE_DEBUG",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CLIPPY_ARGS",
        "CLIPPY_CONF_DIR",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd.status().expect("cannot run cargo to build the flavors");
    assert!(status.success(), "building the wasm guests in plugins/ failed (see the errors above)");

    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let release = target_dir.join(TARGET).join("release");
    packages
        .iter()
        .map(|package| {
            let crate_name = package.replace('-', "_");
            let built = release.join(format!("{crate_name}.wasm"));
            let wasm = out_dir.join(format!("{crate_name}.wasm"));
            std::fs::copy(&built, &wasm).unwrap_or_else(|e| panic!("cannot copy {}: {e}", built.display()));
            for source in dep_info(&release.join(format!("{crate_name}.d"))) {
                if source.starts_with(&root) {
                    println!("cargo:rerun-if-changed={}", source.display());
                }
            }
            Guest { package: package.clone(), wasm }
        })
        .collect()
}

/// `$ALERTER_GUEST_TARGET_DIR`, else `<the outer target dir>/guests/<checkout>`:
/// never the outer build's own dir, whose lock is held while build scripts
/// run, and one per checkout, because cargo names a cdylib's output the same
/// for every checkout (a shared dir would hand one checkout the other's
/// components). `<checkout>` is the repository's path with every character
/// other than an ASCII letter or digit made `_` (scripts/build-flavors
/// computes the same). The outer dir is found from OUT_DIR =
/// `<target>/<profile>/build/<package>/out`.
fn guest_target_dir(root: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("ALERTER_GUEST_TARGET_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let checkout: String =
        root.to_string_lossy().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    out.ancestors().nth(4).expect("target dir above OUT_DIR").join("guests").join(checkout)
}

/// The files a cargo dep-info file (`target: dep dep ...`) lists.
fn dep_info(path: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut files = Vec::new();
    for line in text.lines() {
        let Some((_, deps)) = line.split_once(": ") else { continue };
        // Paths are separated by spaces; a space inside a path is `\ `.
        let mut current = String::new();
        let mut chars = deps.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&' ') => current.push(chars.next().unwrap_or(' ')),
                ' ' => files.extend((!current.is_empty()).then(|| PathBuf::from(std::mem::take(&mut current)))),
                c => current.push(c),
            }
        }
        files.extend((!current.is_empty()).then(|| PathBuf::from(current)));
    }
    files
}

/// Adds a rustup target when it is missing (a few seconds on a new machine).
fn ensure_rust_target(target: &str) {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.trim() == target))
        .unwrap_or(false);
    if !installed {
        let added = Command::new("rustup").args(["target", "add", target]).status().is_ok_and(|s| s.success());
        if !added {
            println!("cargo:warning=`rustup target add {target}` failed; see scripts/setup for a fallback");
        }
    }
}
