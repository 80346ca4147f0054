//! Pieces every chat-service flavor needs: bot-or-webhook access, message
//! references, and ZenML's alerter payload.

use crate::{FlavorError, Message, Settings};

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
