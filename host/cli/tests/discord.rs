//! The `discord` flavor end to end: the real `alerter` binary runs the real
//! wasm flavor against the Discord stand-in in `alerter_tests::discord`,
//! which checks every body against Discord's OpenAPI spec and documented
//! limits.

use std::time::{Duration, Instant};

use alerter_tests::chat::Seen;
use alerter_tests::cli::{Alerter, Run};
use alerter_tests::discord::{self, DiscordService, Permission, GUILD_ID, TOKEN};
use serde_json::{json, Value};

/// An alerter `ops` in bot mode on the stand-in's default channel, using the
/// built-in `discord` flavor.
fn bot_alerter(svc: &DiscordService) -> Alerter {
    bot_alerter_with(svc, "discord", TOKEN)
}

fn bot_alerter_with(svc: &DiscordService, flavor: &str, token: &str) -> Alerter {
    let a = alerter_tests::alerter!();
    register_bot(&a, svc, flavor, token);
    a
}

fn register_bot(a: &Alerter, svc: &DiscordService, flavor: &str, token: &str) {
    a.run(&svc.bot_args(flavor, token)).ok();
}

/// `alerter post ARGS --json`, parsed.
fn post_json(a: &Alerter, args: &[&str]) -> Value {
    let mut all = vec!["post"];
    all.extend_from_slice(args);
    all.push("--json");
    let run = a.run(&all).ok();
    serde_json::from_str(run.stdout.trim())
        .unwrap_or_else(|e| panic!("--json output is not JSON ({e}): {}", run.stdout))
}

/// The single message the flavor sent, with no spec or docs violations.
#[track_caller]
fn only_post(svc: &DiscordService) -> Seen {
    assert_eq!(svc.violations(), Vec::<String>::new(), "request bodies broke the spec or docs");
    let posts = svc.posts();
    assert_eq!(posts.len(), 1, "expected one message, got {:?}", posts.iter().map(Seen::line).collect::<Vec<_>>());
    posts.into_iter().next().unwrap()
}

fn messages_path(channel: &str) -> String {
    format!("/api/v10/channels/{channel}/messages")
}

#[test]
fn plain_post_in_bot_mode() {
    let svc = DiscordService::start();
    let a = bot_alerter(&svc);
    let out = post_json(&a, &["Deploy finished"]);

    let sent = only_post(&svc);
    assert_eq!(sent.path, messages_path(&svc.channel()));
    assert_eq!(sent.header("authorization"), Some(format!("Bot {TOKEN}").as_str()));
    assert!(sent.header("user-agent").unwrap_or("").starts_with("DiscordBot ("), "{:?}", sent.header("user-agent"));
    assert_eq!(sent.json(), Some(json!({"content": ":information_source: Deploy finished"})));

    let stored = svc.messages(&svc.channel());
    let id = stored[0]["id"].as_str().unwrap();
    assert_eq!(out["flavor"], "discord");
    assert_eq!(out["reference"], format!("{}:{id}", svc.channel()));
    assert_eq!(out["link"], format!("https://discord.com/channels/{GUILD_ID}/{}/{id}", svc.channel()));
}

#[test]
fn title_level_metadata_and_link_make_an_embed() {
    let svc = DiscordService::start();
    let a = bot_alerter(&svc);
    a.run(&[
        "post",
        "The trainer step raised ValueError",
        "--title",
        "Nightly training failed",
        "--level",
        "failure",
        "--meta",
        "run=42",
        "--meta",
        "owner=ml-team",
        "--link",
        "https://ci.example.com/runs/42",
    ])
    .ok();
    let body = only_post(&svc).json().unwrap();
    assert_eq!(
        body,
        json!({
            "content": ":x: Nightly training failed",
            "embeds": [{
                "title": "Nightly training failed",
                "description": "The trainer step raised ValueError",
                "url": "https://ci.example.com/runs/42",
                "color": 0xef4444,
                "fields": [
                    {"name": "run", "value": "42", "inline": true},
                    {"name": "owner", "value": "ml-team", "inline": true},
                ],
            }],
        })
    );
}

#[test]
fn level_colours() {
    let svc = DiscordService::start();
    let a = bot_alerter(&svc);
    for (level, colour) in [("info", 0x3b82f6), ("success", 0x22c55e), ("warning", 0xf59e0b), ("failure", 0xef4444)] {
        a.run(&["post", "body", "--title", level, "--level", level]).ok();
        let body = svc.posts().last().unwrap().json().unwrap();
        assert_eq!(body["embeds"][0]["color"], colour, "{level}");
    }
    assert!(svc.violations().is_empty(), "{:?}", svc.violations());
}

#[test]
fn raw_embeds_are_sent_verbatim() {
    let svc = DiscordService::start();
    let a = bot_alerter(&svc);
    let raw = "{\"content\": \"custom\",\n  \"embeds\": [{\"title\": \"Custom\", \"color\": 123456,\n  \"fields\": [{\"name\": \"a\", \"value\": \"b\", \"inline\": true}],\n  \"footer\": {\"text\": \"made by hand\"}}]}\n";
    let file = a.home().join("payload.json");
    std::fs::write(&file, raw).unwrap();
    a.run(&["post", "ignored when raw is given", "--title", "ignored too", "--raw", file.to_str().unwrap()]).ok();
    let sent = only_post(&svc);
    assert_eq!(sent.json(), Some(serde_json::from_str::<Value>(raw).unwrap()));
    assert_eq!(sent.text(), raw, "the raw payload must reach Discord byte for byte");
}

#[test]
fn zenml_payload_renders_zenml_embed_exactly() {
    let svc = DiscordService::start();
    let a = bot_alerter(&svc);
    a.run(&[
        "post",
        "Step trainer failed",
        "--meta",
        "pipeline_name=training_pipeline",
        "--meta",
        "step_name=trainer",
        "--meta",
        "stack_name=default",
    ])
    .ok();
    let body = only_post(&svc).json().unwrap();
    assert_eq!(
        body,
        json!({"embeds": [{
            "thumbnail": {"url": "https://zenml-strapi-media.s3.eu-central-1.amazonaws.com/03_Zen_ML_Logo_Square_White_efefc24ae7.png"},
            "fields": [
                {"name": ":star: *Pipeline:*", "value": "\ntraining_pipeline", "inline": false},
                {"name": ":arrow_forward: *Step:*", "value": "\ntrainer", "inline": false},
                {"name": ":ring_buoy: *Stack:*", "value": "\ndefault", "inline": false},
                {"name": ":email: *Message:*", "value": "\nStep trainer failed", "inline": false},
            ],
        }]})
    );
}

#[test]
fn per_call_channel_override() {
    let svc = DiscordService::start();
    let other = svc.add_channel();
    let a = bot_alerter(&svc);
    let out = post_json(&a, &["to the other channel", "--set", &format!("channel_id={other}")]);
    let sent = only_post(&svc);
    assert_eq!(sent.path, messages_path(&other));
    assert!(out["reference"].as_str().unwrap().starts_with(&format!("{other}:")), "{out}");
    assert!(svc.messages(&svc.channel()).is_empty());
    assert_eq!(svc.messages(&other).len(), 1);
    // The configured channel is unchanged for the next call.
    a.run(&["post", "back to normal"]).ok();
    assert_eq!(svc.posts().last().unwrap().path, messages_path(&svc.channel()));
}

#[test]
fn thread_reference_becomes_message_reference() {
    let svc = DiscordService::start();
    let a = bot_alerter(&svc);
    let first = post_json(&a, &["Deploy started"]);
    let reference = first["reference"].as_str().unwrap().to_string();
    let (channel, id) = reference.split_once(':').unwrap();
    a.run(&["post", "Deploy finished", "--thread", &reference]).ok();
    assert!(svc.violations().is_empty(), "{:?}", svc.violations());
    let body = svc.posts().last().unwrap().json().unwrap();
    assert_eq!(
        body["message_reference"],
        json!({"message_id": id, "channel_id": channel, "fail_if_not_exists": false})
    );
    let stored = svc.messages(channel);
    assert_eq!(stored.last().unwrap()["type"], 19);
}

#[test]
fn webhook_mode_posts_with_wait_true() {
    let svc = DiscordService::start();
    let mut a = alerter_tests::alerter!();
    a.env("ALERTER_LOG", "debug");
    a.run(&svc.webhook_args("discord")).ok();
    let run = a.run(&["post", "Backup done", "--title", "Backups", "--level", "success", "--json"]).ok();
    assert!(!run.all().contains(&svc.webhook_token()), "webhook token leaked: {}", run.all());
    let out: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    let sent = only_post(&svc);
    assert!(sent.path.starts_with("/api/webhooks/"), "{}", sent.path);
    assert_eq!(sent.query, "wait=true");
    assert_eq!(sent.header("authorization"), None);
    let body = sent.json().unwrap();
    assert_eq!(body["embeds"][0]["title"], "Backups");
    assert_eq!(body["embeds"][0]["color"], 0x22c55e);
    let stored = svc.messages(&svc.channel());
    assert_eq!(stored.len(), 1);
    assert_eq!(out["reference"], format!("{}:{}", svc.channel(), stored[0]["id"].as_str().unwrap()));
    let run = a.run(&["describe", "hook"]);
    assert!(!run.all().contains(&svc.webhook_token()), "webhook token leaked: {}", run.all());
}

#[test]
fn webhook_mode_posts_into_the_thread_of_a_message() {
    let svc = DiscordService::start();
    let a = alerter_tests::alerter!();
    a.run(&svc.webhook_args("discord")).ok();
    let first = post_json(&a, &["Run started"]);
    let reference = first["reference"].as_str().unwrap().to_string();
    let (channel, id) = reference.split_once(':').unwrap();
    svc.start_thread(channel, id);
    a.run(&["post", "Run finished", "--thread", &reference]).ok();
    let last = svc.posts().last().unwrap().clone();
    assert_eq!(last.query_param("thread_id").as_deref(), Some(id));
    assert_eq!(last.query_param("wait").as_deref(), Some("true"));
    assert_eq!(svc.messages(id).last().unwrap()["content"], ":information_source: Run finished");
    assert!(svc.violations().is_empty(), "{:?}", svc.violations());
}

#[test]
fn unknown_channel_fails_with_a_hint() {
    let svc = DiscordService::start();
    let a = bot_alerter(&svc);
    let missing = svc.unused_id();
    let run = a.run(&["post", "hello", "--set", &format!("channel_id={missing}")]).expect_code(3);
    assert!(run.stderr.contains("10003"), "{}", run.stderr);
    assert!(run.stderr.contains("Unknown Channel"), "{}", run.stderr);
    assert!(run.stderr.contains(&missing) && run.stderr.contains("channel_id"), "no hint: {}", run.stderr);
    assert!(svc.violations().is_empty());
}

#[test]
fn missing_access_fails_with_a_hint() {
    let svc = DiscordService::start();
    let a = bot_alerter(&svc);
    let hidden = svc.add_forbidden_channel();
    let run = a.run(&["post", "hello", "--set", &format!("channel_id={hidden}")]).expect_code(3);
    assert!(run.stderr.contains("50001") && run.stderr.contains("Missing Access"), "{}", run.stderr);
    assert!(run.stderr.contains("View Channel"), "no hint: {}", run.stderr);
}

#[test]
fn invalid_token_fails_with_a_hint() {
    let svc = DiscordService::start();
    let wrong = "MTEx.not-the-right-token.Wr0ngT0ken";
    let a = bot_alerter_with(&svc, "discord", wrong);
    let run = a.run(&["post", "hello"]).expect_code(3);
    assert!(run.stderr.contains("401"), "{}", run.stderr);
    assert!(run.stderr.contains("Reset Token"), "no hint: {}", run.stderr);
    assert!(!run.all().contains(wrong), "token leaked: {}", run.all());
}

#[test]
fn token_and_webhook_together_are_refused() {
    let svc = DiscordService::start();
    let a = alerter_tests::alerter!();
    let reg = a.run(&[
        "register",
        "both",
        "--flavor",
        "discord",
        "--set",
        &format!("token={TOKEN}"),
        "--set",
        &format!("channel_id={}", svc.channel()),
        "--set",
        &format!("webhook_url={}", svc.webhook_url()),
        "--allow-host",
        &svc.origin(),
    ]);
    // Either registration checks the settings or the first post does.
    let run = if reg.code == 0 { a.run(&["post", "hello"]) } else { reg };
    let run = run.expect_code(2);
    assert!(run.stderr.contains("not both"), "{}", run.stderr);
    assert!(svc.posts().is_empty());
}

#[test]
fn token_needs_a_channel() {
    let svc = DiscordService::start();
    let a = alerter_tests::alerter!();
    let reg = a.run(&[
        "register",
        "nochan",
        "--flavor",
        "discord",
        "--set",
        &format!("token={TOKEN}"),
        "--set",
        &format!("api_base={}", svc.api_base()),
        "--allow-host",
        &svc.origin(),
    ]);
    let run = if reg.code == 0 { a.run(&["post", "hello"]) } else { reg };
    let run = run.expect_code(2);
    assert!(run.stderr.contains("channel_id"), "{}", run.stderr);
    assert!(svc.posts().is_empty());
}

#[test]
fn embed_budget_holds_with_a_huge_body_and_40_fields() {
    let svc = DiscordService::start();
    let a = bot_alerter(&svc);
    let body = "word ".repeat(5_000);
    let title = "T".repeat(400);
    let metas: Vec<String> = (0..40).map(|i| format!("key_{i:02}={}", "v".repeat(1_500))).collect();
    let mut args = vec!["post", body.as_str(), "--title", title.as_str()];
    for m in &metas {
        args.push("--meta");
        args.push(m);
    }
    a.run(&args).ok();
    let sent = only_post(&svc).json().unwrap();
    let total = discord::embed_text_len(&sent);
    assert!(total <= 6000, "embed text {total} > 6000");
    let embed = &sent["embeds"][0];
    let len = |v: &Value| v.as_str().unwrap().chars().count();
    assert!(len(&sent["content"]) <= 2000);
    assert_eq!(len(&embed["title"]), 256);
    assert!(embed["title"].as_str().unwrap().ends_with("… [truncated]"));
    assert!(embed["description"].as_str().unwrap().ends_with("… [truncated]"));
    assert!(len(&embed["description"]) <= 4096);
    let fields = embed["fields"].as_array().unwrap();
    assert!(fields.len() <= 25, "{} fields", fields.len());
    for f in fields {
        assert!(len(&f["name"]) <= 256 && len(&f["value"]) <= 1024);
    }
    assert_eq!(fields[0]["name"], "key_00");
    assert!(fields.last().unwrap()["value"].as_str().unwrap().ends_with("more not shown"), "{:?}", fields.last());
}

#[test]
fn rate_limit_then_success_within_the_deadline() {
    let svc = DiscordService::start();
    let a = bot_alerter(&svc);
    svc.rate_limit_next("create_message", 1, 0.6);
    let started = Instant::now();
    let out = post_json(&a, &["after a 429"]);
    assert!(started.elapsed() < Duration::from_secs(30));
    let posts = svc.posts();
    assert_eq!(posts.len(), 2, "{:?}", posts.iter().map(|p| (p.line(), p.status)).collect::<Vec<_>>());
    assert_eq!((posts[0].status, posts[1].status), (429, 200));
    let gap = posts[1].at - posts[0].at;
    assert!(gap >= Duration::from_millis(550), "retried after {gap:?}, before retry_after (0.6 s)");
    assert_eq!(svc.messages(&svc.channel()).len(), 1);
    assert!(out["reference"].as_str().unwrap().starts_with(&svc.channel()));
}

#[test]
fn token_never_leaves_the_authorization_header() {
    let svc = DiscordService::start();
    let mut a = alerter_tests::alerter!();
    a.env("ALERTER_LOG", "debug");
    register_bot(&a, &svc, "discord", TOKEN);
    let mut runs: Vec<Run> = Vec::new();
    runs.push(a.run(&["post", "plain"]).ok());
    runs.push(a.run(&["post", "rich", "--title", "t", "--meta", "k=v", "--link", "https://example.com"]).ok());
    svc.rate_limit_next("*", 1, 0.2);
    runs.push(a.run(&["post", "after 429", "--json"]).ok());
    runs.push(a.run(&["post", "nowhere", "--set", &format!("channel_id={}", svc.unused_id())]).expect_code(3));
    runs.push(a.run(&["describe", "ops"]));
    runs.push(a.run(&["list"]));
    for run in &runs {
        assert!(!run.all().contains(TOKEN), "token in output: {}", run.all());
    }
    let requests = svc.seen();
    assert!(requests.len() >= 5);
    for r in &requests {
        assert_eq!(r.header("authorization"), Some(format!("Bot {TOKEN}").as_str()), "{}", r.line());
        assert!(!r.line().contains(TOKEN), "token in {}", r.line());
        assert!(!r.text().contains(TOKEN), "token in body of {}", r.line());
        for (k, v) in &r.headers {
            assert!(k == "authorization" || !v.contains(TOKEN), "token in header {k} of {}", r.line());
        }
    }
}

#[test]
fn flavor_loaded_by_path() {
    let svc = DiscordService::start();
    let a = alerter_tests::alerter!();
    a.run(&["flavor", "register", alerter_test_artifacts::DISCORD, "--name", "discord-dev"]).ok();
    let desc = a.run(&["flavor", "describe", "discord-dev"]).ok();
    for setting in ["token", "channel_id", "webhook_url", "api_base"] {
        assert!(desc.stdout.contains(setting), "{setting} missing: {}", desc.stdout);
    }
    register_bot(&a, &svc, "discord-dev", TOKEN);
    let out = post_json(&a, &["from the registered file"]);
    assert_eq!(out["alerter"], "ops");
    let desc = a.run(&["describe", "ops"]).ok();
    assert!(desc.stdout.contains("discord-dev"), "{}", desc.stdout);
    assert_eq!(only_post(&svc).json(), Some(json!({"content": ":information_source: from the registered file"})));
}

/// `flavor describe discord`, exactly: what it can do, and how the Message
/// Content intent decides how people can answer `ask`.
#[test]
fn builtin_flavor_describes_itself() {
    let a = alerter_tests::alerter!();
    let desc = a.run(&["flavor", "describe", "discord"]).ok();
    let lines: Vec<&str> = desc.stdout.lines().filter(|l| !l.starts_with("sha256:")).collect();
    assert_eq!(
        lines,
        [
            "flavor:      discord",
            "name:        discord 0.1.0",
            "description: Posts to Discord with a bot token (REST API: files, replies, reactions, edits) or a channel webhook (post only); without the Message Content intent, answers must mention the bot, use Reply on the question, or react",
            "source:      built-in",
            "trusted:     yes (built in)",
            "contract:    alerter:flavor@0.2.0 (compatible with 0.2.x)",
            "can:         post, read-replies (ask), threads, attachments, reactions, update",
            "hosts:       https://discord.com, {api_base}, {webhook_url} (declared https hosts granted by default)",
            "settings:",
            "  token          Bot token for bot mode; replies' text needs the Message Content intent (Developer Portal → Bot) unless they mention the bot [secret: header authorization: \"Bot {}\" towards https://discord.com, {api_base}]",
            "  channel_id     Channel ID to post to (digits); required with `token`",
            "  webhook_url    Channel webhook URL for post-only mode (instead of `token`) [secret: the whole URL towards {webhook_url}]",
            "  api_base       Base URL of the Discord REST API (a proxy or a test stand-in) [default https://discord.com/api/v10]",
        ]
    );
}

#[test]
fn posting_without_send_messages_names_the_permission() {
    let svc = DiscordService::start();
    let a = bot_alerter(&svc);
    svc.deny(&svc.channel(), Permission::SendMessages);
    let run = a.run(&["post", "hello"]).expect_code(3);
    assert!(run.stderr.contains("Missing Permissions (HTTP 403)"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "Hint: missing permissions in channel `{}`: the bot needs Send Messages and Embed Links there",
            svc.channel()
        )),
        "{}",
        run.stderr
    );
    assert!(svc.messages(&svc.channel()).is_empty());
}

#[test]
fn an_empty_raw_message_gets_discords_50006_and_the_hint() {
    let svc = DiscordService::start();
    let a = bot_alerter(&svc);
    let file = a.home().join("empty.json");
    std::fs::write(&file, r#"{"content": ""}"#).unwrap();
    let run = a.run(&["post", "ignored", "--raw", file.to_str().unwrap()]).expect_code(3);
    assert!(run.stderr.contains("Cannot send an empty message (HTTP 400)"), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "Hint: Discord refused an empty message: give a body, or with --raw include `content`, `embeds` or files"
        ),
        "{}",
        run.stderr
    );
    let v = svc.violations();
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(v[0].ends_with(discord::spec::EMPTY), "{}", v[0]);
}

/// Without Read Message History, Discord answers the channel's listing with
/// an empty list, so `ask` would wait for nothing; the flavor reads the
/// question itself first, and the ask fails at once (exit 3) saying what to
/// grant.
#[test]
fn ask_without_read_message_history_fails_at_once_with_the_hint() {
    let svc = DiscordService::start();
    let a = bot_alerter(&svc);
    svc.deny(&svc.channel(), Permission::ReadMessageHistory);
    let started = Instant::now();
    let run = a.run(&["ask", "Deploy?", "--timeout", "8", "--no-follow-up"]).expect_code(3);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "failed at the first poll, not at the deadline: {}",
        run.stderr
    );
    // The outcome line (stdout) says why no decision could be made.
    assert!(
        run.stdout.starts_with("Could not read replies: ")
            && run.stdout.contains(&format!(
                "Hint: the bot cannot read messages in channel `{}`: give it View Channel and Read Message History there",
                svc.channel()
            )),
        "{} / {}",
        run.stdout,
        run.stderr
    );
    let reads: Vec<(String, u16)> = svc
        .seen()
        .iter()
        .filter(|r| r.method == "GET" && r.operation != "get_channel")
        .map(|r| (r.operation.clone(), r.status))
        .collect();
    assert_eq!(reads, [("get_message".to_string(), 403)], "one read, refused; the empty listing was never trusted");
}

/// A route whose bucket is used up answers 429 with `retry_after` in the
/// body (fractional seconds); the post is retried after exactly that wait
/// and succeeds.
#[test]
fn a_used_up_bucket_is_waited_out() {
    let svc = DiscordService::start();
    let a = bot_alerter(&svc);
    svc.limit_route("create_message", 1, Duration::from_millis(2500));
    a.run(&["post", "first"]).ok();
    a.run(&["post", "second"]).ok();
    let posts = svc.posts();
    let statuses: Vec<u16> = posts.iter().map(|p| p.status).collect();
    assert_eq!(statuses, [200, 429, 200]);
    let waited = posts[2].at - posts[1].at;
    let window_left = Duration::from_millis(2500).saturating_sub(posts[1].at - posts[0].at);
    assert!(
        waited + Duration::from_millis(20) >= window_left,
        "retried after {waited:?}, before the bucket reset ({window_left:?})"
    );
    assert!(posts[2].at - posts[0].at >= Duration::from_millis(2490), "the second message went out in the next window");
    assert_eq!(svc.messages(&svc.channel()).len(), 2);
}
