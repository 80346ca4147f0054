//! Resource limits applied to every flavor call.

use std::time::Duration;

/// Limits for one call into a flavor. A call that hits one fails with a
/// typed error; the host keeps serving.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most linear memory a flavor instance may have (default 64 MiB).
    pub memory_bytes: usize,
    /// Most time the flavor may spend running wasm code (CPU), enforced with
    /// epoch interruption (default 5 s).
    pub cpu: Duration,
    /// Wall-clock deadline for the whole call, host HTTP time included
    /// (default 30 s).
    pub call_timeout: Duration,
    /// Timeout to establish a connection (default 10 s).
    pub connect_timeout: Duration,
    /// Timeout for one HTTP request, start to end of body (default 20 s).
    pub request_timeout: Duration,
    /// Largest request body a flavor may send (default 1 MiB).
    pub max_request_bytes: usize,
    /// Largest response body handed back (default 8 MiB).
    pub max_response_bytes: usize,
    /// Bytes of each of a flavor's stdout and stderr kept for the log per
    /// call (default 16 KiB).
    pub max_output_bytes: usize,
}

/// How often the epoch advances; the CPU budget is counted in these ticks.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 64 << 20,
            cpu: Duration::from_secs(5),
            call_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(20),
            max_request_bytes: 1 << 20,
            max_response_bytes: 8 << 20,
            max_output_bytes: 16 << 10,
        }
    }
}

impl Limits {
    /// The CPU budget in epoch ticks (at least one).
    pub fn cpu_ticks(&self) -> u64 {
        (self.cpu.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64
    }
}
