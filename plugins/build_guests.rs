// Shared by host/build.rs and tests/build.rs (pulled in with `include!`):
// builds every flavor in plugins/ into a wasm component, the way wasmtime's
// test-programs artifacts are built, and returns where each one landed.

/// Builds the plugins workspace for wasm32-wasip2 and returns
/// `(crate name with underscores, path to its .wasm)` for each flavor.
#[allow(dead_code)]
fn build_guests() -> Vec<(String, std::path::PathBuf)> {
    use std::path::{Path, PathBuf};
    use std::process::Command;

    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = manifest_dir.parent().expect("workspace root").to_path_buf();
    let plugins = root.join("plugins");
    // Every file, one by one, relative to this package (`../wit/...`): an
    // absolute path would tie the build to one checkout, and clones that
    // share a CARGO_TARGET_DIR would then miss each other's changes.
    fn watch(root: &Path, rel: &Path) {
        let path = root.join(rel);
        if path.is_dir() {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name == "target" || name == "c-echo" {
                return;
            }
            if let Ok(entries) = std::fs::read_dir(&path) {
                for e in entries.flatten() {
                    watch(root, &rel.join(e.file_name()));
                }
            }
        }
        println!("cargo:rerun-if-changed={}", Path::new("..").join(rel).display());
    }
    for p in ["wit", "plugins/Cargo.toml", "plugins/Cargo.lock", "plugins/build_guests.rs", "plugins/sdk", "plugins/slack", "plugins/discord", "plugins/fixtures"] {
        watch(&root, Path::new(p));
    }
    println!("cargo:rerun-if-env-changed=ALERTER_GUEST_TARGET_DIR");

    // Guests get a target dir of their own (never the outer build's, whose
    // lock is held while this script runs): $ALERTER_GUEST_TARGET_DIR, else
    // <outer target dir>/guests, found from OUT_DIR = <target>/<profile>/build/<pkg>/out.
    let target_dir = match std::env::var_os("ALERTER_GUEST_TARGET_DIR") {
        Some(d) => PathBuf::from(d),
        None => {
            let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
            out.ancestors().nth(4).expect("target dir above OUT_DIR").join("guests")
        }
    };

    const TARGET: &str = "wasm32-wasip2";
    ensure_rust_target(TARGET);

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--release", "--locked", "--target", TARGET, "--manifest-path"])
        .arg(plugins.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target_dir);
    // Flags meant for the host build must not leak into the guest build.
    for var in ["CARGO_ENCODED_RUSTFLAGS", "RUSTFLAGS", "CARGO_BUILD_TARGET", "CARGO_BUILD_RUSTFLAGS", "CARGO_PROFILE_RELEASE_DEBUG", "CARGO_MAKEFLAGS", "MAKEFLAGS", "MFLAGS"] {
        cmd.env_remove(var);
    }
    let status = cmd.status().expect("cannot run cargo to build the flavors");
    if !status.success() {
        panic!("building the wasm flavors in plugins/ failed (see the errors above); try `scripts/build-flavors`");
    }

    let dir = target_dir.join(TARGET).join("release");
    let mut out = Vec::new();
    for name in ["alerter_flavor_slack", "alerter_flavor_discord", "fixture_echo", "fixture_shout", "fixture_unruly"] {
        let path: PathBuf = dir.join(format!("{name}.wasm"));
        assert!(Path::new(&path).exists(), "flavor {} was not built", path.display());
        out.push((name.to_string(), path));
    }
    out
}

/// Adds a rustup target when it is missing (a few seconds on a new machine).
#[allow(dead_code)]
fn ensure_rust_target(target: &str) {
    use std::process::Command;
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.trim() == target))
        .unwrap_or(false);
    if !installed {
        let ok = Command::new("rustup").args(["target", "add", target]).status().map(|s| s.success()).unwrap_or(false);
        if !ok {
            println!("cargo:warning=`rustup target add {target}` failed; see the comment at the top of scripts/setup for a fallback");
        }
    }
}
