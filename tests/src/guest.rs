//! Flavors registered from a file (the non-Rust flavors, a skeleton), as a
//! user registers them: `alerter flavor register PATH` with the consent the
//! sandbox asks of third-party code. Compiling a big component (a Python
//! one is ~19 MB) takes seconds, so the first home of a test binary that
//! registers a component is kept as a template and copied (compile cache
//! included) for the next ones.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::cli::Alerter;

/// Extra arguments of `alerter flavor register` for a flavor that `ask`
/// may use: the user trusts it to report who replied.
pub const TRUSTED: &[&str] = &["--trusted"];

/// A fresh `alerter` home (binary `bin`) with the component at `path`
/// registered; `trusted` adds [`TRUSTED`].
pub fn home_with(bin: &str, path: &str, trusted: bool) -> Alerter {
    static TEMPLATES: OnceLock<Mutex<HashMap<(String, bool), tempfile::TempDir>>> = OnceLock::new();
    let templates = TEMPLATES.get_or_init(Default::default);
    let mut templates = templates.lock().unwrap_or_else(|e| e.into_inner());
    let template = templates.entry((path.to_string(), trusted)).or_insert_with(|| {
        let a = Alerter::new(bin);
        let mut args = vec!["flavor", "register", path];
        if trusted {
            args.extend_from_slice(TRUSTED);
        }
        a.run(&args).ok();
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(a.home(), dir.path());
        dir
    });
    let a = Alerter::new(bin);
    copy_dir(template.path(), a.home());
    a
}

/// Copies the files under `from` into `to` (permissions kept).
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())).flatten() {
        let target: PathBuf = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("create dir");
            let perms = std::fs::metadata(entry.path()).expect("metadata").permissions();
            std::fs::set_permissions(&target, perms).expect("permissions");
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}
