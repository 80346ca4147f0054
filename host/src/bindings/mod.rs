//! Host bindings to the flavor contract, one module per contract version.
//!
//! `v0_2` (`wit/flavor.wit`) is the newest: the host imports are
//! implemented once, on its types (`imports/`). `v0_1`
//! (`wit/archive/0.1.0`) delegates its imports to them and converts its
//! types to and from the newest at the edge, so components built for 0.1
//! still load and run (the pattern of Zed's extension host).

pub(crate) mod v0_1;
pub(crate) mod v0_2;

/// The newest contract version's bindings.
pub(crate) use v0_2 as latest;

/// The contract's WIT package name.
pub const CONTRACT_PACKAGE: &str = "alerter:flavor";
/// Major and minor of the newest contract this host implements; any patch matches.
pub const CONTRACT_MAJOR_MINOR: (u64, u64) = (0, 2);
/// The full version of the newest contract, for messages.
pub const CONTRACT_VERSION: &str = "0.2.0";
/// Every major and minor this host runs, newest first.
pub const SUPPORTED_CONTRACTS: &[(u64, u64)] = &[(0, 2), (0, 1)];

/// The contract a component was built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Contract {
    /// `alerter:flavor@0.1.x`: secrets have no slots (a value for one is
    /// refused), no `update`, no attachments or reactions.
    V0_1,
    /// `alerter:flavor@0.2.x`, the newest.
    V0_2,
}

impl Contract {
    /// The contract of `major.minor`, when this host runs it.
    pub fn of(major: u64, minor: u64) -> Option<Contract> {
        match (major, minor) {
            (0, 1) => Some(Contract::V0_1),
            (0, 2) => Some(Contract::V0_2),
            _ => None,
        }
    }

    /// `0.1`, `0.2`.
    pub fn major_minor(self) -> &'static str {
        match self {
            Contract::V0_1 => "0.1",
            Contract::V0_2 => "0.2",
        }
    }
}

impl std::fmt::Display for Contract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{CONTRACT_PACKAGE}@{}", self.major_minor())
    }
}
