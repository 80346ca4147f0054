//! For authors, through the real binary: `alerter flavor new NAME --lang L`
//! writes a skeleton that builds with its own build.sh (outside this
//! repository: it is written to a temporary directory), passes
//! `alerter flavor test`, registers and posts, for every language; `flavor
//! check` on good and bad components.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use alerter_tests::cli::{Alerter, Run};
use alerter_tests::echo::EchoService;
use serde_json::json;

fn alerter() -> Alerter {
    let mut a = alerter_tests::alerter!();
    a.timeout(Duration::from_secs(180));
    a
}

/// Runs a skeleton's build.sh; the component's path (its last line).
fn build(dir: &Path) -> PathBuf {
    let out = Command::new(dir.join("build.sh"))
        // Rust: one target dir for every run of this test (the SDK's
        // dependencies compile once).
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("skeleton-target"))
        .output()
        .expect("run build.sh");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "build.sh failed:\n{stdout}\n{stderr}");
    let wasm = PathBuf::from(stdout.lines().last().expect("a path").trim());
    assert!(wasm.is_file(), "build.sh printed {wasm:?}:\n{stdout}\n{stderr}");
    wasm
}

/// `flavor new`, the skeleton's own build, `flavor test`, register, post.
fn skeleton_round_trip(lang: &str) {
    let a = alerter();
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path().join("skeleton");
    let name = format!("hello-{lang}");
    let r = a.run(&["flavor", "new", &name, "--lang", lang, "--dir", dir.to_str().unwrap()]).ok();
    let next: Vec<&str> = r.stdout.lines().skip_while(|l| *l != "next:").skip(1).collect();
    assert_eq!(next.len(), 3, "three next commands: {}", r.stdout);
    assert!(
        next[0].contains("build.sh")
            && next[1].contains("alerter flavor test")
            && next[2].contains("alerter flavor register")
    );
    assert!(dir.join("wit/flavor.wit").is_file(), "the skeleton carries the contract");
    assert!(!std::fs::read_to_string(dir.join("README.md")).unwrap().contains("__NAME__"));
    // It refuses to write over it.
    let again = a.run(&["flavor", "new", &name, "--lang", lang, "--dir", dir.to_str().unwrap()]).expect_code(2);
    assert!(again.stderr.contains("exists and is not empty"), "{}", again.stderr);

    let wasm = build(&dir);
    assert_eq!(wasm, dir.join(format!("{name}.wasm")));
    let test = a.run(&["flavor", "test", wasm.to_str().unwrap()]).ok();
    assert!(test.stdout.lines().any(|l| l.starts_with("✓ send reaches the service")), "{}", test.stdout);
    assert!(!test.stdout.contains('✗'), "{}", test.stdout);
    let check = a.run(&["flavor", "check", wasm.to_str().unwrap()]).ok();
    assert!(check.stdout.contains("problems:     none"), "{}", check.stdout);

    let echo = EchoService::start();
    let home = alerter_tests::guest::home_with(env!("CARGO_BIN_EXE_alerter"), wasm.to_str().unwrap(), false);
    let url = format!("url={}", echo.origin());
    home.run(&["register", "mine", "--flavor", &name, "--set", &url, "--allow-host", &echo.origin()]).ok();
    home.run(&["post", "hello from a skeleton", "--title", "Hi"]).ok();
    assert_eq!(echo.posted(), [json!({"text": "hello from a skeleton", "title": "Hi"})]);
}

#[test]
fn rust_skeleton_builds_tests_registers_and_posts() {
    skeleton_round_trip("rust");
}

#[test]
fn python_skeleton_builds_tests_registers_and_posts() {
    skeleton_round_trip("python");
}

#[test]
fn js_skeleton_builds_tests_registers_and_posts() {
    skeleton_round_trip("js");
}

#[test]
fn c_skeleton_builds_tests_registers_and_posts() {
    skeleton_round_trip("c");
}

#[test]
fn new_refuses_bad_names_and_languages() {
    let a = alerter();
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path().join("x");
    let r = a.run(&["flavor", "new", "My Chat", "--lang", "c", "--dir", dir.to_str().unwrap()]).expect_code(2);
    assert!(r.stderr.contains("not a flavor name"), "{}", r.stderr);
    let r = a.run(&["flavor", "new", "chat", "--lang", "cobol", "--dir", dir.to_str().unwrap()]).expect_code(2);
    assert!(r.stderr.contains("rust, python, js, c"), "{}", r.stderr);
    assert!(!dir.exists(), "nothing written");
}

#[test]
fn check_reports_a_good_component_and_exits_0() {
    let a = alerter();
    let r: Run = a.run(&["flavor", "check", alerter_test_artifacts::NTFY]).ok();
    for want in [
        "contract:     alerter:flavor@0.2.0",
        "imports:      alerter:flavor/types@0.2.0, alerter:flavor/http@0.2.0, alerter:flavor/log@0.2.0",
        "hosts:        https://ntfy.sh, {server}",
        "token",
        "header authorization: \"Bearer {}\" towards {server}",
        "can:          post (capabilities-for, no settings",
        "compile:",
        "problems:     none",
    ] {
        assert!(r.stdout.contains(want), "lacks {want:?}:\n{}", r.stdout);
    }
    // A Python component: the WASI of its runtime is linked inert.
    let r = a.run(&["flavor", "check", alerter_test_artifacts::TELEGRAM]).ok();
    assert!(r.stdout.contains("linked inert (25):"), "{}", r.stdout);
}

#[test]
fn check_lists_each_problem_with_its_fix_and_exits_2() {
    let a = alerter();
    // Built for the previous contract.
    let r = a.run(&["flavor", "check", alerter_test_artifacts::C_ECHO]).expect_code(2);
    assert!(
        r.stdout.contains("✗ it was built for alerter:flavor@0.1") && r.stdout.contains("fix: rebuild"),
        "{}",
        r.stdout
    );

    // A skeleton made wrong on purpose, in ways the host still loads: no
    // description, a version that is not semver, a plain http host, a
    // setting without a description.
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path().join("bad");
    a.run(&["flavor", "new", "bad", "--lang", "c", "--dir", dir.to_str().unwrap()]).ok();
    let source = dir.join("flavor.c");
    let edit = |from: &str, to: &str| {
        let text = std::fs::read_to_string(&source).unwrap();
        assert!(text.contains(from), "the template has {from:?}");
        std::fs::write(&source, text.replace(from, to)).unwrap();
    };
    edit("\"Posts messages as JSON to a web service\"", "\"\"");
    edit("sdk_str_dup(\"0.1.0\")", "sdk_str_dup(\"1.0\")");
    edit("{\"{url}\"};", "{\"{url}\", \"http://insecure.example.com\"};");
    edit("sdk_strings(1, HOSTS)", "sdk_strings(2, HOSTS)");
    edit("\"Base URL of the service\"", "\"\"");
    let wasm = build(&dir);
    let r = a.run(&["flavor", "check", wasm.to_str().unwrap()]).expect_code(2);
    let problems: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with("  ✗ ")).collect();
    assert_eq!(problems.len(), 4, "{}", r.stdout);
    for (line, want) in
        problems.iter().zip(["no description", "not semver", "plain http", "setting `url` has no description"])
    {
        assert!(line.contains(want) && line.contains(" — fix: "), "{line:?} should say {want:?}");
    }
    // One the host refuses to load: a default that looks like a secret reference.
    edit("sdk_setting_spec(\"url\", \"\", true, NULL)", "sdk_setting_spec(\"url\", \"\", true, \"{{ci.url}}\")");
    let wasm = build(&dir);
    let r = a.run(&["flavor", "check", wasm.to_str().unwrap()]).expect_code(2);
    assert!(r.stdout.contains("✗ it does not load") && r.stdout.contains("url"), "{}", r.stdout);

    // Not a component at all.
    let core = work.path().join("core.wasm");
    std::fs::write(&core, wat::parse_str("(module)").unwrap()).unwrap();
    let r = a.run(&["flavor", "check", core.to_str().unwrap()]).expect_code(2);
    assert!(r.stderr.contains("core"), "{}", r.stderr);
}

#[test]
fn test_fails_a_flavor_with_its_fixes() {
    // c-echo (0.1) returns no typed rate limit and no status: the checks say
    // so, one line each with the fix, and the run exits 2.
    let a = alerter();
    let r = a.run(&["flavor", "test", alerter_test_artifacts::C_ECHO]).expect_code(2);
    assert!(r.stdout.contains("✓ send reaches the service and returns a reference"), "{}", r.stdout);
    assert!(r.stdout.contains("✓ replies of a post-only flavor is `unsupported`"), "{}", r.stdout);
    assert!(r.stdout.contains("✗ a 429 with Retry-After: 2 is `rate-limited`"), "{}", r.stdout);
    assert!(r.stdout.lines().any(|l| l.trim_start().starts_with("fix: ")), "{}", r.stdout);
    assert!(r.stdout.lines().last().unwrap().contains("failed"), "{}", r.stdout);
}
