//! The sandbox's rules end to end, through the real `alerter` binary:
//! consent for the hosts of flavors registered from files, reserved
//! built-in names and `--replace`, pinned code and a verified compile
//! cache, a private state directory, `ask` only through trusted flavors,
//! secrets in their slots only and masked out of messages and of `run`'s
//! command, control characters never printed, and limits per call (output,
//! headers, one deadline for a post and its retries). The attack suite
//! (`hostile_*.rs`) tries to break these; these tests show each rule.

use std::fs;
use std::time::{Duration, Instant};

use alerter_test_artifacts as flavors;
use alerter_tests::cli::Alerter;
use alerter_tests::echo::EchoService;

const TOKEN: &str = "s3cr3t-T0KEN-for-the-sandbox-tests";

/// An installation with `unruly` registered and an alerter `u` whose `url`
/// is the stand-in (granted), with `extra` arguments.
fn unruly(svc: &EchoService, extra: &[&str]) -> Alerter {
    let a = alerter_tests::alerter!();
    a.run(&["flavor", "register", flavors::UNRULY]).ok();
    let origin = svc.origin();
    let url = format!("url={origin}");
    let mut args = vec!["register", "u", "--flavor", "unruly", "--set", &url, "--allow-host", &origin];
    args.extend_from_slice(extra);
    a.run(&args).ok();
    a
}

#[test]
fn a_file_flavors_declared_hosts_need_consent() {
    let svc = EchoService::start();
    let a = alerter_tests::alerter!();
    let run = a.run(&["flavor", "register", flavors::UNRULY]).ok();
    // Registering shows what it declares, where its secret may go, and
    // that none of it is granted.
    for want in [
        "hosts:    https://allowed.example, {url}",
        "secret:   token: header authorization: \"Bearer {}\" towards https://allowed.example, {url}",
        "granted:  none yet",
    ] {
        assert!(run.stdout.contains(want), "want `{want}` in:\n{}", run.stdout);
    }
    let origin = svc.origin();
    let run =
        a.run(&["register", "u", "--flavor", "unruly", "--set", &format!("url={origin}"), "--allow-host", &origin]);
    let run = run.ok();
    assert!(
        run.stderr.contains("cannot reach https://allowed.example until you grant it")
            && run.stderr.contains("--trust-declared-hosts"),
        "{}",
        run.stderr
    );
    let d = a.run(&["describe", "u"]).ok();
    assert!(d.stdout.contains(&format!("granted:        {origin}\n")), "only the explicit grant:\n{}", d.stdout);
    let run = a.run(&["post", "fetch:https://allowed.example/x"]).expect_code(3);
    assert!(run.stderr.contains("request to https://allowed.example denied: not granted"), "{}", run.stderr);
    assert!(run.stderr.contains("alerter update u --allow-host https://allowed.example"), "{}", run.stderr);

    // Consent to the declared hosts, recorded in the registry.
    a.run(&["update", "u", "--trust-declared-hosts"]).ok();
    let registry = fs::read_to_string(a.home().join("registry.toml")).unwrap();
    assert!(registry.contains("trusted_hosts = [\"https://allowed.example\"]"), "{registry}");
    let d = a.run(&["describe", "u"]).ok();
    assert!(
        d.stdout.contains("https://allowed.example") && d.stdout.contains("trusted declared hosts"),
        "{}",
        d.stdout
    );
    a.run(&["update", "u", "--untrust-declared-hosts"]).ok();
    let run = a.run(&["post", "fetch:https://allowed.example/x"]).expect_code(3);
    assert!(run.stderr.contains("not granted"), "{}", run.stderr);
}

#[test]
fn built_in_names_are_reserved_and_replacing_needs_replace() {
    let a = alerter_tests::alerter!();
    // The Slack flavor's file calls itself `slack`: refused under that name.
    let run = a.run(&["flavor", "register", flavors::SLACK]).expect_code(2);
    assert!(
        run.stderr.contains("flavor name \"slack\" is reserved for the built-in flavor")
            && run.stderr.contains("--name OTHER"),
        "{}",
        run.stderr
    );
    let run = a.run(&["flavor", "register", flavors::ECHO, "--name", "discord"]).expect_code(2);
    assert!(run.stderr.contains("\"discord\" is reserved"), "{}", run.stderr);
    a.run(&["flavor", "register", flavors::SLACK, "--name", "slack-dev"]).ok();
    let run = a.run(&["flavor", "register", flavors::SLACK, "--name", "slack-dev"]).expect_code(2);
    assert!(run.stderr.contains("pass --replace"), "{}", run.stderr);
    a.run(&["flavor", "register", flavors::SLACK, "--name", "slack-dev", "--replace"]).ok();
    let run = a.run(&["flavor", "remove", "slack"]).expect_code(2);
    assert!(run.stderr.contains("is built in"), "{}", run.stderr);
    let d = a.run(&["flavor", "describe", "slack"]).ok();
    assert!(
        d.stdout.contains("source:      built-in") && d.stdout.contains("trusted:     yes (built in)"),
        "{}",
        d.stdout
    );
}

#[test]
fn ask_needs_a_built_in_or_trusted_flavor() {
    let svc = EchoService::start();
    let a = alerter_tests::alerter!();
    a.run(&["flavor", "register", flavors::ECHO]).ok();
    let origin = svc.origin();
    a.run(&["register", "e", "--flavor", "echo", "--set", &format!("url={origin}"), "--allow-host", &origin]).ok();
    let run = a.run(&["ask", "Deploy?", "--timeout", "1"]).expect_code(2);
    assert_eq!(
        run.stderr,
        "error: alerter \"e\" cannot ask: its flavor \"echo\" was registered from a file and is not trusted to report \
         who replied; if you trust who wrote it to report replies truthfully, run `alerter flavor trust echo` (or \
         register it with --trusted)\n"
    );
    assert!(svc.messages().is_empty(), "refused before anything was posted");
    let d = a.run(&["flavor", "describe", "echo"]).ok();
    assert!(d.stdout.contains("trusted:     no"), "{}", d.stdout);
    a.run(&["flavor", "trust", "echo"]).ok();
    let run = a.run(&["ask", "Deploy?", "--timeout", "1", "--no-follow-up"]).expect_code(124);
    assert!(run.stdout.contains("No answer within 1 s"), "{}", run.stdout);
    a.run(&["flavor", "trust", "echo", "--untrust"]).ok();
    a.run(&["ask", "Deploy?", "--timeout", "1"]).expect_code(2);
    // Replacing the code drops the trust unless it is given again.
    a.run(&["flavor", "register", flavors::ECHO, "--trusted", "--replace"]).ok();
    let run = a.run(&["flavor", "register", flavors::ECHO, "--replace"]).ok();
    assert!(run.stdout.contains("trusted:  no longer"), "{}", run.stdout);
    let help = a.run(&["ask", "--help"]).ok();
    assert!(help.stdout.contains("only\nas trustworthy as the flavor"), "{}", help.stdout);
}

#[cfg(unix)]
#[test]
fn a_state_dir_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let a = alerter_tests::alerter!();
    a.run(&["list"]).ok();
    for mode in [0o777, 0o770, 0o702] {
        fs::set_permissions(a.home(), fs::Permissions::from_mode(mode)).unwrap();
        let run = a.run(&["list"]).expect_code(2);
        assert_eq!(
            run.stderr,
            format!(
                "error: state directory {home} is not safe to use: it is writable by {who} (mode {mode:03o}); chmod 700 {home}\n",
                home = a.home().display(),
                who = match mode {
                    0o777 => "group and others",
                    0o770 => "its group",
                    _ => "others",
                }
            )
        );
    }
    fs::set_permissions(a.home(), fs::Permissions::from_mode(0o700)).unwrap();
    a.run(&["list"]).ok();
    for file in ["registry.toml", "cache.key", "state.lock"] {
        let path = a.home().join(file);
        if path.exists() {
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600, "{file}");
        }
    }
}

#[test]
fn a_tampered_compile_cache_is_recompiled_never_loaded() {
    let svc = EchoService::start();
    let a = alerter_tests::alerter!();
    a.run(&["flavor", "register", flavors::ECHO]).ok();
    let origin = svc.origin();
    a.run(&["register", "e", "--flavor", "echo", "--set", &format!("url={origin}"), "--allow-host", &origin]).ok();
    let artifact = fs::read_dir(a.home().join("cache"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "cwasm"))
        .expect("a compiled artifact");
    let good = fs::read(&artifact).unwrap();
    // One byte of the code changed: the MAC no longer matches.
    let mut bad = good.clone();
    let at = bad.len() / 2;
    bad[at] ^= 0xff;
    fs::write(&artifact, &bad).unwrap();
    let run = a.run(&["post", "after tampering", "-v"]).ok();
    assert!(run.stderr.contains("failed verification") && run.stderr.contains("recompiling"), "{}", run.stderr);
    assert_eq!(svc.posted()[0]["text"], "after tampering");
    assert_ne!(fs::read(&artifact).unwrap(), bad, "rewritten");
    // Garbage, and a file from another cache (another key), the same.
    fs::write(&artifact, b"not an artifact at all").unwrap();
    a.run(&["post", "again"]).ok();
    let key = a.home().join("cache.key");
    fs::write(&key, [7u8; 32]).unwrap();
    let run = a.run(&["post", "another key", "-v"]).ok();
    assert!(run.stderr.contains("failed verification"), "{}", run.stderr);
    assert_eq!(svc.posted().len(), 3);
}

#[test]
fn secrets_go_only_in_their_slot() {
    let svc = EchoService::start();
    let a = unruly(&svc, &["--set", &format!("token={TOKEN}")]);
    let origin = svc.origin();
    let run = a.run(&["post", &format!("leak-query:{origin}/messages"), "-vv"]).expect_code(3);
    assert!(
        run.stderr.contains("SecretMisplaced(\"secret `token` may only go in header `authorization` as `Bearer {}`")
            && run.stderr.contains("found in the URL query"),
        "{}",
        run.stderr
    );
    assert!(svc.seen().is_empty(), "nothing was sent");
    assert!(!run.all().contains(TOKEN));
    // In its slot, towards its origin, it goes.
    a.run(&["post", &format!("fetch:{origin}/messages")]).expect_code(0);
    let seen = svc.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    // The flavor's error quoting its placeholder shows `****`.
    let run = a.run(&["post", "reject-token"]).expect_code(3);
    assert!(run.stderr.contains("token was ****"), "{}", run.stderr);
}

#[test]
fn secrets_are_masked_out_of_messages() {
    let svc = EchoService::start_with_token(Some(TOKEN));
    let mut a = alerter_tests::alerter!();
    a.env("ALERTER_SECRET_CI_OTHER", "other-secret-value-1234");
    a.run(&["flavor", "register", flavors::ECHO]).ok();
    let origin = svc.origin();
    let (url, token) = (format!("url={origin}"), format!("token={TOKEN}"));
    a.run(&["register", "e", "--flavor", "echo", "--set", &url, "--set", &token, "--allow-host", &origin]).ok();
    let body = format!("oops, the token is {TOKEN} and other-secret-value-1234, lower {}", TOKEN.to_lowercase());
    a.run(&["post", &body, "--title", TOKEN, "--meta", &format!("k={TOKEN}"), "--link", &format!("https://x/{TOKEN}")])
        .ok();
    let posted = svc.posted()[0].to_string();
    assert!(!posted.contains(TOKEN) && !posted.contains("other-secret-value"), "{posted}");
    assert!(!posted.to_lowercase().contains(&TOKEN.to_lowercase()), "{posted}");
    assert!(posted.contains("oops, the token is **** and ****, lower ****"), "{posted}");
}

#[test]
fn run_keeps_alerter_secrets_from_the_command() {
    let svc = EchoService::start();
    let mut a = alerter_tests::alerter!();
    a.env("ALERTER_SECRET_CI_TOK", TOKEN);
    a.run(&["flavor", "register", flavors::ECHO]).ok();
    let origin = svc.origin();
    a.run(&["register", "e", "--flavor", "echo", "--set", &format!("url={origin}"), "--allow-host", &origin]).ok();
    let script = format!("echo \"[$ALERTER_SECRET_CI_TOK]\"; echo {TOKEN}; exit 4");
    let run = a.run(&["run", "--", "sh", "-c", &script]).expect_code(4);
    assert!(run.stdout.starts_with("[]\n"), "the command does not see it: {}", run.stdout);
    let posted = svc.posted()[0].to_string();
    assert!(!posted.contains(TOKEN) && posted.contains("****"), "{posted}");
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let svc = EchoService::start();
    let a = unruly(&svc, &[]);
    for args in [&["post", "ansi"][..], &["post", "ansi", "--json"]] {
        let run = a.run(args).ok();
        for c in ['\x1b', '\x07', '\r', '\u{202e}'] {
            assert!(!run.stdout.contains(c), "{c:?} in {:?}", run.stdout);
        }
        assert_eq!(run.stdout.lines().count(), 1, "{:?}", run.stdout);
    }
}

#[test]
fn output_of_a_call_is_one_budget() {
    let svc = EchoService::start();
    let a = unruly(&svc, &[]);
    for flood in ["log:5000000", "flood:95000000"] {
        let started = Instant::now();
        let run = a.run(&["post", flood, "-v"]).ok();
        assert!(started.elapsed() < Duration::from_secs(20), "{flood}: {:?}", started.elapsed());
        assert!(
            run.stderr.contains("bytes of output (stdout, stderr and log lines) dropped"),
            "{flood}: {} / {}",
            run.stderr.chars().take(500).collect::<String>(),
            run.stdout
        );
        assert!(run.stderr.len() < 40_000, "{flood}: {} bytes", run.stderr.len());
    }
}

#[test]
fn too_many_headers_fail_the_call_and_run_keeps_the_commands_code() {
    let svc = EchoService::start();
    let origin = svc.origin();
    let a = unruly(&svc, &[]);
    let run = a.run(&["post", &format!("headers:24600:{origin}/x")]).expect_code(3);
    assert!(run.stderr.contains("TooLarge(\"the request has 24600 headers, over the cap of 64\")"), "{}", run.stderr);
    let run = a.run(&["post", &format!("headers:64:{origin}/x")]).ok();
    assert!(run.stdout.contains("status 404"), "64 headers go through: {}", run.stdout);
    a.run(&["update", "u", "--set", &format!("mode=headers:24600:{origin}/x")]).ok();
    let run = a.run(&["run", "--on", "always", "--", "true"]).expect_code(0);
    assert!(run.stderr.contains("could not send the alert"), "{}", run.stderr);
    a.run(&["run", "--", "sh", "-c", "exit 7"]).expect_code(7);
    assert_eq!(svc.seen().len(), 1, "only the 64-header request reached the service");
}

#[test]
fn a_post_and_its_retries_have_one_deadline() {
    let svc = EchoService::start();
    let a = unruly(&svc, &["--limit", "call_timeout_ms=4000"]);
    let started = Instant::now();
    let run = a.run(&["post", "ratelimit:1500"]).expect_code(3);
    let took = started.elapsed();
    assert!(run.stderr.contains("rate limited"), "{}", run.stderr);
    assert!(took < Duration::from_millis(4000 + 1500), "took {took:?} against a 4 s deadline");
    assert!(took >= Duration::from_millis(1500), "it did retry: {took:?}");
    let d = a.run(&["describe", "u"]).ok();
    assert!(d.stdout.contains("limits:   {\"call_timeout_ms\":4000}"), "{}", d.stdout);
    let run = a.run(&["update", "u", "--limit", "memory=1"]).expect_code(2);
    assert!(run.stderr.contains("--limit: unknown field `memory`"), "{}", run.stderr);
}
