//! The README's promises that no other test holds the binary to, one test
//! each, through the real `alerter`, the `echo` wasm flavor and its
//! stand-in.

use std::fs;
use std::time::{Duration, Instant};

use alerter_tests::cli::Alerter;
use alerter_tests::echo::EchoService;
use alerter_tests::wait_for;

mod echo_common;
use echo_common::{echo_home, setup};

fn registry(a: &Alerter) -> String {
    fs::read_to_string(a.home().join("registry.toml")).unwrap_or_default()
}

fn bearer(svc: &EchoService) -> Option<String> {
    svc.seen_op("post_message").last().and_then(|s| s.header("authorization").map(str::to_string))
}

#[test]
fn secret_set_with_dash_reads_stdin_and_secret_remove_forgets() {
    let svc = EchoService::start_with_token(Some("tok-from-stdin"));
    let a = setup(&svc, &["token={{ci.tok}}"]);
    let run = a.run_with_stdin(&["secret", "set", "ci", "tok=-", "other=2"], b"tok-from-stdin\n").ok();
    assert_eq!(run.stdout, "stored {{ci.tok}}, {{ci.other}}\n");
    a.run(&["post", "with the token from stdin"]).ok();
    assert_eq!(bearer(&svc).as_deref(), Some("Bearer tok-from-stdin"), "the trailing newline is not part of it");
    assert_eq!(a.run(&["secret", "list"]).ok().stdout, "ci: other, tok\n");

    // Removing one key keeps the others; the alerter now lacks its token.
    a.run(&["secret", "remove", "ci", "tok"]).ok();
    assert_eq!(a.run(&["secret", "list"]).ok().stdout, "ci: other\n");
    let run = a.run(&["post", "no token"]).expect_code(2);
    assert!(run.stderr.starts_with("error: secret {{ci.tok}} is not set"), "{}", run.stderr);
    let run = a.run(&["secret", "remove", "ci", "tok"]).expect_code(2);
    assert_eq!(run.stderr, "error: secret \"ci\" has no key `tok`; see `alerter secret list`\n");
    // Without keys, the whole secret goes.
    a.run(&["secret", "remove", "ci"]).ok();
    assert_eq!(a.run(&["secret", "list"]).ok().stdout, "no secrets stored\n");
    assert_eq!(svc.seen_op("post_message").len(), 1, "the refused post sent nothing");
}

#[test]
fn update_moves_a_literal_secret_into_the_store() {
    const SECRET: &str = "LIT-update-4711";
    let svc = EchoService::start_with_token(Some(SECRET));
    let a = setup(&svc, &[]);
    a.run(&["update", "e", "--set", &format!("token={SECRET}")]).ok();
    assert!(registry(&a).contains("token = \"{{e.token}}\""), "{}", registry(&a));
    assert!(!registry(&a).contains(SECRET));
    let secrets = fs::read_to_string(a.home().join("secrets.toml")).unwrap();
    assert!(secrets.contains(SECRET), "the value is in the store");
    a.run(&["post", "moved"]).ok();
    assert_eq!(bearer(&svc), Some(format!("Bearer {SECRET}")));
}

#[test]
fn a_name_that_resolves_to_loopback_is_refused_unless_granted() {
    let svc = EchoService::start();
    let port = svc.origin().rsplit(':').next().unwrap().to_string();
    let origin = format!("https://localhost:{port}");
    let a = echo_home();
    a.run(&["register", "e", "--flavor", "echo", "--set", &format!("url={origin}")]).ok();
    let run = a.run(&["post", "to localhost"]).expect_code(3);
    assert!(
        run.stderr.contains(&format!("request to {origin} denied: it resolves to the internal address 127.0.0.1")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.ends_with(&format!("grant it with: alerter update e --allow-host {origin}\n")),
        "{}",
        run.stderr
    );
    assert!(svc.seen().is_empty(), "no connection was made");
}

#[test]
fn revoke_host_withdraws_a_grant() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    let origin = svc.origin();
    a.run(&["post", "granted"]).ok();
    a.run(&["update", "e", "--revoke-host", &origin]).ok();
    let d = a.run(&["describe", "e"]).ok();
    assert!(d.stdout.contains("explicit grants (--allow-host): none\n"), "{}", d.stdout);
    let run = a.run(&["post", "revoked"]).expect_code(3);
    assert!(
        run.stderr.contains(&format!("request to {origin} denied: not granted to alerter \"e\"")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.ends_with(&format!("grant it with: alerter update e --allow-host {origin}\n")),
        "{}",
        run.stderr
    );
    assert_eq!(svc.seen().len(), 1, "only the first post reached the service");
    let run = a.run(&["update", "e", "--revoke-host", &origin]).expect_code(2);
    assert_eq!(run.stderr, format!("error: alerter \"e\" has no grant {origin} to revoke; see `alerter describe e`\n"));
}

/// One deadline of 30 s covers the whole call, HTTP included: two requests
/// of 18 s each (an upload, then the message) are stopped at 30 s.
#[test]
fn the_30_s_deadline_stops_a_call_against_a_slow_server() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.txt");
    fs::write(&file, "x").unwrap();
    svc.stall_next("upload_file", Duration::from_secs(18));
    svc.stall_next("post_message", Duration::from_secs(18));
    let started = Instant::now();
    let run = a.run(&["post", "slow", "--attach", file.to_str().unwrap()]).expect_code(3);
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(29_500) && took < Duration::from_secs(36), "stopped after {took:?}");
    assert!(run.stderr.contains("30s") || run.stderr.contains("timed out"), "{}", run.stderr);
    assert_eq!(svc.seen_op("post_message").len(), 1, "the message request was under way when the deadline hit");
}

#[test]
fn a_retry_after_longer_than_the_deadline_fails_at_once() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    svc.rate_limit_next("post_message", 1, 60.0);
    let started = Instant::now();
    let run = a.run(&["post", "later"]).expect_code(3);
    assert!(started.elapsed() < Duration::from_secs(10), "no waiting for a retry that cannot fit");
    assert!(run.stderr.contains("rate limited (retry after 60000 ms)"), "{}", run.stderr);
    assert_eq!(svc.seen_op("post_message").len(), 1);
}

#[test]
fn several_approve_words_and_approvers_and_a_disapprove_word() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    let words =
        ["--approve", "ship", "--approve", "go", "--disapprove", "halt", "--approver", "U1", "--approver", "U2"];
    let ask = |q: &str, replies: &[(&str, &str)]| {
        let mut args = vec!["ask", q, "--timeout", "20"];
        args.extend(words);
        let asking = a.spawn(&args);
        wait_for("the question", || svc.messages().into_iter().any(|m| m.bot && m.text == q).then_some(()));
        for (who, text) in replies {
            svc.reply(who, text, None, false);
        }
        asking.finish()
    };
    // Not an approver; the default words no longer count; `go` from U2 does.
    let run = ask("Ship 1?", &[("U3", "ship"), ("U1", "no"), ("U1", "yes"), ("U2", "go")]).ok();
    assert_eq!(run.stdout.trim(), "Approved by user U2 (\"go\")");
    let run = ask("Ship 2?", &[("U3", "halt"), ("U1", "reject"), ("U1", "HALT")]).expect_code(1);
    assert_eq!(run.stdout.trim(), "Declined by user U1 (\"HALT\")");
}

#[cfg(unix)]
#[test]
fn run_exits_128_plus_the_signal_and_says_so() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    a.run(&["run", "--", "sh", "-c", "kill -TERM $$"]).expect_code(143);
    let m = &svc.posted()[0];
    assert!(m["text"].as_str().unwrap().starts_with("Killed by signal 15 after "), "{m}");
    assert_eq!(m["metadata"][0], serde_json::json!(["exit", "killed by signal 15"]));
    assert_eq!(m["level"], "failure");
}

#[test]
fn run_on_always_with_tail_and_title() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    a.run(&["run", "--on", "always", "--tail", "3", "--title", "Nightly build", "--", "seq", "1", "10"]).ok();
    let m = &svc.posted()[0];
    assert_eq!((m["title"].as_str(), m["level"].as_str()), (Some("Nightly build"), Some("success")));
    let text = m["text"].as_str().unwrap();
    assert!(text.ends_with("```\n… 7 earlier lines omitted\n8\n9\n10\n```"), "{text}");
    a.run(&["run", "--on", "always", "--", "sh", "-c", "exit 2"]).expect_code(2);
    assert_eq!(svc.posted()[1]["level"], "failure", "failures too");
    assert_eq!(svc.posted()[1]["title"], "`sh -c 'exit 2'` failed");
}

#[test]
fn alerter_alerter_names_the_alerter_for_every_command() {
    let svc = EchoService::start();
    let mut a = setup(&svc, &[]);
    let origin = svc.origin();
    a.run(&[
        "register",
        "f",
        "--flavor",
        "echo",
        "--set",
        &format!("url={origin}"),
        "--set",
        "channel=ops",
        "--allow-host",
        &origin,
    ])
    .ok();
    a.env("ALERTER_ALERTER", "f");
    a.run(&["post", "to f"]).ok();
    assert_eq!(svc.posted()[0]["channel"], "ops", "not the active alerter e");
    a.run(&["post", "to e", "--alerter", "e"]).ok();
    assert_eq!(svc.posted()[1]["channel"], "general", "--alerter wins over the environment");
}

#[test]
fn the_default_state_directory_is_the_config_dir() {
    let mut a = alerter_tests::alerter!();
    let home = tempfile::tempdir().unwrap();
    a.env_remove("ALERTER_HOME").env_remove("XDG_CONFIG_HOME").env("HOME", home.path().to_str().unwrap());
    a.run(&["secret", "set", "ci", "k=v"]).ok();
    let dir = home.path().join(".config/alerter");
    assert!(dir.join("secrets.toml").is_file(), "state in ~/.config/alerter");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    }
    assert!(!a.home().join("secrets.toml").exists());
}
