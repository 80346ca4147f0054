//! The ntfy flavor (C, freestanding; built from plugins/ntfy by
//! tests/artifacts) registered from its file and run by the real `alerter`
//! binary against the ntfy stand-in (`alerter_tests::ntfy`), which checks
//! every publish against the server's own publish fields and answers its
//! own errors.

use std::time::Duration;

use alerter_test_artifacts::NTFY;
use alerter_tests::cli::Alerter;
use alerter_tests::ntfy::{NtfyService, PROTECTED, TOKEN, TOPIC};
use serde_json::{json, Value};

/// A home with the ntfy flavor registered and an alerter `n` publishing to
/// `topic` on the stand-in (its origin granted).
fn setup(ntfy: &NtfyService, topic: &str, extra: &[&str]) -> Alerter {
    let mut a = alerter_tests::guest::home_with(env!("CARGO_BIN_EXE_alerter"), NTFY, false);
    a.timeout(Duration::from_secs(30));
    let (server, topic, origin) = (format!("server={}", ntfy.server()), format!("topic={topic}"), ntfy.origin());
    let mut args =
        vec!["register", "n", "--flavor", "ntfy", "--set", &server, "--set", &topic, "--allow-host", &origin];
    args.extend_from_slice(extra);
    a.run(&args).ok();
    a
}

#[track_caller]
fn assert_clean(ntfy: &NtfyService) {
    let v = ntfy.violations();
    assert!(v.is_empty(), "publishes that do not match ntfy's publish fields:\n{}", v.join("\n"));
}

#[test]
fn post_publishes_priority_tags_and_click() {
    let ntfy = NtfyService::start();
    let a = setup(&ntfy, TOPIC, &[]);
    let r = a
        .run(&[
            "post",
            "GPU node \"gpu-3\" is down",
            "--title",
            "Training stopped",
            "--level",
            "failure",
            "--meta",
            "job=train-42",
            "--link",
            "https://grafana.example.com/d/gpu",
            "--json",
        ])
        .ok();
    a.run(&["post", "disk at 85%", "--level", "warning"]).ok();
    a.run(&["post", "nightly ok", "--level", "success"]).ok();
    let p = ntfy.published();
    assert_eq!(
        Value::Object(p[0].clone()),
        json!({"topic": TOPIC, "message": "GPU node \"gpu-3\" is down\n\njob: train-42", "title": "Training stopped",
               "priority": 5, "tags": ["rotating_light"], "click": "https://grafana.example.com/d/gpu"})
    );
    assert_eq!(
        Value::Object(p[1].clone()),
        json!({"topic": TOPIC, "message": "disk at 85%", "priority": 4, "tags": ["warning"]})
    );
    assert_eq!((p[2]["priority"].clone(), p[2]["tags"].clone()), (json!(3), json!(["white_check_mark"])));
    let out: Value = serde_json::from_str(r.stdout.trim()).expect("--json");
    let id = ntfy.messages(TOPIC)[0]["id"].as_str().unwrap().to_string();
    assert_eq!(out["reference"], id.as_str());
    assert_eq!(out["link"], format!("{}/{TOPIC}", ntfy.server()));
    assert!(ntfy.seen().iter().all(|s| s.header("authorization").is_none()), "no token, no header");
    assert_clean(&ntfy);
}

#[test]
fn long_messages_fit_4096_bytes_and_tokens_open_protected_topics() {
    let ntfy = NtfyService::start();
    let a = setup(&ntfy, TOPIC, &[]);
    a.run(&["post", &"é".repeat(3000), "--meta", "run=9"]).ok();
    let message = ntfy.published()[0]["message"].as_str().unwrap().to_string();
    assert!(message.len() <= 4096 && message.len() > 4000, "{} bytes", message.len());
    assert!(message.ends_with("… [truncated]\n\nrun: 9"), "the marker, then the metadata: {message:?}");
    assert!(ntfy.messages(TOPIC)[0].get("attachment").is_none(), "never turned into an attachment");

    let r = a.run(&["post", "x", "--set", &format!("topic={PROTECTED}")]).expect_code(3);
    assert!(r.stderr.contains("40301") && r.stderr.contains("access rules"), "{}", r.stderr);
    let b = setup(&ntfy, PROTECTED, &["--set", &format!("token={TOKEN}")]);
    b.run(&["post", "for the team"]).ok();
    let last = ntfy.seen().into_iter().last().expect("a publish");
    assert_eq!((last.status, last.header("authorization")), (200, Some(format!("Bearer {TOKEN}").as_str())));
    let r = b.run(&["post", "x", "--set", "token=tk_wrong"]).expect_code(3);
    assert!(r.stderr.contains("40101") && r.stderr.contains("access token"), "{}", r.stderr);
    let r = a.run(&["post", "x", "--set", "topic=no spaces"]).expect_code(2);
    assert!(r.stderr.contains("letters, digits, _ and -"), "refused before any request: {}", r.stderr);
    assert_clean(&ntfy);
}

#[test]
fn rate_limits_are_honoured_and_ask_is_refused() {
    let ntfy = NtfyService::start();
    let a = setup(&ntfy, TOPIC, &[]);
    ntfy.rate_limit_next("publish", 1, 1.0);
    a.run(&["post", "after a rate limit"]).ok();
    let calls = ntfy.seen_op("publish");
    assert_eq!((calls[0].status, calls[1].status), (429, 200));
    assert!(calls[1].at.duration_since(calls[0].at) >= Duration::from_millis(950), "Retry-After honoured");

    // Registered from a file, ntfy is refused for `ask` as untrusted first;
    // trusted, it is refused with its own reason.
    let r = a.run(&["ask", "Deploy?", "--timeout", "5"]).expect_code(2);
    assert!(r.stderr.contains("not trusted"), "{}", r.stderr);
    a.run(&["flavor", "trust", "ntfy"]).ok();
    let r = a.run(&["ask", "Deploy?", "--timeout", "5"]).expect_code(2);
    assert!(r.stderr.contains("cannot read replies") && r.stderr.contains("ntfy only publishes"), "{}", r.stderr);
    assert_eq!(ntfy.seen_op("publish").len(), 2, "no question posted");
    assert_clean(&ntfy);
}
