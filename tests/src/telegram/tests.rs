//! The Telegram stand-in itself behaves like the Bot API (no binary needed).

use serde_json::{json, Value};

use super::{TelegramService, CHAT, TOKEN};
use crate::http::{request, RawResponse};

fn call(tg: &TelegramService, method: &str, body: &Value) -> RawResponse {
    request(
        &tg.origin(),
        "POST",
        &format!("/bot{TOKEN}/{method}"),
        &[("content-type", "application/json")],
        body.to_string(),
    )
}

#[test]
fn envelopes_tokens_and_errors_are_telegrams() {
    let tg = TelegramService::start();
    let me = call(&tg, "getMe", &json!({})).json();
    assert_eq!((me["ok"].clone(), me["result"]["is_bot"].clone()), (json!(true), json!(true)));
    let r = request(&tg.origin(), "POST", "/bot123:wrong/getMe", &[], "");
    assert_eq!(r.json(), json!({"ok": false, "error_code": 401, "description": "Unauthorized"}));
    assert_eq!(request(&tg.origin(), "POST", "/botnotatoken/getMe", &[], "").status, 404);
    let r = call(&tg, "sendMessage", &json!({"chat_id": 999, "text": "x"}));
    assert_eq!((r.status, r.json()["description"].clone()), (400, json!("Bad Request: chat not found")));
    tg.add_blocked_chat("777");
    assert_eq!(
        call(&tg, "sendMessage", &json!({"chat_id": "777", "text": "x"})).json()["description"],
        "Forbidden: bot was blocked by the user"
    );
    let r = call(&tg, "sendMessage", &json!({"chat_id": CHAT, "text": "a < b", "parse_mode": "HTML"}));
    assert!(r.json()["description"].as_str().unwrap().starts_with("Bad Request: can't parse entities"));
    let r = call(&tg, "sendMessage", &json!({"chat_id": CHAT, "text": "😀".repeat(2049)}));
    assert_eq!(r.json()["description"], "Bad Request: message is too long", "4098 UTF-16 units");
    assert_eq!(call(&tg, "sendMessage", &json!({"chat_id": CHAT, "text": "😀".repeat(2048)})).status, 200);
    assert!(tg.violations().is_empty(), "{:?}", tg.violations());
}

#[test]
fn updates_are_consumed_by_offset_and_refused_with_a_webhook() {
    let tg = TelegramService::start();
    let ann = TelegramService::person(1001, "Ann");
    let q = call(&tg, "sendMessage", &json!({"chat_id": CHAT, "text": "<b>Deploy?</b>", "parse_mode": "HTML"})).json();
    let qid = q["result"]["message_id"].as_i64().unwrap().to_string();
    assert_eq!(q["result"]["text"], "Deploy?");
    tg.say(CHAT, &ann, "yes", Some(&qid));
    tg.react(CHAT, &qid, &ann, "👍");

    let all = call(&tg, "getUpdates", &json!({"allowed_updates": ["message", "message_reaction"]})).json();
    let ups = all["result"].as_array().unwrap();
    assert_eq!(ups.len(), 2);
    assert_eq!(ups[0]["message"]["reply_to_message"]["message_id"].to_string(), qid);
    assert_eq!(ups[1]["message_reaction"]["new_reaction"][0]["emoji"], "👍");
    let only_messages = call(&tg, "getUpdates", &json!({})).json();
    assert_eq!(only_messages["result"].as_array().unwrap().len(), 1, "reactions only when asked for");
    let next = ups[1]["update_id"].as_i64().unwrap() + 1;
    assert_eq!(call(&tg, "getUpdates", &json!({"offset": next})).json()["result"], json!([]));
    assert_eq!(tg.pending_updates(), 0, "an offset confirms what came before it");

    tg.set_webhook(true);
    let r = call(&tg, "getUpdates", &json!({}));
    assert_eq!(r.status, 409);
    assert!(r.json()["description"].as_str().unwrap().contains("webhook is active"));

    let edit = json!({"chat_id": CHAT, "message_id": qid.parse::<i64>().unwrap(), "text": "<b>Deploy?</b>", "parse_mode": "HTML"});
    assert!(call(&tg, "editMessageText", &edit).json()["description"]
        .as_str()
        .unwrap()
        .contains("message is not modified"));
    let mut edit = edit;
    edit["text"] = json!("<b>Deploy?</b> ✅");
    assert_eq!(call(&tg, "editMessageText", &edit).json()["result"]["text"], "Deploy? ✅");
    assert!(tg.violations().is_empty(), "{:?}", tg.violations());
}

#[test]
fn rate_limits_and_spec_violations() {
    let tg = TelegramService::start();
    tg.rate_limit_next("sendMessage", 1, 3.0);
    let r = call(&tg, "sendMessage", &json!({"chat_id": CHAT, "text": "x"}));
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["parameters"]["retry_after"], 3);
    call(&tg, "sendMessage", &json!({"chat_id": CHAT, "text": "x", "reply_to": 5}));
    assert_eq!(tg.violations(), ["sendMessage: unknown parameter `reply_to`"]);
}
