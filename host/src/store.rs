//! The state of one call, kept in its wasmtime `Store`: the inert WASI
//! context, the resource table, the limiter that counts the whole call's
//! memory and tables, the CPU budget, the output budget shared by stdout,
//! stderr and the log import, the call's deadline, and the network of the
//! alerter being served. The host imports (`imports/`) are implemented on
//! [`CallState`]; the engine links them and [`crate::flavor`] creates one
//! per call.

use std::sync::Arc;
use std::time::Instant;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::limits::Limits;
use crate::net::Net;
use crate::secrets::{Redactor, SentLog};
use crate::wasi::{inert_ctx, Capture, OutputBudget};

/// The data of one store: one call into one flavor.
pub(crate) struct CallState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: CallLimiter,
    /// The alerter's network; `None` while describing a flavor.
    pub(crate) net: Option<Arc<Net>>,
    /// Epoch ticks of CPU left.
    pub(crate) cpu_ticks_left: u64,
    /// `flavor "<name>" <version>`, for the log.
    pub(crate) label: String,
    /// Bytes of the attachments of the message this call sends: the request
    /// body cap grows by this much (see [`Net::fetch`]).
    pub(crate) attachment_bytes: usize,
    /// What the flavor sent in this call (see [`SentLog`]).
    pub(crate) sent: SentLog,
    /// What the call may still write (stdout, stderr, log lines).
    pub(crate) output: Arc<OutputBudget>,
    /// When the call (and every request it makes) must be over.
    pub(crate) deadline: Instant,
}

impl CallState {
    /// A fresh state under `limits`, printing into `stdout` and `stderr`,
    /// which draw on `output`.
    pub(crate) fn new(
        limits: &Limits,
        net: Option<Arc<Net>>,
        label: String,
        io: (&Capture, &Capture, &Arc<OutputBudget>),
        deadline: Instant,
    ) -> Self {
        let (stdout, stderr, output) = io;
        CallState {
            wasi: inert_ctx(stdout, stderr),
            table: ResourceTable::new(),
            limiter: CallLimiter::new(limits),
            net,
            cpu_ticks_left: limits.cpu_ticks(),
            label,
            attachment_bytes: 0,
            sent: SentLog::default(),
            output: output.clone(),
            deadline,
        }
    }

    /// The alerter's redactor (none while describing a flavor).
    pub(crate) fn redactor(&self) -> Option<&Redactor> {
        self.net.as_deref().map(Net::redactor)
    }

    /// `text` with the alerter's secrets redacted and control characters
    /// removed: one line when `one_line`, else `\n` kept.
    pub(crate) fn clean(&self, text: &str, one_line: bool) -> String {
        match self.redactor() {
            Some(r) => r.clean(text, one_line),
            None => crate::secrets::strip_controls(text, one_line),
        }
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// Which per-call limit a call hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LimitHit {
    /// Linear memory, summed over every memory of the call.
    Memory,
    /// Table elements, summed over every table of the call.
    TableElements,
}

/// Counts the linear memory and table elements of everything one call
/// creates (every memory of every instance, not each memory on its own) and
/// caps the number of instances, memories and tables; remembers which limit
/// it refused, so the error says so.
pub(crate) struct CallLimiter {
    max_memory: usize,
    max_table_elements: usize,
    max_instances: usize,
    max_memories: usize,
    max_tables: usize,
    /// Bytes of linear memory the call has, all memories together.
    pub(crate) memory: usize,
    /// Elements of all the call's tables together.
    pub(crate) table_elements: usize,
    /// The limit refused, if any.
    pub(crate) hit: Option<LimitHit>,
}

impl CallLimiter {
    fn new(limits: &Limits) -> Self {
        CallLimiter {
            max_memory: limits.memory_bytes,
            max_table_elements: limits.max_table_elements,
            max_instances: limits.max_instances,
            max_memories: limits.max_memories,
            max_tables: limits.max_tables,
            memory: 0,
            table_elements: 0,
            hit: None,
        }
    }
}

impl wasmtime::ResourceLimiter for CallLimiter {
    /// Called when a memory is created (`current` 0) and each time it grows.
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let total = self.memory.saturating_sub(current).saturating_add(desired);
        if total > self.max_memory {
            self.hit = Some(LimitHit::Memory);
            return Err(wasmtime::format_err!(
                "memory limit of {} bytes for the call reached (it asked for {total})",
                self.max_memory
            ));
        }
        self.memory = total;
        Ok(true)
    }

    /// Called when a table is created (`current` 0) and each time it grows.
    fn table_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let total = self.table_elements.saturating_sub(current).saturating_add(desired);
        if total > self.max_table_elements {
            self.hit = Some(LimitHit::TableElements);
            return Err(wasmtime::format_err!(
                "table limit of {} elements for the call reached (it asked for {total})",
                self.max_table_elements
            ));
        }
        self.table_elements = total;
        Ok(true)
    }

    fn instances(&self) -> usize {
        self.max_instances
    }

    fn tables(&self) -> usize {
        self.max_tables
    }

    fn memories(&self) -> usize {
        self.max_memories
    }
}

#[cfg(test)]
mod tests {
    use wasmtime::ResourceLimiter;

    use super::*;

    #[test]
    fn memory_and_tables_count_over_the_whole_call() {
        let limits = Limits { memory_bytes: 100, max_table_elements: 10, ..Limits::default() };
        let mut l = CallLimiter::new(&limits);
        // Three memories created, then one grows: the sum counts.
        assert!(l.memory_growing(0, 30, None).unwrap());
        assert!(l.memory_growing(0, 30, None).unwrap());
        assert!(l.memory_growing(0, 30, None).unwrap());
        assert!(l.memory_growing(30, 40, None).unwrap());
        assert_eq!(l.memory, 100);
        assert!(l.memory_growing(0, 1, None).is_err(), "a fourth memory is over the call's total");
        assert_eq!(l.hit, Some(LimitHit::Memory));
        let mut l = CallLimiter::new(&limits);
        assert!(l.table_growing(0, 6, None).unwrap());
        assert!(l.table_growing(0, 5, None).is_err());
        assert_eq!(l.hit, Some(LimitHit::TableElements));
        assert_eq!((l.instances(), l.memories(), l.tables()), (32, 4, 8));
    }

    /// The limiter in a real store: memories of several instances add up,
    /// and the counts of instances and memories are capped.
    #[test]
    fn a_store_counts_every_memory_of_every_instance() {
        let engine = wasmtime::Engine::default();
        let limits =
            Limits { memory_bytes: 10 << 16, max_instances: 3, max_memories: 4, max_tables: 2, ..Limits::default() };
        let store = || {
            let mut s = wasmtime::Store::new(&engine, CallLimiter::new(&limits));
            s.limiter(|l| l);
            s
        };
        let module = |text: &str| wasmtime::Module::new(&engine, wat::parse_str(text).unwrap()).unwrap();
        // Two memories of 4 pages each: 8 of the 10 pages.
        let two = module("(module (memory 4) (memory 4))");
        let mut s = store();
        wasmtime::Instance::new(&mut s, &two, &[]).unwrap();
        assert_eq!(s.data().memory, 8 << 16);
        // Another instance with 4 more pages: over the call's total.
        let one = module("(module (memory 4))");
        assert!(wasmtime::Instance::new(&mut s, &one, &[]).is_err());
        assert_eq!(s.data().hit, Some(LimitHit::Memory));
        // Five memories: over the count, before any is created.
        let five = module("(module (memory 0) (memory 0) (memory 0) (memory 0) (memory 0))");
        let err = wasmtime::Instance::new(&mut store(), &five, &[]).unwrap_err();
        assert!(format!("{err:#}").contains("memory count too high"), "{err:#}");
        // A fourth instance: over the count.
        let empty = module("(module)");
        let mut s = store();
        for _ in 0..3 {
            wasmtime::Instance::new(&mut s, &empty, &[]).unwrap();
        }
        let err = wasmtime::Instance::new(&mut s, &empty, &[]).unwrap_err();
        assert!(format!("{err:#}").contains("instance count too high"), "{err:#}");
        // Growing at run time counts too.
        let grow = module("(module (memory 1) (func (export \"g\") (result i32) (memory.grow (i32.const 20))))");
        let mut s = store();
        let i = wasmtime::Instance::new(&mut s, &grow, &[]).unwrap();
        let g = i.get_typed_func::<(), i32>(&mut s, "g").unwrap();
        assert!(g.call(&mut s, ()).is_err(), "a trap, not a silent -1");
        assert_eq!(s.data().hit, Some(LimitHit::Memory));
    }
}
