//! Builds the built-in flavors (plugins/slack, plugins/discord, plugins/mattermost) into wasm
//! components and embeds them: `$OUT_DIR/builtin.rs` defines one byte
//! constant per built-in flavor. Nothing else of plugins/ is built here (the
//! test fixtures are built by tests/artifacts for the tests only).

#[path = "build_support.rs"]
mod build_support;

/// The built-in flavors: package in plugins/, constant in builtin.rs.
const BUILT_IN: &[(&str, &str)] = &[
    ("alerter-flavor-slack", "SLACK"),
    ("alerter-flavor-discord", "DISCORD"),
    ("alerter-flavor-mattermost", "MATTERMOST"),
];

fn main() {
    let packages: Vec<String> = BUILT_IN.iter().map(|(p, _)| p.to_string()).collect();
    let mut code = String::new();
    for (guest, (_, constant)) in build_support::build(&packages).iter().zip(BUILT_IN) {
        code.push_str(&format!(
            "/// The built-in component of `{}`.\npub(crate) const {constant}: &[u8] = include_bytes!({:?});\n",
            guest.package,
            guest.wasm.display().to_string()
        ));
    }
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    std::fs::write(out.join("builtin.rs"), code).expect("write builtin.rs");
}
