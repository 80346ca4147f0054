//! Slack's documented limits on blocks; a flavor that overflows one is
//! rejected here as it would be by Slack.

use serde_json::Value;

/// Checks blocks against Slack's documented limits; the list of problems.
pub fn check_blocks(blocks: &Value) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    let Some(blocks) = blocks.as_array() else { return Err(vec!["blocks must be an array".into()]) };
    if blocks.len() > 50 {
        errors.push(format!("{} blocks, over 50", blocks.len()));
    }
    let text_len = |v: &Value| v["text"].as_str().map(|t| t.chars().count());
    for (i, b) in blocks.iter().enumerate() {
        let too_long = |what: &str, len: Option<usize>, max: usize| {
            len.filter(|l| *l > max).map(|l| format!("block {i}: {what} is {l} characters, over {max}"))
        };
        match b["type"].as_str() {
            Some("header") => {
                if b["text"]["type"] != "plain_text" {
                    errors.push(format!("block {i}: header text must be plain_text"));
                }
                errors.extend(too_long("header text", text_len(&b["text"]), 150));
            }
            Some("section") => {
                if b.get("text").is_none() && b.get("fields").is_none() {
                    errors.push(format!("block {i}: section needs text or fields"));
                }
                if b.get("text").is_some() {
                    match text_len(&b["text"]) {
                        Some(0) | None => errors.push(format!("block {i}: section text must be non-empty")),
                        l => errors.extend(too_long("section text", l, 3000)),
                    }
                }
                if let Some(fields) = b["fields"].as_array() {
                    if fields.len() > 10 {
                        errors.push(format!("block {i}: {} fields, over 10", fields.len()));
                    }
                    for f in fields {
                        errors.extend(too_long("field", text_len(f), 2000));
                    }
                }
            }
            Some("context") => {
                if b["elements"].as_array().is_none_or(|e| e.is_empty() || e.len() > 10) {
                    errors.push(format!("block {i}: context needs 1 to 10 elements"));
                }
            }
            Some("actions") => {
                for e in b["elements"].as_array().into_iter().flatten() {
                    errors.extend(too_long("button text", text_len(&e["text"]), 75));
                    errors.extend(too_long("button url", e["url"].as_str().map(|u| u.chars().count()), 3000));
                }
            }
            Some(_) => {}
            None => errors.push(format!("block {i}: no type")),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
