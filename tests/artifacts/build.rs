//! Builds every guest of the plugins/ workspace (each package with a cdylib
//! target, listed by `cargo metadata`, so a new fixture needs no edit here)
//! and writes `$OUT_DIR/artifacts.rs`: one path constant per component,
//! named after its package (`fixture-echo` gives `ECHO`,
//! `alerter-flavor-slack` gives `SLACK`), and `ALL`. The pattern of
//! wasmtime's test-programs artifacts.

#[path = "../../host/build_support.rs"]
mod build_support;

use std::process::Command;

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

    let guests = build_support::build(&packages);
    let mut code = String::new();
    let mut all = Vec::new();
    for guest in &guests {
        let constant = constant_name(&guest.package);
        code.push_str(&format!(
            "/// Path of the built `{}` component.\npub const {constant}: &str = {:?};\n",
            guest.package,
            guest.wasm.display().to_string()
        ));
        all.push(format!("({:?}, {constant})", guest.package));
    }
    code.push_str(&format!(
        "/// Every built component: (package, path).\npub const ALL: &[(&str, &str)] = &[{}];\n",
        all.join(", ")
    ));
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    std::fs::write(out_dir.join("artifacts.rs"), code).expect("write artifacts.rs");
}

/// `fixture-echo` -> `ECHO`, `alerter-flavor-slack` -> `SLACK`, `my-thing` -> `MY_THING`.
fn constant_name(package: &str) -> String {
    let short = package.strip_prefix("fixture-").or_else(|| package.strip_prefix("alerter-flavor-")).unwrap_or(package);
    short.replace('-', "_").to_uppercase()
}
