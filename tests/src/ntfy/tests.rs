//! The ntfy stand-in itself behaves like an ntfy server (no binary needed).

use serde_json::json;

use super::{NtfyService, PROTECTED, TOKEN, TOPIC};
use crate::http::request;

#[test]
fn publishes_and_answers_like_ntfy() {
    let ntfy = NtfyService::start();
    let publish = |body: &str, auth: Option<&str>| {
        let mut headers = vec![("content-type", "application/json")];
        if let Some(a) = auth {
            headers.push(("authorization", a));
        }
        request(&ntfy.origin(), "POST", "/", &headers, body)
    };
    let r =
        publish(&json!({"topic": TOPIC, "message": "hi", "priority": 5, "tags": ["rotating_light"]}).to_string(), None);
    assert_eq!(r.status, 200);
    let m = r.json();
    assert_eq!(
        (m["event"].clone(), m["topic"].clone(), m["priority"].clone()),
        (json!("message"), json!(TOPIC), json!(5))
    );
    assert_eq!(m["id"].as_str().map(str::len), Some(12));

    let r = publish(&json!({"topic": PROTECTED, "message": "x"}).to_string(), None);
    assert_eq!(
        r.json(),
        json!({"code": 40301, "http": 403, "error": "forbidden", "link": "https://ntfy.sh/docs/publish/#authentication"})
    );
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(publish(&json!({"topic": PROTECTED, "message": "x"}).to_string(), Some(&bearer)).status, 200);
    assert_eq!(
        publish(&json!({"topic": TOPIC, "message": "x"}).to_string(), Some("Bearer tk_wrong")).json()["code"],
        40101
    );
    assert_eq!(publish(&json!({"topic": "no spaces", "message": "x"}).to_string(), None).json()["code"], 40009);
    assert_eq!(publish(&json!({"topic": TOPIC, "priority": 9}).to_string(), None).json()["code"], 40007);
    let long = publish(&json!({"topic": TOPIC, "message": "x".repeat(4097)}).to_string(), None).json();
    assert_eq!(long["attachment"]["name"], "attachment.txt", "over 4096 bytes the server makes an attachment");
    assert!(ntfy.violations().is_empty(), "{:?}", ntfy.violations());

    ntfy.rate_limit_next("publish", 1, 2.0);
    let r = publish(&json!({"topic": TOPIC, "message": "x"}).to_string(), None);
    assert_eq!((r.status, r.json()["code"].clone(), r.header("retry-after")), (429, json!(42901), Some("2")));
    publish(&json!({"topic": TOPIC, "message": "x", "colour": "red"}).to_string(), None);
    assert_eq!(ntfy.violations(), ["publish: unknown field `colour`"]);
}
