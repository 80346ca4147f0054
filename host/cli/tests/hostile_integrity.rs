//! Hostile flavors against the code that runs and what reaches the
//! terminal (issue 8, classes 9 to 12): overwriting a registered `.wasm`,
//! a tampered compile cache, an unsafe state dir; control characters and
//! terminal escapes from every flavor output; wrong worlds and contract
//! versions; `ask` through a flavor that forges approvals.

mod hostile_common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use alerter_tests::files_ending;
use hostile_common::*;

/// Class 9: the registered code is pinned. Overwriting (or deleting) the
/// file after registration changes nothing: the pinned copy runs until the
/// user registers again with `--replace`.
#[test]
fn overwriting_the_registered_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("flavor.wasm");
    fs::copy(flavors::HOSTILE, &file).unwrap();
    let a = alerter_tests::alerter!();
    let svc = EvilService::granted();
    let g = svc.origin();
    a.run(&["flavor", "register", file.to_str().unwrap(), "--name", "pinned"]).ok();
    a.run(&["register", "p", "--flavor", "pinned", "--set", &format!("url={g}"), "--allow-host", &g]).ok();
    let before = a.run(&["flavor", "describe", "pinned"]).ok();

    // Swap the file for another flavor (same name in the registry).
    fs::copy(flavors::UNRULY, &file).unwrap();
    let run = a.run(&["post", "attack:legit"]).ok();
    assert_eq!(variants(&run), vec![("legit".to_string(), "ok200".to_string())], "the pinned copy ran: {}", run.all());
    let after = a.run(&["flavor", "describe", "pinned"]).ok();
    assert!(after.stdout.contains("6.6.6"), "{}", after.stdout);
    let sha = |s: &str| s.lines().find(|l| l.starts_with("sha256")).map(str::to_string);
    assert_eq!(sha(&before.stdout), sha(&after.stdout));

    // Deleted: still runs.
    fs::remove_file(&file).unwrap();
    a.run(&["post", "attack:legit"]).ok();

    // Registering again (with --replace) is how a flavor is swapped.
    fs::copy(flavors::UNRULY, &file).unwrap();
    a.run(&["flavor", "register", file.to_str().unwrap(), "--name", "pinned", "--replace"]).ok();
    let run = a.run(&["post", "attack:legit"]).ok();
    assert!(run.stdout.contains("quiet"), "now the unruly flavor runs: {}", run.stdout);
}

/// Class 9: a compile-cache file is verified before it is deserialised. A
/// cache file swapped for another flavor's compiled code (which would run
/// that flavor: different behaviour) or for garbage (which would crash)
/// is recompiled, with a warning, never deserialised.
#[test]
fn a_tampered_compile_cache_is_recompiled_not_deserialised() {
    let svc = EvilService::granted();
    let g = svc.origin();
    let a = alerter_tests::alerter!();
    a.run(&["flavor", "register", flavors::HOSTILE]).ok();
    a.run(&["register", "h", "--flavor", "hostile", "--set", &format!("url={g}"), "--allow-host", &g]).ok();
    let cached = files_ending(&a.home().join("cache"), ".cwasm");
    assert_eq!(cached.len(), 1, "one compiled artifact: {cached:?}");

    // Another installation compiles the unruly flavor: real, loadable code.
    let other = alerter_tests::alerter!();
    other.run(&["flavor", "register", flavors::UNRULY]).ok();
    let foreign = files_ending(&other.home().join("cache"), ".cwasm");
    assert_eq!(foreign.len(), 1, "{foreign:?}");

    for (what, bytes) in [
        ("another flavor's compiled code", fs::read(&foreign[0]).unwrap()),
        ("garbage", b"\x7fELF garbage that would crash if loaded".repeat(1000)),
        ("a truncated artifact", fs::read(&cached[0]).unwrap()[..4096].to_vec()),
    ] {
        fs::write(&cached[0], &bytes).unwrap();
        let run = a.run(&["post", "attack:legit"]);
        assert_eq!(run.code, 0, "{what}: {}", run.all());
        assert_eq!(
            variants(&run),
            vec![("legit".to_string(), "ok200".to_string())],
            "{what}: the hostile flavor ran, not the cache's code: {}",
            run.all()
        );
        assert!(!run.stdout.contains("quiet"), "{what}: the cached code ran");
    }
    let run = a.run(&["post", "attack:legit"]).ok();
    assert_eq!(variants(&run), vec![("legit".to_string(), "ok200".to_string())]);
}

/// Class 9: a state dir writable by group or others, or owned by another
/// user, is refused with a one-line fix.
#[test]
fn an_unsafe_state_dir_is_refused() {
    let a = alerter_tests::alerter!();
    a.run(&["flavor", "register", flavors::HOSTILE]).ok();
    let home = a.home().to_path_buf();
    for mode in [0o777, 0o770, 0o702] {
        fs::set_permissions(&home, fs::Permissions::from_mode(mode)).unwrap();
        let run = a.run(&["flavor", "list"]);
        assert_eq!(run.code, 2, "mode {mode:o} accepted: {}", run.all());
        assert!(run.stderr.contains("chmod"), "the fix: {}", run.stderr);
        assert_eq!(run.stderr.trim().lines().count(), 1, "one line: {}", run.stderr);
    }
    fs::set_permissions(&home, fs::Permissions::from_mode(0o700)).unwrap();
    a.run(&["flavor", "list"]).ok();

    // Owned by someone else (only root can set that up).
    if is_root() {
        std::process::Command::new("chown").args(["12345:12345"]).arg(&home).status().unwrap();
        let run = a.run(&["flavor", "list"]);
        std::process::Command::new("chown").args(["0:0"]).arg(&home).status().unwrap();
        assert_eq!(run.code, 2, "a foreign-owned state dir was accepted: {}", run.all());
        a.run(&["flavor", "list"]).ok();
    }
}

fn is_root() -> bool {
    std::process::Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Class 10: control characters and terminal escapes in a reference, a
/// link, a log line, captured stderr, an error: none reaches the terminal
/// (at `-vv`, and in `--json`).
#[test]
fn control_characters_never_reach_the_terminal() {
    let lab = Lab::new();
    let mut checks = Checks::default();
    for args in [
        vec!["-vv", "post", "attack:ansi"],
        vec!["-vv", "post", "attack:ansi", "--json"],
        vec!["-vv", "post", "attack:ansi-error"],
        vec!["-vv", "post", "attack:ansi-error", "--json"],
    ] {
        checks.run(&args.join(" "), || {
            let run = lab.a.run(&args);
            assert_ne!(run.code, 101, "{}", run.all());
            assert_no_controls("stdout", &run.stdout);
            assert_no_controls("stderr", &run.stderr);
            assert!(
                !run.stdout.lines().chain(run.stderr.lines()).any(|l| l.starts_with("error: forged")),
                "a flavor forged a line of its own: {}",
                run.all()
            );
            lab.assert_no_leak("ansi", &run);
        });
    }
    checks.run("info() with control characters", || {
        let run = lab.a.run(&["flavor", "register", flavors::HOSTILE_ANSI_INFO]);
        assert_eq!(run.code, 2, "{}", run.all().escape_debug());
        assert_no_controls("stdout", &run.stdout);
        assert_no_controls("stderr", &run.stderr);
        let list = lab.a.run(&["flavor", "list"]).ok();
        assert_no_controls("flavor list", &list.stdout);
    });
    checks.run("info() of many megabytes", || {
        let started = std::time::Instant::now();
        let run = lab.a.run(&["flavor", "register", flavors::HOSTILE_HUGE_INFO]);
        assert_eq!(run.code, 2, "{}", alerter_tests::hostile::excerpt(&run.all(), 2000));
        assert!(run.all().len() < 16 << 10, "{} bytes printed", run.all().len());
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
    });
    checks.run("the next call", || lab.assert_serves_next("control characters"));
    checks.finish();
}

/// Class 11: wrong worlds and versions are refused at registration, each
/// with exit 2 and no panic; a 0.1.0 component without secrets still
/// loads and runs; an `info` that never returns is stopped.
#[test]
fn wrong_worlds_and_versions() {
    let dir = tempfile::tempdir().unwrap();
    let a = alerter_tests::alerter!();
    let mut checks = Checks::default();
    let refused = |checks: &mut Checks, what: &str, path: PathBuf, word: &'static str| {
        let a = &a;
        checks.run(what, move || {
            let run = a.run(&["flavor", "register", path.to_str().unwrap(), "--name", "wrong"]);
            assert_eq!(run.code, 2, "{}", run.all());
            assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
            assert!(run.stderr.to_lowercase().contains(word), "names the problem (`{word}`): {}", run.stderr);
        });
    };
    refused(
        &mut checks,
        "a core module",
        write_wat(dir.path(), "core.wasm", "(module (func (export \"info\")))"),
        "component",
    );
    refused(&mut checks, "no flavor export", write_wat(dir.path(), "empty.wasm", "(component)"), "alerter:flavor");
    let mut http = Wat { name: "http", ..Wat::default() };
    http.component_extra = "(import \"wasi:http/outgoing-handler@0.2.0\" (instance))".into();
    refused(&mut checks, "imports wasi:http", http.write(dir.path(), "http.wasm"), "wasi:http");
    let future = Wat { name: "future", export: "alerter:flavor/flavor@0.3.0", ..Wat::default() };
    refused(&mut checks, "exports flavor@0.3.0", future.write(dir.path(), "future.wasm"), "0.3");
    let ancient = Wat { name: "ancient", export: "alerter:flavor/flavor@0.0.1", ..Wat::default() };
    refused(&mut checks, "exports flavor@0.0.1", ancient.write(dir.path(), "ancient.wasm"), "0.0");

    checks.run("a 0.1.0 component without secrets loads and runs", || {
        let path = Wat::default().write(dir.path(), "wat01.wasm");
        a.run(&["flavor", "register", path.to_str().unwrap()]).ok();
        let d = a.run(&["flavor", "describe", "wat01"]).ok();
        assert!(d.stdout.contains("0.1"), "{}", d.stdout);
        a.run(&["register", "old", "--flavor", "wat01"]).ok();
        let run = a.run(&["post", "--alerter", "old", "hello"]).ok();
        assert!(run.stdout.contains("wat-sent"), "{}", run.stdout);
    });
    checks.run("info() that never returns", || {
        let path = Wat { name: "spin", info: "(loop $l (br $l))", ..Wat::default() }.write(dir.path(), "spin.wasm");
        let started = std::time::Instant::now();
        let run = a.run(&["flavor", "register", path.to_str().unwrap()]);
        assert!(run.code == 2 || run.code == 3, "{}", run.all());
        assert!(started.elapsed() < std::time::Duration::from_secs(40), "{:?}", started.elapsed());
        a.run(&["flavor", "list"]).ok();
    });
    checks.finish();
}

/// Class 2 and 3 at registration: a secret bound to an origin the flavor
/// does not declare, or a slot in a header the host sets, is refused by
/// `flavor register` (exit 2), naming the problem.
#[test]
fn bad_secret_specs_are_refused_at_registration() {
    let a = alerter_tests::alerter!();
    for (path, word) in [(flavors::HOSTILE_BAD_ORIGIN, "collector.example"), (flavors::HOSTILE_BAD_SLOT, "host")] {
        let run = a.run(&["flavor", "register", path]);
        assert_eq!(run.code, 2, "{}", run.all());
        assert!(run.stderr.contains(word), "names the problem (`{word}`): {}", run.stderr);
        assert_no_controls("stderr", &run.stderr);
    }
    let list = a.run(&["flavor", "list"]).ok();
    assert!(!list.stdout.contains("badorigin") && !list.stdout.contains("badslot"), "{}", list.stdout);
    a.run(&["flavor", "register", flavors::HOSTILE]).ok();
}

/// Class 12: a flavor reports who replied, so `ask` through a flavor
/// registered from a file is refused (exit 2, nothing posted) unless the
/// user trusts it; trusted, its (forged) approval is accepted.
#[test]
fn ask_requires_a_trusted_flavor() {
    let lab = Lab::new();
    let before = (lab.granted.seen().len(), lab.collector.seen().len());
    let run = lab.a.run(&["ask", "Deploy to production?", "--timeout", "5"]);
    assert_eq!(run.code, 2, "an untrusted flavor's approval was accepted: {}", run.all());
    assert!(run.stderr.contains("trust"), "the fix: {}", run.stderr);
    assert_eq!((lab.granted.seen().len(), lab.collector.seen().len()), before, "nothing was posted");

    lab.a.run(&["flavor", "trust", "hostile"]).ok();
    let run = lab.a.run(&["ask", "Deploy to production?", "--timeout", "20"]);
    assert_eq!(run.code, 0, "trusted: {}", run.all());
    lab.a.run(&["flavor", "trust", "hostile", "--untrust"]).ok();
    let run = lab.a.run(&["ask", "Deploy to production?", "--timeout", "5"]);
    assert_eq!(run.code, 2, "untrusted again: {}", run.all());
    lab.assert_serves_next("ask");
}
