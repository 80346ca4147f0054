//! The Slack flavor, run by the real `alerter` binary against the local
//! Slack stand-in (`alerter_tests::slack`).

use std::time::{Duration, Instant};

use alerter_test_artifacts as flavors;
use alerter_tests::cli::Alerter;
use alerter_tests::slack::{SlackRequest, SlackService, CHANNEL};
use serde_json::{json, Value};

/// Longest any single `alerter` run may take here.
const RUN_LIMIT: Duration = Duration::from_secs(25);

/// A fresh `alerter` home whose runs are killed after [`RUN_LIMIT`].
fn alerter() -> Alerter {
    let mut a = alerter_tests::alerter!();
    a.timeout(RUN_LIMIT);
    a
}

/// An `alerter` home with a bot-mode alerter `ops` on the stand-in.
fn bot(slack: &SlackService) -> Alerter {
    bot_with(slack, "slack", &slack.token())
}

fn bot_with(slack: &SlackService, flavor: &str, token: &str) -> Alerter {
    let a = alerter();
    a.run(&slack.bot_args(flavor, token)).ok();
    a
}

/// An `alerter` home with a webhook-mode alerter `hook` on the stand-in.
fn webhook(slack: &SlackService) -> Alerter {
    let a = alerter();
    a.run(&slack.webhook_args("slack")).ok();
    a
}

/// Every request the stand-in saw, and every answer it gave, conforms to
/// Slack's spec (with the allow-listed defects): the stand-in checks each one
/// as it comes.
#[track_caller]
fn assert_spec_conformant(slack: &SlackService) {
    let problems = slack.violations();
    assert!(problems.is_empty(), "requests or answers that do not match the Slack spec:\n{}", problems.join("\n"));
}

fn only_post(slack: &SlackService) -> Value {
    let posted = slack.posted();
    assert_eq!(posted.len(), 1, "expected one chat.postMessage, got {posted:#?}");
    posted.into_iter().next().expect("one post")
}

#[test]
fn post_plain_message() {
    let slack = SlackService::start();
    let a = bot(&slack);
    let r = a.run(&["post", "Nightly build finished"]).ok();
    assert_eq!(r.stdout.trim().lines().count(), 1, "one line on stdout: {}", r.stdout);

    let p = only_post(&slack);
    assert_eq!(p["channel"], CHANNEL);
    assert_eq!(p["text"], "Nightly build finished");
    let blocks = p["blocks"].as_array().expect("blocks");
    assert_eq!(blocks.len(), 1, "{blocks:#?}");
    assert_eq!(blocks[0]["type"], "section");
    assert_eq!(blocks[0]["text"]["type"], "mrkdwn");
    assert!(blocks[0]["text"]["text"].as_str().unwrap().ends_with("Nightly build finished"));
    assert!(p.get("thread_ts").is_none());

    let post = &slack.seen_op("chat.postMessage")[0];
    assert_eq!(post.method, "POST");
    assert!(post.header("content-type").unwrap_or("").starts_with("application/json"));
    assert_eq!(post.header("authorization"), Some(format!("Bearer {}", slack.token()).as_str()));

    let stored = slack.messages(CHANNEL);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].bot_id.as_deref(), Some(alerter_tests::slack::BOT_ID));
    assert_spec_conformant(&slack);
}

#[test]
fn post_json_reports_reference_and_permalink() {
    let slack = SlackService::start();
    let a = bot(&slack);
    let r = a.run(&["post", "with a link back", "--json"]).ok();
    let out: Value = serde_json::from_str(r.stdout.trim()).expect("--json prints JSON");
    let ts = slack.messages(CHANNEL)[0].ts.clone();
    assert_eq!(out["alerter"], "ops");
    assert_eq!(out["flavor"], "slack");
    assert_eq!(out["reference"], format!("{CHANNEL}:{ts}"));
    assert_eq!(out["link"], format!("https://standin.slack.invalid/archives/{CHANNEL}/p{}", ts.replace('.', "")));
    let link = &slack.seen_op("chat.getPermalink")[0];
    assert_eq!(link.method, "GET");
    assert_eq!(link.param_str("message_ts").as_deref(), Some(ts.as_str()));

    // Replying in that thread: thread_ts is the parent's ts.
    let reference = out["reference"].as_str().unwrap().to_string();
    a.run(&["post", "follow-up", "--thread", &reference]).ok();
    let posted = slack.posted();
    assert_eq!(posted[1]["thread_ts"], ts.as_str());
    assert_eq!(posted[1]["channel"], CHANNEL);
    assert_spec_conformant(&slack);
}

#[test]
fn post_with_title_level_metadata_and_link() {
    let slack = SlackService::start();
    let a = bot(&slack);
    a.run(&[
        "post",
        "Disk on db1 is *91%* full",
        "--title",
        "Disk space low",
        "--level",
        "warning",
        "--meta",
        "host=db1",
        "--meta",
        "usage=91%",
        "--link",
        "https://grafana.example.com/d/disk",
    ])
    .ok();
    let p = only_post(&slack);
    assert_eq!(p["text"], "Disk space low\nDisk on db1 is *91%* full");
    let expected = json!([
        {"type": "header", "text": {"type": "plain_text", "text": ":warning: Disk space low", "emoji": true}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "Disk on db1 is *91%* full"}},
        {"type": "section", "fields": [
            {"type": "mrkdwn", "text": "*host*\ndb1"},
            {"type": "mrkdwn", "text": "*usage*\n91%"},
        ]},
        {"type": "actions", "elements": [{
            "type": "button", "text": {"type": "plain_text", "text": "Open"},
            "url": "https://grafana.example.com/d/disk",
        }]},
    ]);
    assert_eq!(p["blocks"], expected);

    // Without a title the level marker leads the body.
    a.run(&["post", "all green", "--level", "success"]).ok();
    let p = &slack.posted()[1];
    assert_eq!(p["blocks"][0]["text"]["text"], ":white_check_mark: all green");
    assert_spec_conformant(&slack);
}

#[test]
fn raw_blocks_are_sent_verbatim() {
    let slack = SlackService::start();
    let a = bot(&slack);
    let blocks = json!([
        {"type": "section", "text": {"type": "mrkdwn", "text": "*custom* layout"},
         "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Run"}, "value": "run-42"}},
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "from a file"}]},
    ]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("blocks.json");
    std::fs::write(&file, serde_json::to_string_pretty(&json!({"blocks": blocks})).unwrap()).unwrap();
    a.run(&["post", "custom layout fallback", "--raw", file.to_str().unwrap()]).ok();
    let p = only_post(&slack);
    assert_eq!(p["blocks"], blocks);
    assert_eq!(p["text"], "custom layout fallback");
    assert_eq!(slack.messages(CHANNEL)[0].blocks.as_ref(), Some(&blocks));
    assert_spec_conformant(&slack);
}

#[test]
fn zenml_payload_layout_is_exact() {
    let slack = SlackService::start();
    let a = bot(&slack);
    a.run(&[
        "post",
        "Model accuracy dropped below 0.9",
        "--meta",
        "pipeline_name=training_pipeline",
        "--meta",
        "step_name=evaluator",
        "--meta",
        "stack_name=production",
    ])
    .ok();
    let p = only_post(&slack);
    // ZenML 0.98.0 SlackAlerter._create_blocks with a SlackAlerterPayload.
    let zenml = json!([
        {"type": "section",
         "fields": [
             {"type": "mrkdwn", "text": ":star: *Pipeline:*\ntraining_pipeline"},
             {"type": "mrkdwn", "text": ":arrow_forward: *Step:*\nevaluator"},
             {"type": "mrkdwn", "text": ":ring_buoy: *Stack:*\nproduction"}
         ],
         "accessory": {"type": "image",
             "image_url": "https://zenml-strapi-media.s3.eu-central-1.amazonaws.com/03_Zen_ML_Logo_Square_White_efefc24ae7.png",
             "alt_text": "zenml logo"}},
        {"type": "section",
         "fields": [{"type": "mrkdwn", "text": ":email: *Message:*\nModel accuracy dropped below 0.9"}]}
    ]);
    assert_eq!(p["blocks"], zenml);
    assert_eq!(p["text"], "Model accuracy dropped below 0.9");
    assert_spec_conformant(&slack);
}

#[test]
fn per_call_channel_override() {
    let slack = SlackService::start();
    slack.add_channel("C0OTHER0001");
    let a = bot(&slack);
    a.run(&["post", "to the other channel", "--set", "channel_id=C0OTHER0001"]).ok();
    a.run(&["post", "to the configured channel"]).ok();
    let posted = slack.posted();
    assert_eq!(posted[0]["channel"], "C0OTHER0001");
    assert_eq!(posted[1]["channel"], CHANNEL);
    assert_eq!(slack.messages("C0OTHER0001").len(), 1);
    assert_eq!(slack.messages(CHANNEL).len(), 1);
}

#[test]
fn webhook_mode_posts_to_the_webhook() {
    let slack = SlackService::start();
    let a = webhook(&slack);
    a.run(&["post", "Deployed v1.2.3", "--title", "Deploy", "--level", "success"]).ok();
    let posts = slack.webhook_posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["text"], "Deploy\nDeployed v1.2.3");
    assert_eq!(posts[0]["blocks"][0]["text"]["text"], ":white_check_mark: Deploy");
    assert!(posts[0].get("channel").is_none(), "a webhook posts to its own channel");
    assert!(slack.seen().iter().all(|s| s.operation == "webhook"), "no Web API call in webhook mode");
    assert_eq!(slack.messages(CHANNEL)[0].subtype.as_deref(), Some("bot_message"));

    // A webhook Slack no longer knows: the plain-text code and status reach the user.
    let gone = format!("{}/services/T0STANDIN/B0GONE/nope", slack.origin());
    let r = a.run(&["post", "x", "--set", &format!("webhook_url={gone}")]).expect_code(3);
    assert!(r.stderr.contains("no_service"), "{}", r.stderr);
    assert!(r.stderr.contains("404"), "{}", r.stderr);
    assert!(!r.all().contains("B0GONE/nope"), "the webhook URL is a secret: {}", r.all());
}

#[test]
fn token_and_webhook_are_exclusive() {
    let slack = SlackService::start();
    let a = bot(&slack);
    let r = a.run(&["post", "x", "--set", &format!("webhook_url={}", slack.webhook_url())]).expect_code(2);
    assert!(r.stderr.contains("not both"), "{}", r.stderr);
    assert!(slack.seen().is_empty());
}

#[test]
fn unknown_channel_fails_with_hint() {
    let slack = SlackService::start();
    let a = bot(&slack);
    let r = a.run(&["post", "hello?", "--set", "channel_id=C0NOPE"]).expect_code(3);
    assert_eq!(r.stderr.trim().lines().count(), 1, "one line on stderr: {}", r.stderr);
    assert!(r.stderr.contains("error: flavor \"slack\""), "{}", r.stderr);
    assert!(r.stderr.contains("channel_not_found"), "{}", r.stderr);
    assert!(r.stderr.contains("invite the bot"), "hint expected: {}", r.stderr);
    assert!(r.stdout.trim().is_empty());

    slack.add_channel_without_bot("C0PRIVATE");
    let r = a.run(&["post", "hello?", "--set", "channel_id=C0PRIVATE"]).expect_code(3);
    assert!(r.stderr.contains("not_in_channel") && r.stderr.contains("/invite"), "{}", r.stderr);

    slack.error_next("chat.postMessage", "missing_scope");
    let r = a.run(&["post", "hello?"]).expect_code(3);
    assert!(r.stderr.contains("missing_scope") && r.stderr.contains("chat:write"), "{}", r.stderr);
    assert_spec_conformant(&slack);
}

#[test]
fn bad_token_fails_with_hint() {
    let slack = SlackService::start();
    let a = bot_with(&slack, "slack", "xoxb-wrong-token");
    let r = a.run(&["post", "hello"]).expect_code(3);
    assert!(r.stderr.contains("invalid_auth") && r.stderr.contains("`token`"), "{}", r.stderr);
    assert!(!r.all().contains("xoxb-wrong-token"), "{}", r.all());
}

#[test]
fn over_long_body_is_truncated_with_marker() {
    let slack = SlackService::start();
    let a = bot(&slack);
    let body = "0123456789".repeat(5_000); // 50 000 characters
    let title = "T".repeat(400);
    let r = a.run(&["post", &body, "--title", &title, "--meta", &format!("log={}", "L".repeat(5000))]);
    let r = r.ok();
    assert!(!r.stdout.is_empty());
    let p = only_post(&slack);
    let marker = "… [truncated]";
    let len = |v: &Value| v.as_str().unwrap().chars().count();
    let blocks = p["blocks"].as_array().unwrap();
    assert_eq!(len(&blocks[0]["text"]["text"]), 150);
    assert!(blocks[0]["text"]["text"].as_str().unwrap().ends_with(marker));
    assert_eq!(len(&blocks[1]["text"]["text"]), 3000);
    assert!(blocks[1]["text"]["text"].as_str().unwrap().ends_with(marker));
    assert_eq!(len(&blocks[2]["fields"][0]["text"]), 2000);
    assert_eq!(len(&p["text"]), 40_000);
    assert!(p["text"].as_str().unwrap().ends_with(marker));

    // Many metadata pairs: at most 10 fields per section, 50 blocks in all.
    let mut args: Vec<String> = vec!["post".into(), "many fields".into()];
    for i in 0..600 {
        args.push("--meta".into());
        args.push(format!("k{i}=v{i}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    a.run(&args).ok();
    let p = &slack.posted()[1];
    let blocks = p["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 50);
    assert!(blocks.iter().all(|b| b["fields"].as_array().is_none_or(|f| f.len() <= 10)));
    assert!(blocks[49].to_string().contains("truncated"));
}

#[test]
fn rate_limited_then_retried_after_retry_after() {
    let slack = SlackService::start();
    let a = bot(&slack);
    slack.rate_limit_next("chat.postMessage", 1, 1.0);
    let started = Instant::now();
    a.run(&["post", "eventually"]).ok();
    let posts = slack.seen_op("chat.postMessage");
    assert_eq!(posts.len(), 2, "one 429, one retry");
    assert_eq!(posts[0].status, 429);
    assert_eq!(posts[1].status, 200);
    let waited = posts[1].at.duration_since(posts[0].at);
    assert!(waited >= Duration::from_millis(950), "retried after {waited:?}, Retry-After was 1 s");
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_eq!(slack.messages(CHANNEL).len(), 1, "posted once");

    // Webhook mode too.
    let h = webhook(&slack);
    slack.rate_limit_next("webhook", 1, 1.0);
    h.run(&["post", "via webhook"]).ok();
    let hooks = slack.seen_op("webhook");
    assert_eq!(hooks.len(), 2);
    assert_eq!((hooks[0].status, hooks[1].status), (429, 200));
}

#[test]
fn token_never_leaks() {
    let slack = SlackService::start();
    let token = slack.token();
    let mut a = alerter();
    a.env("ALERTER_LOG", "debug");
    let mut runs = vec![a.run(&slack.bot_args("slack", &token)).ok()];
    runs.push(a.run(&["post", "secret-free", "--title", "t", "--json"]).ok());
    slack.rate_limit_next("chat.postMessage", 1, 1.0);
    runs.push(a.run(&["post", "after a 429"]).ok());
    runs.push(a.run(&["post", "fails", "--set", "channel_id=C0NOPE"]).expect_code(3));
    slack.error_next("chat.postMessage", "invalid_auth");
    runs.push(a.run(&["post", "rejected token"]).expect_code(3));
    runs.push(a.run(&["describe", "ops"]));
    runs.push(a.run(&["list"]));
    runs.push(a.run(&["secret", "list"]));
    for r in &runs {
        assert!(!r.all().contains(&token), "token in output:\n{}", r.all());
    }
    // Debug logging did log something (so the check above means something).
    assert!(runs[1].stderr.len() + runs[2].stderr.len() > 0, "ALERTER_LOG=debug logged nothing");

    let seen = slack.seen();
    assert!(seen.len() >= 5);
    for s in &seen {
        assert_eq!(s.header("authorization"), Some(format!("Bearer {token}").as_str()), "{s:?}");
        assert!(!s.all_but_authorization().contains(&token), "token outside Authorization: {s:?}");
    }
    // Nor in log files the host may keep under its home (the secret store aside).
    for entry in walk(a.home()) {
        let name = entry.to_string_lossy().to_lowercase();
        if name.contains("log") {
            let text = std::fs::read_to_string(&entry).unwrap_or_default();
            assert!(!text.contains(&token), "token in {}", entry.display());
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn describe_shows_settings_hosts_and_secret_slots_exactly() {
    let a = alerter();
    let r = a.run(&["flavor", "describe", "slack"]).ok();
    let (sha_line, rest): (Vec<&str>, Vec<&str>) = r.stdout.lines().partition(|l| l.starts_with("sha256:"));
    let sha = sha_line[0].trim_start_matches("sha256:").trim();
    assert!(sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()), "{sha}");
    let expected = "\
flavor:      slack
name:        slack 0.1.0
description: Posts to Slack with a bot token (Web API: replies, reactions, files, updates) or an incoming webhook (post only)
source:      built-in
trusted:     yes (built in)
contract:    alerter:flavor@0.2.0 (compatible with 0.2.x)
can:         post, read-replies (ask), threads, attachments, reactions, update
hosts:       https://slack.com, https://files.slack.com, https://hooks.slack.com, {api_base}, {webhook_url} (declared https hosts granted by default)
settings:
  token          Bot token (xoxb-...) for bot mode; scopes chat:write, channels:history, reactions:read, files:write [secret: header authorization: \"Bearer {}\" towards https://slack.com, {api_base}]
  channel_id     Channel ID to post to (C0123456789); required with `token`
  webhook_url    Incoming webhook URL for post-only mode (instead of `token`) [secret: the whole URL towards {webhook_url}]
  api_base       Base URL of the Slack Web API (a proxy or a test stand-in) [default https://slack.com/api]";
    assert_eq!(rest.join("\n"), expected);
    // The upload host is declared, but the token may never go there.
    let token_line = rest.iter().find(|l| l.trim_start().starts_with("token")).unwrap();
    assert!(!token_line.contains("files.slack.com"), "{token_line}");
}

#[test]
fn flavor_loaded_by_path_works_too() {
    let slack = SlackService::start();
    let a = alerter();
    a.run(&["flavor", "register", flavors::SLACK, "--name", "slack-dev"]).ok();
    // Same home: register the alerter on the path-loaded flavor.
    a.run(&slack.bot_args("slack-dev", &slack.token())).ok();
    a.run(&["post", "from the registered component"]).ok();
    assert_eq!(only_post(&slack)["text"], "from the registered component");
    assert_spec_conformant(&slack);
}

#[test]
fn api_host_is_not_reachable_without_a_grant() {
    let slack = SlackService::start();
    let a = alerter();
    a.run(&[
        "register",
        "ops",
        "--flavor",
        "slack",
        "--set",
        &format!("token={}", slack.token()),
        "--set",
        &format!("channel_id={CHANNEL}"),
        "--set",
        &format!("api_base={}", slack.api_base()),
    ])
    .ok();
    let r = a.run(&["post", "blocked"]).expect_code(3);
    assert!(r.stderr.contains(&slack.origin()), "the denial names what to grant: {}", r.stderr);
    assert!(slack.seen().is_empty());
}

/// Each error Slack gives for a misconfigured bot or webhook reaches the
/// user as one line naming the fix.
#[test]
fn errors_name_their_fix() {
    let slack = SlackService::start();
    let a = bot(&slack);
    let mut lines = Vec::new();
    let mut line = |r: alerter_tests::cli::Run| {
        assert_eq!(r.code, 3, "{}", r.stderr);
        lines.push(r.stderr.trim().to_string());
    };
    slack.revoke_scope("chat:write");
    line(a.run(&["post", "x"]));
    let s2 = SlackService::start();
    let a2 = bot(&s2);
    s2.error_next("chat.postMessage", "not_authed");
    line(a2.run(&["post", "x"]));
    s2.archive(CHANNEL);
    line(a2.run(&["post", "x"]));
    assert_eq!(
        lines,
        [
            "error: flavor \"slack\" 0.1.0: rejected by the service (missing_scope): chat.postMessage: the token lacks \
             the scope `chat:write` (it has channels:history, files:write, reactions:read, reactions:write); add it \
             under OAuth & Permissions → Bot Token Scopes in the Slack app and reinstall the app",
            "error: flavor \"slack\" 0.1.0: rejected by the service (not_authed): chat.postMessage: Slack received no \
             token; set the `token` secret (a bot token, xoxb-...) and check that `api_base` points at the Slack Web API",
            "error: flavor \"slack\" 0.1.0: rejected by the service (is_archived): chat.postMessage: the channel is \
             archived; unarchive it, or point `channel_id` at another channel",
        ]
    );
    assert!(slack.messages(CHANNEL).is_empty() && s2.messages(CHANNEL).is_empty());
    assert_spec_conformant(&slack);
    assert_spec_conformant(&s2);
}

#[test]
fn webhook_errors_name_their_fix() {
    let slack = SlackService::start();
    let a = webhook(&slack);
    let mut lines = Vec::new();
    let wrong = format!("{}/wrong-secret", slack.webhook_url().rsplit_once('/').unwrap().0);
    let r = a.run(&["post", "x", "--set", &format!("webhook_url={wrong}")]).expect_code(3);
    assert!(!r.all().contains("wrong-secret"), "the webhook URL is a secret: {}", r.all());
    lines.push(r.stderr.trim().to_string());
    slack.archive(CHANNEL);
    lines.push(a.run(&["post", "x"]).expect_code(3).stderr.trim().to_string());
    slack.disable_webhook();
    lines.push(a.run(&["post", "x"]).expect_code(3).stderr.trim().to_string());
    assert_eq!(
        lines,
        [
            "error: flavor \"slack\" 0.1.0: rejected by the service (invalid_token): webhook: HTTP 403: the webhook URL \
             is not valid (mistyped, or its secret part was regenerated); copy it again from the app's Incoming Webhooks \
             page into `webhook_url`",
            "error: flavor \"slack\" 0.1.0: rejected by the service (channel_is_archived): webhook: HTTP 410: the \
             webhook's channel is archived; unarchive it or create a webhook for another channel",
            "error: flavor \"slack\" 0.1.0: rejected by the service (no_service): webhook: HTTP 404: the webhook is \
             disabled or was removed (the app was uninstalled or the webhook revoked); create a new incoming webhook \
             and update `webhook_url`",
        ]
    );
    assert!(slack.messages(CHANNEL).is_empty());
}

/// Slack takes about one message a second per channel (bursts of 5 here):
/// the sixth quick post gets 429 and is sent again after its Retry-After,
/// once.
#[test]
fn quick_posts_to_one_channel_wait_for_retry_after() {
    let slack = SlackService::start();
    let a = bot(&slack);
    for i in 0..6 {
        a.run(&["post", &format!("burst {i}")]).ok();
    }
    let posts = slack.seen_op("chat.postMessage");
    let limited: Vec<usize> = (0..posts.len()).filter(|i| posts[*i].status == 429).collect();
    assert_eq!(limited.len(), 1, "{:?}", posts.iter().map(|p| p.status).collect::<Vec<_>>());
    let i = limited[0];
    assert_eq!(i, 5, "the sixth within five seconds");
    // The stand-in's Retry-After: until the first of the five leaves the window.
    let in_window = posts[i].at.duration_since(posts[0].at);
    let retry_after = Duration::from_secs((Duration::from_secs(5) - in_window).as_secs_f64().ceil() as u64);
    let gap = posts[i + 1].at.duration_since(posts[i].at);
    assert!(gap >= retry_after, "retried {gap:?} after the 429, Retry-After was {retry_after:?}");
    let texts: Vec<String> = slack.messages(CHANNEL).into_iter().map(|m| m.text).collect();
    assert_eq!(texts, (0..6).map(|i| format!("burst {i}")).collect::<Vec<_>>(), "each posted once, in order");
    assert_spec_conformant(&slack);
}
