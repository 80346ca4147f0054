//! The Teams stand-in itself behaves like a Workflows webhook (no binary
//! needed).

use serde_json::json;

use super::{TeamsService, DISABLED, WORKFLOW};
use crate::http::request;

#[test]
fn accepts_cards_with_202_and_refuses_the_rest() {
    let teams = TeamsService::start();
    let post = |url: &str, body: &str| {
        let path = url.trim_start_matches(&teams.origin()).to_string();
        request(&teams.origin(), "POST", &path, &[("content-type", "application/json")], body)
    };
    let card = json!({"type": "AdaptiveCard", "version": "1.4", "body": [{"type": "TextBlock", "text": "hi"}]});
    let message = json!({"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null, "content": card}]});
    let r = post(&teams.webhook_url(), &message.to_string());
    assert_eq!((r.status, r.body.as_str()), (202, ""));
    assert!(r.header("x-ms-workflow-run-id").is_some());
    assert_eq!(teams.cards(), [card]);

    let wrong_sig = teams.webhook_url().replace("&sig=", "&sig=x");
    assert_eq!(
        post(&wrong_sig, &message.to_string()).json()["error"]["code"],
        "DirectApiInvalidAuthorizationSignature"
    );
    assert_eq!(post(&teams.url_of("0000"), &message.to_string()).json()["error"]["code"], "WorkflowNotFound");
    assert_eq!(post(&teams.url_of(DISABLED), &message.to_string()).json()["error"]["code"], "WorkflowDisabled");
    assert!(teams.violations().is_empty());

    let mut bad = message.clone();
    bad["attachments"][0]["content"]["body"][0]["size"] = json!("Enormous");
    let r = post(&teams.webhook_url(), &bad.to_string());
    assert_eq!((r.status, r.json()["error"]["code"].clone()), (400, json!("InvalidRequestContent")));
    assert_eq!(teams.violations().len(), 1, "{:?}", teams.violations());

    let mut big = message;
    big["attachments"][0]["content"]["body"][0]["text"] = json!("x".repeat(29_000));
    assert_eq!(post(&teams.webhook_url(), &big.to_string()).status, 413);
    teams.rate_limit_next("invoke", 1, 4.0);
    let r = post(&teams.webhook_url(), "{}");
    assert_eq!((r.status, r.header("retry-after")), (429, Some("4")));
    assert!(WORKFLOW.len() == 32);
}
