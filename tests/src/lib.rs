//! Test support for the `alerter` end-to-end tests: a runner for the real
//! `alerter` binary, local stand-ins of the chat services, and the paths of
//! the built wasm flavors.

pub mod cli;
pub mod discord;
pub mod echo;
pub mod server;
pub mod slack;

/// Paths of the wasm flavors built from plugins/ by build.rs.
pub mod flavors {
    include!(concat!(env!("OUT_DIR"), "/flavors.rs"));
}
