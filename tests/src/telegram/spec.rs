//! The Telegram Bot API description as the stand-in applies it:
//! tests/specs/telegram/api.json (every method's fields with their types and
//! whether they are required, every type's fields), checked for every
//! request: the method exists, no unknown field, every required field
//! present, every value of a declared type (objects recursively; a
//! JSON-serialized object or array in a form or multipart field is parsed
//! first, as Telegram does).

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;

/// The vendored description.
pub fn api() -> &'static Value {
    static API: OnceLock<Value> = OnceLock::new();
    API.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/telegram/api.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        serde_json::from_str(&text).expect("api.json is JSON")
    })
}

/// Where a parameter came from: a JSON body keeps JSON types; a query, a
/// form or a multipart body carries strings (and files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    /// `application/json`.
    Json,
    /// Query string, urlencoded or multipart form.
    Form,
}

/// One parameter of a call: a value, or (multipart only) a file.
#[derive(Debug, Clone)]
pub enum Param {
    /// A value.
    Value(Value),
    /// An uploaded file.
    File,
}

/// What is wrong with a call of `method` with `params`.
pub fn check(method: &str, params: &[(String, Param)], carrier: Carrier) -> Vec<String> {
    let Some(spec) = api()["methods"].get(method) else {
        return vec![format!("{method}: no such method in the Bot API")];
    };
    let fields = spec["fields"].as_array().cloned().unwrap_or_default();
    let mut problems = Vec::new();
    for (name, param) in params {
        let Some(field) = fields.iter().find(|f| f["name"] == name.as_str()) else {
            problems.push(format!("{method}: unknown parameter `{name}`"));
            continue;
        };
        let types = strings(&field["types"]);
        let ok = match param {
            Param::File => types.iter().any(|t| t.starts_with("InputFile")),
            Param::Value(v) => types.iter().any(|t| fits(t, v, carrier, &mut Vec::new())),
        };
        if !ok {
            let mut why = Vec::new();
            if let Param::Value(v) = param {
                for t in &types {
                    fits(t, v, carrier, &mut why);
                }
            }
            problems.push(format!("{method}: `{name}` is not {}{}", types.join(" or "), reasons(&why)));
        }
    }
    for f in fields.iter().filter(|f| f["required"] == true) {
        if !params.iter().any(|(n, _)| f["name"] == n.as_str()) {
            problems.push(format!("{method}: missing required parameter {}", f["name"]));
        }
    }
    problems
}

fn reasons(why: &[String]) -> String {
    if why.is_empty() {
        String::new()
    } else {
        format!(" ({})", why.join("; "))
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(|t| t.as_str().map(str::to_string)).collect()
}

/// `value` is of Bot API type `ty` (`Integer`, `Array of String`,
/// `ReplyParameters`, ...); reasons for a misfit go to `why`.
fn fits(ty: &str, value: &Value, carrier: Carrier, why: &mut Vec<String>) -> bool {
    // A form carries every value as text: numbers and booleans as written,
    // objects and arrays JSON-serialized.
    if carrier == Carrier::Form {
        if let Value::String(s) = value {
            return match ty {
                "String" => true,
                "Integer" => s.parse::<i64>().is_ok(),
                "Float" => s.parse::<f64>().is_ok(),
                "Boolean" => matches!(s.as_str(), "true" | "false"),
                _ => serde_json::from_str::<Value>(s).is_ok_and(|v| fits(ty, &v, Carrier::Json, why)),
            };
        }
    }
    match ty {
        "String" => value.is_string(),
        "Integer" => value.is_i64() || value.is_u64(),
        "Float" => value.is_number(),
        "Boolean" => value.is_boolean(),
        "InputFile" => false,
        _ => {
            if let Some(item) = ty.strip_prefix("Array of ") {
                return value.as_array().is_some_and(|items| items.iter().all(|v| fits(item, v, Carrier::Json, why)));
            }
            object_fits(ty, value, why)
        }
    }
}

fn object_fits(ty: &str, value: &Value, why: &mut Vec<String>) -> bool {
    let Some(spec) = api()["types"].get(ty) else {
        why.push(format!("unknown type {ty}"));
        return false;
    };
    if let Some(subtypes) = spec["subtypes"].as_array() {
        return subtypes.iter().filter_map(Value::as_str).any(|s| object_fits(s, value, why));
    }
    let Some(obj) = value.as_object() else { return false };
    let fields = spec["fields"].as_array().cloned().unwrap_or_default();
    let mut ok = true;
    for (k, v) in obj {
        match fields.iter().find(|f| f["name"] == k.as_str()) {
            None => {
                why.push(format!("{ty} has no field `{k}`"));
                ok = false;
            }
            Some(f) => {
                if !strings(&f["types"]).iter().any(|t| fits(t, v, Carrier::Json, why)) {
                    why.push(format!("{ty}.{k} is not {}", strings(&f["types"]).join(" or ")));
                    ok = false;
                }
            }
        }
    }
    for f in fields.iter().filter(|f| f["required"] == true) {
        if !obj.contains_key(f["name"].as_str().unwrap_or_default()) {
            why.push(format!("{ty} lacks {}", f["name"]));
            ok = false;
        }
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(v: Value) -> Vec<(String, Param)> {
        v.as_object().unwrap().iter().map(|(k, v)| (k.clone(), Param::Value(v.clone()))).collect()
    }

    #[test]
    fn checks_methods_fields_and_types() {
        let ok = params(json!({"chat_id": 42, "text": "hi", "parse_mode": "HTML",
                               "reply_parameters": {"message_id": 7, "allow_sending_without_reply": true},
                               "link_preview_options": {"is_disabled": true}}));
        assert_eq!(check("sendMessage", &ok, Carrier::Json), Vec::<String>::new());
        let bad = params(json!({"chat_id": true, "txt": "hi", "reply_parameters": {"message": 7}}));
        let problems = check("sendMessage", &bad, Carrier::Json);
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert_eq!(check("sendMesage", &[], Carrier::Json).len(), 1);
        let form = vec![
            ("chat_id".to_string(), Param::Value(json!("-1001"))),
            ("reply_parameters".to_string(), Param::Value(json!("{\"message_id\": 3}"))),
            ("photo".to_string(), Param::File),
        ];
        assert_eq!(check("sendPhoto", &form, Carrier::Form), Vec::<String>::new());
        let updates = params(
            json!({"offset": 5, "limit": 100, "timeout": 0, "allowed_updates": ["message", "message_reaction"]}),
        );
        assert_eq!(check("getUpdates", &updates, Carrier::Json), Vec::<String>::new());
    }
}
