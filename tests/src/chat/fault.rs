//! Injected faults: answers that replace the next matching request's.

use std::collections::VecDeque;

/// An answer a test wants instead of the normal one.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// 429 with a retry-after (seconds; a `Retry-After` header rounds up).
    RateLimited {
        /// Seconds to wait.
        retry_after_s: f64,
        /// A global limit (Discord tells those apart).
        global: bool,
    },
    /// The service's error answer for `code` (Slack: `{"ok": false,
    /// "error": code}`; a plain HTTP service: the status `code`).
    Error {
        /// The error code.
        code: String,
    },
}

/// Faults waiting for their request, in order.
#[derive(Debug, Default)]
pub struct Faults {
    queue: VecDeque<(String, Fault)>,
}

impl Faults {
    /// Queues `fault` for the next request whose operation is `operation`
    /// (`*`: any request).
    pub fn push(&mut self, operation: &str, fault: Fault) {
        self.queue.push_back((operation.to_string(), fault));
    }

    /// Takes the first fault queued for `operation`.
    pub fn take(&mut self, operation: &str) -> Option<Fault> {
        let i = self.queue.iter().position(|(op, _)| op == operation || op == "*")?;
        self.queue.remove(i).map(|(_, f)| f)
    }
}
