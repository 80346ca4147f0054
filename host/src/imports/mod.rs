//! The host side of the contract's imports: one file per WIT interface the
//! host implements, each only the trait impl on [`CallState`], delegating
//! the work (the network, the log) elsewhere.

mod http;
mod log;

use crate::bindings::latest::alerter::flavor as wit;
use crate::store::CallState;

/// `alerter:flavor/types` has no functions.
impl wit::types::Host for CallState {}
