//! The built-in Mattermost flavor, run by the real `alerter` binary against
//! the local Mattermost stand-in (`alerter_tests::mattermost`), whose every
//! API request is checked against the vendored OpenAPI description.

use std::time::Duration;

use alerter_tests::cli::Alerter;
use alerter_tests::mattermost::{MattermostService, BOT_USER_ID, CHANNEL, TOKEN};
use alerter_tests::wait_for;
use serde_json::{json, Value};

/// A fresh `alerter` home whose runs are killed after 25 s.
fn alerter() -> Alerter {
    let mut a = alerter_tests::alerter!();
    a.timeout(Duration::from_secs(25));
    a
}

/// An `alerter` home with a bot-mode alerter `ops` on the stand-in.
fn bot(mm: &MattermostService) -> Alerter {
    let a = alerter();
    a.run(&mm.bot_args()).ok();
    a
}

#[track_caller]
fn assert_clean(mm: &MattermostService) {
    let v = mm.violations();
    assert!(v.is_empty(), "requests that do not match Mattermost's API description:\n{}", v.join("\n"));
}

/// The one post the flavor created.
#[track_caller]
fn only_post(mm: &MattermostService) -> Value {
    let created = mm.created();
    assert_eq!(created.len(), 1, "expected one CreatePost, got {created:#?}");
    created.into_iter().next().expect("one post")
}

#[test]
fn post_renders_markdown_and_coloured_fields() {
    let mm = MattermostService::start();
    let a = bot(&mm);
    let r = a
        .run(&[
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
            "--json",
        ])
        .ok();
    assert_eq!(
        only_post(&mm),
        json!({
            "channel_id": CHANNEL,
            "message": ":warning: **Disk space low**\n\nDisk on db1 is *91%* full\n\n\
                        [https://grafana.example.com/d/disk](https://grafana.example.com/d/disk)",
            "props": {"attachments": [{
                "color": "#f59e0b",
                "fallback": "host: db1, usage: 91%",
                "fields": [{"title": "host", "value": "db1", "short": true}, {"title": "usage", "value": "91%", "short": true}],
            }]},
        })
    );
    let post = &mm.seen_op("CreatePost")[0];
    assert_eq!(post.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    let id = mm.posts(CHANNEL)[0]["id"].as_str().expect("id").to_string();
    let out: Value = serde_json::from_str(r.stdout.trim()).expect("--json prints JSON");
    assert_eq!(out["reference"], format!("{CHANNEL}:{id}"));
    assert_eq!(out["link"], format!("{}/_redirect/pl/{id}", mm.url()));
    assert_clean(&mm);
}

#[test]
fn plain_posts_thread_replies_and_limits() {
    let mm = MattermostService::start();
    let a = bot(&mm);
    let r = a.run(&["post", "Nightly build finished", "--level", "success", "--json"]).ok();
    let reference =
        serde_json::from_str::<Value>(r.stdout.trim()).expect("JSON")["reference"].as_str().unwrap().to_string();
    a.run(&["post", "details follow", "--thread", &reference]).ok();
    let long = "é".repeat(20_000);
    a.run(&["post", &long]).ok();
    let created = mm.created();
    assert_eq!(created[0], json!({"channel_id": CHANNEL, "message": ":white_check_mark: Nightly build finished"}));
    let root = reference.split_once(':').unwrap().1;
    assert_eq!(created[1]["root_id"], root);
    let cut = created[2]["message"].as_str().unwrap();
    assert_eq!(cut.chars().count(), 16_383, "cut to Mattermost's limit");
    assert!(cut.ends_with("… [truncated]"));
    assert_clean(&mm);
}

#[test]
fn errors_come_with_hints_and_429_is_honoured() {
    let mm = MattermostService::start();
    mm.add_channel_without_bot("c0private00000000000000001");
    let a = bot(&mm);
    let r = a.run(&["post", "x", "--set", "channel_id=c0private00000000000000001"]).expect_code(3);
    assert!(r.stderr.contains("api.context.permissions.app_error") && r.stderr.contains("/invite"), "{}", r.stderr);
    let r = a.run(&["post", "x", "--set", "channel_id=c0nosuchchannel00000000001"]).expect_code(3);
    assert!(r.stderr.contains("channel not found: check `channel_id`"), "{}", r.stderr);
    let r = a.run(&["post", "x", "--set", "token=wrong-token"]).expect_code(3);
    assert!(r.stderr.contains("did not accept the token"), "{}", r.stderr);
    assert!(!r.all().contains("wrong-token"), "the token was printed: {}", r.all());

    mm.rate_limit_next("CreatePost", 1, 1.0);
    let before = mm.created().len();
    a.run(&["post", "after a rate limit"]).ok();
    let tries = mm.seen_op("CreatePost");
    let (limited, retried) = (&tries[tries.len() - 2], &tries[tries.len() - 1]);
    assert_eq!((limited.status, retried.status), (429, 201));
    assert!(retried.at.duration_since(limited.at) >= Duration::from_millis(950), "Retry-After honoured");
    assert_eq!(mm.created().len(), before + 1);
    assert_clean(&mm);
}

#[test]
fn webhook_mode_posts_and_cannot_ask() {
    let mm = MattermostService::start();
    let a = alerter();
    a.run(&mm.webhook_args()).ok();
    a.run(&["post", "from the hook", "--meta", "run=7"]).ok();
    let posted = mm.posts(CHANNEL);
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0]["message"], ":information_source: from the hook");
    assert_eq!(posted[0]["props"]["attachments"][0]["fields"][0], json!({"title": "run", "value": "7", "short": true}));
    let hook = &mm.seen_op("webhook")[0];
    assert_eq!(hook.json().expect("JSON")["text"], ":information_source: from the hook");
    let r = a.run(&["ask", "Deploy?", "--timeout", "5"]).expect_code(2);
    assert!(r.stderr.contains("cannot read replies"), "{}", r.stderr);
    assert_eq!(mm.posts(CHANNEL).len(), 1, "no question posted");
    assert_clean(&mm);
}

#[test]
fn ask_is_approved_in_the_thread_and_declined_at_top_level() {
    let mm = MattermostService::start();
    let a = bot(&mm);
    let question = |text: &str| {
        let text = text.to_string();
        wait_for("the question at the Mattermost stand-in", || {
            mm.posts(CHANNEL).into_iter().find(|p| p["message"].as_str().is_some_and(|m| m.ends_with(&text)))
        })["id"]
            .as_str()
            .expect("id")
            .to_string()
    };

    let asking = a.spawn(&["ask", "Deploy model v3?", "--timeout", "20", "--json"]);
    let q = question("Deploy model v3?");
    mm.bot_says(CHANNEL, "approve", Some(&q)); // bots never count
    mm.say(CHANNEL, "ann", "@alerter approve", Some(&q)); // the mention of the bot is stripped
    let run = asking.finish().ok();
    let v: Value = serde_json::from_str(run.stdout.trim()).expect("--json");
    assert_eq!(
        (v["outcome"].as_str(), v["by_id"].as_str(), v["in_thread"].as_bool()),
        (Some("approved"), Some("ann"), Some(true))
    );
    let follow = mm.posts(CHANNEL).into_iter().rfind(|p| p["root_id"] == q.as_str() && p["user_id"] == BOT_USER_ID);
    assert!(
        follow.is_some_and(|f| f["message"].as_str().unwrap_or("").contains("Approved by ann")),
        "{:#?}",
        mm.posts(CHANNEL)
    );

    let asking = a.spawn(&["ask", "Drop the staging table?", "--timeout", "20"]);
    question("Drop the staging table?");
    mm.say(CHANNEL, "bob", "no", None);
    let run = asking.finish().expect_code(1);
    assert!(run.stdout.contains("Declined by bob"), "{}", run.stdout);
    assert_clean(&mm);
}

/// Reactions (which `ask` counts where the host supports them) through the
/// library, on the same state directory as the binary.
#[test]
fn replies_list_thread_replies_then_reactions() {
    let mm = MattermostService::start();
    let a = bot(&mm);
    let r = a.run(&["post", "Ship it?", "--json"]).ok();
    let reference =
        serde_json::from_str::<Value>(r.stdout.trim()).expect("JSON")["reference"].as_str().unwrap().to_string();
    let q = reference.split_once(':').unwrap().1.to_string();
    mm.react(&q, "ann", "+1");
    mm.react(&q, BOT_USER_ID, "eyes");
    mm.say(CHANNEL, "bob", "lgtm", Some(&q));

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let host = alerter::Host::open(a.home(), alerter::Limits::default()).expect("open the home");
        let ops = host.alerter(Some("ops"), &[]).await.expect("alerter ops");
        let page = ops.replies(&reference, None).await.expect("replies");
        let seen: Vec<(&str, bool, bool, bool)> = page
            .replies
            .iter()
            .map(|r| (r.text.as_str(), matches!(r.kind, alerter::ReplyKind::Reaction), r.is_bot, r.in_thread))
            .collect();
        assert_eq!(seen, [("lgtm", false, false, true), ("+1", true, false, false), ("eyes", true, true, false)]);
        let again = ops.replies(&reference, page.cursor.as_deref()).await.expect("replies");
        assert!(
            again.replies.iter().all(|r| matches!(r.kind, alerter::ReplyKind::Reaction)),
            "nothing new but reactions"
        );
    });
    assert_clean(&mm);
}
