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
//!     fn info() -> FlavorInfo { /* name, settings, hosts */ }
//!     fn send(settings: &Settings, message: Message) -> Result<Sent, FlavorError> {
//!         let resp = Request::post(settings.require("url")?).json(&serde_json::json!({"text": message.body}))?.send()?;
//!         resp.ensure_success()?;
//!         Ok(Sent { reference: String::new(), link: None })
//!     }
//! }
//! export_flavor!(Hello);
//! ```
//!
//! Secrets: a setting declared `secret` holds an opaque placeholder, never
//! the real value. Put it in a URL or header as is (see
//! [`Request::bearer`]); the host swaps in the real value on the way out.

#![deny(missing_docs)]

/// Raw bindings generated from `wit/flavor.wit`. Prefer the re-exports.
#[allow(missing_docs)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/archive/0.1.0",
        world: "alerter-flavor",
        pub_export_macro: true,
        export_macro_name: "__export_flavor_bindings",
        generate_all,
    });
}

mod chat;
mod http;
mod settings;
mod text;

pub use bindings::alerter::flavor::http::HttpError;
pub use bindings::alerter::flavor::types::{
    Capabilities, FlavorError, FlavorInfo, Level, Message, RateLimit, Rejection, RepliesPage, Reply, Sent, SettingSpec,
};
pub use chat::{meta, split_reference, zenml_payload, Access, ZENML_KEYS, ZENML_LOGO};
pub use http::{Request, Response};
pub use settings::Settings;
pub use text::{level_color, level_emoji, level_name, truncate, TRUNCATION_MARKER};

/// Everything a flavor usually needs, in one `use`.
pub mod prelude {
    pub use crate::{
        export_flavor, log, setting, Access, Capabilities, Flavor, FlavorError, FlavorInfo, Level, Message,
        RepliesPage, Reply, Request, Response, Sent, SettingSpec, Settings,
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
    /// (oldest first). The default says the flavor cannot read replies.
    fn replies(settings: &Settings, reference: String, cursor: Option<String>) -> Result<RepliesPage, FlavorError> {
        let _ = (settings, reference, cursor);
        Err(FlavorError::Unsupported("this flavor cannot read replies".to_string()))
    }
}

/// Declares one setting for [`FlavorInfo::settings`].
///
/// `setting("channel_id", "Channel to post to", Required)`; see [`Need`].
pub fn setting(name: &str, description: &str, need: Need) -> SettingSpec {
    SettingSpec {
        name: name.to_string(),
        description: description.to_string(),
        required: matches!(need, Need::Required | Need::RequiredSecret),
        secret: matches!(need, Need::Secret | Need::RequiredSecret),
        default: match need {
            Need::Default(d) => Some(d.to_string()),
            _ => None,
        },
    }
}

/// How a setting is needed; see [`setting`].
#[derive(Debug, Clone, Copy)]
pub enum Need {
    /// Must be given.
    Required,
    /// May be given.
    Optional,
    /// May be given; a secret (the flavor sees a placeholder).
    Secret,
    /// Must be given; a secret.
    RequiredSecret,
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
        }

        $crate::bindings::__export_flavor_bindings!(__AlerterFlavorExport with_types_in $crate::bindings);
    };
}
