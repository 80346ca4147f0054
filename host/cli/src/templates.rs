//! The skeletons `alerter flavor new` writes, embedded in the binary: the
//! author templates of plugins/templates/<lang>, and with each what lets it
//! build outside this repository: the contract (`wit/flavor.wit`), the
//! toolchain installer and build helper (`tools/`, copies of
//! scripts/guest-toolchains and scripts/guest-build.sh), a `test.sh` and a
//! `.gitignore`; for C the C SDK (`sdk/`, a copy of plugins/sdk-c), for Rust
//! the Rust SDK vendored (`vendor/alerter-sdk`, a copy of plugins/sdk with
//! a manifest of its own) and the lock file the SDK is tested with.
//!
//! `__NAME__` in a file's text stands for the flavor's name.

/// One file of a skeleton.
pub struct File {
    /// Its path in the skeleton.
    pub path: &'static str,
    /// Its text, `__NAME__` not yet replaced.
    pub text: &'static str,
}

impl File {
    /// It is a script (mode 0755).
    pub fn executable(&self) -> bool {
        self.path.ends_with(".sh") || self.path.ends_with("guest-toolchains")
    }
}

/// A file of the repository at `$src`, written at `$dst`.
macro_rules! file {
    ($src:literal => $dst:literal) => {
        File { path: $dst, text: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../", $src)) }
    };
}

/// The languages, as `--lang` takes them.
pub const LANGUAGES: &[&str] = &["rust", "python", "js", "c"];

/// What every skeleton has.
const COMMON: &[File] = &[
    file!("wit/flavor.wit" => "wit/flavor.wit"),
    file!("scripts/guest-toolchains" => "tools/guest-toolchains"),
    file!("scripts/guest-build.sh" => "tools/guest-build.sh"),
    file!("plugins/templates/test.sh" => "test.sh"),
    file!("plugins/templates/gitignore" => ".gitignore"),
];

const RUST: &[File] = &[
    file!("plugins/templates/rust/Cargo.toml" => "Cargo.toml"),
    file!("plugins/templates/rust/build.sh" => "build.sh"),
    file!("plugins/templates/rust/README.md" => "README.md"),
    file!("plugins/templates/rust/src/lib.rs" => "src/lib.rs"),
    file!("plugins/Cargo.lock" => "Cargo.lock"),
    File { path: "vendor/alerter-sdk/Cargo.toml", text: VENDORED_SDK_MANIFEST },
    file!("plugins/sdk/src/lib.rs" => "vendor/alerter-sdk/src/lib.rs"),
    file!("plugins/sdk/src/chat.rs" => "vendor/alerter-sdk/src/chat.rs"),
    file!("plugins/sdk/src/form.rs" => "vendor/alerter-sdk/src/form.rs"),
    file!("plugins/sdk/src/http.rs" => "vendor/alerter-sdk/src/http.rs"),
    file!("plugins/sdk/src/settings.rs" => "vendor/alerter-sdk/src/settings.rs"),
    file!("plugins/sdk/src/text.rs" => "vendor/alerter-sdk/src/text.rs"),
    file!("plugins/sdk/src/types.rs" => "vendor/alerter-sdk/src/types.rs"),
];

const PYTHON: &[File] = &[
    file!("plugins/templates/python/app.py" => "app.py"),
    file!("plugins/templates/python/build.sh" => "build.sh"),
    file!("plugins/templates/python/README.md" => "README.md"),
];

const JS: &[File] = &[
    file!("plugins/templates/js/flavor.js" => "flavor.js"),
    file!("plugins/templates/js/build.sh" => "build.sh"),
    file!("plugins/templates/js/README.md" => "README.md"),
];

const C: &[File] = &[
    file!("plugins/templates/c/flavor.c" => "flavor.c"),
    file!("plugins/templates/c/build.sh" => "build.sh"),
    file!("plugins/templates/c/README.md" => "README.md"),
    file!("plugins/sdk-c/alerter_sdk.c" => "sdk/alerter_sdk.c"),
    file!("plugins/sdk-c/alerter_sdk.h" => "sdk/alerter_sdk.h"),
    file!("plugins/sdk-c/sdk_text.c" => "sdk/sdk_text.c"),
    file!("plugins/sdk-c/sdk_text.h" => "sdk/sdk_text.h"),
    file!("plugins/sdk-c/sdk_export.h" => "sdk/sdk_export.h"),
    file!("plugins/sdk-c/libc.c" => "sdk/libc.c"),
    file!("plugins/sdk-c/include/stdlib.h" => "sdk/include/stdlib.h"),
    file!("plugins/sdk-c/include/string.h" => "sdk/include/string.h"),
];

/// The vendored Rust SDK's own manifest (plugins/sdk's inherits from the
/// plugins workspace); the same dependencies as plugins/Cargo.toml.
const VENDORED_SDK_MANIFEST: &str = r#"# The alerter Rust SDK, vendored from alerter's plugins/sdk by
# `alerter flavor new`. Its bindings come from ../../wit/flavor.wit.
[package]
name = "alerter-sdk"
version = "0.1.0"
edition = "2021"
license = "Apache-2.0"
publish = false

[dependencies]
wit-bindgen = { version = "0.46", default-features = false, features = ["macros", "realloc", "std"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
"#;

/// The files of the skeleton for `lang` (one of [`LANGUAGES`]).
pub fn files(lang: &str) -> Option<impl Iterator<Item = &'static File>> {
    let own = match lang {
        "rust" => RUST,
        "python" => PYTHON,
        "js" => JS,
        "c" => C,
        _ => return None,
    };
    Some(own.iter().chain(COMMON))
}

/// The file a skeleton's `build.sh` produces.
pub fn wasm_name(name: &str) -> String {
    format!("{name}.wasm")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Every file of plugins/templates/<lang> is in the skeleton.
    #[test]
    fn every_template_file_is_embedded() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins/templates");
        for lang in LANGUAGES {
            let mut on_disk = Vec::new();
            list(&root.join(lang), &root.join(lang), &mut on_disk);
            let embedded: Vec<&str> = files(lang).expect("a language").map(|f| f.path).collect();
            for f in on_disk {
                assert!(embedded.contains(&f.as_str()), "plugins/templates/{lang}/{f} is not embedded");
            }
        }
    }

    fn list(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).expect("read dir").flatten() {
            if e.path().is_dir() {
                list(root, &e.path(), out);
            } else {
                out.push(e.path().strip_prefix(root).expect("under root").to_string_lossy().into_owned());
            }
        }
    }

    /// Every source file of plugins/sdk is vendored into the Rust skeleton.
    #[test]
    fn every_sdk_file_is_vendored() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins/sdk/src");
        let mut on_disk = Vec::new();
        list(&root, &root, &mut on_disk);
        let embedded: Vec<&str> = files("rust").expect("rust").map(|f| f.path).collect();
        for f in on_disk {
            let want = format!("vendor/alerter-sdk/src/{f}");
            assert!(embedded.contains(&want.as_str()), "plugins/sdk/src/{f} is not vendored");
        }
    }

    /// The vendored SDK uses the plugins workspace's wit-bindgen.
    #[test]
    fn vendored_sdk_matches_the_workspace() {
        let workspace = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../plugins/Cargo.toml"));
        let line = |text: &str| text.lines().find(|l| l.starts_with("wit-bindgen")).map(str::to_string);
        assert_eq!(line(VENDORED_SDK_MANIFEST), line(workspace));
    }
}
