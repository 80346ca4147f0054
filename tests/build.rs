//! Builds every flavor in plugins/ and writes `$OUT_DIR/flavors.rs`: one
//! path constant per built component, for the tests (the wasmtime
//! test-programs pattern).

include!("../plugins/build_guests.rs");

fn main() {
    let guests = build_guests();
    let mut code = String::new();
    for (name, path) in &guests {
        let konst = name.trim_start_matches("alerter_flavor_").trim_start_matches("fixture_").to_uppercase();
        code.push_str(&format!(
            "/// Path of the built `{name}` component.\npub const {konst}: &str = {:?};\n",
            path.display().to_string()
        ));
    }
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    std::fs::write(out.join("flavors.rs"), code).expect("write flavors.rs");
}
