//! Errors and the exit codes they map to.

use std::fmt;

/// Exit code for bad input or configuration (usage errors, unknown names,
/// missing settings or secrets, files that are not flavors).
pub const EXIT_INPUT: i32 = 2;
/// Exit code for a flavor or service failure (the service rejected the
/// message, the network failed, egress was denied, the flavor trapped or hit
/// a limit).
pub const EXIT_FAILURE: i32 = 3;

/// What went wrong, sorted by who can fix it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The user's input or configuration is wrong; the text says what to do.
    #[error("{0}")]
    Input(String),
    /// A flavor failed or the service refused; the text starts with
    /// `flavor "<name>" <version>:`.
    #[error("{0}")]
    Flavor(String),
    /// Anything else (I/O on the state directory, ...).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Error {
    /// An input error from anything displayable.
    pub fn input(msg: impl fmt::Display) -> Self {
        Error::Input(msg.to_string())
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => EXIT_INPUT,
            Error::Flavor(_) | Error::Other(_) => EXIT_FAILURE,
        }
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
