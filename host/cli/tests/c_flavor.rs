//! The contract is language-neutral: `c-echo`, a flavor written in C and built
//! freestanding (no libc, no WASI; plugins/c-echo/build.sh), registers,
//! describes itself and posts through the real `alerter` binary like a Rust
//! flavor does.
//!
//! The component is built by tests/artifacts (with plugins/c-echo/build.sh);
//! `ALERTER_C_FLAVOR` points the tests at another build instead.

use std::path::PathBuf;

use alerter_tests::cli::{Alerter, Run};
use alerter_tests::echo::EchoService;
use serde_json::{json, Value};

/// Path of the built c-echo component: `ALERTER_C_FLAVOR` when set, else the one
/// tests/artifacts built.
fn c_flavor() -> PathBuf {
    let path = std::env::var_os("ALERTER_C_FLAVOR")
        .filter(|p| !p.is_empty())
        .map_or_else(|| PathBuf::from(alerter_test_artifacts::C_ECHO), PathBuf::from);
    assert!(path.is_file(), "no c-echo component at {}", path.display());
    path
}

/// A fresh installation with c-echo registered and an alerter `e` pointed at `svc`,
/// plus the runs so far (for "never printed" checks).
fn setup(svc: &EchoService, extra: &[&str]) -> (Alerter, Vec<Run>) {
    let alerter = alerter_tests::alerter!();
    let path = c_flavor();
    let mut runs = Vec::new();
    runs.push(alerter.run(&["flavor", "register", path.to_str().expect("utf-8 path")]).ok());
    let origin = svc.origin();
    let url = format!("url={origin}");
    let mut args = vec!["register", "e", "--flavor", "c-echo", "--set", url.as_str(), "--allow-host", origin.as_str()];
    args.extend_from_slice(extra);
    runs.push(alerter.run(&args).ok());
    (alerter, runs)
}

#[test]
fn c_flavor_registers_and_describes_itself() {
    let alerter = alerter_tests::alerter!();
    let path = c_flavor();
    alerter.run(&["flavor", "register", path.to_str().expect("utf-8 path")]).ok();

    let list = alerter.run(&["flavor", "list"]).ok();
    assert!(list.stdout.contains("c-echo"), "flavor list lacks c-echo:\n{}", list.stdout);

    let d = alerter.run(&["flavor", "describe", "c-echo"]).ok();
    for want in ["c-echo", "0.1.0", "url", "token", "Base URL", "Bearer token"] {
        assert!(d.stdout.contains(want), "flavor describe lacks {want:?}:\n{}", d.stdout);
    }

    // `url` is required: registering without it is a configuration error.
    alerter.run(&["register", "nourl", "--flavor", "c-echo"]).expect_code(2);
}

#[test]
fn c_flavor_posts_escaped_json() {
    let svc = EchoService::start();
    let (alerter, _) = setup(&svc, &[]);

    alerter.run(&["post", "hello \"quoted\""]).ok();
    assert_eq!(svc.posted(), vec![json!({"flavor": "c-echo", "text": "hello \"quoted\"", "title": null})]);

    // Every character class JSON must escape, a title, and non-ASCII text.
    let text = "line 1\nline 2\ttab \\ back\\slash \u{1} ctl \r ünïcødé 🚀 </script>";
    let out = alerter.run(&["post", text, "--title", "T \"x\" \\ y", "--json"]).ok();
    let posted = svc.posted();
    assert_eq!(posted.len(), 2);
    assert_eq!(posted[1], json!({"flavor": "c-echo", "text": text, "title": "T \"x\" \\ y"}));

    // The reference is the stand-in's "id"; c-echo reports no link.
    let line: Value =
        serde_json::from_str(out.stdout.trim()).unwrap_or_else(|e| panic!("--json output {:?}: {e}", out.stdout));
    assert_eq!(line["flavor"], "c-echo", "{line}");
    assert_eq!(line["alerter"], "e", "{line}");
    assert_eq!(line["reference"], "2", "{line}");
    assert_eq!(line["link"], Value::Null, "{line}");

    // A long message goes through whole (the arena grows past one page).
    let long = "x\"".repeat(20_000);
    alerter.run(&["post", &long]).ok();
    assert_eq!(svc.posted()[2]["text"], long.as_str());

    // Without a token, no Authorization header.
    let m = &svc.messages()[0];
    assert!(!m.headers.iter().any(|(k, _)| k == "authorization"), "unexpected authorization: {:?}", m.headers);
    assert!(m.headers.iter().any(|(k, v)| k == "content-type" && v.starts_with("application/json")), "{:?}", m.headers);
}

/// c-echo is built for alerter:flavor@0.1, whose secret settings declare no
/// slot: the host refuses to give its `token` a value (at `register`,
/// `update` and per call), with the fix, and never prints the value.
#[test]
fn c_flavor_token_is_refused_because_0_1_has_no_secret_slots() {
    const TOKEN: &str = "c-echo-T0ken-6f1d93a2";
    const REFUSAL: &str = "secret setting `token`: flavor \"c-echo\" was built for alerter:flavor@0.1, which cannot \
                           bind secrets to a slot; rebuild it against 0.2";
    let svc = EchoService::start_with_token(Some(TOKEN));
    let (alerter, mut runs) = setup(&svc, &[]);
    let registry = || std::fs::read_to_string(alerter.home().join("registry.toml")).unwrap_or_default();
    let before = registry();

    let origin = svc.origin();
    let (url, token) = (format!("url={origin}"), format!("token={TOKEN}"));
    let refused = [
        alerter.run(&["register", "t", "--flavor", "c-echo", "--set", &url, "--set", &token, "--allow-host", &origin]),
        alerter.run(&["update", "e", "--set", &token]),
        alerter.run(&["update", "e", "--set", "token={{ci.tok}}"]),
        alerter.run(&["post", "with token", "--set", &token]),
    ];
    for run in refused {
        let run = run.expect_code(2);
        assert!(run.stderr.starts_with("error: ") && run.stderr.contains(REFUSAL), "{}", run.stderr);
        assert_eq!(run.stderr.trim().lines().count(), 1, "one line: {}", run.stderr);
        runs.push(run);
    }
    assert_eq!(registry(), before, "nothing was saved");
    assert!(
        !alerter.home().join("secrets.toml").exists()
            || !std::fs::read_to_string(alerter.home().join("secrets.toml")).unwrap().contains(TOKEN)
    );
    assert!(svc.messages().is_empty(), "nothing was sent");

    runs.push(alerter.run(&["describe", "e"]).ok());
    let d = alerter.run(&["flavor", "describe", "c-echo"]).ok();
    assert!(d.stdout.contains("contract:    alerter:flavor@0.1 (older than 0.2"), "{}", d.stdout);
    assert!(d.stdout.contains("[secret, no slot: cannot be given a value]"), "{}", d.stdout);
    runs.push(d);
    for run in &runs {
        assert!(!run.all().contains(TOKEN), "the token was printed:\n{}", run.all());
    }
}

/// Without the token it cannot be given, c-echo still posts: the service
/// that needs one answers 401, which is a service failure (exit 3) naming
/// the status.
#[test]
fn c_flavor_without_a_token_is_rejected_by_a_service_that_needs_one() {
    let svc = EchoService::start_with_token(Some("the-right-one"));
    let (alerter, _) = setup(&svc, &[]);

    let run = alerter.run(&["post", "denied"]).expect_code(3);
    assert!(run.stderr.contains("401"), "stderr lacks the status:\n{}", run.stderr);
    assert!(!run.all().contains("the-right-one"), "{}", run.all());
    assert!(svc.posted().is_empty());
}

#[test]
fn c_flavor_service_error_exits_3() {
    let svc = EchoService::start();
    let (alerter, _) = setup(&svc, &[]);

    svc.error_next("*", "500");
    let run = alerter.run(&["post", "boom"]).expect_code(3);
    assert!(run.stderr.contains("c-echo"), "stderr lacks the flavor name:\n{}", run.stderr);
    assert!(run.stderr.contains("500"), "stderr lacks the status code:\n{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "an error is one line on stderr:\n{}", run.stderr);
    assert!(svc.posted().is_empty());

    // The next post works again: a fresh instance, nothing left over.
    alerter.run(&["post", "after"]).ok();
    assert_eq!(svc.posted(), vec![json!({"flavor": "c-echo", "text": "after", "title": null})]);
}

#[test]
fn c_flavor_unreachable_service_exits_3() {
    // A granted origin nobody listens on: http-error connect -> internal.
    // The port stays bound (without listening) for the whole test, so no
    // other test can take it and answer: every connection is refused.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.bind("127.0.0.1:0".parse().unwrap()).expect("bind");
    let origin = format!("http://{}", socket.local_addr().expect("addr"));
    let alerter = alerter_tests::alerter!();
    alerter.run(&["flavor", "register", c_flavor().to_str().expect("utf-8 path")]).ok();
    let url = format!("url={origin}");
    alerter.run(&["register", "e", "--flavor", "c-echo", "--set", &url, "--allow-host", &origin]).ok();
    let run = alerter.run(&["post", "nobody home"]).expect_code(3);
    assert!(run.stderr.contains("c-echo"), "stderr lacks the flavor name:\n{}", run.stderr);
    assert!(run.stderr.contains(&format!("http connect: {origin}/messages: ")), "the connect error:\n{}", run.stderr);
    assert!(run.stderr.contains("Connection refused"), "{}", run.stderr);
    drop(socket);
}
