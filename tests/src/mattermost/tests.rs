//! The Mattermost stand-in itself behaves like Mattermost (no binary needed).

use serde_json::{json, Value};

use super::{spec, MattermostService, BOT_USER_ID, CHANNEL, TOKEN};
use crate::chat::Fault;
use crate::http::{request, RawResponse};

fn call(mm: &MattermostService, method: &str, path: &str, body: &Value) -> RawResponse {
    let auth = format!("Bearer {TOKEN}");
    let body = if body.is_null() { String::new() } else { body.to_string() };
    request(&mm.origin(), method, path, &[("authorization", &auth), ("content-type", "application/json")], &body)
}

#[test]
fn posts_threads_and_lists_like_mattermost() {
    let mm = MattermostService::start();
    let r = request(&mm.origin(), "GET", "/api/v4/users/me", &[("authorization", "Bearer wrong")], "");
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["id"], "api.context.session_expired.app_error");
    assert_eq!(r.json()["status_code"], 401);
    assert_eq!(call(&mm, "GET", "/api/v4/users/me", &Value::Null).json()["id"], BOT_USER_ID);

    let q = call(&mm, "POST", "/api/v4/posts", &json!({"channel_id": CHANNEL, "message": "Deploy?"}));
    assert_eq!(q.status, 201);
    let q = q.json();
    let id = q["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 26);
    assert_eq!(q["props"]["from_bot"], "true");
    let created = q["create_at"].as_u64().unwrap();

    let r1 = mm.say(CHANNEL, "ann", "in thread", Some(&id));
    let r2 = mm.say(CHANNEL, "bob", "top level", None);
    let thread = call(&mm, "GET", &format!("/api/v4/posts/{id}/thread"), &Value::Null).json();
    assert_eq!(thread["order"], json!([r1, id]));
    assert_eq!(thread["posts"][&r1]["root_id"], id.as_str());

    let since = call(&mm, "GET", &format!("/api/v4/channels/{CHANNEL}/posts?since={created}"), &Value::Null).json();
    let order: Vec<&str> = since["order"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(order, [r2.as_str(), r1.as_str()], "modified after `since`, newest first");

    mm.react(&id, "ann", "+1");
    let reactions = call(&mm, "GET", &format!("/api/v4/posts/{id}/reactions"), &Value::Null).json();
    assert_eq!(reactions[0]["emoji_name"], "+1");
    let patched = call(&mm, "PUT", &format!("/api/v4/posts/{id}/patch"), &json!({"message": "Deploy? ✅"}));
    assert_eq!(patched.json()["message"], "Deploy? ✅");
    assert!(patched.json()["edit_at"].as_u64().unwrap() > 0);
    assert_eq!(call(&mm, "PUT", &format!("/api/v4/posts/{r1}/patch"), &json!({"message": "x"})).status, 403);
    assert!(mm.violations().is_empty(), "{:?}", mm.violations());
}

#[test]
fn errors_limits_and_rate_limits_are_mattermosts() {
    let mm = MattermostService::start();
    mm.add_channel_without_bot("c0private00000000000000001");
    let r = call(&mm, "POST", "/api/v4/posts", &json!({"channel_id": "c0private00000000000000001", "message": "x"}));
    assert_eq!((r.status, r.json()["id"].clone()), (403, json!("api.context.permissions.app_error")));
    let r = call(&mm, "POST", "/api/v4/posts", &json!({"channel_id": "nope", "message": "x"}));
    assert_eq!(r.status, 404);
    let long = "x".repeat(16_384);
    let r = call(&mm, "POST", "/api/v4/posts", &json!({"channel_id": CHANNEL, "message": long}));
    assert_eq!((r.status, r.json()["id"].clone()), (400, json!("model.post.is_valid.msg.app_error")));
    assert_eq!(
        call(&mm, "POST", "/api/v4/posts", &json!({"channel_id": CHANNEL, "message": "x".repeat(16_383)})).status,
        201
    );

    mm.inject("CreatePost", Fault::RateLimited { retry_after_s: 2.0, global: false });
    let r = call(&mm, "POST", "/api/v4/posts", &json!({"channel_id": CHANNEL, "message": "x"}));
    assert_eq!((r.status, r.header("retry-after"), r.header("x-ratelimit-reset")), (429, Some("2"), Some("2")));
    assert!(mm.violations().is_empty(), "{:?}", mm.violations());
}

#[test]
fn requests_outside_the_spec_are_violations() {
    let mm = MattermostService::start();
    // `message` is required by CreatePost; `since` must be an integer.
    call(&mm, "POST", "/api/v4/posts", &json!({"channel_id": CHANNEL}));
    call(&mm, "GET", &format!("/api/v4/channels/{CHANNEL}/posts?since=yesterday"), &Value::Null);
    call(&mm, "GET", "/api/v4/no/such/thing", &Value::Null);
    let v = mm.violations();
    assert_eq!(v.len(), 3, "{v:?}");
    assert!(v[0].contains("message") && v[1].contains("since") && v[2].contains("no such operation"), "{v:?}");
    // The spec's own defect is not held against a request.
    assert!(spec::SPEC_DEFECTS.iter().any(|(op, _, _)| *op == "PatchPost"));
}

#[test]
fn webhooks_and_uploads() {
    let mm = MattermostService::start();
    let hook = mm.webhook_url();
    let path = hook.trim_start_matches(&mm.origin());
    let r = request(&mm.origin(), "POST", path, &[("content-type", "application/json")], r#"{"text":"hi"}"#);
    assert_eq!((r.status, r.body.as_str()), (200, "ok"));
    let r = request(&mm.origin(), "POST", "/hooks/wrong", &[("content-type", "application/json")], r#"{"text":"hi"}"#);
    assert_eq!((r.status, r.json()["id"].clone()), (400, json!("web.incoming_webhook.invalid.app_error")));
    let r = request(&mm.origin(), "POST", path, &[("content-type", "application/json")], r#"{"txt":"hi"}"#);
    assert_eq!(r.status, 400);
    assert_eq!(mm.violations(), ["webhook: unknown field `txt`"]);

    let body = format!(
        "--B\r\ncontent-disposition: form-data; name=\"channel_id\"\r\n\r\n{CHANNEL}\r\n--B\r\n\
         content-disposition: form-data; name=\"files\"; filename=\"log.txt\"\r\ncontent-type: text/plain\r\n\r\nhello\r\n--B--\r\n"
    );
    let auth = format!("Bearer {TOKEN}");
    let r = request(
        &mm.origin(),
        "POST",
        "/api/v4/files",
        &[("authorization", &auth), ("content-type", "multipart/form-data; boundary=B")],
        &body,
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let file = r.json()["file_infos"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(mm.state().store.file(&file).map(|f| f.data.clone()), Some(b"hello".to_vec()));
    let p = call(&mm, "POST", "/api/v4/posts", &json!({"channel_id": CHANNEL, "message": "log", "file_ids": [file]}));
    assert_eq!(p.status, 201);
}
