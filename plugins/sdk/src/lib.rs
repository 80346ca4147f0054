//! The Rust SDK for alerter flavors.
//!
//! A flavor is a WebAssembly component that posts messages to one chat
//! service and lists the replies to them. Implement [`Flavor`] and export it
//! with [`export_flavor!`]; build with `cargo build --target wasm32-wasip2`.
//!
//! ```ignore
//! use alerter_sdk::prelude::*;
//!
//! struct Hello;
//! impl Flavor for Hello {
//!     fn info() -> FlavorInfo {
//!         FlavorInfo {
//!             name: "hello".into(),
//!             version: "0.1.0".into(),
//!             description: "Posts JSON to a webhook".into(),
//!             // The whole URL is the secret; it may only be sent to its own origin.
//!             settings: vec![secret("url", "Webhook URL", SecretSlot::url(), &["{url}"]).required()],
//!             hosts: vec!["{url}".into()],
//!             capabilities: Capabilities::post_only(),
//!         }
//!     }
//!     fn send(settings: &Settings, message: Message) -> Result<Sent, FlavorError> {
//!         let resp = Request::post(settings.require("url")?).json(&serde_json::json!({"text": message.body}))?.send()?;
//!         resp.ensure_success()?;
//!         Ok(Sent::default())
//!     }
//! }
//! export_flavor!(Hello);
//! ```
//!
//! Secrets: a secret setting (declared with [`secret`]) holds an opaque
//! placeholder, never the real value, and says where the value may go: a
//! header in a given format ([`SecretSlot::header`], e.g.
//! `authorization: Bearer {}`), the whole URL ([`SecretSlot::url`], for
//! webhooks) or one path segment ([`SecretSlot::path_segment`]), towards
//! given origins. Write the placeholder exactly there (see
//! [`Request::bearer`]); the host swaps in the real value on the way out,
//! and refuses a request that carries a placeholder anywhere else
//! ([`HttpError::SecretMisplaced`]).

#![deny(missing_docs)]

/// Raw bindings generated from `wit/flavor.wit`. Prefer the re-exports.
#[allow(missing_docs)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "alerter-flavor",
        pub_export_macro: true,
        export_macro_name: "__export_flavor_bindings",
        generate_all,
    });
}

mod chat;
mod form;
mod http;
mod settings;
mod text;
mod types;

pub use bindings::alerter::flavor::http::HttpError;
pub use bindings::alerter::flavor::types::{
    Attachment, Capabilities, FlavorError, FlavorInfo, HeaderSlot, Level, Message, RateLimit, Rejection, RepliesPage,
    Reply, ReplyKind, SecretSlot, SecretSpec, Sent, SettingSpec,
};
pub use chat::{meta, split_reference, zenml_payload, Access, ChatSettings, ZENML_KEYS, ZENML_LOGO};
pub use form::{percent_encode, query, Multipart};
pub use http::{http_error, Request, Response};
pub use settings::Settings;
pub use text::{level_color, level_emoji, level_name, truncate, TRUNCATION_MARKER};

/// Everything a flavor usually needs, in one `use`.
pub mod prelude {
    pub use crate::{
        export_flavor, log, secret, setting, Access, Capabilities, ChatSettings, Flavor, FlavorError, FlavorInfo,
        Level, Message, RepliesPage, Reply, ReplyKind, Request, Response, SecretSlot, Sent, SettingSpec,
        SettingSpecExt, Settings,
    };
}

/// A chat-service flavor. Implement this and export it with
/// [`export_flavor!`].
pub trait Flavor {
    /// Describes the flavor: name, version, settings, network hosts and what
    /// it can do. Must not do I/O.
    fn info() -> FlavorInfo;

    /// Posts `message`; returns a reference the host hands back to
    /// [`Flavor::replies`] and as a thread to reply under.
    fn send(settings: &Settings, message: Message) -> Result<Sent, FlavorError>;

    /// What the flavor can do with these settings; by default what
    /// [`Flavor::info`] says. Override when a setting changes it (a webhook
    /// URL cannot read replies). Must not do I/O.
    fn capabilities_for(settings: &Settings) -> Capabilities {
        let _ = settings;
        Self::info().capabilities
    }

    /// Lists replies to the message `reference` posted after `cursor`
    /// (oldest first, then reactions). The default says the flavor cannot
    /// read replies.
    fn replies(settings: &Settings, reference: String, cursor: Option<String>) -> Result<RepliesPage, FlavorError> {
        let _ = (settings, reference, cursor);
        Err(FlavorError::Unsupported("this flavor cannot read replies".to_string()))
    }

    /// Replaces the content of the posted message `reference` with
    /// `message`. The default says the flavor cannot (set
    /// `capabilities.update` when you implement it).
    fn update(settings: &Settings, reference: String, message: Message) -> Result<(), FlavorError> {
        let _ = (settings, reference, message);
        Err(FlavorError::Unsupported("this flavor cannot update messages".to_string()))
    }
}

/// Declares one plain (not secret) setting for [`FlavorInfo::settings`].
///
/// `setting("channel_id", "Channel to post to", Required)`; see [`Need`].
/// Secrets are declared with [`secret`].
pub fn setting(name: &str, description: &str, need: Need) -> SettingSpec {
    SettingSpec {
        name: name.to_string(),
        description: description.to_string(),
        required: matches!(need, Need::Required),
        secret: None,
        default: match need {
            Need::Default(d) => Some(d.to_string()),
            _ => None,
        },
    }
}

/// Declares an optional secret setting: the flavor receives a placeholder,
/// which the host replaces with the value only in `slot`, and only in
/// requests to `origins` (each `scheme://host[:port]` or `{setting}`, and
/// each also among the flavor's `hosts`). Make it required with
/// [`SettingSpecExt::required`].
///
/// ```ignore
/// secret("token", "Bot token", SecretSlot::header("authorization", "Bearer {}"), &["https://slack.com", "{api_base}"])
/// secret("webhook_url", "Webhook URL", SecretSlot::url(), &["{webhook_url}"])
/// secret("token", "Bot token", SecretSlot::path_segment("bot{}"), &["https://api.telegram.org"])
/// ```
pub fn secret(name: &str, description: &str, slot: SecretSlot, origins: &[&str]) -> SettingSpec {
    SettingSpec {
        name: name.to_string(),
        description: description.to_string(),
        required: false,
        secret: Some(SecretSpec { slot, origins: origins.iter().map(|o| o.to_string()).collect() }),
        default: None,
    }
}

/// Builder methods on a [`SettingSpec`].
pub trait SettingSpecExt {
    /// The same setting, required.
    fn required(self) -> Self;
}

impl SettingSpecExt for SettingSpec {
    fn required(mut self) -> Self {
        self.required = true;
        self
    }
}

/// How a plain setting is needed; see [`setting`] (secrets: [`secret`]).
#[derive(Debug, Clone, Copy)]
pub enum Need {
    /// Must be given.
    Required,
    /// May be given.
    Optional,
    /// Has this default.
    Default(&'static str),
}

/// Logging to the host's log (shown with the flavor's name, secrets
/// redacted).
pub mod log {
    use crate::bindings::alerter::flavor::log::{write, LogLevel};

    /// Logs at debug level.
    pub fn debug(message: &str) {
        write(LogLevel::Debug, message);
    }
    /// Logs at info level.
    pub fn info(message: &str) {
        write(LogLevel::Info, message);
    }
    /// Logs at warn level.
    pub fn warn(message: &str) {
        write(LogLevel::Warn, message);
    }
    /// Logs at error level.
    pub fn error(message: &str) {
        write(LogLevel::Error, message);
    }
}

/// Exports a type implementing [`Flavor`] as the component's `flavor`
/// interface. Use once per flavor crate.
#[macro_export]
macro_rules! export_flavor {
    ($flavor:ty) => {
        #[doc(hidden)]
        struct __AlerterFlavorExport;

        impl $crate::bindings::exports::alerter::flavor::flavor::Guest for __AlerterFlavorExport {
            fn info() -> $crate::FlavorInfo {
                <$flavor as $crate::Flavor>::info()
            }
            fn capabilities_for(
                settings: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
            ) -> $crate::Capabilities {
                <$flavor as $crate::Flavor>::capabilities_for(&$crate::Settings::new(settings))
            }
            fn send(
                settings: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
                message: $crate::Message,
            ) -> ::core::result::Result<$crate::Sent, $crate::FlavorError> {
                <$flavor as $crate::Flavor>::send(&$crate::Settings::new(settings), message)
            }
            fn replies(
                settings: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
                reference: ::std::string::String,
                cursor: ::core::option::Option<::std::string::String>,
            ) -> ::core::result::Result<$crate::RepliesPage, $crate::FlavorError> {
                <$flavor as $crate::Flavor>::replies(&$crate::Settings::new(settings), reference, cursor)
            }
            fn update(
                settings: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
                reference: ::std::string::String,
                message: $crate::Message,
            ) -> ::core::result::Result<(), $crate::FlavorError> {
                <$flavor as $crate::Flavor>::update(&$crate::Settings::new(settings), reference, message)
            }
        }

        $crate::bindings::__export_flavor_bindings!(__AlerterFlavorExport with_types_in $crate::bindings);
    };
}
