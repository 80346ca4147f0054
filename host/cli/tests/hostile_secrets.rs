//! Hostile flavors after the secrets (issue 8, classes 1, 3, 4, 5, 6): a
//! flavor that names secrets it was never given, writes its placeholder
//! outside the slot, fishes the value out of error texts, reads it back
//! from a service that echoes it in every encoding, or gets it through the
//! message. Every attack asserts the typed `http-error` variant the flavor
//! got (or the exit code and refusal the user got), that no form of any
//! secret reached stdout, stderr (at `-vv`), the collector or the granted
//! service outside its slot, and that the host serves the next call.

mod hostile_common;

use hostile_common::*;

/// One attack: the message, the `label:variant` pairs the flavor must
/// report, the exit code.
struct Row {
    attack: &'static str,
    want: &'static [(&'static str, &'static str)],
    code: i32,
}

const fn row(attack: &'static str, want: &'static [(&'static str, &'static str)]) -> Row {
    Row { attack, want, code: 3 }
}

const SM: &str = "secret-misplaced";

/// Runs `rows` against one lab: each must report exactly its variants,
/// exit with its code, leak nothing, send nothing to the granted service
/// when refused, and leave the host serving the next call.
fn run_rows(lab: &Lab, rows: &[Row]) {
    let mut checks = Checks::default();
    for r in rows {
        checks.run(r.attack, || {
            let before = lab.granted.seen().len();
            let run = lab.attack(r.attack);
            let want: Vec<(String, String)> = r.want.iter().map(|(l, v)| (l.to_string(), v.to_string())).collect();
            assert_eq!(variants(&run), want, "typed errors of `{}`:\n{}", r.attack, run.all());
            assert_eq!(run.code, r.code, "exit code of `{}`:\n{}", r.attack, run.all());
            if r.want.iter().all(|(_, v)| !v.starts_with("ok")) {
                let after: Vec<String> = lab.granted.seen()[before..].iter().map(|s| s.line()).collect();
                assert!(after.is_empty(), "`{}` was refused, yet the service got: {after:?}", r.attack);
            }
            lab.assert_no_leak(r.attack, &run);
            lab.assert_serves_next(r.attack);
        });
    }
    checks.finish();
}

/// Class 3: a placeholder anywhere but its slot (query, path, fragment,
/// userinfo, host, cookie, custom headers, header names, body, the wrong
/// header format, an origin the secret is not bound to) is refused with
/// `secret-misplaced` and nothing is sent.
#[test]
fn placeholders_outside_their_slot_are_refused() {
    let lab = Lab::new();
    run_rows(
        &lab,
        &[
            row("query", &[("query", SM)]),
            row("path", &[("path", SM)]),
            row("fragment", &[("fragment", SM)]),
            row("userinfo", &[("userinfo", SM)]),
            row("password", &[("password", SM)]),
            row("host", &[("host", SM)]),
            row("subdomain", &[("subdomain", SM)]),
            row("cookie", &[("cookie", SM)]),
            row("custom-header", &[("custom-header", SM)]),
            row("header-name", &[("header-name", SM)]),
            row("body", &[("body", SM)]),
            row("wrong-format", &[("bot", SM), ("lower", SM), ("suffix", SM), ("twice", SM)]),
            row("wrong-origin", &[("wrong-origin", SM)]),
            row("hook-query", &[("hook-query", SM)]),
            row("hook-header", &[("hook-header", SM)]),
            row("hook-escape", &[("dotdot", SM), ("encoded", SM), ("at", SM), ("glued", SM)]),
            row("seg-misplaced", &[("seg-bare", SM), ("seg-query", SM), ("seg-origin", SM)]),
        ],
    );
    // The collector got the loot of every attack, and nothing secret in it.
    assert!(!lab.collector.seen_op("loot").is_empty(), "the flavor could reach its collector");
    lab.assert_services_clean("all misplacement attacks");
}

/// The slots themselves work: the header, the whole URL (with `?…` and
/// `/…` after it) and the path segment (percent-encoded), each towards
/// its origin only.
#[test]
fn secrets_arrive_in_their_slots_only() {
    let lab = Lab::new();
    let run = lab.attack("hook").ok();
    assert_eq!(variants(&run), vec![("hook".into(), "ok204".into())]);
    let run = lab.a.run(&["post", "attack:hook:?wait=true"]).ok();
    assert_eq!(variants(&run), vec![("hook".into(), "ok204".into())]);
    let hooks = lab.granted.seen_op("webhook");
    assert_eq!(hooks.len(), 2);
    let path = format!("/api/webhooks/{}/{}", lab.hook_id, lab.hook_token.as_str());
    assert_eq!((hooks[0].path.as_str(), hooks[0].query.as_str()), (path.as_str(), ""));
    assert_eq!((hooks[1].path.as_str(), hooks[1].query.as_str()), (path.as_str(), "wait=true"));

    let run = lab.attack("seg").ok();
    assert_eq!(variants(&run), vec![("seg".into(), "ok200".into())]);
    let seg = lab.granted.seen().last().cloned().unwrap();
    let segment = seg.path.trim_start_matches('/').split('/').next().unwrap().to_string();
    assert_eq!(alerter_tests::hostile::percent_decode(&segment), format!("bot{}", lab.seg.as_str()), "{}", seg.path);
    assert!(!segment.contains('/') && seg.path.ends_with("/send"), "the value is one encoded segment: {}", seg.path);
    lab.assert_no_leak("the slots", &run);
    lab.assert_serves_next("the slots");
}

/// A secret value with a line break could inject headers: refused when
/// the alerter is registered, with the fix; nothing is stored.
#[test]
fn secret_values_with_line_breaks_are_refused() {
    let lab = Lab::new();
    for value in ["abc\r\nx-evil: 1", "abc\nx-evil: 1", "abc\rdef"] {
        let run = lab.a.run(&["update", "h", "--set", &format!("token={value}")]);
        assert_eq!(run.code, 2, "{value:?}: {}", run.all());
        assert!(!run.all().contains("x-evil: 1\n"), "{}", run.all());
    }
    lab.assert_serves_next("a secret with a line break");
}

/// Class 4: texts about a request (denials, invalid-request texts, logs)
/// never carry the substituted value: a placeholder in the method, in a
/// URL that does not parse, in the scheme or the port. And the oracle of
/// issue 8 (the lowercased token from an error text, then char by char
/// through a service that echoes guesses, watching which come back
/// masked) recovers nothing.
#[test]
fn substituted_text_is_never_echoed_and_the_oracle_recovers_nothing() {
    let lab = Lab::new();
    run_rows(
        &lab,
        &[
            row("echo-method", &[("echo-method", "forbidden")]),
            row("echo-url", &[("bracket", SM), ("port", SM), ("scheme", SM)]),
            Row { attack: "log-placeholder", want: &[], code: 0 },
        ],
    );
    let run = lab.attack("oracle");
    let all = run.all();
    let recovered = all.split("recovered=").nth(1).unwrap_or_default();
    let recovered: String = recovered.chars().take_while(|c| !c.is_whitespace() && *c != ',' && *c != '|').collect();
    let v = variants(&run);
    assert_eq!(v.first(), Some(&("host-echo".to_string(), SM.to_string())), "{all}");
    assert_eq!(v.get(1).map(|(_, v)| v.as_str()), Some("ok200"), "the echo service answered: {all}");
    assert!(recovered.len() < 2, "the oracle recovered `{recovered}` of the token `{}`\n{all}", lab.token.as_str());
    assert_eq!(run.code, 3);
    lab.assert_no_leak("oracle", &run);
    lab.assert_serves_next("oracle");

    // The same oracle for an attacker who knows 11 characters of the token
    // (a public prefix: `xoxb-` and a workspace id): a host that masks
    // runs of 12 characters answers, guess by guess, whether one more
    // character continues the token.
    let prefixed = Lab::new();
    let known: String = prefixed.token.as_str().chars().take(11).collect();
    let run = prefixed.attack(&format!("oracle:{known}"));
    let all = run.all();
    let recovered = all.split("recovered=").nth(1).unwrap_or_default();
    let recovered: String = recovered.chars().take_while(|c| !c.is_whitespace() && *c != ',' && *c != '|').collect();
    assert!(
        recovered.len() < 2,
        "knowing `{known}`, the oracle recovered `{recovered}` more of the token `{}`\n{}",
        prefixed.token.as_str(),
        alerter_tests::hostile::excerpt(&all, 2000)
    );
    // The flavor's own guesses come back unchanged (one of them is the
    // token's next 12-character run, but nothing says which) and it may
    // send them on: what must not get out is any character beyond them,
    // i.e. the token's first 13 characters, in any case.
    let beyond = prefixed.token.as_str().chars().take(known.chars().count() + 2).collect::<String>().to_lowercase();
    let collected = prefixed.collector.dump();
    for (what, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)]
        .into_iter()
        .chain(collected.iter().map(|t| ("the collector", t)))
    {
        assert!(!text.to_lowercase().contains(&beyond), "knowing `{known}`, {what} got `{beyond}`");
    }

    // A trap whose message holds the placeholders: redacted in the error.
    let run = lab.attack("trap-placeholder").expect_code(3);
    assert!(run.stderr.contains("the token is"), "{}", run.stderr);
    lab.assert_no_leak("trap", &run);
    lab.assert_serves_next("trap");
}

/// Class 5: a service that echoes the secret in every encoding (exact,
/// case, base64/base64url at every alignment, reversed, halves,
/// `%`-escaped, `\/`-escaped, `\u`-escaped, hex, in the body and in
/// headers) gives the flavor nothing: not in `sent.reference` or the link
/// on stdout, not in its error (internal or rejected), not in its log at
/// `-vv`, not at the collector.
#[test]
fn read_back_in_every_encoding_is_masked() {
    let lab = Lab::new();
    let mut checks = Checks::default();
    checks.run("readback (reference, link, log, collector)", || {
        let run = lab.a.run(&["-vv", "post", "attack:readback", "--json"]).ok();
        assert_eq!(variants(&run), vec![("readback".into(), "ok200".into())]);
        let evil = lab.granted.seen_op("evil");
        assert_eq!(evil.len(), 1, "the flavor read the secret back");
        assert_eq!(evil[0].header("authorization"), Some(format!("Bearer {}", lab.token.as_str()).as_str()));
        assert!(run.stdout.contains("echo-evil") || run.stdout.contains("granted"), "{}", run.stdout);
        lab.assert_no_leak("readback", &run);
    });
    checks.run("readback-error", || {
        let run = lab.attack("readback-error").expect_code(3);
        lab.assert_no_leak("readback-error", &run);
    });
    checks.run("readback-rejected", || {
        let run = lab.attack("readback-rejected").expect_code(3);
        lab.assert_no_leak("readback-rejected", &run);
    });
    checks.run("readback-seg", || {
        let run = lab.attack("readback-seg").ok();
        assert_eq!(variants(&run), vec![("readback-seg".into(), "ok200".into())]);
        lab.assert_no_leak("readback-seg", &run);
    });
    checks.run("readback-hook (Discord-style GET, id and token rebuilt)", || {
        let hook_path = format!("/api/webhooks/{}/{}", lab.hook_id, lab.hook_token.as_str());
        let run = lab.attack("readback-hook");
        let v = variants(&run);
        assert_eq!(v.first(), Some(&("webhook-get".to_string(), "ok200".to_string())), "{}", run.all());
        let posted: Vec<_> =
            lab.granted.seen().into_iter().filter(|s| s.method == "POST" && s.path == hook_path).collect();
        assert!(posted.is_empty(), "the flavor rebuilt the webhook URL and posted with it");
        lab.assert_no_leak("readback-hook", &run);
    });
    checks.run("the next call", || lab.assert_serves_next("read-back"));
    checks.finish();
}

/// Class 6: secrets in what the flavor is given. A message (title, body,
/// metadata, link) holding the alerter's secret values or any
/// `ALERTER_SECRET_*` value reaches the flavor masked; `alerter run`
/// removes `ALERTER_SECRET_*` from the command's environment and masks its
/// output tail.
#[test]
fn secrets_in_messages_and_run_output_are_masked() {
    let mut lab = Lab::new();
    let env_secret = Secret::random("env-", 40);
    lab.a.env("ALERTER_SECRET_CI_OTHER", env_secret.as_str());
    let t = lab.token.0.clone();
    let mut checks = Checks::default();
    checks.run("a message holding the secrets", || {
        let run = lab
            .a
            .run(&[
                "-vv",
                "post",
                &format!("deploy with {t} and {}", env_secret.as_str()),
                "--title",
                &format!("token {t}"),
                "--meta",
                &format!("seg={}", lab.seg.as_str()),
                "--meta",
                &format!("hook={}", lab.hook_url()),
                "--link",
                &format!("https://ci.example/{t}"),
            ])
            .ok();
        let loot = lab.collector.seen_op("loot");
        assert_eq!(loot.len(), 1, "the flavor forwarded the message");
        assert!(loot[0].text().contains("deploy with"), "{}", loot[0].text());
        lab.assert_no_leak("message", &run);
        assert_no_leak("message at the collector", &loot[0].text(), &[env_secret.as_str()]);
        assert_no_leak("message output", &run.all(), &[env_secret.as_str()]);
    });
    checks.run("alerter run: the child's environment and output", || {
        let token = lab.token.0.clone();
        lab.a.env("ALERTER_SECRET_CI_TOKEN", &token);
        lab.a.env("LEAK", &t);
        let before = lab.collector.seen_op("loot").len();
        let run = lab.a.run(&[
            "-vv",
            "run",
            "--on",
            "always",
            "--",
            "sh",
            "-c",
            "echo \"child sees [$ALERTER_SECRET_CI_TOKEN] [$ALERTER_SECRET_CI_OTHER]\"; echo \"$LEAK\" >&2; exit 7",
        ]);
        assert_eq!(run.code, 7, "run exits with the command's code: {}", run.all());
        assert!(run.stdout.contains("child sees [] []"), "ALERTER_SECRET_* removed from the child: {}", run.stdout);
        let loot = lab.collector.seen_op("loot");
        assert_eq!(loot.len(), before + 1, "the alert went through the flavor");
        assert_no_leak("the run alert at the collector", &loot[before].text(), &[&t, env_secret.as_str()]);
        lab.assert_services_clean("run");
    });
    checks.run("the next call", || lab.assert_serves_next("messages"));
    checks.finish();
}

/// Class 1: a flavor whose secret default names another alerter's secret
/// (`{{ci.slack_token}}`) is refused at `flavor register`, whether the
/// secret is in the store or in `ALERTER_SECRET_*`; never resolved.
#[test]
fn flavor_defaults_never_resolve_references() {
    let mut a = alerter_tests::alerter!();
    let stored = Secret::random("xoxb-", 40);
    let in_env = Secret::random("xoxb-", 40);
    a.env("ALERTER_SECRET_CI_SLACK_TOKEN", in_env.as_str());
    a.run_with_stdin(&["secret", "set", "ci", "slack_token=-"], stored.as_str().as_bytes()).ok();
    let svc = EvilService::granted();
    let run = a.run(&["flavor", "register", flavors::HOSTILE_DEFAULT_REF]);
    assert_eq!(run.code, 2, "refused at flavor register: {}", run.all());
    assert!(run.stderr.contains("token"), "names the setting: {}", run.stderr);
    let list = a.run(&["flavor", "list"]).ok();
    assert!(!list.stdout.contains("defaultref"), "{}", list.stdout);
    // Were it registered anyway, no alerter of it could resolve the default.
    let origin = svc.origin();
    let reg = a.run(&["register", "d", "--flavor", "defaultref", "--set", &format!("url={origin}")]);
    assert_eq!(reg.code, 2, "{}", reg.all());
    for run in [&run, &list, &reg] {
        assert_no_leak("defaultref", &run.all(), &[stored.as_str(), in_env.as_str()]);
    }
    assert!(svc.seen().is_empty());
    // The host serves the next call.
    a.run(&["flavor", "register", flavors::HOSTILE]).ok();
}
