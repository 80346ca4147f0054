//! Host bindings to the flavor contract, one module per contract version.
//!
//! Only `alerter:flavor@0.1.x` is implemented so far. A new version gets a
//! module of its own next to `v0_1`; the host imports of the older modules
//! then delegate to the newest, so one host implementation serves all.

pub(crate) mod v0_1;

/// The newest contract version's bindings.
pub(crate) use v0_1 as latest;

/// The contract's WIT package name.
pub const CONTRACT_PACKAGE: &str = "alerter:flavor";
/// Major and minor of the contract this host implements; any patch matches.
pub const CONTRACT_MAJOR_MINOR: (u64, u64) = (0, 1);
/// The full contract version, for messages.
pub const CONTRACT_VERSION: &str = "0.1.0";
