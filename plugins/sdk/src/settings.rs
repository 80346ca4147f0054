//! Settings handed to each call.

use crate::FlavorError;

/// The settings of one call: the alerter's values with the call's `--set`
/// overrides laid over them and defaults filled in by the host.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pairs: Vec<(String, String)>,
}

impl Settings {
    /// Wraps the pairs the host passed.
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Settings { pairs }
    }

    /// The value of `name`, if set to something non-empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.trim().is_empty())
    }

    /// The value of `name`, or an `invalid-settings` error saying how to set it.
    pub fn require(&self, name: &str) -> Result<&str, FlavorError> {
        self.get(name).ok_or_else(|| {
            FlavorError::InvalidSettings(format!("setting `{name}` is required: pass --set {name}=VALUE"))
        })
    }
}
