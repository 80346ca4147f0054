//! The state of one call, kept in its wasmtime `Store`: the inert WASI
//! context, the resource table, the memory limiter, the CPU budget and the
//! network of the alerter being served. The host imports (`imports/`) are
//! implemented on [`CallState`]; the engine links them and [`crate::flavor`]
//! creates one per call.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::limits::Limits;
use crate::net::Net;
use crate::wasi::{inert_ctx, Capture};

/// The data of one store: one call into one flavor.
pub(crate) struct CallState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: MemoryLimiter,
    /// The alerter's network; `None` while describing a flavor.
    pub(crate) net: Option<Arc<Net>>,
    /// Epoch ticks of CPU left.
    pub(crate) cpu_ticks_left: u64,
    /// `flavor "<name>" <version>`, for the log.
    pub(crate) label: String,
    /// Bytes of the attachments of the message this call sends: the request
    /// body cap grows by this much (see [`Net::fetch`]).
    pub(crate) attachment_bytes: usize,
}

impl CallState {
    /// A fresh state under `limits`, printing into `stdout` and `stderr`.
    pub(crate) fn new(
        limits: &Limits,
        net: Option<Arc<Net>>,
        label: String,
        stdout: &Capture,
        stderr: &Capture,
    ) -> Self {
        CallState {
            wasi: inert_ctx(stdout, stderr),
            table: ResourceTable::new(),
            limiter: MemoryLimiter { max: limits.memory_bytes, refused: false },
            net,
            cpu_ticks_left: limits.cpu_ticks(),
            label,
            attachment_bytes: 0,
        }
    }

    /// Redacts the alerter's secrets from `text` (logs and errors).
    pub(crate) fn redact(&self, text: &str) -> String {
        match &self.net {
            Some(net) => net.secrets().redact(text),
            None => text.to_string(),
        }
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// Caps linear memory; remembers that it refused, so the error says so.
pub(crate) struct MemoryLimiter {
    max: usize,
    pub(crate) refused: bool,
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.max {
            self.refused = true;
            return Err(wasmtime::format_err!("memory limit of {} bytes reached", self.max));
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}
