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
    // As in the docs' global example: no bucket headers, the global ones.
    assert_eq!(r.header("x-ratelimit-remaining"), None);
    assert_eq!(r.header("x-ratelimit-global"), Some("true"));
    assert_eq!(r.header("x-ratelimit-scope"), Some("global"));

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

fn post_json(svc: &DiscordService, channel: &str, body: &Value) -> crate::http::RawResponse {
    request(&svc.origin(), "POST", &format!("/api/v10/channels/{channel}/messages"), &BOT_HEADERS, body.to_string())
}

/// Each place where the stand-in follows the docs over the spec, tried
/// with the docs' own numbers: the spec alone would accept every one.
#[test]
fn the_docs_win_where_the_spec_is_looser() {
    assert_eq!(SPEC_DEVIATIONS.len(), 4);
    let svc = DiscordService::start();
    svc.limit_route("create_message", 100, Duration::from_secs(1));
    let c = svc.channel();
    // Content: 2000 characters (the spec says 4000).
    assert_eq!(post_json(&svc, &c, &json!({"content": "x".repeat(2000)})).status, 200);
    let r = post_json(&svc, &c, &json!({"content": "x".repeat(2001)}));
    assert_eq!((r.status, r.json()["code"].clone()), (400, json!(50035)));
    // Embeds: 6000 characters in all, each property within its own limit.
    let field = |n: usize| json!({"name": "n", "value": "v".repeat(n)});
    let fields = |last: usize| json!([field(1000), field(1000), field(1000), field(1000), field(last)]);
    let at_limit = json!({"embeds": [{"description": "d".repeat(995), "fields": fields(1000)}]});
    assert_eq!(embed_text_len(&at_limit), 6000);
    assert_eq!(post_json(&svc, &c, &at_limit).status, 200);
    let over = json!({"embeds": [{"description": "d".repeat(995), "fields": fields(1001)}]});
    assert_eq!(post_json(&svc, &c, &over).json()["code"], 50035);
    // Nothing to show: 50006, as Discord answers.
    let r = post_json(&svc, &c, &json!({"content": "  ", "tts": false}));
    assert_eq!((r.status, r.json()), (400, json!({"message": "Cannot send an empty message", "code": 50006})));
    // The User-Agent the docs require.
    let no_ua = [BOT_HEADERS[0], BOT_HEADERS[1]];
    let r = request(&svc.origin(), "POST", &format!("/api/v10/channels/{c}/messages"), &no_ua, r#"{"content":"x"}"#);
    assert_eq!(r.status, 200);
    let v = svc.violations();
    assert_eq!(v.len(), 4, "{v:#?}");
    assert!(v[0].ends_with("docs: content has 2001 characters, more than 2000"), "{}", v[0]);
    assert!(v[1].ends_with("docs: embeds carry 6001 characters of text, more than 6000"), "{}", v[1]);
    assert!(v[2].ends_with(spec::EMPTY), "{}", v[2]);
    assert!(v[3].starts_with("docs: POST /api/v10/channels/") && v[3].contains("User-Agent"), "{}", v[3]);
}

fn get(svc: &DiscordService, path: &str) -> crate::http::RawResponse {
    request(&svc.origin(), "GET", &format!("/api/v10{path}"), &BOT_HEADERS, "")
}

/// Without the intent, what the bot reads of a person's message is empty
/// unless the message mentions the bot, pings it with a Reply, or is in a
/// DM; the bot's own messages keep their content.
#[test]
fn message_content_intent_hides_what_does_not_mention_the_bot() {
    let svc = DiscordService::start();
    let c = svc.channel();
    let ann = Author::human("3000", "ann");
    let q = svc.post(&c, &Author::bot(BOT_USER_ID, BOT_NAME), "Approve?", None);
    let plain = svc.post(&c, &ann, "approve", None);
    let mention = svc.post(&c, &ann, &format!("<@{BOT_USER_ID}> approve"), None);
    let nick = svc.post(&c, &ann, &format!("<@!{BOT_USER_ID}> yes"), None);
    let reply_ping = svc.post(&c, &ann, "yes", Some(&q));
    let reply_silent = svc.post_reply(&c, &ann, "yes", Some(&q), false);
    let other = svc.post(&c, &ann, "<@3001> look", None);
    let dm = svc.add_dm_channel();
    let in_dm = svc.post(&dm, &ann, "approve", None);
    svc.limit_route("get_message", 100, Duration::from_secs(1));

    let content =
        |channel: &str, id: &str| get(&svc, &format!("/channels/{channel}/messages/{id}")).json()["content"].clone();
    for on in [true, false] {
        svc.set_message_content_intent(on);
        let hidden = |text: &str| if on { json!(text) } else { json!("") };
        assert_eq!(content(&c, &q), json!("Approve?"), "the bot's own message");
        assert_eq!(content(&c, &plain), hidden("approve"));
        assert_eq!(content(&c, &mention), json!(format!("<@{BOT_USER_ID}> approve")));
        assert_eq!(content(&c, &nick), json!(format!("<@!{BOT_USER_ID}> yes")));
        assert_eq!(content(&c, &reply_ping), json!("yes"), "a Reply with its mention on pings the bot");
        assert_eq!(content(&c, &reply_silent), hidden("yes"), "a Reply with its mention off does not");
        assert_eq!(content(&c, &other), hidden("<@3001> look"));
        assert_eq!(content(&dm, &in_dm), json!("approve"), "DMs keep their content");
        // Listing hides the same.
        let listed = get(&svc, &format!("/channels/{c}/messages?after={q}&limit=100")).json();
        let by_id = |id: &str| listed.as_array().unwrap().iter().find(|m| m["id"] == id).unwrap()["content"].clone();
        assert_eq!(by_id(&plain), hidden("approve"));
        assert_eq!(by_id(&mention), json!(format!("<@{BOT_USER_ID}> approve")));
    }
    let m = get(&svc, &format!("/channels/{c}/messages/{reply_ping}")).json();
    assert_eq!(m["mentions"][0]["id"], BOT_USER_ID);
    assert_eq!(m["type"], 19);
    assert!(svc.violations().is_empty(), "{:#?}", svc.violations());
}

fn multipart_body(boundary: &str, payload: &Value, files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"payload_json\"\r\nContent-Type: application/json\r\n\r\n{payload}\r\n"
    )
    .into_bytes();
    for (i, (name, ct, data)) in files.iter().enumerate() {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files[{i}]\"; filename=\"{name}\"\r\nContent-Type: {ct}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

#[test]
fn files_in_a_multipart_message_and_the_embedded_image() {
    let svc = DiscordService::start();
    let c = svc.channel();
    let payload = json!({
        "content": "plot",
        "embeds": [{"title": "Loss", "image": {"url": "attachment://loss.png"}}],
        "attachments": [{"id": "0", "filename": "loss.png"}, {"id": "1", "filename": "run.log"}],
    });
    let body =
        multipart_body("XyZ", &payload, &[("loss.png", "image/png", b"PNGDATA"), ("run.log", "text/plain", b"line\n")]);
    let headers = [BOT_HEADERS[0], ("Content-Type", "multipart/form-data; boundary=XyZ"), BOT_HEADERS[2]];
    let r = request(&svc.origin(), "POST", &format!("/api/v10/channels/{c}/messages"), &headers, &body);
    assert_eq!(r.status, 200, "{}", r.body);
    let m = r.json();
    let image = m["embeds"][0]["image"]["url"].as_str().unwrap();
    assert!(
        image.starts_with(&format!("https://cdn.discordapp.com/attachments/{c}/")) && image.ends_with("/loss.png"),
        "{image}"
    );
    assert_eq!(svc.file(image).unwrap(), b"PNGDATA");
    // The image shown in the embed is not listed again among the attachments.
    let files = m["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!((files[0]["filename"].as_str(), files[0]["size"].as_u64()), (Some("run.log"), Some(5)));
    assert_eq!(svc.file(files[0]["url"].as_str().unwrap()).unwrap(), b"line\n");
    assert!(svc.violations().is_empty(), "{:#?}", svc.violations());

    // An embed naming a file that was not sent, and an `attachments` id
    // with no `files[n]`, are refused and recorded.
    let bad = json!({"embeds": [{"image": {"url": "attachment://nope.png"}}], "attachments": [{"id": "3"}]});
    let body = multipart_body("XyZ", &bad, &[("a.png", "image/png", b"x")]);
    let r = request(&svc.origin(), "POST", &format!("/api/v10/channels/{c}/messages"), &headers, &body);
    assert_eq!((r.status, r.json()["code"].clone()), (400, json!(50035)));
    assert_eq!(svc.violations().len(), 2, "{:#?}", svc.violations());

    // Without Attach Files: 50013.
    svc.deny(&c, Permission::AttachFiles);
    let body = multipart_body("XyZ", &json!({"content": "x"}), &[("a.png", "image/png", b"x")]);
    let r = request(&svc.origin(), "POST", &format!("/api/v10/channels/{c}/messages"), &headers, &body);
    assert_eq!((r.status, r.json()), (403, json!({"message": "Missing Permissions", "code": 50013})));
}

#[test]
fn reactions_edits_and_read_message_history() {
    let svc = DiscordService::start();
    for op in ["get_message", "list_reactions"] {
        svc.limit_route(op, 100, Duration::from_secs(1));
    }
    let c = svc.channel();
    let q = post_json(&svc, &c, &json!({"content": "Deploy?"})).json()["id"].as_str().unwrap().to_string();
    svc.react(&c, &q, &Author::human("3001", "bob"), "👍", false);
    svc.react(&c, &q, &Author::human("3000", "ann"), "👍", false);
    svc.react(&c, &q, &Author::human("3002", "cy"), "👍", true);
    svc.react(&c, &q, &Author::human("3000", "ann"), "shipit:41771983429993937", false);
    let m = get(&svc, &format!("/channels/{c}/messages/{q}")).json();
    assert_eq!(
        m["reactions"][0],
        json!({"emoji": {"id": null, "name": "👍"}, "count": 3, "count_details": {"burst": 1, "normal": 2}, "burst_colors": [], "me": false, "me_burst": false})
    );
    assert_eq!(m["reactions"][1]["emoji"], json!({"id": "41771983429993937", "name": "shipit"}));
    // Users by id, after, limit, type; the emoji must be percent-encoded.
    let users = |q_: &str| get(&svc, &format!("/channels/{c}/messages/{q}/reactions/{q_}")).json();
    let ids =
        |v: Value| v.as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(ids(users("%F0%9F%91%8D?limit=100")), ["3000", "3001"]);
    assert_eq!(ids(users("%F0%9F%91%8D?limit=1&after=3000")), ["3001"]);
    assert_eq!(ids(users("%F0%9F%91%8D?type=1")), ["3002"]);
    assert_eq!(ids(users("shipit%3A41771983429993937")), ["3000"]);
    assert_eq!(users("nope")["code"], 10014);
    // The bot's own reaction shows as `me`.
    let r = request(
        &svc.origin(),
        "PUT",
        &format!("/api/v10/channels/{c}/messages/{q}/reactions/%E2%9C%85/@me"),
        &BOT_HEADERS,
        "",
    );
    assert_eq!(r.status, 204);
    assert_eq!(get(&svc, &format!("/channels/{c}/messages/{q}")).json()["reactions"][2]["me"], true);

    // Edits replace content and embeds, and mark the message edited.
    let edit = json!({"content": "Deploy?\n✅ Approved by ann", "embeds": []});
    let r =
        request(&svc.origin(), "PATCH", &format!("/api/v10/channels/{c}/messages/{q}"), &BOT_HEADERS, edit.to_string());
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["content"], "Deploy?\n✅ Approved by ann");
    assert!(r.json()["edited_timestamp"].is_string());
    let someone = svc.post(&c, &Author::human("3000", "ann"), "mine", None);
    let r = request(
        &svc.origin(),
        "PATCH",
        &format!("/api/v10/channels/{c}/messages/{someone}"),
        &BOT_HEADERS,
        edit.to_string(),
    );
    assert_eq!((r.status, r.json()["code"].clone()), (403, json!(50005)));

    // Without Read Message History: an empty list, 403 for one message.
    svc.deny(&c, Permission::ReadMessageHistory);
    assert_eq!(get(&svc, &format!("/channels/{c}/messages?after=1&limit=100")).json(), json!([]));
    let r = get(&svc, &format!("/channels/{c}/messages/{q}"));
    assert_eq!((r.status, r.json()), (403, json!({"message": "Missing Access", "code": 50001})));
    assert!(svc.violations().is_empty(), "{:#?}", svc.violations());
}

#[test]
fn buckets_answer_429_per_channel_with_discords_headers() {
    let svc = DiscordService::start();
    let c = svc.channel();
    let other = svc.add_channel();
    svc.limit_route("list_messages", 2, Duration::from_secs(30));
    let list = |channel: &str| get(&svc, &format!("/channels/{channel}/messages?limit=1"));
    let first = list(&c);
    assert_eq!((first.header("x-ratelimit-limit"), first.header("x-ratelimit-remaining")), (Some("2"), Some("1")));
    let bucket = first.header("x-ratelimit-bucket").unwrap().to_string();
    assert_eq!(bucket.len(), 32);
    let reset_after: f64 = first.header("x-ratelimit-reset-after").unwrap().parse().unwrap();
    assert!((29.0..=30.0).contains(&reset_after), "{reset_after}");
    assert_eq!(list(&c).header("x-ratelimit-remaining"), Some("0"));
    let limited = list(&c);
    assert_eq!(limited.status, 429);
    let body = limited.json();
    assert_eq!(
        (body["global"].as_bool(), body["message"].as_str()),
        (Some(false), Some("You are being rate limited."))
    );
    assert!(body["retry_after"].as_f64().unwrap() > 28.0);
    assert_eq!(limited.header("x-ratelimit-scope"), Some("user"));
    assert_eq!(limited.header("retry-after"), Some("30"));
    // Another channel: its own bucket, the same bucket name.
    let elsewhere = list(&other);
    assert_eq!((elsewhere.status, elsewhere.header("x-ratelimit-bucket")), (200, Some(bucket.as_str())));

    svc.limit_global(1, Duration::from_secs(30));
    assert_eq!(get(&svc, &format!("/channels/{c}")).status, 200);
    let r = get(&svc, &format!("/channels/{other}"));
    assert_eq!(
        (r.status, r.json()["global"].clone(), r.header("x-ratelimit-global")),
        (429, json!(true), Some("true"))
    );
    assert!(svc.violations().is_empty(), "{:#?}", svc.violations());
}
