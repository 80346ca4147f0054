//! Builds the built-in flavors (plugins/slack, plugins/discord) into wasm
//! components and embeds them: `$OUT_DIR/builtin.rs` defines one byte
//! constant per built-in flavor.

include!("../plugins/build_guests.rs");

fn main() {
    let guests = build_guests();
    let mut code = String::new();
    for (name, path) in &guests {
        let builtin = match name.as_str() {
            "alerter_flavor_slack" => "SLACK",
            "alerter_flavor_discord" => "DISCORD",
            _ => continue,
        };
        code.push_str(&format!(
            "/// The built-in `{}` flavor component.\npub const {builtin}: &[u8] = include_bytes!({:?});\n",
            builtin.to_lowercase(),
            path.display().to_string()
        ));
    }
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    std::fs::write(out.join("builtin.rs"), code).expect("write builtin.rs");
}
