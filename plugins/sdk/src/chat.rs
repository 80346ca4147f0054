//! Pieces every chat-service flavor needs: bot-or-webhook access, message
//! references, and ZenML's alerter payload.

use crate::{secret, setting, FlavorError, Message, Need, SecretSlot, SettingSpec, Settings};

/// How a flavor reaches its service, from the usual settings: a bot token
/// with a channel (the API: post and read replies) or a webhook URL (post
/// only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access<'a> {
    /// `token` and `channel_id` are set.
    Bot {
        /// The token (a placeholder for the secret).
        token: &'a str,
        /// The channel id, trimmed.
        channel: &'a str,
    },
    /// `webhook_url` is set (a placeholder for the secret URL).
    Webhook {
        /// The webhook URL.
        url: &'a str,
    },
}

impl Settings {
    /// Reads `token` + `channel_id` or `webhook_url`: exactly one of `token`
    /// and `webhook_url`, and `channel_id` with `token`. `channel_example`
    /// (e.g. `C0123456789`) appears in the error for a missing channel.
    pub fn access(&self, channel_example: &str) -> Result<Access<'_>, FlavorError> {
        match (self.get("token"), self.get("webhook_url")) {
            (Some(_), Some(_)) => Err(FlavorError::InvalidSettings(
                "set either `token` (bot mode) or `webhook_url` (webhook mode), not both".into(),
            )),
            (None, None) => Err(FlavorError::InvalidSettings(
                "set `token` (a bot token, with `channel_id`) or `webhook_url` (a webhook, post only): exactly one is required"
                    .into(),
            )),
            (Some(token), None) => {
                let channel = self.get("channel_id").map(str::trim).ok_or_else(|| {
                    FlavorError::InvalidSettings(format!(
                        "setting `channel_id` is required with `token`: pass --set channel_id={channel_example}"
                    ))
                })?;
                Ok(Access::Bot { token, channel })
            }
            (None, Some(url)) => Ok(Access::Webhook { url: url.trim() }),
        }
    }
}

/// The four settings of a bot-or-webhook chat flavor, as [`Access`] reads
/// them: `token` (a secret sent in `token_slot` to `origin` and
/// `{api_base}`), `channel_id`, `webhook_url` (a secret URL, sent only to
/// its own origin) and `api_base` (defaulting to `default_api_base`).
#[derive(Debug, Clone)]
pub struct ChatSettings {
    /// What `token` is, shown by `alerter flavor describe`.
    pub token: &'static str,
    /// Where the token goes: `SecretSlot::header("authorization", "Bearer {}")`.
    pub token_slot: SecretSlot,
    /// The service's own origin, which the token may go to (besides
    /// `{api_base}`).
    pub origin: &'static str,
    /// What `channel_id` is.
    pub channel: &'static str,
    /// What `webhook_url` is.
    pub webhook: &'static str,
    /// What `api_base` is.
    pub api_base: &'static str,
    /// `api_base`'s default.
    pub default_api_base: &'static str,
}

impl ChatSettings {
    /// The setting specs, in the order `token`, `channel_id`, `webhook_url`,
    /// `api_base`.
    pub fn specs(self) -> Vec<SettingSpec> {
        vec![
            secret("token", self.token, self.token_slot, &[self.origin, "{api_base}"]),
            setting("channel_id", self.channel, Need::Optional),
            secret("webhook_url", self.webhook, SecretSlot::url(), &["{webhook_url}"]),
            setting("api_base", self.api_base, Need::Default(self.default_api_base)),
        ]
    }
}

impl Settings {
    /// Webhook mode: `webhook_url` is set and `token` is not (what
    /// `capabilities_for` needs to know, without I/O).
    pub fn is_webhook(&self) -> bool {
        matches!(self.access("-"), Ok(Access::Webhook { .. }))
    }
}

/// Splits a `CHANNEL:ID` message reference; a bare `ID` belongs to
/// `default_channel`. `None` when a part is empty or missing.
pub fn split_reference<'r>(reference: &'r str, default_channel: Option<&'r str>) -> Option<(&'r str, &'r str)> {
    let reference = reference.trim();
    let (channel, id) = match reference.split_once(':') {
        Some((c, m)) => (c, m),
        None => (default_channel?, reference),
    };
    (!channel.is_empty() && !id.is_empty()).then_some((channel, id))
}

/// The metadata keys of ZenML's alerter payload (`SlackAlerterPayload`,
/// `DiscordAlerterPayload`).
pub const ZENML_KEYS: [&str; 3] = ["pipeline_name", "step_name", "stack_name"];

/// The logo ZenML's layouts show.
pub const ZENML_LOGO: &str =
    "https://zenml-strapi-media.s3.eu-central-1.amazonaws.com/03_Zen_ML_Logo_Square_White_efefc24ae7.png";

/// The last value of metadata `key`.
pub fn meta<'m>(message: &'m Message, key: &str) -> Option<&'m str> {
    message.metadata.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// `[pipeline, step, stack]` when the metadata carries any ZenML payload
/// key; a missing one reads `None`, as ZenML's f-strings print it.
pub fn zenml_payload(message: &Message) -> Option<[&str; 3]> {
    if ZENML_KEYS.iter().all(|k| meta(message, k).is_none()) {
        return None;
    }
    Some(ZENML_KEYS.map(|k| meta(message, k).unwrap_or("None")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        Settings::new(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn access_needs_exactly_one_mode() {
        assert_eq!(
            settings(&[("token", "t"), ("channel_id", " C1 ")]).access("C0").unwrap(),
            Access::Bot { token: "t", channel: "C1" }
        );
        assert_eq!(
            settings(&[("webhook_url", "https://h")]).access("C0").unwrap(),
            Access::Webhook { url: "https://h" }
        );
        let err = |s: Settings| match s.access("C0") {
            Err(FlavorError::InvalidSettings(m)) => m,
            other => panic!("{other:?}"),
        };
        assert!(err(settings(&[("token", "t"), ("webhook_url", "w")])).contains("not both"));
        assert!(err(settings(&[])).contains("exactly one"));
        assert!(err(settings(&[("token", "t")])).contains("--set channel_id=C0"));
    }

    #[test]
    fn chat_settings_declare_the_four_settings() {
        let specs = ChatSettings {
            token: "Bot token",
            token_slot: SecretSlot::header("authorization", "Bearer {}"),
            origin: "https://chat.example",
            channel: "Channel",
            webhook: "Webhook URL",
            api_base: "API base",
            default_api_base: "https://chat.example/api",
        }
        .specs();
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["token", "channel_id", "webhook_url", "api_base"]);
        let token = specs[0].secret.as_ref().unwrap();
        assert_eq!(token.origins, ["https://chat.example", "{api_base}"]);
        assert!(matches!(specs[2].secret.as_ref().unwrap().slot, SecretSlot::Url));
        assert_eq!(specs[2].secret.as_ref().unwrap().origins, ["{webhook_url}"]);
        assert_eq!(specs[3].default.as_deref(), Some("https://chat.example/api"));
        assert!(specs.iter().all(|s| !s.required));
        assert!(settings(&[("webhook_url", "https://h")]).is_webhook());
        assert!(!settings(&[("token", "t"), ("channel_id", "1")]).is_webhook());
        assert!(!settings(&[("token", "t"), ("webhook_url", "https://h")]).is_webhook());
    }

    #[test]
    fn references_and_zenml_payload() {
        assert_eq!(split_reference("C1:17.5", None), Some(("C1", "17.5")));
        assert_eq!(split_reference("17.5", Some("C2")), Some(("C2", "17.5")));
        assert_eq!(split_reference("C1:", None), None);
        assert_eq!(split_reference("17.5", None), None);
        let mut m = Message { level: Level::Info, ..Message::text("b") };
        assert_eq!(zenml_payload(&m), None);
        m.metadata.push(("step_name".into(), "trainer".into()));
        assert_eq!(zenml_payload(&m), Some(["None", "trainer", "None"]));
    }
}
