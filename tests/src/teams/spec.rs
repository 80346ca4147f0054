//! What a Teams message must be, as the stand-in checks it: the envelope
//! Teams documents (`{"type": "message", "attachments": [{"contentType":
//! "application/vnd.microsoft.card.adaptive", "contentUrl": null,
//! "content": <card>}]}`, see tests/specs/teams/SOURCES.md), and the card
//! against the vendored Adaptive Card JSON schema of its `version`.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;

use crate::chat::Seen;

/// The content type of an Adaptive Card attachment.
pub const CARD_TYPE: &str = "application/vnd.microsoft.card.adaptive";

/// The compiled schema of card version `version` (`1.4`, `1.5`).
fn schema(version: &str) -> Option<&'static jsonschema::Validator> {
    static V14: OnceLock<jsonschema::Validator> = OnceLock::new();
    static V15: OnceLock<jsonschema::Validator> = OnceLock::new();
    let (cell, dir) = match version {
        "1.0" | "1.1" | "1.2" | "1.3" | "1.4" => (&V14, "1.4.0"),
        "1.5" => (&V15, "1.5.0"),
        _ => return None,
    };
    Some(cell.get_or_init(|| {
        let path =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/teams/schemas").join(dir).join("adaptive-card.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let doc: Value = serde_json::from_str(&text).expect("the schema is JSON");
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft6)
            .should_validate_formats(false)
            .build(&doc)
            .unwrap_or_else(|e| panic!("the Adaptive Card {dir} schema does not compile: {e}"))
    }))
}

/// What is wrong with a request as a Teams message.
pub fn check_message(req: &Seen) -> Vec<String> {
    let Some(body) = req.json() else { return vec!["the body is not JSON".into()] };
    if body["type"] != "message" {
        return vec![format!("`type` is {}, not \"message\"", body["type"])];
    }
    let Some(attachments) = body["attachments"].as_array().filter(|a| !a.is_empty()) else {
        return vec!["no `attachments`".into()];
    };
    let mut problems = Vec::new();
    for (i, a) in attachments.iter().enumerate() {
        if a["contentType"] != CARD_TYPE {
            problems.push(format!("attachments[{i}].contentType is {}, not {CARD_TYPE}", a["contentType"]));
            continue;
        }
        problems.extend(check_card(&a["content"]).into_iter().map(|p| format!("attachments[{i}].content: {p}")));
    }
    problems
}

/// What is wrong with `card` as an Adaptive Card of its version.
pub fn check_card(card: &Value) -> Vec<String> {
    if card["type"] != "AdaptiveCard" {
        return vec![format!("`type` is {}, not \"AdaptiveCard\"", card["type"])];
    }
    let version = card["version"].as_str().unwrap_or("");
    let Some(validator) = schema(version) else {
        return vec![format!("version {version:?} is not one Teams renders (1.0 to 1.5)")];
    };
    // Teams' own extension (`msteams`, e.g. `{"width": "Full"}`) is not in
    // the card schema, whose top level admits no other property: it is
    // checked here and left out of the schema check.
    let mut problems = Vec::new();
    let mut plain = card.clone();
    if let Some(ext) = plain.as_object_mut().and_then(|o| o.remove("msteams")) {
        match ext.as_object() {
            Some(o) => {
                if o.get("width").is_some_and(|w| w != "Full") {
                    problems.push(format!("msteams.width is {}, not \"Full\"", o["width"]));
                }
            }
            None => problems.push("`msteams` is not an object".into()),
        }
    }
    problems.extend(validator.iter_errors(&plain).map(|e| format!("{e} at `{}`", e.instance_path())));
    problems
}

/// The card's text blocks and facts, one per line (what a person reads).
pub fn card_text(card: &Value) -> String {
    let mut lines = Vec::new();
    for item in card["body"].as_array().into_iter().flatten() {
        match item["type"].as_str() {
            Some("TextBlock") => lines.push(item["text"].as_str().unwrap_or_default().to_string()),
            Some("FactSet") => lines.extend(item["facts"].as_array().into_iter().flatten().map(|f| {
                format!("{}: {}", f["title"].as_str().unwrap_or_default(), f["value"].as_str().unwrap_or_default())
            })),
            _ => {}
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cards_are_checked_against_their_schema() {
        let card = json!({"type": "AdaptiveCard", "version": "1.4", "body": [
            {"type": "TextBlock", "text": "hi", "weight": "Bolder", "color": "Attention", "wrap": true},
            {"type": "FactSet", "facts": [{"title": "run", "value": "42"}]}],
            "actions": [{"type": "Action.OpenUrl", "title": "Open", "url": "https://e.com"}],
            "msteams": {"width": "Full"}});
        assert_eq!(check_card(&card), Vec::<String>::new());
        assert_eq!(card_text(&card), "hi\nrun: 42");
        let bad = json!({"type": "AdaptiveCard", "version": "1.4", "body": [{"type": "TextBlock", "color": "Purple"}]});
        assert!(!check_card(&bad).is_empty());
        assert_eq!(check_card(&json!({"type": "AdaptiveCard", "version": "9.9"})).len(), 1);
        let wide = json!({"type": "AdaptiveCard", "version": "1.4", "msteams": {"width": "Wide"}});
        assert_eq!(check_card(&wide).len(), 1);
    }
}
