//! Checks requests against an OpenAPI 3 description, for stand-ins whose
//! service publishes one: the operation (method and path template), its
//! path and query parameters (declared, required ones present, integers
//! and booleans well-formed) and its JSON body (JSON Schema validation of
//! the request body schema, every `#/components/...` `$ref` resolved inside
//! the document). A stand-in calls [`OpenApi::check`] for every request and
//! reports what it returns as spec violations.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use super::seen::Seen;

/// An OpenAPI document, with its body validators compiled on first use.
pub struct OpenApi {
    doc: Value,
    validators: Mutex<HashMap<(String, String), Arc<jsonschema::Validator>>>,
}

/// The operation a request matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Its `operationId` (`CreatePost`), else `METHOD template`.
    pub id: String,
    /// The path template (`/api/v4/posts/{post_id}/patch`).
    pub template: String,
    /// The path parameters, by name.
    pub params: Vec<(String, String)>,
}

impl OpenApi {
    /// The document `doc` (`paths` and `components`).
    pub fn new(doc: Value) -> OpenApi {
        OpenApi { doc, validators: Mutex::new(HashMap::new()) }
    }

    /// The operation for `method` on `path` (the path as the document
    /// writes it, e.g. `/api/v4/posts`); the template with the most literal
    /// segments wins (`/posts/ids` over `/posts/{post_id}`).
    pub fn operation(&self, method: &str, path: &str) -> Option<Operation> {
        let method = method.to_ascii_lowercase();
        let segments: Vec<&str> = path.split('/').collect();
        let paths = self.doc["paths"].as_object()?;
        paths
            .iter()
            .filter(|(_, item)| item.get(&method).is_some())
            .filter_map(|(template, item)| {
                let parts: Vec<&str> = template.split('/').collect();
                if parts.len() != segments.len() {
                    return None;
                }
                let mut params = Vec::new();
                let mut literal = 0;
                for (t, s) in parts.iter().zip(&segments) {
                    match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                        Some(name) if !s.is_empty() => params.push((name.to_string(), s.to_string())),
                        Some(_) => return None,
                        None if t == s => literal += 1,
                        None => return None,
                    }
                }
                let id = item[&method]["operationId"]
                    .as_str()
                    .map_or_else(|| format!("{} {template}", method.to_ascii_uppercase()), str::to_string);
                Some((literal, Operation { id, template: template.clone(), params }))
            })
            .max_by_key(|(literal, _)| *literal)
            .map(|(_, op)| op)
    }

    /// What is wrong with `req` as a call of this API, whose paths start
    /// after `prefix` of the request path (`""` when the document has the
    /// whole path). Empty when it conforms.
    pub fn check(&self, req: &Seen, prefix: &str) -> Vec<String> {
        let line = req.line();
        let Some(path) = req.path.strip_prefix(prefix) else {
            return vec![format!("{line}: outside the API ({prefix})")];
        };
        let Some(op) = self.operation(&req.method, path) else {
            return vec![format!("{line}: no such operation in the spec")];
        };
        let spec = &self.doc["paths"][&op.template][req.method.to_ascii_lowercase()];
        let mut problems = Vec::new();
        let declared: Vec<&Value> = spec["parameters"].as_array().into_iter().flatten().collect();
        let query = req.query_params();
        for (name, value) in &query {
            match declared.iter().find(|p| p["in"] == "query" && p["name"] == name.as_str()) {
                None => problems.push(format!("{} {}: unknown query parameter `{name}`", req.method, op.template)),
                Some(p) => {
                    if let Some(why) = scalar_problem(&p["schema"], value) {
                        problems.push(format!("{} {}: query `{name}={value}`: {why}", req.method, op.template));
                    }
                }
            }
        }
        for p in declared.iter().filter(|p| p["required"] == true && p["in"] == "query") {
            if !query.iter().any(|(k, _)| p["name"] == k.as_str()) {
                problems
                    .push(format!("{} {}: missing required query parameter {}", req.method, op.template, p["name"]));
            }
        }
        problems.extend(self.body_problems(req, &op, &spec["requestBody"]));
        problems
    }

    fn body_problems(&self, req: &Seen, op: &Operation, body_spec: &Value) -> Vec<String> {
        let what = format!("{} {}", req.method, op.template);
        if body_spec.is_null() {
            return if req.body.is_empty() { Vec::new() } else { vec![format!("{what}: takes no body")] };
        }
        if req.body.is_empty() {
            return if body_spec["required"] == true {
                vec![format!("{what}: the body is required")]
            } else {
                Vec::new()
            };
        }
        let content_type =
            req.header("content-type").unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        let Some(media) = body_spec["content"].get(&content_type) else {
            let allowed: Vec<&String> =
                body_spec["content"].as_object().map(|o| o.keys().collect()).unwrap_or_default();
            return vec![format!("{what}: content type `{content_type}` is not one of {allowed:?}")];
        };
        if content_type != "application/json" {
            return Vec::new();
        }
        let Some(body) = req.json() else { return vec![format!("{what}: the body is not JSON")] };
        let validator = self.validator(&op.template, &req.method, &media["schema"]);
        validator.iter_errors(&body).map(|e| format!("{what}: body: {e} at `{}`", e.instance_path())).collect()
    }

    /// The JSON Schema validator of one request body: the body schema with
    /// the document's components beside it, so `#/components/...` resolves.
    fn validator(&self, template: &str, method: &str, schema: &Value) -> Arc<jsonschema::Validator> {
        let key = (template.to_string(), method.to_string());
        let mut cache = self.validators.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(key)
            .or_insert_with(|| {
                let root =
                    json!({"components": openapi_to_json_schema(&self.doc["components"]), "allOf": [openapi_to_json_schema(schema)]});
                let validator = jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft7)
                    .should_validate_formats(false)
                    .build(&root)
                    .unwrap_or_else(|e| panic!("the spec's schema for {method} {template} does not compile: {e}"));
                Arc::new(validator)
            })
            .clone()
    }
}

/// An OpenAPI 3.0 schema as JSON Schema: `nullable: true` becomes a type
/// that also allows null (the rest of 3.0's keywords mean the same, or are
/// annotations).
fn openapi_to_json_schema(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out: serde_json::Map<String, Value> =
                map.iter().map(|(k, v)| (k.clone(), openapi_to_json_schema(v))).collect();
            if out.remove("nullable") == Some(Value::Bool(true)) {
                if let Some(Value::String(t)) = out.get("type").cloned() {
                    out.insert("type".into(), json!([t, "null"]));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(openapi_to_json_schema).collect()),
        other => other.clone(),
    }
}

/// Why `value` (a query or path parameter) does not fit `schema`.
fn scalar_problem(schema: &Value, value: &str) -> Option<String> {
    match schema["type"].as_str() {
        Some("integer") if value.parse::<i64>().is_err() => Some("not an integer".into()),
        Some("boolean") if !matches!(value, "true" | "false") => Some("not true or false".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(method: &str, path: &str, query: &str, body: &str) -> Seen {
        Seen {
            operation: String::new(),
            method: method.into(),
            path: path.into(),
            query: query.into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
            at: std::time::Instant::now(),
            status: 0,
            error: None,
            faulted: false,
        }
    }

    fn api() -> OpenApi {
        OpenApi::new(json!({
            "paths": {
                "/posts": {"post": {"operationId": "CreatePost", "requestBody": {"required": true, "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/NewPost"}}}}}},
                "/posts/{post_id}": {"get": {"operationId": "GetPost", "parameters": [
                    {"name": "post_id", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "since", "in": "query", "schema": {"type": "integer"}}]}},
                "/posts/ids": {"get": {"operationId": "GetPostsByIds"}},
            },
            "components": {"schemas": {"NewPost": {"type": "object", "required": ["message"],
                "properties": {"message": {"type": "string"}, "root_id": {"type": "string", "nullable": true}}}}},
        }))
    }

    #[test]
    fn operations_match_templates_literal_segments_first() {
        let a = api();
        let op = a.operation("GET", "/posts/abc").unwrap();
        assert_eq!((op.id.as_str(), op.params), ("GetPost", vec![("post_id".to_string(), "abc".to_string())]));
        assert_eq!(a.operation("GET", "/posts/ids").unwrap().id, "GetPostsByIds");
        assert_eq!(a.operation("DELETE", "/posts/abc"), None);
        assert_eq!(a.operation("GET", "/posts/"), None);
    }

    #[test]
    fn requests_are_checked_for_query_and_body() {
        let a = api();
        assert!(a.check(&seen("POST", "/api/posts", "", r#"{"message":"hi","root_id":null}"#), "/api").is_empty());
        assert!(a.check(&seen("GET", "/api/posts/x", "since=5", ""), "/api").is_empty());
        let problems = a.check(&seen("GET", "/api/posts/x", "since=soon&page=2", ""), "/api");
        assert_eq!(problems.len(), 2, "{problems:?}");
        let problems = a.check(&seen("POST", "/api/posts", "", r#"{"root_id":1}"#), "/api");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(a.check(&seen("POST", "/api/posts", "", ""), "/api").len(), 1);
        assert_eq!(a.check(&seen("PUT", "/api/elsewhere", "", ""), "/api").len(), 1);
    }
}
