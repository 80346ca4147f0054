//! Builds every guest of the plugins/ workspace (each package with a cdylib
//! target, listed by `cargo metadata`, so a new fixture needs no edit here)
//! and every flavor written in another language (each `plugins/*/build.sh`
//! listed in [`NON_RUST`], built with that script), and writes
//! `$OUT_DIR/artifacts.rs`: one path constant per component, named after its
//! package (`fixture-echo` gives `ECHO`, `alerter-flavor-slack` gives
//! `SLACK`) or its directory (`telegram` gives `TELEGRAM`, `c-echo`
//! `C_ECHO`), and `ALL`. The pattern of wasmtime's test-programs artifacts.

#[path = "../../host/build_support.rs"]
mod build_support;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The flavors in other languages: their directory in plugins/ (holding a
/// `build.sh`), and the other directories their component is built from.
/// Every file in those (but tests and caches) and the shared build scripts
/// are watched: a non-Rust build leaves no dep-info to read.
const NON_RUST: &[(&str, &[&str])] = &[
    ("telegram", &["plugins/sdk-python"]),
    ("teams", &["plugins/sdk-js"]),
    ("ntfy", &["plugins/sdk-c"]),
    ("c-echo", &["plugins/sdk-c", "wit/archive"]),
];

/// What every non-Rust build also reads (the contract, wit/, is watched by
/// build_support).
const NON_RUST_SHARED: &[&str] = &["scripts/guest-build.sh", "scripts/guest-toolchains"];

fn main() {
    let manifest = build_support::repo_root().join("plugins/Cargo.toml");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--manifest-path"])
        .arg(&manifest)
        .output()
        .expect("run cargo metadata");
    assert!(out.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
    let mut packages: Vec<String> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| {
            p["targets"].as_array().is_some_and(|targets| {
                targets.iter().any(|t| t["crate_types"].as_array().is_some_and(|c| c.iter().any(|c| c == "cdylib")))
            })
        })
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect();
    packages.sort();

    let mut guests: Vec<(String, PathBuf)> =
        build_support::build(&packages).into_iter().map(|g| (constant_name(&g.package), g.wasm)).collect();
    guests.extend(build_non_rust());
    let mut code = String::new();
    let mut all = Vec::new();
    for (constant, wasm) in &guests {
        code.push_str(&format!(
            "/// Path of the built `{constant}` component.\npub const {constant}: &str = {:?};\n",
            wasm.display().to_string()
        ));
        all.push(format!("({constant:?}, {constant})"));
    }
    code.push_str(&format!(
        "/// Every built component: (constant name, path).\npub const ALL: &[(&str, &str)] = &[{}];\n",
        all.join(", ")
    ));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    std::fs::write(out_dir.join("artifacts.rs"), code).expect("write artifacts.rs");
}

/// `fixture-echo` -> `ECHO`, `alerter-flavor-slack` -> `SLACK`, `my-thing` -> `MY_THING`.
fn constant_name(package: &str) -> String {
    let short = package.strip_prefix("fixture-").or_else(|| package.strip_prefix("alerter-flavor-")).unwrap_or(package);
    short.replace('-', "_").to_uppercase()
}

/// Builds each flavor of [`NON_RUST`] with its `build.sh` into
/// `$OUT_DIR/<dir>/`, all at once (each on a thread), unless its inputs are
/// unchanged since the last build (a stamp of their sizes and mtimes);
/// returns (constant, component path) pairs.
fn build_non_rust() -> Vec<(String, PathBuf)> {
    let root = build_support::repo_root();
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    for shared in NON_RUST_SHARED {
        println!("cargo:rerun-if-changed={}", root.join(shared).display());
    }
    let builds: Vec<_> = NON_RUST
        .iter()
        .map(|(dir, extra)| {
            let mut inputs = Vec::new();
            for d in std::iter::once(format!("plugins/{dir}")).chain(extra.iter().map(|e| e.to_string())) {
                list_inputs(&root.join(d), &mut inputs);
            }
            inputs.extend(NON_RUST_SHARED.iter().chain(&["wit/flavor.wit"]).map(|f| root.join(f)));
            inputs.sort();
            for f in &inputs {
                println!("cargo:rerun-if-changed={}", f.display());
            }
            let (root, out) = (root.clone(), out_dir.join(dir));
            std::thread::spawn(move || (dir, build_one(&root, dir, &out, &inputs)))
        })
        .collect();
    builds
        .into_iter()
        .map(|t| {
            let (dir, wasm) = t.join().expect("build thread");
            (dir.replace('-', "_").to_uppercase(), wasm)
        })
        .collect()
}

/// Runs `plugins/<dir>/build.sh <out>` unless `<out>/inputs.stamp` says the
/// inputs are the same as when it last succeeded; the component's path.
fn build_one(root: &Path, dir: &str, out: &Path, inputs: &[PathBuf]) -> PathBuf {
    let stamp: String = inputs
        .iter()
        .map(|f| {
            let m = std::fs::metadata(f).ok();
            let mtime = m.as_ref().and_then(|m| m.modified().ok()).map(|t| format!("{t:?}")).unwrap_or_default();
            format!("{} {} {mtime}\n", f.display(), m.map_or(0, |m| m.len()))
        })
        .collect();
    let stamp_file = out.join("inputs.stamp");
    let wasm_file = out.join("component.path");
    if std::fs::read_to_string(&stamp_file).is_ok_and(|s| s == stamp) {
        if let Some(wasm) = std::fs::read_to_string(&wasm_file).ok().map(PathBuf::from).filter(|w| w.is_file()) {
            return wasm;
        }
    }
    std::fs::create_dir_all(out).expect("create the output dir");
    let script = root.join("plugins").join(dir).join("build.sh");
    let output = Command::new("bash")
        .arg(&script)
        .arg(out)
        // The outer build's jobserver and flags are not for these tools.
        .env_remove("CARGO_MAKEFLAGS")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{} failed ({}); its output:\n{stdout}\n{stderr}\n(scripts/guest-toolchains installs what the non-Rust \
         flavors need; scripts/test runs it first)",
        script.display(),
        output.status
    );
    let wasm = PathBuf::from(stdout.lines().last().unwrap_or_default().trim());
    assert!(wasm.is_file(), "{} printed no component path on its last line:\n{stdout}\n{stderr}", script.display());
    std::fs::write(&wasm_file, wasm.display().to_string()).expect("write component.path");
    std::fs::write(&stamp_file, stamp).expect("write inputs.stamp");
    wasm
}

/// Every file under `dir` that goes into a component: not tests, caches or
/// installed packages.
fn list_inputs(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !matches!(name.as_str(), "test" | "tests" | "__pycache__" | ".pytest_cache" | "node_modules") {
                list_inputs(&path, files);
            }
        } else if !name.ends_with(".pyc") && !name.starts_with('.') {
            files.push(path);
        }
    }
}
