//! Issue 3: the Slack flavor, run by the real `alerter` binary against the
//! local Slack stand-in (`alerter_tests::slack`).

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use alerter_tests::cli::{Alerter, Run};
use alerter_tests::flavors;
use alerter_tests::slack::{spec, SlackService, CHANNEL};
use serde_json::{json, Value};

/// Longest any single `alerter` run may take here.
const RUN_LIMIT: Duration = Duration::from_secs(25);

/// Runs `alerter ARGS`, killing it after [`RUN_LIMIT`].
fn run<S: AsRef<std::ffi::OsStr>>(a: &Alerter, args: &[S]) -> Run {
    let mut child = a.command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn alerter");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            let shown: Vec<_> = args.iter().map(|a| a.as_ref().to_string_lossy()).collect();
            panic!("`alerter {}` ran over {RUN_LIMIT:?}", shown.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: out_t.join().unwrap_or_default(),
        stderr: err_t.join().unwrap_or_default(),
    }
}

/// An `alerter` home with a bot-mode alerter `ops` on the stand-in.
fn bot(slack: &SlackService) -> Alerter {
    bot_with(slack, "slack", &slack.token())
}

fn bot_with(slack: &SlackService, flavor: &str, token: &str) -> Alerter {
    let a = Alerter::new();
    run(&a, &slack.bot_args(flavor, token)).ok();
    a
}

/// An `alerter` home with a webhook-mode alerter `hook` on the stand-in.
fn webhook(slack: &SlackService) -> Alerter {
    let a = Alerter::new();
    run(&a, &slack.webhook_args("slack")).ok();
    a
}

/// Every request the stand-in saw conforms to the spec (with the allow-listed defects).
#[track_caller]
fn assert_spec_conformant(slack: &SlackService) {
    let problems = spec::check(&spec::load(), &slack.seen());
    assert!(problems.is_empty(), "requests that do not match the Slack spec:\n{}", problems.join("\n"));
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
    let r = run(&a, &["post", "Nightly build finished"]).ok();
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

    let post = &slack.seen_method("chat.postMessage")[0];
    assert_eq!(post.http_method, "POST");
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
    let r = run(&a, &["post", "with a link back", "--json"]).ok();
    let out: Value = serde_json::from_str(r.stdout.trim()).expect("--json prints JSON");
    let ts = slack.messages(CHANNEL)[0].ts.clone();
    assert_eq!(out["alerter"], "ops");
    assert_eq!(out["flavor"], "slack");
    assert_eq!(out["reference"], format!("{CHANNEL}:{ts}"));
    assert_eq!(out["link"], format!("https://standin.slack.invalid/archives/{CHANNEL}/p{}", ts.replace('.', "")));
    let link = &slack.seen_method("chat.getPermalink")[0];
    assert_eq!(link.http_method, "GET");
    assert_eq!(link.param_str("message_ts").as_deref(), Some(ts.as_str()));

    // Replying in that thread: thread_ts is the parent's ts.
    let reference = out["reference"].as_str().unwrap().to_string();
    run(&a, &["post", "follow-up", "--thread", &reference]).ok();
    let posted = slack.posted();
    assert_eq!(posted[1]["thread_ts"], ts.as_str());
    assert_eq!(posted[1]["channel"], CHANNEL);
    assert_spec_conformant(&slack);
}

#[test]
fn post_with_title_level_metadata_and_link() {
    let slack = SlackService::start();
    let a = bot(&slack);
    run(
        &a,
        &[
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
        ],
    )
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
    run(&a, &["post", "all green", "--level", "success"]).ok();
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
    run(&a, &["post", "custom layout fallback", "--raw", file.to_str().unwrap()]).ok();
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
    run(
        &a,
        &[
            "post",
            "Model accuracy dropped below 0.9",
            "--meta",
            "pipeline_name=training_pipeline",
            "--meta",
            "step_name=evaluator",
            "--meta",
            "stack_name=production",
        ],
    )
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
    slack.add_channel("C0OTHER");
    let a = bot(&slack);
    run(&a, &["post", "to the other channel", "--set", "channel_id=C0OTHER"]).ok();
    run(&a, &["post", "to the configured channel"]).ok();
    let posted = slack.posted();
    assert_eq!(posted[0]["channel"], "C0OTHER");
    assert_eq!(posted[1]["channel"], CHANNEL);
    assert_eq!(slack.messages("C0OTHER").len(), 1);
    assert_eq!(slack.messages(CHANNEL).len(), 1);
}

#[test]
fn webhook_mode_posts_to_the_webhook() {
    let slack = SlackService::start();
    let a = webhook(&slack);
    run(&a, &["post", "Deployed v1.2.3", "--title", "Deploy", "--level", "success"]).ok();
    let posts = slack.webhook_posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["text"], "Deploy\nDeployed v1.2.3");
    assert_eq!(posts[0]["blocks"][0]["text"]["text"], ":white_check_mark: Deploy");
    assert!(posts[0].get("channel").is_none(), "a webhook posts to its own channel");
    assert!(slack.seen().iter().all(|s| s.method == "webhook"), "no Web API call in webhook mode");
    assert_eq!(slack.messages(CHANNEL)[0].subtype.as_deref(), Some("bot_message"));

    // A webhook Slack no longer knows: the plain-text code and status reach the user.
    let gone = format!("{}/services/T0STANDIN/B0GONE/nope", slack.origin());
    let r = run(&a, &["post", "x", "--set", &format!("webhook_url={gone}")]).expect_code(3);
    assert!(r.stderr.contains("no_service"), "{}", r.stderr);
    assert!(r.stderr.contains("404"), "{}", r.stderr);
    assert!(!r.all().contains("B0GONE/nope"), "the webhook URL is a secret: {}", r.all());
}

#[test]
fn token_and_webhook_are_exclusive() {
    let slack = SlackService::start();
    let a = bot(&slack);
    let r = run(&a, &["post", "x", "--set", &format!("webhook_url={}", slack.webhook_url())]).expect_code(2);
    assert!(r.stderr.contains("not both"), "{}", r.stderr);
    assert!(slack.seen().is_empty());
}

#[test]
fn unknown_channel_fails_with_hint() {
    let slack = SlackService::start();
    let a = bot(&slack);
    let r = run(&a, &["post", "hello?", "--set", "channel_id=C0NOPE"]).expect_code(3);
    assert_eq!(r.stderr.trim().lines().count(), 1, "one line on stderr: {}", r.stderr);
    assert!(r.stderr.contains("error: flavor \"slack\""), "{}", r.stderr);
    assert!(r.stderr.contains("channel_not_found"), "{}", r.stderr);
    assert!(r.stderr.contains("invite the bot"), "hint expected: {}", r.stderr);
    assert!(r.stdout.trim().is_empty());

    slack.add_channel_without_bot("C0PRIVATE");
    let r = run(&a, &["post", "hello?", "--set", "channel_id=C0PRIVATE"]).expect_code(3);
    assert!(r.stderr.contains("not_in_channel") && r.stderr.contains("/invite"), "{}", r.stderr);

    slack.error_next("chat.postMessage", "missing_scope");
    let r = run(&a, &["post", "hello?"]).expect_code(3);
    assert!(r.stderr.contains("missing_scope") && r.stderr.contains("chat:write"), "{}", r.stderr);
    assert_spec_conformant(&slack);
}

#[test]
fn bad_token_fails_with_hint() {
    let slack = SlackService::start();
    let a = bot_with(&slack, "slack", "xoxb-wrong-token");
    let r = run(&a, &["post", "hello"]).expect_code(3);
    assert!(r.stderr.contains("invalid_auth") && r.stderr.contains("`token`"), "{}", r.stderr);
    assert!(!r.all().contains("xoxb-wrong-token"), "{}", r.all());
}

#[test]
fn over_long_body_is_truncated_with_marker() {
    let slack = SlackService::start();
    let a = bot(&slack);
    let body = "0123456789".repeat(5_000); // 50 000 characters
    let title = "T".repeat(400);
    let r = run(&a, &["post", &body, "--title", &title, "--meta", &format!("log={}", "L".repeat(5000))]);
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
    run(&a, &args).ok();
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
    slack.fail_next("chat.postMessage", 1, 1);
    let started = Instant::now();
    run(&a, &["post", "eventually"]).ok();
    let posts = slack.seen_method("chat.postMessage");
    assert_eq!(posts.len(), 2, "one 429, one retry");
    assert_eq!(posts[0].status, 429);
    assert_eq!(posts[1].status, 200);
    let waited = posts[1].at.duration_since(posts[0].at);
    assert!(waited >= Duration::from_millis(950), "retried after {waited:?}, Retry-After was 1 s");
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_eq!(slack.messages(CHANNEL).len(), 1, "posted once");

    // Webhook mode too.
    let h = webhook(&slack);
    slack.fail_next("webhook", 1, 1);
    run(&h, &["post", "via webhook"]).ok();
    let hooks = slack.seen_method("webhook");
    assert_eq!(hooks.len(), 2);
    assert_eq!((hooks[0].status, hooks[1].status), (429, 200));
}

#[test]
fn token_never_leaks() {
    let slack = SlackService::start();
    let token = slack.token();
    let mut a = Alerter::new();
    a.env("ALERTER_LOG", "debug");
    let mut runs = vec![run(&a, &slack.bot_args("slack", &token)).ok()];
    runs.push(run(&a, &["post", "secret-free", "--title", "t", "--json"]).ok());
    slack.fail_next("chat.postMessage", 1, 1);
    runs.push(run(&a, &["post", "after a 429"]).ok());
    runs.push(run(&a, &["post", "fails", "--set", "channel_id=C0NOPE"]).expect_code(3));
    slack.error_next("chat.postMessage", "invalid_auth");
    runs.push(run(&a, &["post", "rejected token"]).expect_code(3));
    runs.push(run(&a, &["describe", "ops"]));
    runs.push(run(&a, &["list"]));
    runs.push(run(&a, &["secret", "list"]));
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
fn describe_lists_settings_and_hosts() {
    let a = Alerter::new();
    let r = run(&a, &["flavor", "describe", "slack"]).ok();
    for s in ["token", "channel_id", "webhook_url", "api_base", "https://slack.com/api"] {
        assert!(r.stdout.contains(s), "`{s}` missing from:\n{}", r.stdout);
    }
    for h in ["https://slack.com", "https://hooks.slack.com", "{api_base}", "{webhook_url}"] {
        assert!(r.stdout.contains(h), "host `{h}` missing from:\n{}", r.stdout);
    }
}

#[test]
fn flavor_loaded_by_path_works_too() {
    let slack = SlackService::start();
    let a = Alerter::new();
    run(&a, &["flavor", "register", flavors::SLACK, "--name", "slack-dev"]).ok();
    // Same home: register the alerter on the path-loaded flavor.
    run(&a, &slack.bot_args("slack-dev", &slack.token())).ok();
    run(&a, &["post", "from the registered component"]).ok();
    assert_eq!(only_post(&slack)["text"], "from the registered component");
    assert_spec_conformant(&slack);
}

#[test]
fn api_host_is_not_reachable_without_a_grant() {
    let slack = SlackService::start();
    let a = Alerter::new();
    run(
        &a,
        &[
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
        ],
    )
    .ok();
    let r = run(&a, &["post", "blocked"]).expect_code(3);
    assert!(r.stderr.contains(&slack.origin()), "the denial names what to grant: {}", r.stderr);
    assert!(slack.seen().is_empty());
}

// ---------------------------------------------------------------------------
// Replies (what `ask` will use): driven through the host library on the state
// the real binary created, since the CLI has no `ask` yet.

/// Lists replies through the real host and the real wasm flavor.
fn replies(a: &Alerter, reference: &str, cursor: Option<&str>) -> alerter::RepliesPage {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let limits = alerter::Limits { call_timeout: Duration::from_secs(10), ..Default::default() };
        let host = alerter::Host::open(a.home(), limits).expect("open home");
        let alerter = host.alerter(None, &[]).await.expect("alerter");
        alerter.replies(reference, cursor).await.unwrap_or_else(|e| panic!("replies failed: {e}"))
    })
}

fn post_question(a: &Alerter, text: &str) -> (String, String) {
    let r = run(a, &["post", text, "--json"]).ok();
    let out: Value = serde_json::from_str(r.stdout.trim()).expect("--json");
    let reference = out["reference"].as_str().expect("reference").to_string();
    let ts = reference.split_once(':').expect("CHANNEL:TS").1.to_string();
    (reference, ts)
}

#[test]
fn replies_top_level_and_thread_oldest_first_with_cursor() {
    let slack = SlackService::start();
    let a = bot(&slack);
    slack.say(CHANNEL, "U0EARLY", "said before the question");
    let (reference, ts) = post_question(&a, "Deploy to prod?");

    let t1 = slack.say_in_thread(CHANNEL, &ts, "U0ALICE", "LGTM");
    let t2 = slack.say(CHANNEL, "U0BOB", "approve");
    let t3 = slack.bot_says(CHANNEL, "B0CI", "CI bot noise", Some(&ts));
    let other_thread = slack.say(CHANNEL, "U0CAROL", "unrelated");
    slack.say_in_thread(CHANNEL, &other_thread, "U0DAVE", "reply elsewhere");

    let page = replies(&a, &reference, None);
    let got: Vec<(&str, &str, bool, bool)> =
        page.replies.iter().map(|r| (r.id.as_str(), r.text.as_str(), r.in_thread, r.is_bot)).collect();
    assert_eq!(
        got,
        vec![
            (t1.as_str(), "LGTM", true, false),
            (t2.as_str(), "approve", false, false),
            (t3.as_str(), "CI bot noise", true, true),
            (other_thread.as_str(), "unrelated", false, false),
        ]
    );
    assert_eq!(page.replies[0].author_id, "U0ALICE");
    let ms = page.replies[0].posted_at_ms.expect("posted_at_ms");
    let secs: u64 = t1.split('.').next().unwrap().parse().unwrap();
    assert_eq!(ms / 1000, secs);

    // The cursor: only what is new.
    let cursor = page.cursor.clone().expect("cursor");
    assert!(replies(&a, &reference, Some(&cursor)).replies.is_empty());
    let t4 = slack.say_in_thread(CHANNEL, &ts, "U0ALICE", "actually, no");
    let t5 = slack.say(CHANNEL, "U0BOB", "reject");
    let next = replies(&a, &reference, Some(&cursor));
    let ids: Vec<&str> = next.replies.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, vec![t4.as_str(), t5.as_str()]);

    // Read methods: GET, ts/oldest as the spec says; oldest = the question's ts.
    let history = slack.seen_method("conversations.history");
    assert_eq!(history[0].param_str("oldest").as_deref(), Some(ts.as_str()));
    assert_eq!(history[0].param_str("channel").as_deref(), Some(CHANNEL));
    let thread = slack.seen_method("conversations.replies");
    assert_eq!(thread[0].param_str("ts").as_deref(), Some(ts.as_str()));
    assert_spec_conformant(&slack);
}

#[test]
fn replies_follow_pagination() {
    let slack = SlackService::start();
    let a = bot(&slack);
    let (reference, ts) = post_question(&a, "Many answers?");
    for i in 0..230 {
        slack.say(CHANNEL, "U0MANY", &format!("top {i}"));
        slack.say_in_thread(CHANNEL, &ts, "U0MANY", &format!("thread {i}"));
    }
    let page = replies(&a, &reference, None);
    assert_eq!(page.replies.len(), 460);
    assert!(page.replies.windows(2).all(|w| w[0].id < w[1].id), "oldest first");
    assert!(slack.seen_method("conversations.history").len() >= 2, "followed next_cursor");
    assert!(slack.seen_method("conversations.replies").len() >= 2, "followed next_cursor");
    assert_spec_conformant(&slack);
}

#[test]
fn replies_unsupported_in_webhook_mode() {
    let slack = SlackService::start();
    let a = webhook(&slack);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let err = rt.block_on(async {
        let host = alerter::Host::open(a.home(), alerter::Limits::default()).unwrap();
        let alerter = host.alerter(None, &[]).await.unwrap();
        alerter.replies("webhook", None).await.expect_err("webhook mode cannot read replies")
    });
    assert!(err.to_string().contains("unsupported"), "{err}");
}

// ---------------------------------------------------------------------------
// The stand-in itself behaves like Slack (no binary needed).

/// A minimal HTTP/1.1 exchange: (status, headers, body).
fn http(origin: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String, String) {
    use std::io::Write;
    let addr = origin.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_lowercase(), body.to_string())
}

fn api(slack: &SlackService, method: &str, form: &str) -> Value {
    let auth = format!("Bearer {}", slack.token());
    let (status, _, body) = http(
        &slack.origin(),
        "POST",
        &format!("/api/{method}"),
        &[("authorization", &auth), ("content-type", "application/x-www-form-urlencoded")],
        form,
    );
    assert_eq!(status, 200, "Slack answers errors with HTTP 200");
    serde_json::from_str(&body).unwrap()
}

#[test]
fn stand_in_behaves_like_slack() {
    let slack = SlackService::start();
    // Envelopes and auth.
    let v = api(&slack, "auth.test", "");
    assert_eq!(v["ok"], true);
    let (_, _, body) = http(&slack.origin(), "GET", "/api/auth.test", &[("authorization", "Bearer xoxb-bad")], "");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), json!({"ok": false, "error": "invalid_auth"}));
    let (_, _, body) = http(&slack.origin(), "GET", "/api/auth.test", &[], "");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"], "not_authed");
    assert_eq!(api(&slack, "chat.postMessage", "channel=C0NOPE&text=x")["error"], "channel_not_found");

    // ts increasing; history newest first, oldest exclusive, limit + cursor.
    let a = api(&slack, "chat.postMessage", &format!("channel={CHANNEL}&text=one"));
    let ts1 = a["ts"].as_str().unwrap().to_string();
    let ts: Vec<String> = (0..5).map(|i| slack.say(CHANNEL, "U1", &format!("m{i}"))).collect();
    assert!(ts.windows(2).all(|w| w[0] < w[1]) && ts1 < ts[0]);
    let page1 = api(&slack, "conversations.history", &format!("channel={CHANNEL}&oldest={ts1}&limit=3"));
    let texts = |v: &Value| -> Vec<String> {
        v["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(texts(&page1), ["m4", "m3", "m2"]);
    assert_eq!(page1["has_more"], true);
    let cursor = page1["response_metadata"]["next_cursor"].as_str().unwrap().to_string();
    let form_cursor: String =
        cursor.bytes().map(|b| if b == b'=' { "%3D".to_string() } else { (b as char).to_string() }).collect();
    let page2 =
        api(&slack, "conversations.history", &format!("channel={CHANNEL}&oldest={ts1}&limit=3&cursor={form_cursor}"));
    assert_eq!(texts(&page2), ["m1", "m0"]);
    assert_eq!(page2["response_metadata"]["next_cursor"], "");

    // JSON bodies work for read methods too; inclusive includes the bound.
    let auth = format!("Bearer {}", slack.token());
    let (_, _, body) = http(
        &slack.origin(),
        "POST",
        "/api/conversations.history",
        &[("authorization", &auth), ("content-type", "application/json")],
        &json!({"channel": CHANNEL, "oldest": ts[3], "inclusive": true}).to_string(),
    );
    assert_eq!(texts(&serde_json::from_str(&body).unwrap()), ["m4", "m3"]);

    // Threads: the parent first, then replies oldest first.
    let r1 = slack.say_in_thread(CHANNEL, &ts[0], "U2", "r1");
    slack.say_in_thread(CHANNEL, &ts[0], "U3", "r2");
    let thread = api(&slack, "conversations.replies", &format!("channel={CHANNEL}&ts={}", ts[0]));
    assert_eq!(texts(&thread), ["m0", "r1", "r2"]);
    let thread = api(&slack, "conversations.replies", &format!("channel={CHANNEL}&ts={}&oldest={r1}", ts[0]));
    assert_eq!(texts(&thread), ["m0", "r2"]);
    assert_eq!(
        api(&slack, "conversations.replies", &format!("channel={CHANNEL}&ts=1.000001"))["error"],
        "thread_not_found"
    );

    // Limits are enforced like Slack does.
    let blocks = json!([{"type": "section", "text": {"type": "mrkdwn", "text": "x".repeat(3001)}}]).to_string();
    let v = api(
        &slack,
        "chat.postMessage",
        &format!("channel={CHANNEL}&blocks={}", blocks.replace('"', "%22").replace(' ', "%20")),
    );
    assert_eq!(v["error"], "invalid_blocks");

    // 429 on demand.
    slack.fail_next("auth.test", 1, 7);
    let (status, head, _) = http(&slack.origin(), "GET", "/api/auth.test", &[("authorization", &auth)], "");
    assert_eq!(status, 429);
    assert!(head.contains("retry-after: 7"));

    // Webhooks: `ok`, no_service, invalid_payload.
    let path = slack.webhook_url().trim_start_matches(&slack.origin()).to_string();
    let ct = [("content-type", "application/json")];
    assert_eq!(http(&slack.origin(), "POST", &path, &ct, r#"{"text":"hi"}"#).2, "ok");
    assert_eq!(http(&slack.origin(), "POST", &path, &ct, "not json").0, 400);
    let (status, _, body) = http(&slack.origin(), "POST", "/services/T/B/X", &ct, r#"{"text":"hi"}"#);
    assert_eq!((status, body.as_str()), (404, "no_service"));
}

#[test]
fn spec_check_catches_bad_requests() {
    let slack = SlackService::start();
    let auth = format!("Bearer {}", slack.token());
    // Undeclared parameter, wrong type, unknown method.
    http(
        &slack.origin(),
        "GET",
        &format!("/api/conversations.history?channel={CHANNEL}&limit=ten&colour=red"),
        &[("authorization", &auth)],
        "",
    );
    http(&slack.origin(), "GET", "/api/chat.postMsg", &[("authorization", &auth)], "");
    let problems = spec::check(&spec::load(), &slack.seen());
    let all = problems.join("\n");
    assert!(all.contains("`limit`"), "{all}");
    assert!(all.contains("`colour` is not declared"), "{all}");
    assert!(all.contains("chat.postMsg: no such method"), "{all}");
    // Every allow-listed defect is explained.
    assert!(spec::KNOWN_DEFECTS.iter().all(|d| d.why.len() > 20));
}
