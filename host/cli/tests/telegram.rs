//! The Telegram flavor (Python, componentize-py; built from plugins/telegram
//! by tests/artifacts) registered from its file and run by the real
//! `alerter` binary against the Bot API stand-in (`alerter_tests::telegram`),
//! which checks every call against the vendored api.json.

use std::time::Duration;

use alerter_test_artifacts::TELEGRAM;
use alerter_tests::cli::Alerter;
use alerter_tests::telegram::{TelegramService, BOT_ID, CHAT, GROUP, TOKEN};
use alerter_tests::wait_for;
use serde_json::{json, Value};

/// A home with the telegram flavor registered (trusted, for `ask`) and an
/// alerter `tg` on the stand-in's private chat.
fn setup(tg: &TelegramService) -> Alerter {
    let mut a = alerter_tests::guest::home_with(env!("CARGO_BIN_EXE_alerter"), TELEGRAM, true);
    a.timeout(Duration::from_secs(60));
    a.run(&tg.register_args("tg", "telegram", CHAT)).ok();
    a
}

#[track_caller]
fn assert_clean(tg: &TelegramService) {
    let v = tg.violations();
    assert!(v.is_empty(), "calls that do not match the Bot API description:\n{}", v.join("\n"));
}

/// The question's message id, once the bot posted a message ending with `text`.
fn question(tg: &TelegramService, text: &str) -> String {
    wait_for("the question at the Telegram stand-in", || {
        tg.messages(CHAT)
            .into_iter()
            .find(|m| m["from"]["id"] == BOT_ID && m["text"].as_str().is_some_and(|t| t.ends_with(text)))
    })["message_id"]
        .to_string()
}

#[test]
fn post_escapes_html_exactly_and_links_back() {
    let tg = TelegramService::start();
    let a = setup(&tg);
    let r = a
        .run(&[
            "post",
            "x < y && y > z",
            "--title",
            "Build <main> failed",
            "--level",
            "failure",
            "--meta",
            "branch=feat/<b>&co",
            "--link",
            "https://ci.example.com/runs/42?tab=logs&x=\"1\"",
            "--json",
        ])
        .ok();
    let sent = tg.sent();
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(
        sent[0],
        json!({
            "chat_id": 424242,
            "text": "🚨 <b>Build &lt;main&gt; failed</b>\nx &lt; y &amp;&amp; y &gt; z\n\n<b>branch</b>: feat/&lt;b&gt;&amp;co\n\n\
                     <a href=\"https://ci.example.com/runs/42?tab=logs&amp;x=&quot;1&quot;\">https://ci.example.com/runs/42?tab=logs&amp;x=\"1\"</a>",
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": true},
        })
    );
    // What people see once Telegram parsed it: the text exactly as written.
    let shown = &tg.messages(CHAT)[0];
    assert_eq!(
        shown["text"],
        "🚨 Build <main> failed\nx < y && y > z\n\nbranch: feat/<b>&co\n\nhttps://ci.example.com/runs/42?tab=logs&x=\"1\""
    );
    let out: Value = serde_json::from_str(r.stdout.trim()).expect("--json");
    assert_eq!(out["reference"], format!("{CHAT}:{}", shown["message_id"]));
    let call = &tg.seen_op("sendMessage")[0];
    assert!(call.path.contains(&format!("/bot{TOKEN}/")), "the token only in its path segment");
    assert!(!call.all_but_authorization().replace(&call.path, "").contains(TOKEN));

    // A reply in the thread is a Telegram reply to the message.
    let reference = out["reference"].as_str().unwrap().to_string();
    a.run(&["post", "details", "--thread", &reference]).ok();
    assert_eq!(
        tg.sent()[1]["reply_parameters"],
        json!({"message_id": shown["message_id"], "allow_sending_without_reply": true})
    );
    assert_clean(&tg);
}

#[test]
fn long_messages_fit_4096_and_errors_have_hints() {
    let tg = TelegramService::start();
    let a = setup(&tg);
    // 3000 emoji are 6000 UTF-16 units: cut to Telegram's 4096, with a marker.
    a.run(&["post", &"😀".repeat(3000)]).ok();
    let text = tg.messages(CHAT)[0]["text"].as_str().unwrap().to_string();
    assert!(text.encode_utf16().count() <= 4096 && text.encode_utf16().count() > 4000, "{}", text.len());
    assert!(text.ends_with("… [truncated]"));

    let r = a.run(&["post", "x", "--set", "chat_id=999"]).expect_code(3);
    assert!(r.stderr.contains("chat not found") && r.stderr.contains("check `chat_id`"), "{}", r.stderr);
    tg.add_blocked_chat("777");
    let r = a.run(&["post", "x", "--set", "chat_id=777"]).expect_code(3);
    assert!(r.stderr.contains("bot was blocked by the user") && r.stderr.contains("unblock"), "{}", r.stderr);
    let r = a.run(&["post", "x", "--set", "token=123456789:wrong"]).expect_code(3);
    assert!(r.stderr.contains("Unauthorized") && r.stderr.contains("@BotFather"), "{}", r.stderr);

    tg.rate_limit_next("sendMessage", 1, 1.0);
    a.run(&["post", "after a rate limit"]).ok();
    let calls = tg.seen_op("sendMessage");
    let (limited, retried) = (&calls[calls.len() - 2], &calls[calls.len() - 1]);
    assert_eq!((limited.status, retried.status), (429, 200));
    assert!(retried.at.duration_since(limited.at) >= Duration::from_millis(950), "retry_after honoured");
    assert_clean(&tg);
}

#[test]
fn ask_is_approved_by_a_reply_and_declined_at_top_level() {
    let tg = TelegramService::start();
    let a = setup(&tg);
    let ann = TelegramService::person(1001, "Ann");
    let bob = TelegramService::person(1002, "Bob");

    let asking = a.spawn(&["ask", "Deploy model v3?", "--timeout", "30", "--json"]);
    let q = question(&tg, "Deploy model v3?");
    tg.say(CHAT, &ann, "maybe later", None);
    tg.say(CHAT, &ann, "approve", Some(&q));
    let run = asking.finish().ok();
    let v: Value = serde_json::from_str(run.stdout.trim()).expect("--json");
    assert_eq!(
        (v["outcome"].as_str(), v["by_name"].as_str(), v["in_thread"].as_bool()),
        (Some("approved"), Some("Ann"), Some(true))
    );
    assert_eq!(v["by_id"], "1001");
    let follow = tg.sent().into_iter().last().expect("a follow-up");
    assert_eq!(follow["reply_parameters"]["message_id"].to_string(), q, "the outcome replies to the question");
    assert!(follow["text"].as_str().unwrap().contains("Approved by Ann"), "{follow}");
    // Telegram drops an update when a later getUpdates passes a higher
    // offset: the updates of the last poll stay until the next `ask`.
    assert!(tg.pending_updates() <= 2, "older updates were confirmed by an offset");

    let asking = a.spawn(&["ask", "Drop the staging table?", "--timeout", "30"]);
    question(&tg, "Drop the staging table?");
    tg.say(CHAT, &bob, "no", None);
    let run = asking.finish().expect_code(1);
    assert!(run.stdout.contains("Declined by Bob"), "{}", run.stdout);
    assert_clean(&tg);
}

#[test]
fn ask_fails_with_the_hint_while_a_webhook_is_set() {
    let tg = TelegramService::start();
    let a = setup(&tg);
    tg.set_webhook(true);
    let run = a.run(&["ask", "Deploy?", "--timeout", "10"]).expect_code(3);
    assert!(run.stdout.contains("webhook") && run.stdout.contains("deleteWebhook"), "{}", run.stdout);
    assert_eq!(tg.seen_op("getUpdates")[0].status, 409);
    assert_clean(&tg);
}

/// Reactions arrive as `message_reaction` updates (asked for explicitly);
/// in a group the flavor says how privacy mode and admin rights matter. Read
/// through the library, on the home the binary set up.
#[test]
fn replies_list_reactions_and_group_notices() {
    let tg = TelegramService::start();
    let a = setup(&tg);
    a.run(&tg.register_args("group", "telegram", GROUP)).ok();
    let r = a.run(&["post", "Ship it?", "--alerter", "group", "--json"]).ok();
    let reference =
        serde_json::from_str::<Value>(r.stdout.trim()).expect("JSON")["reference"].as_str().unwrap().to_string();
    let q = reference.rsplit_once(':').unwrap().1.to_string();
    let ann = TelegramService::person(1001, "Ann");
    tg.react(GROUP, &q, &ann, "👍");
    tg.say(GROUP, &ann, "@alerter_standin_bot lgtm", Some(&q));

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let host = alerter::Host::open(a.home(), alerter::Limits::default()).expect("open the home");
        let group = host.alerter(Some("group"), &[]).await.expect("alerter group");
        let page = group.replies(&reference, None).await.expect("replies");
        let seen: Vec<(&str, bool, Vec<String>)> = page
            .replies
            .iter()
            .map(|r| (r.text.as_str(), matches!(r.kind, alerter::ReplyKind::Reaction), r.bot_mentions.clone()))
            .collect();
        assert_eq!(
            seen,
            [("👍", true, vec![]), ("@alerter_standin_bot lgtm", false, vec!["@alerter_standin_bot".to_string()])]
        );
        assert_eq!(page.notices.len(), 2, "{:?}", page.notices);
        assert!(page.notices[0].contains("privacy mode"), "{:?}", page.notices);
        let calls = tg.seen_op("getUpdates");
        assert_eq!(calls[0].json().expect("JSON")["allowed_updates"], json!(["message", "message_reaction"]));
    });
    assert_clean(&tg);
}
