//! The Microsoft Teams flavor (JavaScript, componentize-js; built from
//! plugins/teams by tests/artifacts) registered from its file and run by the
//! real `alerter` binary against the Workflows stand-in
//! (`alerter_tests::teams`), which validates every card against the vendored
//! Adaptive Card schema.

use std::time::Duration;

use alerter_test_artifacts::TEAMS;
use alerter_tests::cli::Alerter;
use alerter_tests::teams::{TeamsService, DISABLED, SIG};
use serde_json::{json, Value};

/// A home with the teams flavor registered and an alerter `t` on the flow
/// at `url` (its origin granted).
fn setup(teams: &TeamsService, url: &str) -> Alerter {
    let mut a = alerter_tests::guest::home_with(env!("CARGO_BIN_EXE_alerter"), TEAMS, false);
    a.timeout(Duration::from_secs(60));
    let webhook = format!("webhook_url={url}");
    a.run(&["register", "t", "--flavor", "teams", "--set", &webhook, "--allow-host", &teams.origin()]).ok();
    a
}

#[track_caller]
fn assert_clean(teams: &TeamsService) {
    let v = teams.violations();
    assert!(v.is_empty(), "messages that are not valid Teams cards:\n{}", v.join("\n"));
}

#[test]
fn post_sends_an_adaptive_card_in_the_workflows_envelope() {
    let teams = TeamsService::start();
    let a = setup(&teams, &teams.webhook_url());
    let r = a
        .run(&[
            "post",
            "Accuracy dropped below 0.9",
            "--title",
            "Model drift",
            "--level",
            "warning",
            "--meta",
            "model=v3",
            "--meta",
            "accuracy=0.87",
            "--link",
            "https://mlflow.example.com/runs/7",
            "--json",
        ])
        .ok();
    assert_eq!(
        teams.posted(),
        [json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "msteams": {"width": "Full"},
                    "body": [
                        {"type": "TextBlock", "text": "⚠️ Model drift", "weight": "Bolder", "size": "Large", "color": "Warning", "wrap": true},
                        {"type": "TextBlock", "text": "Accuracy dropped below 0.9", "wrap": true},
                        {"type": "FactSet", "facts": [{"title": "model", "value": "v3"}, {"title": "accuracy", "value": "0.87"}]},
                    ],
                    "actions": [{"type": "Action.OpenUrl", "title": "Open link", "url": "https://mlflow.example.com/runs/7"}],
                },
            }],
        })]
    );
    let invoke = &teams.seen_op("invoke")[0];
    assert_eq!(invoke.status, 202);
    assert_eq!(invoke.query_param("sig").as_deref(), Some(SIG), "the whole secret URL, query included");
    let out: Value = serde_json::from_str(r.stdout.trim()).expect("--json");
    assert!(out["reference"].as_str().is_some_and(|r| r.starts_with("08584")), "the run id: {out}");
    assert!(!r.all().contains(SIG), "the webhook's signature was printed: {}", r.all());
    assert_clean(&teams);
}

#[test]
fn big_messages_stay_under_28_kb_and_errors_have_hints() {
    let teams = TeamsService::start();
    let a = setup(&teams, &teams.webhook_url());
    a.run(&["post", &"é".repeat(40_000), "--meta", "run=1"]).ok();
    let sent = &teams.seen_op("invoke")[0];
    assert_eq!(sent.status, 202);
    assert!(sent.body.len() <= 28_000 && sent.body.len() > 27_000, "{} bytes", sent.body.len());
    let body = sent.json().expect("JSON");
    let text = body["attachments"][0]["content"]["body"][1]["text"].as_str().unwrap().to_string();
    assert!(text.ends_with("… [truncated]"));

    let r = a.run(&["post", "x", "--set", &format!("webhook_url={}", teams.webhook_url().replace("&sig=", "&sig=x"))]);
    let r = r.expect_code(3);
    assert!(r.stderr.contains("DirectApiInvalidAuthorizationSignature") && r.stderr.contains("sig="), "{}", r.stderr);
    let r = a.run(&["post", "x", "--set", &format!("webhook_url={}", teams.url_of(DISABLED))]).expect_code(3);
    assert!(r.stderr.contains("turn it on in Power Automate"), "{}", r.stderr);
    let bad = a.home().join("bad-card.json");
    std::fs::write(&bad, r#"{"type": "AdaptiveCard", "version": "1.4", "body": [{"type": "Nope"}]}"#).expect("write");
    let r = a.run(&["post", "x", "--raw", bad.to_str().expect("UTF-8 path")]).expect_code(3);
    assert!(r.stderr.contains("InvalidRequestContent"), "{}", r.stderr);
    assert_eq!(teams.violations().len(), 1, "only the bad --raw card: {:?}", teams.violations());

    teams.rate_limit_next("invoke", 1, 1.0);
    a.run(&["post", "after a rate limit"]).ok();
    let calls = teams.seen_op("invoke");
    let (limited, retried) = (&calls[calls.len() - 2], &calls[calls.len() - 1]);
    assert_eq!((limited.status, retried.status), (429, 202));
    assert!(retried.at.duration_since(limited.at) >= Duration::from_millis(950), "Retry-After honoured");
}

#[test]
fn ask_is_refused_with_the_flavors_reason() {
    let teams = TeamsService::start();
    let a = setup(&teams, &teams.webhook_url());
    a.run(&["flavor", "trust", "teams"]).ok(); // else refused as untrusted first
    let r = a.run(&["ask", "Deploy?", "--timeout", "5"]).expect_code(2);
    assert!(r.stderr.contains("cannot read replies"), "{}", r.stderr);
    assert!(r.stderr.to_lowercase().contains("teams"), "the flavor's own reason: {}", r.stderr);
    assert!(teams.seen().is_empty(), "no question posted");
}
