//! The `discord` flavor through the `alerter` library, for what goes
//! beneath `ask` and `post`: the replies pages (reactions, hidden text,
//! bot mentions, notices), files, and the rate-limit buckets within one
//! call. The alerter is registered with the real binary; the calls go
//! through the library into the real wasm flavor, against the Discord
//! stand-in.

use std::time::Duration;

use alerter::{Alerter, Attachment, CallError, FlavorError, Host, Limits, Message, RepliesPage, ReplyKind};
use alerter_tests::chat::{Author, Seen};
use alerter_tests::discord::{DiscordService, Permission, BOT_USER_ID, TOKEN};
use serde_json::json;

/// A 1×1 PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d,
    0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// The stand-in, a state directory with `ops` registered by the binary, and
/// the library's alerter `ops` on it.
async fn setup() -> (DiscordService, alerter_tests::cli::Alerter, Alerter) {
    let svc = DiscordService::start();
    let a = alerter_tests::alerter!();
    a.run(&svc.bot_args("discord", TOKEN)).ok();
    let host = Host::open(a.home(), Limits { call_timeout: Duration::from_secs(15), ..Limits::default() })
        .expect("open the state directory");
    let ops = host.alerter(Some("ops"), &[]).await.expect("the alerter");
    (svc, a, ops)
}

async fn question(ops: &Alerter, text: &str) -> (String, String) {
    let sent = ops.post(&Message::text(text)).await.expect("post");
    let id = sent.reference.split_once(':').expect("CHANNEL:ID").1.to_string();
    (sent.reference, id)
}

async fn page(ops: &Alerter, reference: &str, cursor: Option<&str>) -> RepliesPage {
    ops.replies(reference, cursor).await.unwrap_or_else(|e| panic!("replies failed: {e}"))
}

fn ops_of(seen: &[Seen], operation: &str) -> usize {
    seen.iter().filter(|r| r.operation == operation).count()
}

#[track_caller]
fn assert_clean(svc: &DiscordService) {
    assert_eq!(svc.violations(), Vec::<String>::new(), "requests or answers broke the spec or docs");
}

/// `(author, text, is_bot)` of the reaction replies.
fn reactions(p: &RepliesPage) -> Vec<(String, String, bool)> {
    p.replies
        .iter()
        .filter(|r| matches!(r.kind, ReplyKind::Reaction))
        .map(|r| (r.author_id.clone(), r.text.clone(), r.is_bot))
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn files_go_as_one_multipart_message_with_the_image_in_the_embed() {
    let (svc, _a, ops) = setup().await;
    let mut m = Message::text("Loss after epoch 3");
    m.title = Some("Training".into());
    m.attachments = vec![
        Attachment { name: "loss curve.png".into(), media_type: "image/png".into(), data: PNG.to_vec() },
        Attachment { name: "train.log".into(), media_type: "text/plain".into(), data: b"epoch 3 loss 0.12\n".to_vec() },
    ];
    ops.post(&m).await.expect("post with files");
    assert_clean(&svc);
    let posts = svc.posts();
    assert_eq!(posts.len(), 1, "one request carries the message and its files");
    let ct = posts[0].header("content-type").unwrap();
    assert!(ct.starts_with("multipart/form-data; boundary="), "{ct}");

    let stored = svc.messages(&svc.channel());
    let msg = &stored[0];
    assert_eq!(msg["content"], ":information_source: Training");
    let embed = &msg["embeds"][0];
    assert_eq!(embed["title"], "Training");
    assert_eq!(embed["description"], "Loss after epoch 3");
    let image = embed["image"]["url"].as_str().expect("the image in the embed");
    assert!(image.ends_with("/loss_curve.png"), "{image}");
    assert_eq!(svc.file(image).as_deref(), Some(PNG), "the image's bytes arrived intact");
    // The log is an attachment of its own; the image is not listed twice.
    let files = msg["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(
        (files[0]["filename"].as_str(), files[0]["content_type"].as_str()),
        (Some("train.log"), Some("text/plain"))
    );
    assert_eq!(svc.file(files[0]["url"].as_str().unwrap()).unwrap(), b"epoch 3 loss 0.12\n");
}

#[tokio::test(flavor = "current_thread")]
async fn files_without_attach_files_permission_get_the_hint() {
    let (svc, _a, ops) = setup().await;
    svc.deny(&svc.channel(), Permission::AttachFiles);
    let mut m = Message::text("plot");
    m.attachments = vec![Attachment { name: "a.png".into(), media_type: "image/png".into(), data: PNG.to_vec() }];
    let err = ops.post(&m).await.expect_err("no Attach Files").to_string();
    assert!(err.contains("Missing Permissions (HTTP 403)"), "{err}");
    assert!(err.contains("attaching files needs Attach Files"), "{err}");
}

/// Reactions are replies of kind reaction, one per person and emoji; the
/// bot's own reaction is marked a bot's; an emoji whose count did not change
/// since the last poll is not read again.
#[tokio::test(flavor = "current_thread")]
async fn reactions_are_replies_and_only_changed_emoji_are_read_again() {
    let (svc, _a, ops) = setup().await;
    let (reference, q) = question(&ops, "Promote?").await;
    let c = svc.channel();
    svc.react(&c, &q, &Author::human("3000", "ann"), "👍", false);
    svc.react(&c, &q, &Author::human("3001", "bob"), "👎", false);
    svc.react(&c, &q, &Author::bot(BOT_USER_ID, "alerter"), "✅", false);
    svc.react(&c, &q, &Author::human("3002", "cy"), "shipit:41771983429993937", false);

    let first = page(&ops, &reference, None).await;
    assert_eq!(
        reactions(&first),
        [
            ("3000".into(), "👍".into(), false),
            ("3001".into(), "👎".into(), false),
            ("3002".into(), "shipit".into(), false),
        ],
        "the bot's lone ✅ is not read at all"
    );
    let listed = svc.seen().into_iter().filter(|r| r.operation == "list_reactions").collect::<Vec<_>>();
    let emoji: Vec<String> = listed.iter().map(|r| r.path.rsplit('/').next().unwrap().to_string()).collect();
    assert_eq!(
        emoji,
        ["%F0%9F%91%8D", "%F0%9F%91%8E", "shipit%3A41771983429993937"],
        "percent-encoded, as the docs require"
    );
    assert!(listed.iter().all(|r| r.query_param("limit").as_deref() == Some("100")));

    let cursor = first.cursor.expect("a cursor");
    let before = svc.seen().len();
    let quiet = page(&ops, &reference, Some(&cursor)).await;
    assert!(quiet.replies.is_empty(), "{:?}", quiet.replies);
    let polled: Vec<String> = svc.seen()[before..].iter().map(|r| r.operation.clone()).collect();
    assert_eq!(polled, ["get_message", "list_messages"], "a quiet poll: the question and the channel, nothing else");

    svc.react(&c, &q, &Author::human("3003", "dee"), "👍", false);
    let before = svc.seen().len();
    let next = page(&ops, &reference, quiet.cursor.as_deref()).await;
    assert_eq!(reactions(&next), [("3000".into(), "👍".into(), false), ("3003".into(), "👍".into(), false)]);
    assert_eq!(ops_of(&svc.seen()[before..], "list_reactions"), 1, "only 👍 changed");
    assert_clean(&svc);
}

/// Without the Message Content intent: what does not mention the bot comes
/// without text, and the page says once what to do; what mentions it (also a
/// Reply with its mention on) keeps its text, with the mentions named.
#[tokio::test(flavor = "current_thread")]
async fn hidden_replies_bring_a_notice_and_mentions_are_named() {
    let (svc, _a, ops) = setup().await;
    svc.set_message_content_intent(false);
    let (reference, q) = question(&ops, "Ship v3?").await;
    let c = svc.channel();
    svc.post(&c, &Author::human("3000", "ann"), "approve", None);
    svc.post(&c, &Author::human("3001", "bob"), &format!("<@{BOT_USER_ID}> approve"), None);
    svc.post(&c, &Author::human("3002", "cy"), "yes", Some(&q));
    svc.post_reply(&c, &Author::human("3003", "dee"), "no", Some(&q), false);
    svc.post(&c, &Author::bot("3500", "ci-bot"), "build green", None);

    let p = page(&ops, &reference, None).await;
    let got: Vec<(&str, &str, Vec<String>)> =
        p.replies.iter().map(|r| (r.author_id.as_str(), r.text.as_str(), r.bot_mentions.clone())).collect();
    assert_eq!(
        got,
        [
            ("3000", "", vec![]),
            ("3001", format!("<@{BOT_USER_ID}> approve").as_str(), vec![format!("<@{BOT_USER_ID}>")]),
            ("3002", "yes", vec![]),
            ("3003", "", vec![]),
            ("3500", "", vec![]),
        ]
    );
    assert_eq!(
        p.notices,
        ["Discord hides the text of replies from this bot because its application lacks the Message Content intent: \
          enable it (Discord Developer Portal → your application → Bot → Privileged Gateway Intents → Message Content Intent), \
          or answer by mentioning the bot (`@alerter approve`), with Discord's Reply on the question (mention left on), or with a 👍 or 👎 reaction"]
    );
    // With the intent nothing is hidden, and nothing is said.
    svc.set_message_content_intent(true);
    let p = page(&ops, &reference, None).await;
    assert_eq!(p.replies[0].text, "approve");
    assert!(p.notices.is_empty(), "{:?}", p.notices);
    assert_clean(&svc);
}

/// A bucket Discord reports empty (`X-RateLimit-Remaining: 0`) is not used
/// again in the same call: the poll reads what it can and leaves the rest
/// for the next one, without earning a 429.
#[tokio::test(flavor = "current_thread")]
async fn an_empty_bucket_holds_back_the_rest_of_a_poll() {
    let (svc, _a, ops) = setup().await;
    let per = Duration::from_millis(1500);
    svc.limit_route("list_reactions", 1, per);
    let (reference, q) = question(&ops, "Go?").await;
    let c = svc.channel();
    svc.react(&c, &q, &Author::human("3000", "ann"), "👍", false);
    svc.react(&c, &q, &Author::human("3001", "bob"), "🎉", false);

    let first = page(&ops, &reference, None).await;
    assert_eq!(reactions(&first), [("3000".into(), "👍".into(), false)]);
    let read_at = svc.seen().iter().filter(|r| r.operation == "list_reactions").map(|r| r.at).collect::<Vec<_>>();
    assert_eq!(read_at.len(), 1, "🎉 was not asked for: the bucket was empty");
    assert!(svc.seen().iter().all(|r| r.status != 429));

    // After the bucket's window, the next poll reads 🎉 (and not 👍 again).
    let wait = per.saturating_sub(read_at[0].elapsed()) + Duration::from_millis(100);
    tokio::time::sleep(wait).await;
    let second = page(&ops, &reference, first.cursor.as_deref()).await;
    assert_eq!(reactions(&second), [("3001".into(), "🎉".into(), false)]);
    assert!(svc.seen().iter().all(|r| r.status != 429), "no request went into an empty bucket");
    assert_clean(&svc);
}

/// A global 429 ends the call at once with Discord's `retry_after` (from
/// the body), and the next call succeeds.
#[tokio::test(flavor = "current_thread")]
async fn a_global_limit_stops_the_call_with_its_retry_after() {
    let (svc, _a, ops) = setup().await;
    let (reference, q) = question(&ops, "Go?").await;
    svc.post_in_thread(&svc.channel(), &q, &Author::human("3000", "ann"), "hm");
    svc.react(&svc.channel(), &q, &Author::human("3000", "ann"), "👍", false);
    let window = Duration::from_secs(3);
    svc.limit_global(2, window);
    let before = svc.seen().len();
    let err = ops.replies(&reference, None).await.expect_err("the third request is over the global limit");
    let CallError::Flavor(FlavorError::RateLimited(limit)) = &err else { panic!("{err}") };
    assert!(limit.message.starts_with("Discord global rate limit (all routes) (HTTP 429)"), "{}", limit.message);
    assert!(limit.retry_after_ms > 0 && limit.retry_after_ms <= 3000, "the window's rest, from the body: {limit:?}");
    let call: Vec<(String, u16)> = svc.seen()[before..].iter().map(|r| (r.operation.clone(), r.status)).collect();
    assert_eq!(
        call,
        [("get_message".to_string(), 200), ("list_messages".to_string(), 200), ("list_messages".to_string(), 429)],
        "nothing more was sent after the global 429"
    );
    // The host holds back every request to Discord until the retry-after
    // is over; then the same read goes through.
    let held = ops.replies(&reference, None).await.expect_err("held back by the host");
    assert!(held.to_string().contains("the service rate-limited it"), "{held}");
    assert_eq!(svc.seen().len(), before + 3, "nothing sent while held back");
    svc.limit_global(50, Duration::from_secs(1));
    tokio::time::sleep(Duration::from_millis(limit.retry_after_ms + 50)).await;
    let p = page(&ops, &reference, None).await;
    assert_eq!(p.replies.iter().map(|r| r.text.as_str()).collect::<Vec<_>>(), ["hm", "👍"]);
}

/// Without Read Message History Discord lists an empty channel; the flavor
/// reads the question itself first, so it fails with the hint instead of
/// waiting for answers it could never see.
#[tokio::test(flavor = "current_thread")]
async fn reading_without_read_message_history_fails_with_the_hint() {
    let (svc, _a, ops) = setup().await;
    let (reference, _) = question(&ops, "Go?").await;
    svc.deny(&svc.channel(), Permission::ReadMessageHistory);
    svc.post(&svc.channel(), &Author::human("3000", "ann"), "approve", None);
    let err = ops.replies(&reference, None).await.expect_err("403").to_string();
    assert!(err.contains("Missing Access (HTTP 403)"), "{err}");
    assert!(err.contains("give it View Channel and Read Message History there"), "{err}");
    assert!(err.contains("Discord lists no messages at all"), "{err}");
    assert_eq!(json!(svc.seen().last().unwrap().operation), json!("get_message"));
}
