//! The Slack flavor through the library (no binary): attachments with the
//! external upload flow, reactions and mentions in replies, paging under the
//! limits of apps outside the Marketplace. The real wasm flavor runs against
//! the Slack stand-in, which checks every request and answer against Slack's
//! spec.

use std::time::Duration;

use alerter::{Alerter, Attachment, CallError, FlavorError, Host, Limits, Message, NewAlerter, ReplyKind};
use alerter_tests::slack::{Regime, SlackRequest, SlackService, BOT_USER, CHANNEL};

/// A host in a fresh state directory with the bot-mode alerter `ops` on
/// `slack` (kept alive with the directory).
async fn bot(slack: &SlackService) -> (tempfile::TempDir, Alerter) {
    let home = tempfile::tempdir().expect("tempdir");
    let limits = Limits { call_timeout: Duration::from_secs(10), ..Limits::default() };
    let host = Host::open(home.path(), limits).expect("open the state directory");
    let new = NewAlerter {
        name: "ops".into(),
        flavor: "slack".into(),
        settings: vec![
            ("token".into(), slack.token()),
            ("channel_id".into(), CHANNEL.into()),
            ("api_base".into(), slack.api_base()),
        ],
        allow_hosts: vec![slack.origin()],
        ..NewAlerter::default()
    };
    host.register_alerter(new).await.expect("register");
    let alerter = host.alerter(Some("ops"), &[]).await.expect("alerter");
    (home, alerter)
}

fn file(name: &str, media_type: &str, data: &[u8]) -> Attachment {
    Attachment { name: name.into(), media_type: media_type.into(), data: data.to_vec() }
}

/// A small PNG's first bytes: enough for the flow, whatever the content.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR loss curve";

#[track_caller]
fn assert_clean(slack: &SlackService) {
    let v = slack.violations();
    assert!(v.is_empty(), "requests or answers that break Slack's spec:\n{}", v.join("\n"));
}

/// The flavor uploads each file (URL, then bytes, without the token),
/// posts the message, then shares the files right after it in one call.
#[tokio::test(flavor = "current_thread")]
async fn attachments_are_uploaded_then_shared_after_the_message() {
    let slack = SlackService::start();
    let (_home, ops) = bot(&slack).await;
    let log = b"epoch 1 loss 0.9\nepoch 2 loss 0.4\n";
    let mut m = Message::text("Training finished");
    m.attachments = vec![file("loss.png", "image/png", PNG), file("train.log", "text/plain", log)];
    let sent = ops.post(&m).await.expect("post");

    let order: Vec<String> = slack.seen().iter().map(|s| format!("{} {}", s.method, s.operation)).collect();
    assert_eq!(
        order,
        [
            "POST files.getUploadURLExternal",
            "POST upload",
            "POST files.getUploadURLExternal",
            "POST upload",
            "POST chat.postMessage",
            "POST files.completeUploadExternal",
            "GET chat.getPermalink",
        ]
    );
    let seen = slack.seen();
    let announce = &seen[0];
    assert_eq!(announce.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(announce.param_str("filename").as_deref(), Some("loss.png"));
    assert_eq!(announce.param_str("length"), Some(PNG.len().to_string()));
    assert_eq!(announce.param_str("alt_txt").as_deref(), Some("loss.png"));
    assert_eq!(seen[2].param_str("alt_txt"), None, "alt text for images only");
    for upload in [&seen[1], &seen[3]] {
        assert_eq!(upload.header("authorization"), None, "the token never goes to the upload URL");
        assert!(!upload.all_but_authorization().contains(&slack.token()));
    }
    assert_eq!(seen[1].body, PNG);
    assert_eq!(seen[1].header("content-type"), Some("image/png"));
    assert_eq!(seen[3].header("content-type"), Some("text/plain"));

    let files = slack.files();
    let ids: Vec<String> = files.iter().map(|f| f.id.clone()).collect();
    let complete = seen[5].params_json();
    assert_eq!(
        complete,
        serde_json::json!({"files": [{"id": ids[0], "title": "loss.png"}, {"id": ids[1], "title": "train.log"}],
                           "channel_id": CHANNEL})
    );
    let messages = slack.messages(CHANNEL);
    assert_eq!(messages.len(), 2, "the alert, then the files: {messages:#?}");
    assert_eq!(
        (messages[0].text.as_str(), sent.reference.as_str()),
        ("Training finished", format!("{CHANNEL}:{}", messages[0].ts).as_str())
    );
    assert_eq!((messages[1].files.clone(), messages[1].thread_ts.clone()), (ids, None));
    assert_eq!(files[1].data.as_deref(), Some(&log[..]));
    assert_clean(&slack);
}

/// A reply in a thread takes its files into the same thread.
#[tokio::test(flavor = "current_thread")]
async fn attachments_of_a_thread_reply_go_to_the_thread() {
    let slack = SlackService::start();
    let (_home, ops) = bot(&slack).await;
    let first = ops.post(&Message::text("Nightly run")).await.expect("post");
    let mut m = Message::text("the log");
    m.thread = Some(first.reference.clone());
    m.attachments = vec![file("nightly.log", "text/plain", b"ok\n")];
    ops.post(&m).await.expect("post in thread");
    let parent = first.reference.split_once(':').unwrap().1.to_string();
    let complete = slack.seen_op("files.completeUploadExternal");
    assert_eq!(complete[0].params_json()["thread_ts"], parent.as_str());
    let shared = slack.messages(CHANNEL).into_iter().find(|m| !m.files.is_empty()).unwrap();
    assert_eq!(shared.thread_ts.as_deref(), Some(parent.as_str()));
    assert_eq!(slack.files()[0].shared, [(CHANNEL.to_string(), Some(parent))]);
    assert_clean(&slack);
}

/// An upload Slack refuses fails the call before anything is posted, with
/// Slack's reason; a share that fails after the message was posted is a
/// final error naming the message, so nothing posts it twice.
#[tokio::test(flavor = "current_thread")]
async fn upload_failures_post_nothing_or_nothing_twice() {
    let slack = SlackService::start();
    let (_home, ops) = bot(&slack).await;
    let mut m = Message::text("with a plot");
    m.attachments = vec![file("loss.png", "image/png", PNG)];

    slack.error_next("files.getUploadURLExternal", "file_uploads_disabled");
    let err = ops.post(&m).await.expect_err("uploads disabled").to_string();
    assert!(err.contains("file_uploads_disabled") && err.contains("an admin setting"), "{err}");
    assert!(slack.seen_op("chat.postMessage").is_empty(), "nothing posted");

    slack.error_next("files.completeUploadExternal", "file_not_found");
    let err = ops.post(&m).await.expect_err("share failed").to_string();
    let posted = slack.messages(CHANNEL);
    assert_eq!(posted.len(), 1, "posted once: {posted:#?}");
    let want = format!("the message was posted ({CHANNEL}:{}) but its files were not shared", posted[0].ts);
    assert!(err.contains(&want), "{err}");

    // Rate-limited while sharing: also final (a retry would post again).
    slack.rate_limit_next("files.completeUploadExternal", 1, 1.0);
    let err = ops.post(&m).await.expect_err("share rate-limited").to_string();
    assert!(err.contains("ratelimited") && err.contains("were not shared"), "{err}");
    assert_eq!(slack.messages(CHANNEL).len(), 2);
}

/// Reactions on the question come after the messages, one per person and
/// name (skin tones dropped); the bot's own are a bot's; a mention of the
/// bot is named so the host can strip it.
#[tokio::test(flavor = "current_thread")]
async fn replies_carry_reactions_and_bot_mentions() {
    let slack = SlackService::start();
    let (_home, ops) = bot(&slack).await;
    let sent = ops.post(&Message::text("Deploy?")).await.expect("post");
    let ts = sent.reference.split_once(':').unwrap().1.to_string();
    let said = slack.say_in_thread(CHANNEL, &ts, "U0ALICE", &format!("<@{BOT_USER}> approve"));
    slack.react(CHANNEL, &ts, "U0BOB", "+1::skin-tone-3");
    slack.react(CHANNEL, &ts, "U0BOB", "+1");
    slack.react(CHANNEL, &ts, BOT_USER, "eyes");
    slack.react(CHANNEL, &ts, "U0CAROL", "white_check_mark");

    let page = ops.replies(&sent.reference, None).await.expect("replies");
    let got: Vec<(ReplyKind, &str, &str, bool)> =
        page.replies.iter().map(|r| (r.kind, r.author_id.as_str(), r.text.as_str(), r.is_bot)).collect();
    let approve = format!("<@{BOT_USER}> approve");
    assert_eq!(
        got,
        [
            (ReplyKind::Message, "U0ALICE", approve.as_str(), false),
            (ReplyKind::Reaction, "U0BOB", "+1", false),
            (ReplyKind::Reaction, BOT_USER, "eyes", true),
            (ReplyKind::Reaction, "U0CAROL", "white_check_mark", false),
        ]
    );
    assert_eq!(page.replies[0].id, said);
    assert_eq!(page.replies[0].bot_mentions, [format!("<@{BOT_USER}>")]);
    assert!(page.notices.is_empty());
    let get = &slack.seen_op("reactions.get")[0];
    assert_eq!(get.method, "GET");
    assert_eq!(get.param_str("timestamp").as_deref(), Some(ts.as_str()));
    assert_eq!(get.param_str("full").as_deref(), Some("true"));

    // Listed again on the next page (the host counts each pair once).
    let next = ops.replies(&sent.reference, page.cursor.as_deref()).await.expect("replies");
    assert_eq!(next.replies.iter().filter(|r| r.kind == ReplyKind::Reaction).count(), 3);
    assert!(next.replies.iter().all(|r| r.kind == ReplyKind::Reaction), "no message twice");
    assert_clean(&slack);
}

/// Without `reactions:read` the messages are still read; the first page
/// says how to enable reactions, and later polls skip reactions.get.
#[tokio::test(flavor = "current_thread")]
async fn without_reactions_read_a_notice_once_and_messages_still() {
    let slack = SlackService::start();
    slack.revoke_scope("reactions:read");
    let (_home, ops) = bot(&slack).await;
    let sent = ops.post(&Message::text("Ship?")).await.expect("post");
    slack.say(CHANNEL, "U0ALICE", "yes");
    let page = ops.replies(&sent.reference, None).await.expect("replies");
    assert_eq!(page.replies.iter().map(|r| r.text.as_str()).collect::<Vec<_>>(), ["yes"]);
    assert_eq!(
        page.notices,
        ["Slack: reactions are not read because the token lacks the `reactions:read` scope; add it under OAuth & \
          Permissions → Bot Token Scopes and reinstall the app, or answer with a message"]
    );
    let next = ops.replies(&sent.reference, page.cursor.as_deref()).await.expect("replies");
    assert!(next.notices.is_empty() && next.replies.is_empty());
    assert_eq!(slack.seen_op("reactions.get").len(), 1, "asked once");
    assert_clean(&slack);
}

/// Outside the Marketplace (15 messages a page, one `conversations.*`
/// request a minute per method): each call reads one page per method,
/// forward from where it stopped, so a backlog arrives in order over
/// several calls; a method that is rate-limited does not hide what the
/// others read; only when all are held back does the call fail with the
/// earliest retry-after.
#[tokio::test(flavor = "current_thread")]
async fn paging_forward_one_request_per_method_under_strict_limits() {
    let slack = SlackService::start();
    slack.set_regime(Regime::NonMarketplace);
    slack.set_minute(Duration::from_secs(3));
    let (_home, ops) = bot(&slack).await;
    let sent = ops.post(&Message::text("Merge?")).await.expect("post");
    let ts = sent.reference.split_once(':').unwrap().1.to_string();
    let top: Vec<String> = (0..20).map(|i| slack.say(CHANNEL, "U0MANY", &format!("top {i}"))).collect();
    let thread: Vec<String> =
        (0..16).map(|i| slack.say_in_thread(CHANNEL, &ts, "U0MANY", &format!("thread {i}"))).collect();

    let first = ops.replies(&sent.reference, None).await.expect("the first call is not rate-limited");
    let ids: Vec<&str> = first.replies.iter().map(|r| r.id.as_str()).collect();
    // 15 top-level messages; the parent takes one of the thread's 15.
    let mut want: Vec<&str> = top[..15].iter().chain(&thread[..14]).map(String::as_str).collect();
    want.sort();
    assert_eq!(ids, want, "oldest first, the closest 15 to the question");
    for method in ["conversations.history", "conversations.replies", "reactions.get"] {
        assert_eq!(slack.seen_op(method).len(), 1, "{method}: one request");
    }

    // At once again: both conversations.* methods are held back, reactions
    // are read: a page with nothing new, the cursor unchanged for messages.
    let second = ops.replies(&sent.reference, first.cursor.as_deref()).await.expect("reactions still answer");
    assert!(second.replies.is_empty());
    // With reactions unavailable too, the call is rate-limited.
    slack.rate_limit_next("reactions.get", 1, 5.0);
    match ops.replies(&sent.reference, second.cursor.as_deref()).await {
        Err(CallError::Flavor(FlavorError::RateLimited(r))) => {
            assert!((1_000..=3_000).contains(&r.retry_after_ms), "the earliest retry-after: {}", r.retry_after_ms);
        }
        other => panic!("expected rate-limited, got {other:?}"),
    }
    // A minute later: the rest, in order.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let third = ops.replies(&sent.reference, second.cursor.as_deref()).await.expect("replies");
    let ids: Vec<&str> = third.replies.iter().map(|r| r.id.as_str()).collect();
    let mut want: Vec<&str> = top[15..].iter().chain(&thread[14..]).map(String::as_str).collect();
    want.sort();
    assert_eq!(ids, want);
    let limits = slack.seen_op("conversations.history").iter().map(|s| s.query_param("limit")).collect::<Vec<_>>();
    assert!(limits.iter().all(|l| l.as_deref() == Some("100")), "{limits:?}");
}

/// A webhook alerter posts only: no attachments, reactions or updates.
#[tokio::test(flavor = "current_thread")]
async fn webhook_mode_only_posts() {
    let slack = SlackService::start();
    let home = tempfile::tempdir().expect("tempdir");
    let host = Host::open(home.path(), Limits::default()).expect("open");
    let new = NewAlerter {
        name: "hook".into(),
        flavor: "slack".into(),
        settings: vec![("webhook_url".into(), slack.webhook_url())],
        allow_hosts: vec![slack.origin()],
        ..NewAlerter::default()
    };
    host.register_alerter(new).await.expect("register");
    let hook = host.alerter(Some("hook"), &[]).await.expect("alerter");
    let c = hook.capabilities().await.expect("capabilities");
    assert_eq!(
        (c.post, c.read_replies, c.threads, c.attachments, c.reactions, c.update),
        (true, false, true, false, false, false)
    );
    let mut m = Message::text("with a file");
    m.attachments = vec![file("a.txt", "text/plain", b"a")];
    // A webhook cannot attach: the host posts the text with a note naming
    // what was left out, and says so to the caller.
    let done = hook.deliver(&m).await.expect("posted without the file");
    assert_eq!(done.not_attached, vec!["a.txt".to_string()]);
    let posts = slack.webhook_posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    let text = posts[0]["text"].as_str().unwrap_or_default();
    assert!(text.ends_with("(not attached: a.txt — this alerter cannot attach files)"), "{text}");
}
