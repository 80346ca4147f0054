//! Mattermost's API description as the stand-in applies it: the vendored
//! OpenAPI fragments of tests/specs/mattermost/v4/source (paths from
//! posts, reactions, users and webhooks; schemas from definitions) merged
//! into one document, as the upstream build merges them, and checked with
//! [`crate::chat::OpenApi`] for every API request.
//!
//! Where the description is wrong about what a server takes, the stand-in
//! follows the server and lists the difference in [`SPEC_DEFECTS`].

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::chat::{OpenApi, Seen};

/// The OpenAPI fragments that hold paths.
const PATH_FILES: &[&str] = &["posts.yaml", "reactions.yaml", "users.yaml", "webhooks.yaml"];

/// Known defects of the vendored description: (operation, what it says,
/// what servers do). Problems they cause are not reported.
pub const SPEC_DEFECTS: &[(&str, &str, &str)] = &[(
    "PatchPost",
    "`props` is a string",
    "`props` is an object, like CreatePost's (model.PostPatch.Props is a StringInterface map)",
)];

/// The operations the vendored description does not cover, and how the
/// stand-in checks them instead.
pub const NOT_DESCRIBED: &[(&str, &str)] = &[(
    "POST /api/v4/files",
    "files.yaml is not vendored: the stand-in checks the multipart body itself (a `channel_id` field, 1 to 5 \
     `files` parts with a file name)",
)];

/// Where the fragments are.
pub fn spec_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/mattermost/v4/source")
}

/// The merged document.
pub fn openapi() -> &'static OpenApi {
    static API: OnceLock<OpenApi> = OnceLock::new();
    API.get_or_init(|| {
        let read = |name: &str| -> Value {
            let path = spec_dir().join(name);
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()))
        };
        let mut paths = serde_json::Map::new();
        for file in PATH_FILES {
            if let Value::Object(p) = read(file) {
                paths.extend(p);
            }
        }
        let definitions = read("definitions.yaml");
        OpenApi::new(json!({"paths": paths, "components": definitions["components"].clone()}))
    })
}

/// What is wrong with `req` as a call of the API (less [`SPEC_DEFECTS`]).
pub fn check(req: &Seen) -> Vec<String> {
    let api = openapi();
    let defect = api
        .operation(&req.method, &req.path)
        .and_then(|op| SPEC_DEFECTS.iter().find(|(id, _, _)| *id == op.id))
        .map(|(_, said, _)| said.split('`').nth(1).unwrap_or_default());
    api.check(req, "")
        .into_iter()
        .filter(|p| !defect.is_some_and(|field| p.contains(&format!("at `/{field}`"))))
        .collect()
}
