//! The library on its own, as another Rust program uses it: configure an
//! alerter with [`alerter::Host`], post, read replies through the real wasm
//! flavors against the stand-ins, and report a `Result`. No `alerter`
//! binary is involved.

use std::time::Duration;

use alerter::{Alerter, Host, Limits, Message, NewAlerter, On, RepliesPage};
use alerter_tests::chat::Author;
use alerter_tests::discord::DiscordService;
use alerter_tests::echo::EchoService;
use alerter_tests::slack::{SlackRequest, SlackService, CHANNEL};

/// A host in a fresh state directory (kept alive with it).
fn host() -> (tempfile::TempDir, Host) {
    let home = tempfile::tempdir().expect("tempdir");
    let limits = Limits { call_timeout: Duration::from_secs(10), ..Limits::default() };
    let host = Host::open(home.path(), limits).expect("open the state directory");
    (home, host)
}

/// The alerter that `alerter register NAME --flavor F --set K=V --allow-host O`
/// (the stand-ins' `bot_args`/`webhook_args`) describes, registered through
/// the library.
async fn register(host: &Host, register_args: &[String]) -> Alerter {
    let mut new = NewAlerter { name: register_args[1].clone(), ..NewAlerter::default() };
    for pair in register_args[2..].chunks(2) {
        match (pair[0].as_str(), pair[1].clone()) {
            ("--flavor", v) => new.flavor = v,
            ("--set", v) => {
                let (k, v) = v.split_once('=').expect("KEY=VALUE");
                new.settings.push((k.to_string(), v.to_string()));
            }
            ("--allow-host", v) => new.allow_hosts.push(v),
            (flag, _) => panic!("unexpected {flag}"),
        }
    }
    let name = new.name.clone();
    let saved = host.register_alerter(new).await.expect("register");
    assert!(saved.warnings.is_empty(), "{:?}", saved.warnings);
    host.alerter(Some(&name), &[]).await.expect("alerter")
}

/// Posts a question; its reference and the id part of it.
async fn question(alerter: &Alerter, text: &str) -> (String, String) {
    let sent = alerter.post(&Message::text(text)).await.expect("post");
    let id = sent.reference.split_once(':').expect("CHANNEL:ID").1.to_string();
    (sent.reference, id)
}

async fn replies(alerter: &Alerter, reference: &str, cursor: Option<&str>) -> RepliesPage {
    alerter.replies(reference, cursor).await.unwrap_or_else(|e| panic!("replies failed: {e}"))
}

#[track_caller]
fn assert_spec_conformant(slack: &SlackService) {
    let problems = slack.violations();
    assert!(problems.is_empty(), "requests or answers that break the Slack spec:\n{}", problems.join("\n"));
}

#[tokio::test(flavor = "current_thread")]
async fn slack_replies_top_level_and_thread_oldest_first_with_cursor() {
    let slack = SlackService::start();
    let (_home, host) = host();
    let a = register(&host, &slack.bot_args("slack", &slack.token())).await;
    slack.say(CHANNEL, "U0EARLY", "said before the question");
    let (reference, ts) = question(&a, "Deploy to prod?").await;

    let t1 = slack.say_in_thread(CHANNEL, &ts, "U0ALICE", "LGTM");
    let t2 = slack.say(CHANNEL, "U0BOB", "approve");
    let t3 = slack.bot_says(CHANNEL, "B0CIRUNNER", "CI bot noise", Some(&ts));
    let other_thread = slack.say(CHANNEL, "U0CAROL", "unrelated");
    slack.say_in_thread(CHANNEL, &other_thread, "U0DAVE", "reply elsewhere");

    let page = replies(&a, &reference, None).await;
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
    assert!(replies(&a, &reference, Some(&cursor)).await.replies.is_empty());
    let t4 = slack.say_in_thread(CHANNEL, &ts, "U0ALICE", "actually, no");
    let t5 = slack.say(CHANNEL, "U0BOB", "reject");
    let next = replies(&a, &reference, Some(&cursor)).await;
    let ids: Vec<&str> = next.replies.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, vec![t4.as_str(), t5.as_str()]);

    // Read methods: GET, ts/oldest as the spec says; oldest = the question's ts.
    let history = slack.seen_op("conversations.history");
    assert_eq!(history[0].param_str("oldest").as_deref(), Some(ts.as_str()));
    assert_eq!(history[0].param_str("channel").as_deref(), Some(CHANNEL));
    let thread = slack.seen_op("conversations.replies");
    assert_eq!(thread[0].param_str("ts").as_deref(), Some(ts.as_str()));
    assert_spec_conformant(&slack);
}

#[tokio::test(flavor = "current_thread")]
async fn slack_replies_follow_pagination() {
    let slack = SlackService::start();
    let (_home, host) = host();
    let a = register(&host, &slack.bot_args("slack", &slack.token())).await;
    let (reference, ts) = question(&a, "Many answers?").await;
    for i in 0..230 {
        slack.say(CHANNEL, "U0MANY", &format!("top {i}"));
        slack.say_in_thread(CHANNEL, &ts, "U0MANY", &format!("thread {i}"));
    }
    // One page per method and call (100 top-level messages; the parent and
    // 99 thread replies), read forward: four calls bring all 460, in order.
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    for call in 1..=4 {
        let page = replies(&a, &reference, cursor.as_deref()).await;
        assert!(page.replies.len() <= 199, "call {call}: {}", page.replies.len());
        assert_eq!(slack.seen_op("conversations.history").len(), call, "one history request per call");
        assert_eq!(slack.seen_op("conversations.replies").len(), call, "one replies request per call");
        all.extend(page.replies);
        cursor = page.cursor;
    }
    assert_eq!(all.len(), 460);
    let tops: Vec<&str> = all.iter().filter(|r| !r.in_thread).map(|r| r.text.as_str()).collect();
    assert_eq!(tops, (0..230).map(|i| format!("top {i}")).collect::<Vec<_>>());
    let threads: Vec<&str> = all.iter().filter(|r| r.in_thread).map(|r| r.text.as_str()).collect();
    assert_eq!(threads, (0..230).map(|i| format!("thread {i}")).collect::<Vec<_>>());
    assert!(replies(&a, &reference, cursor.as_deref()).await.replies.is_empty());
    assert_spec_conformant(&slack);
}

#[tokio::test(flavor = "current_thread")]
async fn slack_replies_unsupported_in_webhook_mode() {
    let slack = SlackService::start();
    let (_home, host) = host();
    let a = register(&host, &slack.webhook_args("slack")).await;
    let err = a.replies("webhook", None).await.expect_err("webhook mode cannot read replies");
    assert!(err.to_string().contains("unsupported"), "{err}");
}

fn messages_path(channel: &str) -> String {
    format!("/api/v10/channels/{channel}/messages")
}

#[tokio::test(flavor = "current_thread")]
async fn discord_replies_top_level_replies_and_thread_oldest_first_with_cursor() {
    let svc = DiscordService::start();
    let (_home, host) = host();
    let a = register(&host, &svc.bot_args("discord", alerter_tests::discord::TOKEN)).await;
    let c = svc.channel();
    let before = svc.post(&c, &Author::human("3000", "ann"), "too early", None);
    let (reference, q) = question(&a, "Deploy to prod?").await;
    assert!(before < q);
    let r1 = svc.post(&c, &Author::human("3000", "ann"), "unrelated chatter", None);
    let r2 = svc.post_in_thread(&c, &q, &Author::human("3001", "bob"), "LGTM");
    let r3 = svc.post(&c, &Author::human("3002", "cy"), "approve", Some(&q));
    let r4 = svc.post(&c, &Author::bot("3003", "ci-bot"), "approve", None);

    let page = replies(&a, &reference, None).await;
    let got: Vec<(&str, &str, bool, bool)> =
        page.replies.iter().map(|r| (r.id.as_str(), r.text.as_str(), r.in_thread, r.is_bot)).collect();
    assert_eq!(
        got,
        [
            (r1.as_str(), "unrelated chatter", false, false),
            (r2.as_str(), "LGTM", true, false),
            (r3.as_str(), "approve", true, false),
            (r4.as_str(), "approve", false, true),
        ],
        "oldest first, the thread starter left out"
    );
    assert_eq!((page.replies[1].author_id.as_str(), page.replies[1].author_name.as_str()), ("3001", "bob"));
    let ms = page.replies[0].posted_at_ms.expect("posted_at_ms from the snowflake");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    assert!(ms <= now && now - ms < 120_000, "{ms} vs {now}");

    // Nothing new: nothing returned; then only what is new.
    let cursor = page.cursor.clone().expect("cursor");
    assert!(replies(&a, &reference, Some(&cursor)).await.replies.is_empty());
    let r5 = svc.post_in_thread(&c, &q, &Author::human("3000", "ann"), "yes");
    let r6 = svc.post(&c, &Author::human("3001", "bob"), "no", None);
    let next = replies(&a, &reference, Some(&cursor)).await;
    assert_eq!(next.replies.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), [r5.as_str(), r6.as_str()]);

    // Both places were read with `after` and Discord's maximum page.
    let lists: Vec<_> = svc.seen().into_iter().filter(|r| r.method == "GET" && r.path.ends_with("/messages")).collect();
    assert!(lists.iter().any(|r| r.path == messages_path(&c) && r.query_param("after").as_deref() == Some(q.as_str())));
    assert!(lists.iter().any(|r| r.path == messages_path(&q)), "the thread was read");
    assert!(lists.iter().all(|r| r.query_param("limit").as_deref() == Some("100")));
    assert!(svc.violations().is_empty(), "{:?}", svc.violations());
}

#[tokio::test(flavor = "current_thread")]
async fn discord_replies_without_a_thread_and_beyond_one_page() {
    let svc = DiscordService::start();
    let (_home, host) = host();
    let a = register(&host, &svc.bot_args("discord", alerter_tests::discord::TOKEN)).await;
    let c = svc.channel();
    let (reference, _) = question(&a, "Ship it?").await;
    let ann = Author::human("3000", "ann");
    let ids: Vec<String> = (0..130).map(|i| svc.post(&c, &ann, &format!("m{i}"), None)).collect();
    let first = replies(&a, &reference, None).await;
    assert_eq!(first.replies.len(), 100);
    assert_eq!(first.replies[0].id, ids[0], "the oldest 100 first");
    assert!(first.replies.windows(2).all(|w| w[0].id.parse::<u64>().unwrap() < w[1].id.parse::<u64>().unwrap()));
    let second = replies(&a, &reference, first.cursor.as_deref()).await;
    assert_eq!(second.replies.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), ids[100..].to_vec());
}

#[tokio::test(flavor = "current_thread")]
async fn discord_replies_unsupported_in_webhook_mode() {
    let svc = DiscordService::start();
    let (_home, host) = host();
    let a = register(&host, &svc.webhook_args("discord")).await;
    let err = a.replies("1:2", None).await.expect_err("webhook mode cannot read replies");
    assert!(err.to_string().contains("unsupported"), "{err}");
    assert!(err.to_string().contains("token"), "{err}");
}

/// The library form of the hooks: `alerter::report` around a `Result`.
#[tokio::test(flavor = "current_thread")]
async fn report_posts_a_failed_result_through_the_library() {
    let svc = EchoService::start();
    let (_home, host) = host();
    let echo = host.register_flavor(std::path::Path::new(alerter_test_artifacts::ECHO), None).await.unwrap();
    assert_eq!(echo.name, "echo");
    let origin = svc.origin();
    let new = NewAlerter {
        name: "e".into(),
        flavor: "echo".into(),
        settings: vec![("url".into(), origin.clone())],
        allow_hosts: vec![origin],
        ..NewAlerter::default()
    };
    assert!(host.register_alerter(new).await.unwrap().became_active);
    let alerter = host.alerter(None, &[]).await.unwrap();
    let ok: Result<(), String> = Ok(());
    alerter::report(&alerter, "nightly job", &ok, On::Failure).await.unwrap();
    assert!(svc.posted().is_empty(), "success is silent with On::Failure");
    let failed: Result<(), String> = Err("disk full".into());
    alerter::report(&alerter, "nightly job", &failed, On::Failure).await.unwrap();
    let m = &svc.posted()[0];
    assert_eq!(m["title"], "nightly job failed");
    assert_eq!(m["text"], "nightly job failed: disk full");
    assert_eq!(m["level"], "failure");
}
