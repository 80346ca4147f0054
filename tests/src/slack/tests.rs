//! The Slack stand-in itself behaves like Slack (no binary needed).

use serde_json::{json, Value};

use super::{spec, SlackService, CHANNEL};
use crate::http::request;

fn api(slack: &SlackService, method: &str, form: &str) -> Value {
    let auth = format!("Bearer {}", slack.token());
    let r = request(
        &slack.origin(),
        "POST",
        &format!("/api/{method}"),
        &[("authorization", &auth), ("content-type", "application/x-www-form-urlencoded")],
        form,
    );
    assert_eq!(r.status, 200, "Slack answers errors with HTTP 200");
    r.json()
}

#[test]
fn stand_in_behaves_like_slack() {
    let slack = SlackService::start();
    // Envelopes and auth.
    let v = api(&slack, "auth.test", "");
    assert_eq!(v["ok"], true);
    let r = request(&slack.origin(), "GET", "/api/auth.test", &[("authorization", "Bearer xoxb-bad")], "");
    assert_eq!(r.json(), json!({"ok": false, "error": "invalid_auth"}));
    let r = request(&slack.origin(), "GET", "/api/auth.test", &[], "");
    assert_eq!(r.json()["error"], "not_authed");
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
    let r = request(
        &slack.origin(),
        "POST",
        "/api/conversations.history",
        &[("authorization", &auth), ("content-type", "application/json")],
        &json!({"channel": CHANNEL, "oldest": ts[3], "inclusive": true}).to_string(),
    );
    assert_eq!(texts(&r.json()), ["m4", "m3"]);

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
    slack.rate_limit_next("auth.test", 1, 7.0);
    let r = request(&slack.origin(), "GET", "/api/auth.test", &[("authorization", &auth)], "");
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("7"));

    // Webhooks: `ok`, no_service, invalid_payload.
    let path = slack.webhook_url().trim_start_matches(&slack.origin()).to_string();
    let ct = [("content-type", "application/json")];
    assert_eq!(request(&slack.origin(), "POST", &path, &ct, r#"{"text":"hi"}"#).body, "ok");
    assert_eq!(request(&slack.origin(), "POST", &path, &ct, "not json").status, 400);
    let r = request(&slack.origin(), "POST", "/services/T/B/X", &ct, r#"{"text":"hi"}"#);
    assert_eq!((r.status, r.body.as_str()), (404, "no_service"));
}

#[test]
fn spec_check_catches_bad_requests() {
    let slack = SlackService::start();
    let auth = format!("Bearer {}", slack.token());
    // Undeclared parameter, wrong type, unknown method.
    request(
        &slack.origin(),
        "GET",
        &format!("/api/conversations.history?channel={CHANNEL}&limit=ten&colour=red"),
        &[("authorization", &auth)],
        "",
    );
    request(&slack.origin(), "GET", "/api/chat.postMsg", &[("authorization", &auth)], "");
    let problems = spec::check(&spec::load(), &slack.seen());
    let all = problems.join("\n");
    assert!(all.contains("`limit`"), "{all}");
    assert!(all.contains("`colour` is not declared"), "{all}");
    assert!(all.contains("chat.postMsg: no such method"), "{all}");
    // Every allow-listed defect is explained.
    assert!(spec::KNOWN_DEFECTS.iter().all(|d| d.why.len() > 20));
}
