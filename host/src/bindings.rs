//! Host bindings to the flavor contract, one module per WIT version.
//!
//! Only `alerter:flavor@0.1.x` exists so far. When a new version is added,
//! it gets a module of its own here and the older modules' host imports
//! delegate to the newest one, so one host implementation serves all.

/// Bindings for `alerter:flavor@0.1.x` (`wit/flavor.wit`).
pub mod v0_1 {
    wasmtime::component::bindgen!({
        path: "../wit/archive/0.1.0",
        world: "alerter-flavor",
        imports: { default: async | trappable },
        exports: { default: async },
    });
}

/// The newest contract version's bindings.
pub use v0_1 as latest;

/// Contract package name.
pub const PACKAGE: &str = "alerter:flavor";
/// Major and minor of the contract this host implements; any patch matches.
pub const CONTRACT_MAJOR_MINOR: (u64, u64) = (0, 1);
/// Full contract version, for messages.
pub const CONTRACT_VERSION: &str = "0.1.0";
