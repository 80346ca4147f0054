//! `alerter:flavor/log`: a flavor's log lines go to the host's log (target
//! `alerter::flavor`), prefixed with the flavor, secrets redacted, control
//! characters removed, one line each. Their bytes count against the call's
//! output budget, which stdout and stderr share: once it is spent, lines
//! are dropped (and counted) without being looked at.

use crate::bindings::latest::alerter::flavor::log::{Host, LogLevel};
use crate::store::CallState;

/// Characters of one log line kept.
const MAX_LINE_CHARS: usize = 4096;

impl Host for CallState {
    async fn write(&mut self, level: LogLevel, message: String) -> wasmtime::Result<()> {
        let granted = self.output.take(message.len());
        if granted == 0 {
            return Ok(());
        }
        let mut end = granted.min(message.len());
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        let message: String = self.clean(&message[..end], true).chars().take(MAX_LINE_CHARS).collect();
        let label = &self.label;
        match level {
            LogLevel::Trace => tracing::trace!(target: "alerter::flavor", "{label}: {message}"),
            LogLevel::Debug => tracing::debug!(target: "alerter::flavor", "{label}: {message}"),
            LogLevel::Info => tracing::info!(target: "alerter::flavor", "{label}: {message}"),
            LogLevel::Warn => tracing::warn!(target: "alerter::flavor", "{label}: {message}"),
            LogLevel::Error => tracing::error!(target: "alerter::flavor", "{label}: {message}"),
        }
        Ok(())
    }
}
