//! The compile cache keeps what the registered and built-in flavors need and
//! nothing else: pruned after `flavor register` and `flavor remove`, and on
//! demand with `alerter cache prune`.

use std::fs;
use std::path::Path;

use alerter_test_artifacts as flavors;

/// The compiled artifacts in the cache.
fn artifacts(home: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(home.join("cache"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.retain(|n| n.ends_with(".cwasm"));
    names.sort();
    names
}

#[test]
fn the_compile_cache_keeps_only_what_flavors_need() {
    let a = alerter_tests::alerter!();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flavor.wasm");
    let path = path.to_str().unwrap();
    fs::copy(flavors::ECHO, path).unwrap();
    a.run(&["flavor", "register", path, "--name", "mine"]).ok();
    let echo_artifact = artifacts(a.home());
    assert_eq!(echo_artifact.len(), 1, "{echo_artifact:?}");
    let info = a.run(&["cache"]).ok();
    assert!(info.stdout.contains("(1 files,") && info.stdout.contains("\tmine\n"), "{}", info.stdout);

    // A new version of the file, registered again, replaces the old artifact, at once.
    fs::copy(flavors::SHOUT, path).unwrap();
    let run = a.run(&["flavor", "register", path, "--name", "mine", "--replace"]).ok();
    assert!(run.stdout.contains("\ncompile cache: removed 1 unused artifact(s), freed "), "{}", run.stdout);
    let shout_artifact = artifacts(a.home());
    assert_eq!(shout_artifact.len(), 1);
    assert_ne!(shout_artifact, echo_artifact);

    // Anything else (another engine's or an unknown component's) goes on
    // `cache prune`, which says what it removed and what that freed.
    let stale = a.home().join("cache").join(format!("{}-0000000000000000.cwasm", "ab".repeat(32)));
    fs::write(&stale, vec![0u8; 1000]).unwrap();
    let run = a.run(&["cache", "prune"]).ok();
    assert_eq!(
        run.stdout,
        format!("removed {} (1000 B)\nfreed 1000 bytes (1000 B) in 1 file(s)\n", stale.display()),
        "{}",
        run.stdout
    );
    assert_eq!(artifacts(a.home()), shout_artifact, "the registered flavor's artifact stays");

    // The built-in flavors' artifacts are kept.
    a.run(&["flavor", "list"]).ok();
    // mine + the three built-ins (slack, discord, mattermost).
    assert_eq!(artifacts(a.home()).len(), 4);
    let run = a.run(&["cache", "prune"]).ok();
    assert_eq!(run.stdout, "freed 0 bytes (0 B) in 0 file(s)\n");
    let info = a.run(&["cache", "info"]).ok();
    for builtin in ["slack (built-in)", "discord (built-in)", "mattermost (built-in)"] {
        assert!(info.stdout.contains(builtin), "{builtin}: {}", info.stdout);
    }

    // Removing the flavor drops its artifact.
    let run = a.run(&["flavor", "remove", "mine"]).ok();
    assert!(run.stdout.contains("compile cache: removed 1 unused artifact(s)"), "{}", run.stdout);
    assert_eq!(artifacts(a.home()).len(), 3);
    assert!(!artifacts(a.home()).contains(&shout_artifact[0]));
}
