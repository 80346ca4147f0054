//! The Discord stand-in itself, over plain HTTP (no binary needed).

use serde_json::{json, Value};

use super::*;
use crate::chat::Fault;
use crate::http::request;

#[test]
fn timestamps() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000+00:00");
    assert_eq!(rfc3339(1_462_015_105_796), "2016-04-30T11:18:25.796+00:00");
}

const BOT_HEADERS: [(&str, &str); 3] = [
    ("Authorization", concat!("Bot ", "MTEx.standin-bot-token.S3cr3tDiscordT0ken")),
    ("Content-Type", "application/json"),
    ("User-Agent", "DiscordBot (https://example.com, 1)"),
];

#[test]
fn standin_lists_newest_first_with_increasing_snowflakes() {
    assert_eq!(BOT_HEADERS[0].1, format!("Bot {TOKEN}"));
    let svc = DiscordService::start();
    let c = svc.channel();
    let ann = Author::human("3000", "ann");
    let ids: Vec<u64> = (0..5).map(|i| svc.post(&c, &ann, &format!("m{i}"), None).parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let r = request(
        &svc.origin(),
        "GET",
        &format!("/api/v10/channels/{c}/messages?after={}&limit=2", ids[0]),
        &BOT_HEADERS,
        "",
    );
    assert_eq!(r.status, 200);
    assert!(r.header("x-ratelimit-bucket").is_some());
    let listed: Vec<Value> = serde_json::from_str(&r.body).unwrap();
    // The two right after ids[0], newest first.
    let got: Vec<&str> = listed.iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(got, ["m2", "m1"]);
    let r = request(
        &svc.origin(),
        "GET",
        &format!("/api/v10/channels/{c}/messages?before={}&limit=2", ids[4]),
        &BOT_HEADERS,
        "",
    );
    let listed: Vec<Value> = serde_json::from_str(&r.body).unwrap();
    assert_eq!(listed.iter().map(|m| m["content"].as_str().unwrap()).collect::<Vec<_>>(), ["m3", "m2"]);
    let r = request(&svc.origin(), "GET", &format!("/api/v10/channels/{c}/messages?limit=101"), &BOT_HEADERS, "");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], 50035);
}

#[test]
fn standin_replies_threads_and_bots() {
    let svc = DiscordService::start();
    let c = svc.channel();
    let q = svc.post(&c, &Author::bot(BOT_USER_ID, "alerter"), "Approve?", None);
    let r1 = svc.post(&c, &Author::human("3000", "ann"), "yes", Some(&q));
    let r2 = svc.post_in_thread(&c, &q, &Author::human("3001", "bob"), "LGTM");
    let _r3 = svc.post(&c, &Author::bot("3002", "other-bot"), "noise", None);
    let top = svc.list(&c, Some(q.parse().unwrap()), None, 100);
    assert_eq!(top.len(), 2);
    assert_eq!(top[1]["id"], r1.as_str());
    assert_eq!(top[1]["type"], 19);
    assert_eq!(top[1]["message_reference"]["message_id"], q.as_str());
    assert_eq!(top[0]["author"]["bot"], true);
    let thread = svc.messages(&q);
    assert_eq!(thread.len(), 2, "starter message + reply");
    assert_eq!(thread[0]["type"], 21);
    assert_eq!(thread[1]["id"], r2.as_str());
    let r = request(&svc.origin(), "GET", &format!("/api/v10/channels/{q}"), &BOT_HEADERS, "");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["type"], 11);
}

#[test]
fn standin_errors_and_rate_limits() {
    let svc = DiscordService::start();
    let c = svc.channel();
    let wrong =
        [("Authorization", "Bot nope"), ("Content-Type", "application/json"), ("User-Agent", "DiscordBot (x, 1)")];
    let r = request(&svc.origin(), "POST", &format!("/api/v10/channels/{c}/messages"), &wrong, r#"{"content":"x"}"#);
    assert_eq!((r.status, r.json()), (401, json!({"message": "401: Unauthorized", "code": 0})));
    let r = request(
        &svc.origin(),
        "POST",
        &format!("/api/v10/channels/{}/messages", svc.unused_id()),
        &BOT_HEADERS,
        r#"{"content":"x"}"#,
    );
    assert_eq!((r.status, r.json()), (404, json!({"message": "Unknown Channel", "code": 10003})));
    let hidden = svc.add_forbidden_channel();
    let r = request(
        &svc.origin(),
        "POST",
        &format!("/api/v10/channels/{hidden}/messages"),
        &BOT_HEADERS,
        r#"{"content":"x"}"#,
    );
    assert_eq!((r.status, r.json()["code"].clone()), (403, json!(50001)));

    svc.inject("*", Fault::RateLimited { retry_after_s: 1.5, global: true });
    let r =
        request(&svc.origin(), "POST", &format!("/api/v10/channels/{c}/messages"), &BOT_HEADERS, r#"{"content":"x"}"#);
    assert_eq!(r.status, 429);
    let body = r.json();
    assert_eq!((body["retry_after"].as_f64(), body["global"].as_bool()), (Some(1.5), Some(true)));
    assert_eq!(r.header("retry-after"), Some("2"));
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(r.header("x-ratelimit-global"), Some("true"));
    assert!(r.header("x-ratelimit-reset-after").is_some() && r.header("x-ratelimit-limit").is_some());

    // A body over the docs' limit is refused like Discord does and recorded.
    let long = json!({"content": "x".repeat(2001)}).to_string();
    let r = request(&svc.origin(), "POST", &format!("/api/v10/channels/{c}/messages"), &BOT_HEADERS, &long);
    assert_eq!((r.status, r.json()["code"].clone()), (400, json!(50035)));
    assert_eq!(svc.violations().len(), 1, "{:?}", svc.violations());
}

#[test]
fn standin_webhook_with_and_without_wait() {
    let svc = DiscordService::start();
    let path = svc.webhook_url().trim_start_matches(&svc.origin()).to_string();
    let ct = [("Content-Type", "application/json")];
    let r = request(&svc.origin(), "POST", &path, &ct, r#"{"content":"no wait"}"#);
    assert_eq!((r.status, r.body.as_str()), (204, ""));
    let r = request(&svc.origin(), "POST", &format!("{path}?wait=true"), &ct, r#"{"content":"wait"}"#);
    assert_eq!(r.status, 200);
    let msg: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!((msg["content"].as_str(), msg["channel_id"].as_str()), (Some("wait"), Some(svc.channel().as_str())));
    assert!(msg["webhook_id"].is_string());
    let r = request(&svc.origin(), "POST", &format!("{path}x?wait=true"), &ct, r#"{"content":"x"}"#);
    assert_eq!((r.status, r.json()["code"].clone()), (401, json!(50027)));
    assert_eq!(svc.messages(&svc.channel()).len(), 2);
}

#[test]
fn spec_deviations_are_listed() {
    // The stand-in enforces the docs where the spec is looser; each case is named.
    assert!(SPEC_DEVIATIONS.iter().any(|d| d.spec.contains("4000") && d.docs.contains("2000")));
    assert!(SPEC_DEVIATIONS.iter().any(|d| d.docs.contains("6000")));
    assert!(check_body(Endpoint::CreateMessage, &json!({"content": "x".repeat(2001)}))
        .iter()
        .any(|p| p.starts_with("docs:")));
}
