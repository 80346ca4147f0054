//! The flavors built into the library (plugins/slack, plugins/discord,
//! plugins/mattermost),
//! compiled to components by build.rs and embedded.

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/builtin.rs"));
}

/// Names of the built-in flavors.
pub(crate) const NAMES: &[&str] = &["slack", "discord", "mattermost"];

/// The component bytes of a built-in flavor.
pub(crate) fn component(name: &str) -> Option<&'static [u8]> {
    match name {
        "slack" => Some(embedded::SLACK),
        "discord" => Some(embedded::DISCORD),
        "mattermost" => Some(embedded::MATTERMOST),
        _ => None,
    }
}
