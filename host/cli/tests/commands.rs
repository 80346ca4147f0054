//! The commands end to end: the real `alerter` binary, real wasm flavors,
//! real HTTP to a local stand-in.

use std::fs;
use std::path::Path;

use alerter_test_artifacts as flavors;
use alerter_tests::cli::Alerter;
use alerter_tests::echo::EchoService;

/// An installation with `echo` registered by path and an alerter `e` granted
/// the stand-in.
fn echo_setup(svc: &EchoService) -> Alerter {
    let a = alerter_tests::alerter!();
    a.run(&["flavor", "register", flavors::ECHO]).ok();
    let origin = svc.origin();
    a.run(&["register", "e", "--flavor", "echo", "--set", &format!("url={origin}"), "--allow-host", &origin]).ok();
    a
}

fn registry(a: &Alerter) -> String {
    fs::read_to_string(a.home().join("registry.toml")).unwrap_or_default()
}

#[test]
fn post_through_a_flavor_registered_by_path() {
    let svc = EchoService::start();
    let a = echo_setup(&svc);
    let run = a
        .run(&[
            "post",
            "Training finished",
            "--title",
            "Nightly",
            "--level",
            "success",
            "--meta",
            "accuracy=0.93",
            "--meta",
            "run=42",
            "--link",
            "https://ci.example/42",
        ])
        .ok();
    assert!(run.stdout.contains("posted via \"e\" (echo): https://chat.invalid/m/1"), "{}", run.stdout);
    let posted = svc.posted();
    assert_eq!(posted.len(), 1);
    let m = &posted[0];
    assert_eq!(m["text"], "Training finished");
    assert_eq!(m["title"], "Nightly");
    assert_eq!(m["level"], "success");
    assert_eq!(m["metadata"], serde_json::json!([["accuracy", "0.93"], ["run", "42"]]));
    assert_eq!(m["link"], "https://ci.example/42");
    assert_eq!(m["channel"], "general", "default setting filled in by the host");

    // --json, and a per-call override of a setting.
    let run = a.run(&["post", "second", "--set", "channel=ops", "--json"]).ok();
    let out: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("json output");
    assert_eq!(out["alerter"], "e");
    assert_eq!(out["flavor"], "echo");
    assert_eq!(out["reference"], "2");
    assert_eq!(svc.posted()[1]["channel"], "ops");
    // The override was for that call only.
    a.run(&["post", "third"]).ok();
    assert_eq!(svc.posted()[2]["channel"], "general");
}

#[test]
fn raw_payload_and_stdin_body() {
    let svc = EchoService::start();
    let a = echo_setup(&svc);
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw.json");
    fs::write(&raw, r#"{"blocks":[{"type":"divider"}]}"#).unwrap();
    a.run(&["post", "with raw", "--raw", raw.to_str().unwrap()]).ok();
    assert_eq!(svc.posted()[0]["raw"], r#"{"blocks":[{"type":"divider"}]}"#);

    fs::write(&raw, "{not json").unwrap();
    let run = a.run(&["post", "x", "--raw", raw.to_str().unwrap()]).expect_code(2);
    assert!(run.stderr.contains("is not valid JSON"), "{}", run.stderr);

    a.run_with_stdin(&["post", "-"], b"from stdin\n").ok();
    assert_eq!(svc.posted()[1]["text"], "from stdin\n");
}

/// Registering pins the component: overwriting the file changes nothing
/// until it is registered again with `--replace`, which swaps the behaviour
/// without rebuilding anything.
#[test]
fn swapping_the_flavor_file_changes_behaviour_only_when_registered_again() {
    let svc = EchoService::start();
    let a = alerter_tests::alerter!();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flavor.wasm");
    fs::copy(flavors::ECHO, &path).unwrap();
    let run = a.run(&["flavor", "register", path.to_str().unwrap(), "--name", "mine"]).ok();
    assert!(run.stdout.contains("\npinned:   ") && run.stdout.contains("/flavors/"), "{}", run.stdout);
    let origin = svc.origin();
    a.run(&["register", "m", "--flavor", "mine", "--set", &format!("url={origin}"), "--allow-host", &origin]).ok();
    a.run(&["post", "quiet please"]).ok();

    // Same path, new content: the pinned copy still runs.
    fs::copy(flavors::SHOUT, &path).unwrap();
    a.run(&["post", "quiet please"]).ok();
    let posted = svc.posted();
    assert_eq!(posted[0]["flavor"], "echo");
    assert_eq!(posted[1]["flavor"], "echo", "overwriting the registered file changes nothing");
    assert_eq!(posted[1]["text"], "quiet please");

    // Registering again needs --replace, and then swaps it.
    let run = a.run(&["flavor", "register", path.to_str().unwrap(), "--name", "mine"]).expect_code(2);
    assert!(
        run.stderr.contains("a flavor is registered as \"mine\" already; pass --replace to swap it"),
        "{}",
        run.stderr
    );
    let run = a.run(&["flavor", "register", path.to_str().unwrap(), "--name", "mine", "--replace"]).ok();
    assert!(run.stdout.contains("replaced flavor \"mine\""), "{}", run.stdout);
    a.run(&["post", "quiet please"]).ok();
    assert_eq!(svc.posted()[2]["flavor"], "shout");
    assert_eq!(svc.posted()[2]["text"], "QUIET PLEASE");

    // And back, from another file.
    let run = a.run(&["flavor", "register", flavors::ECHO, "--name", "mine", "--replace"]).ok();
    assert!(run.stdout.contains("replaced flavor \"mine\""), "{}", run.stdout);
    a.run(&["post", "back to normal"]).ok();
    assert_eq!(svc.posted()[3]["flavor"], "echo");

    let list = a.run(&["flavor", "list"]).ok();
    assert!(list.stdout.lines().any(|l| l.starts_with("mine\t1.1.0\t")), "{}", list.stdout);
    // Only the pinned copy of what is registered is kept.
    let pinned: Vec<_> = fs::read_dir(a.home().join("flavors")).unwrap().filter_map(Result::ok).collect();
    assert_eq!(pinned.len(), 1, "{pinned:?}");
}

#[test]
fn undeclared_and_ungranted_hosts_are_denied_with_the_grant_to_add() {
    let svc = EchoService::start();
    let origin = svc.origin();
    let a = alerter_tests::alerter!();
    a.run(&["flavor", "register", flavors::ECHO]).ok();
    // Declared through `url` but plain http on loopback: needs an explicit
    // grant, which registration already says (and still registers).
    let run = a.run(&["register", "e", "--flavor", "echo", "--set", &format!("url={origin}")]).ok();
    assert_eq!(
        run.stderr,
        format!(
            "warning: alerter \"e\" cannot reach {origin} (setting `url`) until it is granted, since plain http needs \
             an explicit grant: alerter update e --allow-host {origin}\n"
        )
    );
    assert!(run.stdout.starts_with("registered alerter \"e\""), "{}", run.stdout);
    let run = a.run(&["post", "hello"]).expect_code(3);
    let want = format!("alerter update e --allow-host {origin}");
    assert!(run.stderr.contains(&want), "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "one line: {}", run.stderr);
    assert!(svc.seen().is_empty(), "nothing may reach the stand-in");

    // Following the advice works.
    a.run(&["update", "e", "--allow-host", &origin]).ok();
    a.run(&["post", "hello"]).ok();
    assert_eq!(svc.posted().len(), 1);

    // A host the flavor never declared is refused even when granted.
    a.run(&["flavor", "register", flavors::UNRULY]).ok();
    a.run(&["register", "u", "--flavor", "unruly", "--allow-host", &origin]).ok();
    let run = a.run(&["post", &format!("fetch:{origin}/messages"), "--alerter", "u"]).expect_code(3);
    assert!(run.stderr.contains("does not declare this host"), "{}", run.stderr);
    assert_eq!(svc.seen().len(), 1, "the denied request never left the host");

    // Bad grants are refused with the expected shape.
    let run = a.run(&["update", "e", "--allow-host", "127.0.0.1:80/x"]).expect_code(2);
    assert!(run.stderr.contains("SCHEME://HOST[:PORT]"), "{}", run.stderr);
}

#[test]
fn missing_settings_and_unknown_names_are_one_line_errors() {
    let a = alerter_tests::alerter!();
    a.run(&["flavor", "register", flavors::ECHO]).ok();
    let before = registry(&a);
    // `register` says to pass the setting on its own command line, not to
    // update an alerter that does not exist yet.
    let run = a.run(&["register", "e", "--flavor", "echo"]).expect_code(2);
    assert_eq!(
        run.stderr,
        "error: alerter \"e\" (flavor \"echo\") needs setting `url` (Base URL of the service); pass --set url=VALUE\n"
    );
    assert_eq!(registry(&a), before, "a failed command leaves the registry as it was");

    let run = a
        .run(&["register", "e", "--flavor", "echo", "--set", "url=http://x.invalid", "--set", "chanel=ops"])
        .expect_code(2);
    assert!(run.stderr.contains("has no setting `chanel`"), "{}", run.stderr);
    let run = a.run(&["register", "e", "--flavor", "nope"]).expect_code(2);
    assert!(run.stderr.contains("unknown flavor \"nope\""), "{}", run.stderr);
    let run = a.run(&["post", "hi"]).expect_code(2);
    assert!(run.stderr.contains("none is active"), "{}", run.stderr);
    let run = a.run(&["post", "hi", "--alerter", "ghost"]).expect_code(2);
    assert!(run.stderr.contains("unknown alerter or group \"ghost\""), "{}", run.stderr);
    assert_eq!(registry(&a), before);

    // Once it exists, `alerter update` is the fix.
    a.run(&["register", "e", "--flavor", "echo", "--set", "url=https://chat.example"]).ok();
    let run = a.run(&["update", "e", "--unset", "url"]).expect_code(2);
    assert_eq!(
        run.stderr,
        "error: alerter \"e\" (flavor \"echo\") needs setting `url` (Base URL of the service); \
         run `alerter update e --set url=VALUE` or pass --set url=VALUE\n"
    );
}

#[test]
fn secrets_are_resolved_by_the_host_and_never_shown() {
    const SECRET: &str = "s3cr3t-TOKEN-value";
    let svc = EchoService::start_with_token(Some(SECRET));
    let origin = svc.origin();
    let mut a = alerter_tests::alerter!();
    a.run(&["flavor", "register", flavors::ECHO]).ok();

    // A literal secret moves into the store; the registry holds a reference.
    a.run(&[
        "register",
        "e",
        "--flavor",
        "echo",
        "--set",
        &format!("url={origin}"),
        "--set",
        &format!("token={SECRET}"),
        "--allow-host",
        &origin,
    ])
    .ok();
    assert!(!registry(&a).contains(SECRET));
    assert!(registry(&a).contains("{{e.token}}"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(a.home().join("secrets.toml")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let d = a.run(&["describe", "e"]).ok();
    assert!(d.stdout.contains("token = {{e.token}}") && !d.stdout.contains(SECRET), "{}", d.stdout);

    a.env("ALERTER_LOG", "trace");
    let run = a.run(&["post", "with token"]).ok();
    assert!(!run.all().contains(SECRET), "{}", run.all());
    let stored = &svc.messages()[0];
    let auth: Vec<&(String, String)> = stored.headers.iter().filter(|(_, v)| v.contains(SECRET)).collect();
    assert_eq!(auth.len(), 1, "the secret reached the service only in one header");
    assert_eq!(auth[0].0, "authorization");
    assert_eq!(auth[0].1, format!("Bearer {SECRET}"));
    assert!(!stored.body.as_ref().unwrap().to_string().contains(SECRET));

    // The service echoes the (wrong) token back in an error: redacted.
    let wrong = "WRONG-secret-987";
    a.run(&["secret", "set", "ci", &format!("tok={wrong}")]).ok();
    a.run(&["update", "e", "--set", "token={{ci.tok}}"]).ok();
    let run = a.run(&["post", "bad token"]).expect_code(3);
    assert!(run.stderr.contains("rejected by the service (401)"), "{}", run.stderr);
    assert!(run.stderr.contains("Bearer ****"), "{}", run.stderr);
    assert!(!run.all().contains(wrong), "{}", run.all());

    // The environment overrides the store; a missing secret is one clear line.
    a.env("ALERTER_SECRET_CI_TOK", SECRET);
    a.run(&["post", "env token"]).ok();
    let b = alerter_tests::alerter!();
    b.run(&["flavor", "register", flavors::ECHO]).ok();
    b.run(&[
        "register",
        "e",
        "--flavor",
        "echo",
        "--set",
        &format!("url={origin}"),
        "--set",
        "token={{vault.missing}}",
        "--allow-host",
        &origin,
    ])
    .ok();
    let run = b.run(&["post", "x"]).expect_code(2);
    assert!(
        run.stderr.contains("secret {{vault.missing}} is not set")
            && run.stderr.contains("ALERTER_SECRET_VAULT_MISSING"),
        "{}",
        run.stderr
    );

    let list = a.run(&["secret", "list"]).ok();
    assert!(list.stdout.contains("ci: tok") && !list.stdout.contains(SECRET) && !list.stdout.contains(wrong));
}

#[test]
fn files_that_are_not_flavors_are_refused_clearly() {
    let a = alerter_tests::alerter!();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_string()
    };
    let cases: Vec<(String, &str)> = vec![
        (write("notes.wasm", b"hello, I am text"), "not a WebAssembly file"),
        (write("core.wasm", &wat::parse_str("(module)").unwrap()), "is a core wasm module, not a component"),
        (
            write(
                "future.wasm",
                &wat::parse_str(
                    r#"(component
                    (core module $m (func (export "f")))
                    (core instance $i (instantiate $m))
                    (func $f (canon lift (core func $i "f")))
                    (instance $api (export "info" (func $f)))
                    (export "alerter:flavor/flavor@0.3.0" (instance $api)))"#,
                )
                .unwrap(),
            ),
            "built for alerter:flavor@0.3.0; this host supports alerter:flavor@0.2.x or 0.1.x",
        ),
        (
            write(
                "http.wasm",
                &wat::parse_str(r#"(component (import "wasi:http/outgoing-handler@0.2.0" (instance)))"#).unwrap(),
            ),
            "imports wasi:http/outgoing-handler@0.2.0",
        ),
        (write("empty.wasm", &wat::parse_str("(component)").unwrap()), "exports no alerter:flavor/flavor interface"),
    ];
    let before = registry(&a);
    for (path, want) in &cases {
        let run = a.run(&["flavor", "register", path]).expect_code(2);
        assert!(run.stderr.contains(want), "{path}: want `{want}` in: {}", run.stderr);
        assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    }
    let run = a.run(&["flavor", "register", "/no/such/file.wasm"]).expect_code(2);
    assert!(run.stderr.contains("cannot read /no/such/file.wasm"), "{}", run.stderr);
    assert_eq!(registry(&a), before);
}

#[test]
fn traps_and_limits_are_typed_errors() {
    let a = alerter_tests::alerter!();
    a.run(&["flavor", "register", flavors::UNRULY]).ok();
    a.run(&["register", "u", "--flavor", "unruly"]).ok();
    // A trap shows the guest's own last words without -v: a Rust panic's
    // message and place, the end of a (Python-style) traceback.
    let run = a.run(&["post", "trap"]).expect_code(3);
    assert!(
        run.stderr.starts_with("error: flavor \"unruly\" 0.0.1: trapped: panicked at fixtures/unruly/src/lib.rs:")
            && run.stderr.trim_end().ends_with(": unruly flavor asked to trap"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    let run = a.run(&["post", "traceback"]).expect_code(3);
    assert_eq!(
        run.stderr,
        "error: flavor \"unruly\" 0.0.1: trapped: File \"flavor.py\", line 12, in send | \
         raise ValueError(\"the service said no\") | ValueError: the service said no\n"
    );
    // -v shows everything it printed.
    let run = a.run(&["post", "traceback", "-v"]).expect_code(3);
    assert!(
        run.stderr.contains("printed on stderr") && run.stderr.contains("Traceback (most recent call last):"),
        "{}",
        run.stderr
    );
    let run = a.run(&["post", "oom"]).expect_code(3);
    assert!(run.stderr.contains("128 MiB memory limit"), "{}", run.stderr);
    let run = a.run(&["post", "loop"]).expect_code(3);
    assert!(run.stderr.contains("CPU budget"), "{}", run.stderr);
    // Output is captured into the log, capped.
    let run = a.run(&["post", "print", "-v"]).ok();
    assert!(
        run.stderr.contains("unruly line 0") && run.stderr.contains("more bytes dropped"),
        "{}",
        &run.stderr[..run.stderr.len().min(500)]
    );
    assert!(!run.stderr.contains("unruly line 9999"));
    assert!(run.stderr.len() < 40_000, "capped: {} bytes", run.stderr.len());
}

#[test]
fn concurrent_registrations_all_land() {
    let a = alerter_tests::alerter!();
    a.run(&["flavor", "register", flavors::ECHO]).ok();
    let children: Vec<_> = (0..8)
        .map(|i| {
            a.spawn(&[
                "register",
                &format!("a{i}"),
                "--flavor",
                "echo",
                "--set",
                "url=https://chat.example",
                "--set",
                &format!("token=t{i}"),
            ])
        })
        .collect();
    for c in children {
        c.finish().ok();
    }
    let list = a.run(&["list"]).ok();
    for i in 0..8 {
        assert!(list.stdout.contains(&format!("a{i}\techo")), "{}", list.stdout);
    }
    let secrets = a.run(&["secret", "list"]).ok();
    assert_eq!(secrets.stdout.lines().count(), 8, "{}", secrets.stdout);
    let leftovers: Vec<_> = fs::read_dir(a.home())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    assert!(Path::new(&a.home().join("registry.toml")).exists());
}

#[test]
fn alerter_management_commands() {
    let svc = EchoService::start();
    let a = echo_setup(&svc);
    let origin = svc.origin();
    a.run(&["register", "f", "--flavor", "echo", "--set", &format!("url={origin}"), "--allow-host", &origin]).ok();
    let list = a.run(&["list"]).ok();
    assert!(list.stdout.contains("* e\techo") && list.stdout.contains("  f\techo"), "{}", list.stdout);
    a.run(&["use", "f"]).ok();
    a.run(&["post", "to f"]).ok();
    a.run(&["update", "f", "--set", "channel=alerts"]).ok();
    a.run(&["post", "to f again"]).ok();
    assert_eq!(svc.posted()[1]["channel"], "alerts");
    a.run(&["update", "f", "--unset", "channel"]).ok();
    a.run(&["remove", "f"]).ok();
    let run = a.run(&["post", "nobody active"]).expect_code(2);
    assert!(run.stderr.contains("none is active"), "{}", run.stderr);
    let run = a.run(&["flavor", "remove", "echo"]).expect_code(2);
    assert!(run.stderr.contains("used by alerter(s) e"), "{}", run.stderr);
    let d = a.run(&["flavor", "describe", "echo"]).ok();
    for want in [
        "name:        echo 1.1.0",
        "contract:    alerter:flavor@0.2.0",
        "hosts:       {url}",
        "url ",
        "[required]",
        "[secret: header authorization: \"Bearer {}\" towards {url}]",
        "[default general]",
    ] {
        assert!(d.stdout.contains(want), "want {want}: {}", d.stdout);
    }
    let help = a.run(&["post", "--help"]).ok();
    assert!(help.stdout.contains("--set <KEY=VALUE>") && help.stdout.contains("Examples:"), "{}", help.stdout);
}

#[test]
fn redirects_are_not_followed_and_big_responses_are_refused() {
    let svc = EchoService::start();
    let origin = svc.origin();
    let a = alerter_tests::alerter!();
    a.run(&["flavor", "register", flavors::UNRULY]).ok();
    a.run(&["register", "u", "--flavor", "unruly", "--set", &format!("url={origin}"), "--allow-host", &origin]).ok();
    // The flavor gets the 302 itself; the host never goes to the Location.
    let run = a.run(&["post", &format!("fetch:{origin}/redirect"), "--json"]).ok();
    let out: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(out["reference"], "status 302");
    // A 9 MiB answer is over the 8 MiB cap.
    let run = a.run(&["post", &format!("fetch:{origin}/big")]).expect_code(3);
    assert!(run.stderr.contains("too large") && run.stderr.contains("byte cap"), "{}", run.stderr);
}

#[test]
fn grants_that_settings_need_are_named_at_registration() {
    let a = alerter_tests::alerter!();
    a.run(&["flavor", "register", flavors::ECHO]).ok();
    // An https URL on an internal address needs a grant too.
    let run = a.run(&["register", "i", "--flavor", "echo", "--set", "url=https://10.0.0.7:8443"]).ok();
    assert_eq!(
        run.stderr,
        "warning: alerter \"i\" cannot reach https://10.0.0.7:8443 (setting `url`) until it is granted, since \
         internal addresses need an explicit grant: alerter update i --allow-host https://10.0.0.7:8443\n"
    );
    // `update` warns the same way, and following the advice ends the warning.
    let run = a.run(&["update", "i", "--set", "url=http://localhost:8080"]).ok();
    assert!(run.stderr.contains("alerter update i --allow-host http://localhost:8080\n"), "{}", run.stderr);
    let run = a.run(&["update", "i", "--allow-host", "http://localhost:8080"]).ok();
    assert_eq!(run.stderr, "", "granted: nothing to warn about");
    // A public https URL is granted by default: no warning.
    let run = a.run(&["register", "p", "--flavor", "echo", "--set", "url=https://chat.example"]).ok();
    assert_eq!(run.stderr, "");
}

#[test]
fn a_closed_stdout_ends_a_command_quietly() {
    // As in `alerter flavor list | head -1`: the reader went away before
    // alerter wrote; that is no error and no panic.
    let a = alerter_tests::alerter!();
    for args in [&["flavor", "list"][..], &["list"], &["flavor", "describe", "slack"], &["secret", "list"]] {
        let run = a.spawn_with_closed_stdout(args).finish().ok();
        assert_eq!(run.stderr, "", "{args:?}");
    }
}
