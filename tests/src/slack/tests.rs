//! The Slack stand-in itself behaves like Slack (no binary needed).

use std::time::Duration;

use serde_json::{json, Value};

use super::{spec, Regime, SlackService, CHANNEL};
use crate::http::{request, RawResponse};

fn call(slack: &SlackService, verb: &str, method: &str, content_type: &str, body: &str) -> RawResponse {
    let auth = format!("Bearer {}", slack.token());
    let mut headers = vec![("authorization", auth.as_str())];
    if !content_type.is_empty() {
        headers.push(("content-type", content_type));
    }
    request(&slack.origin(), verb, &format!("/api/{method}"), &headers, body)
}

/// A write method with a form body.
fn post(slack: &SlackService, method: &str, form: &str) -> Value {
    let r = call(slack, "POST", method, "application/x-www-form-urlencoded", form);
    assert_eq!(r.status, 200, "Slack answers errors with HTTP 200: {}", r.body);
    r.json()
}

/// A read method, parameters in the query.
fn get(slack: &SlackService, method_and_query: &str) -> Value {
    let r = call(slack, "GET", method_and_query, "", "");
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

/// Percent-encodes a form value.
fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

fn texts(v: &Value) -> Vec<String> {
    v["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap().to_string()).collect()
}

#[test]
fn stand_in_behaves_like_slack() {
    let slack = SlackService::start();
    // Envelopes and auth.
    assert_eq!(get(&slack, "auth.test")["ok"], true);
    let r = request(&slack.origin(), "GET", "/api/auth.test", &[("authorization", "Bearer xoxb-bad")], "");
    assert_eq!(r.json(), json!({"ok": false, "error": "invalid_auth"}));
    let r = request(&slack.origin(), "GET", "/api/auth.test", &[], "");
    assert_eq!(r.json()["error"], "not_authed");
    assert_eq!(post(&slack, "chat.postMessage", "channel=C0NOPE0000&text=x")["error"], "channel_not_found");

    // ts increasing. History with `oldest` only: the messages closest to
    // it, newest first within the page, the cursor paging forward.
    let a = post(&slack, "chat.postMessage", &format!("channel={CHANNEL}&text=one"));
    let ts1 = a["ts"].as_str().unwrap().to_string();
    let ts: Vec<String> = (0..5).map(|i| slack.say(CHANNEL, "U0ONE", &format!("m{i}"))).collect();
    assert!(ts.windows(2).all(|w| w[0] < w[1]) && ts1 < ts[0]);
    let page1 = get(&slack, &format!("conversations.history?channel={CHANNEL}&oldest={ts1}&limit=3"));
    assert_eq!(texts(&page1), ["m2", "m1", "m0"]);
    assert_eq!(page1["has_more"], true);
    let cursor = page1["response_metadata"]["next_cursor"].as_str().unwrap().replace('=', "%3D");
    let page2 = get(&slack, &format!("conversations.history?channel={CHANNEL}&oldest={ts1}&limit=3&cursor={cursor}"));
    assert_eq!(texts(&page2), ["m4", "m3"]);
    assert_eq!(page2["response_metadata"]["next_cursor"], "");
    // Without `oldest`: the newest first, paging backward.
    let newest = get(&slack, &format!("conversations.history?channel={CHANNEL}&limit=2"));
    assert_eq!(texts(&newest), ["m4", "m3"]);
    // `inclusive` includes the bounds.
    let both = get(
        &slack,
        &format!("conversations.history?channel={CHANNEL}&oldest={}&latest={}&inclusive=true", ts[1], ts[2]),
    );
    assert_eq!(texts(&both), ["m2", "m1"]);

    // A JSON body is for write methods: a read method ignores it, so its
    // channel is missing, and the request breaks the spec.
    let r = call(
        &slack,
        "POST",
        "conversations.history",
        "application/json",
        &json!({"channel": CHANNEL, "oldest": ts[3]}).to_string(),
    );
    assert_eq!(r.json()["error"], "channel_not_found");
    assert_eq!(
        slack.violations(),
        [
            "request GET auth.test: no `Authorization: Bearer` header",
            "request POST conversations.history: the spec declares it with [\"get\"]",
            "request POST conversations.history: a body of type `application/json`; the method consumes \
             [\"application/x-www-form-urlencoded\"]",
            "request POST conversations.history: parameter `channel` sent in the Json, declared `in: query`",
            "request POST conversations.history: parameter `oldest` sent in the Json, declared `in: query`",
        ]
    );

    // Threads: the parent first (counted in `limit`), then replies oldest first.
    let r1 = slack.say_in_thread(CHANNEL, &ts[0], "U0TWO", "r1");
    slack.say_in_thread(CHANNEL, &ts[0], "U0THREE", "r2");
    slack.say_in_thread(CHANNEL, &ts[0], "U0THREE", "r3");
    let thread = get(&slack, &format!("conversations.replies?channel={CHANNEL}&ts={}&limit=3", ts[0]));
    assert_eq!(texts(&thread), ["m0", "r1", "r2"]);
    assert_eq!(thread["has_more"], true);
    let thread = get(&slack, &format!("conversations.replies?channel={CHANNEL}&ts={}&oldest={r1}", ts[0]));
    assert_eq!(texts(&thread), ["m0", "r2", "r3"]);
    assert_eq!(
        get(&slack, &format!("conversations.replies?channel={CHANNEL}&ts=1.000001"))["error"],
        "thread_not_found"
    );

    // Blocks over Slack's limits are refused.
    let blocks = json!([{"type": "section", "text": {"type": "mrkdwn", "text": "x".repeat(3001)}}]).to_string();
    let v = post(&slack, "chat.postMessage", &format!("channel={CHANNEL}&blocks={}", enc(&blocks)));
    assert_eq!(v["error"], "invalid_blocks");

    // 429 on demand.
    slack.rate_limit_next("auth.test", 1, 7.0);
    let r = call(&slack, "GET", "auth.test", "", "");
    assert_eq!((r.status, r.header("retry-after")), (429, Some("7")));
    assert_eq!(r.json(), json!({"ok": false, "error": "ratelimited"}));

    // Webhooks: `ok`, 400 invalid_payload, 404 no_service, 403 invalid_token, disabled, archived.
    let path = slack.webhook_url().trim_start_matches(&slack.origin()).to_string();
    let ct = [("content-type", "application/json")];
    let hook = |path: &str, body: &str| {
        let r = request(&slack.origin(), "POST", path, &ct, body);
        (r.status, r.body)
    };
    assert_eq!(hook(&path, r#"{"text":"hi"}"#), (200, "ok".into()));
    assert_eq!(hook(&path, "not json"), (400, "invalid_payload".into()));
    assert_eq!(hook("/services/T/B/X", r#"{"text":"hi"}"#), (404, "no_service".into()));
    let wrong_secret = format!("{}/wrong", path.rsplit_once('/').unwrap().0);
    assert_eq!(hook(&wrong_secret, r#"{"text":"hi"}"#), (403, "invalid_token".into()));
    slack.archive(CHANNEL);
    assert_eq!(hook(&path, r#"{"text":"hi"}"#), (410, "channel_is_archived".into()));
    assert_eq!(post(&slack, "chat.postMessage", &format!("channel={CHANNEL}&text=x"))["error"], "is_archived");
    slack.disable_webhook();
    assert_eq!(hook(&path, r#"{"text":"hi"}"#), (404, "no_service".into()));
}

#[test]
fn reactions_updates_and_scopes() {
    let slack = SlackService::start();
    let q = post(&slack, "chat.postMessage", &format!("channel={CHANNEL}&text=Deploy%3F"));
    let ts = q["ts"].as_str().unwrap().to_string();

    slack.react(CHANNEL, &ts, "U0ALICE", "+1");
    slack.react(CHANNEL, &ts, "U0BOB", "+1");
    assert_eq!(post(&slack, "reactions.add", &format!("channel={CHANNEL}&timestamp={ts}&name=eyes"))["ok"], true);
    let again = post(&slack, "reactions.add", &format!("channel={CHANNEL}&timestamp={ts}&name=eyes"));
    assert_eq!(again["error"], "already_reacted");
    let r = get(&slack, &format!("reactions.get?channel={CHANNEL}&timestamp={ts}&full=true"));
    assert_eq!(r["type"], "message");
    assert_eq!(
        r["message"]["reactions"],
        json!([{"name": "+1", "users": ["U0ALICE", "U0BOB"], "count": 2},
               {"name": "eyes", "users": ["U0ALERTER"], "count": 1}])
    );
    assert_eq!(r["message"]["user"], "U0ALERTER");
    assert_eq!(
        get(&slack, &format!("reactions.get?channel={CHANNEL}&timestamp=1.000001"))["error"],
        "message_not_found"
    );

    // chat.update: the bot's own messages only; `edited` appears.
    let form = format!("channel={CHANNEL}&ts={ts}&text=Deploy%3F%20Approved");
    let u = post(&slack, "chat.update", &form);
    assert_eq!((u["ok"].clone(), u["text"].clone()), (json!(true), json!("Deploy? Approved")));
    let m = slack.message(CHANNEL, &ts).unwrap();
    assert!(m.edited && m.text == "Deploy? Approved");
    let human = slack.say(CHANNEL, "U0ALICE", "mine");
    assert_eq!(
        post(&slack, "chat.update", &format!("channel={CHANNEL}&ts={human}&text=x"))["error"],
        "cant_update_message"
    );
    assert_eq!(
        post(&slack, "chat.update", &format!("channel={CHANNEL}&ts=1.000001&text=x"))["error"],
        "message_not_found"
    );

    // A scope taken away: missing_scope naming it, and what the token has.
    slack.revoke_scope("reactions:read");
    let r = get(&slack, &format!("reactions.get?channel={CHANNEL}&timestamp={ts}"));
    assert_eq!(r["error"], "missing_scope");
    assert_eq!(r["needed"], "reactions:read");
    assert_eq!(r["provided"], "channels:history,chat:write,files:write,reactions:write");
    assert!(slack.violations().is_empty(), "{:?}", slack.violations());
}

#[test]
fn upload_flow_shares_files() {
    let slack = SlackService::start();
    let q = post(&slack, "chat.postMessage", &format!("channel={CHANNEL}&text=Loss"));
    let ts = q["ts"].as_str().unwrap().to_string();
    let t = post(&slack, "files.getUploadURLExternal", "filename=loss.png&length=4&alt_txt=loss.png");
    let url = t["upload_url"].as_str().unwrap().to_string();
    let id = t["file_id"].as_str().unwrap().to_string();
    assert!(url.starts_with(&format!("{}/upload/v1/", slack.origin())), "{url}");
    assert!(id.starts_with('F') && id.len() >= 9, "{id}");
    assert_eq!(post(&slack, "files.getUploadURLExternal", "filename=empty.txt&length=0")["error"], "missing_argument");

    // Completing before the bytes arrived: the file is not there yet.
    let early = call(
        &slack,
        "POST",
        "files.completeUploadExternal",
        "application/json",
        &json!({"files": [{"id": id}], "channel_id": CHANNEL}).to_string(),
    );
    assert_eq!(early.json()["error"], "file_not_found");

    let path = url.trim_start_matches(&slack.origin());
    let r = request(&slack.origin(), "POST", path, &[("content-type", "image/png")], "\u{1}PNG");
    assert_eq!((r.status, r.body.as_str()), (200, "OK - 4"));
    let again = request(&slack.origin(), "POST", path, &[("content-type", "image/png")], "PNG!");
    assert_eq!(again.status, 404, "an upload URL is used once");

    let done = call(
        &slack,
        "POST",
        "files.completeUploadExternal",
        "application/json",
        &json!({"files": [{"id": id, "title": "Loss curve"}], "channel_id": CHANNEL, "thread_ts": ts}).to_string(),
    );
    assert_eq!(done.json(), json!({"ok": true, "files": [{"id": id, "title": "Loss curve"}]}));
    let shared = slack.messages(CHANNEL).into_iter().find(|m| !m.files.is_empty()).expect("a file message");
    assert_eq!((shared.files.clone(), shared.thread_ts.as_deref()), (vec![id.clone()], Some(ts.as_str())));
    let f = &slack.files()[0];
    assert_eq!(
        (f.name.as_str(), f.mimetype(), f.data.as_deref()),
        ("loss.png", "image/png".to_string(), Some(&b"\x01PNG"[..]))
    );
    assert_eq!(f.shared, [(CHANNEL.to_string(), Some(ts.clone()))]);
    let thread = get(&slack, &format!("conversations.replies?channel={CHANNEL}&ts={ts}"));
    assert_eq!(thread["messages"][1]["files"][0]["id"], id.as_str());
    assert!(slack.violations().is_empty(), "{:?}", slack.violations());

    // The token sent to the upload URL, or a wrong length: violations.
    let t = post(&slack, "files.getUploadURLExternal", "filename=a.txt&length=3");
    let path = t["upload_url"].as_str().unwrap().trim_start_matches(&slack.origin()).to_string();
    let auth = format!("Bearer {}", slack.token());
    request(&slack.origin(), "POST", &path, &[("authorization", &auth)], "abcd");
    let v = slack.violations();
    assert_eq!(v.len(), 2, "{v:?}");
    assert!(
        v[0].contains("Authorization header") && v[1].contains("4 bytes sent for `a.txt`, announced as 3"),
        "{v:?}"
    );
}

#[test]
fn rate_tiers_and_the_non_marketplace_regime() {
    let slack = SlackService::start();
    // Marketplace: Tier 3, 50 a minute per method.
    for _ in 0..50 {
        assert_eq!(get(&slack, &format!("conversations.history?channel={CHANNEL}"))["ok"], true);
    }
    let r = call(&slack, "GET", &format!("conversations.history?channel={CHANNEL}"), "", "");
    assert_eq!(r.status, 429);
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((55..=60).contains(&wait), "retry after {wait}");
    assert_eq!(
        get(&slack, &format!("conversations.replies?channel={CHANNEL}&ts=1.000001"))["error"],
        "thread_not_found"
    );

    // Outside the Marketplace: one request a minute, at most 15 messages.
    let slack = SlackService::start();
    slack.set_regime(Regime::NonMarketplace);
    let q = slack.say(CHANNEL, "U0ONE", "question");
    for i in 0..20 {
        slack.say(CHANNEL, "U0ONE", &format!("m{i}"));
    }
    let page = get(&slack, &format!("conversations.history?channel={CHANNEL}&oldest={q}&limit=200"));
    assert_eq!(page["messages"].as_array().unwrap().len(), 15);
    assert_eq!(page["has_more"], true);
    let r = call(&slack, "GET", &format!("conversations.history?channel={CHANNEL}&oldest={q}"), "", "");
    assert_eq!(r.status, 429);
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((58..=60).contains(&wait), "retry after {wait}");
    // Other methods have their own limits.
    assert_eq!(get(&slack, &format!("reactions.get?channel={CHANNEL}&timestamp={q}"))["ok"], true);
    assert_eq!(get(&slack, &format!("conversations.replies?channel={CHANNEL}&ts={q}"))["ok"], true);

    // chat.postMessage: 5 in 5 seconds per channel.
    let slack = SlackService::start();
    for i in 0..5 {
        assert_eq!(post(&slack, "chat.postMessage", &format!("channel={CHANNEL}&text={i}"))["ok"], true);
    }
    let r = call(
        &slack,
        "POST",
        "chat.postMessage",
        "application/x-www-form-urlencoded",
        &format!("channel={CHANNEL}&text=6"),
    );
    assert_eq!((r.status, r.json()["error"].clone()), (429, json!("ratelimited")));

    // A shorter minute for tests: the windows shrink with it.
    slack.set_minute(Duration::from_secs(2));
    slack.set_regime(Regime::NonMarketplace);
    get(&slack, &format!("conversations.history?channel={CHANNEL}"));
    let r = call(&slack, "GET", &format!("conversations.history?channel={CHANNEL}"), "", "");
    assert_eq!((r.status, r.header("retry-after")), (429, Some("2")));
    assert!(slack.violations().is_empty(), "{:?}", slack.violations());
}

#[test]
fn spec_check_catches_bad_requests_and_answers() {
    let slack = SlackService::start();
    let auth = format!("Bearer {}", slack.token());
    // Undeclared parameter, wrong type, unknown method, missing token.
    request(
        &slack.origin(),
        "GET",
        &format!("/api/conversations.history?channel={CHANNEL}&limit=ten&colour=red"),
        &[("authorization", &auth)],
        "",
    );
    request(&slack.origin(), "GET", "/api/chat.postMsg", &[("authorization", &auth)], "");
    request(&slack.origin(), "GET", &format!("/api/conversations.history?channel={CHANNEL}"), &[], "");
    let v = slack.violations();
    assert_eq!(
        v,
        [
            "request GET conversations.history: parameter `limit` = \"ten\" is not a `integer`",
            "request GET conversations.history: parameter `colour` is not declared",
            "request GET chat.postMsg: no such method in the spec",
            "request GET conversations.history: no `Authorization: Bearer` header",
        ]
    );
    // The same check over a request log (as the CLI tests use it).
    assert_eq!(spec::check(&spec::load(), &slack.seen()), v);

    // Answers: the success schema and the error schema.
    let problems = spec::check_response("auth.test", &json!({"ok": true}));
    assert!(problems.iter().any(|p| p.contains("\"url\" is a required")), "{problems:?}");
    assert!(spec::check_response("chat.postMessage", &json!({"ok": false, "error": "no_such_code"}))
        .iter()
        .any(|p| p.contains("no_such_code")));
    assert!(spec::check_response("chat.postMessage", &json!({"ok": false, "error": "ratelimited"})).is_empty());
    let bad_ts =
        json!({"ok": true, "channel": CHANNEL, "ts": "12", "message": {"type": "message", "text": "", "ts": "12"}});
    assert!(!spec::check_response("chat.postMessage", &bad_ts).is_empty());
}
