//! Inert WASI: linked so components from other toolchains load, but with no
//! preopened directories, no environment, no arguments, no sockets and no
//! name lookup. stdout and stderr each go into a buffer that the host writes
//! to its log after the call (and reads a trap's message from); both draw
//! on the call's one [`OutputBudget`], which the log import shares.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder};

/// How many of the last bytes written are kept beyond the cap, so the end of
/// a long output (where a traceback is) is never lost.
const TAIL_BYTES: usize = 4096;

/// What one stream captured: the start up to a cap, and the last bytes.
#[derive(Debug, Default)]
pub(crate) struct Captured {
    /// The first bytes written, up to the cap.
    pub(crate) head: Vec<u8>,
    /// The last bytes written past the cap (at most [`TAIL_BYTES`]).
    pub(crate) tail: VecDeque<u8>,
    /// Bytes written past the cap.
    pub(crate) dropped: usize,
}

impl Captured {
    /// The start of the output, as text.
    pub(crate) fn head_text(&self) -> String {
        String::from_utf8_lossy(&self.head).into_owned()
    }

    /// The end of the output, as text: the tail when bytes were dropped,
    /// else everything.
    pub(crate) fn end_text(&self) -> String {
        if self.dropped == 0 {
            return self.head_text();
        }
        let (a, b) = self.tail.as_slices();
        let mut bytes = a.to_vec();
        bytes.extend_from_slice(b);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// The bytes one call may write, stdout, stderr and log lines together;
/// what is over is dropped and counted.
#[derive(Debug)]
pub(crate) struct OutputBudget {
    left: AtomicUsize,
    dropped: AtomicUsize,
}

impl OutputBudget {
    /// A budget of `bytes`.
    pub(crate) fn new(bytes: usize) -> Arc<OutputBudget> {
        Arc::new(OutputBudget { left: AtomicUsize::new(bytes), dropped: AtomicUsize::new(0) })
    }

    /// Takes up to `want` bytes of the budget; returns how many were
    /// granted and counts the rest as dropped.
    pub(crate) fn take(&self, want: usize) -> usize {
        let mut left = self.left.load(Ordering::Relaxed);
        loop {
            let granted = want.min(left);
            match self.left.compare_exchange_weak(left, left - granted, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => {
                    self.dropped.fetch_add(want - granted, Ordering::Relaxed);
                    return granted;
                }
                Err(now) => left = now,
            }
        }
    }

    /// Counts `n` bytes as dropped; returns 0 (bytes granted).
    pub(crate) fn drop_bytes(&self, n: usize) -> usize {
        self.dropped.fetch_add(n, Ordering::Relaxed);
        0
    }

    /// Bytes dropped so far.
    pub(crate) fn dropped(&self) -> usize {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// A sink for one of a call's output streams.
#[derive(Clone)]
pub(crate) struct Capture {
    inner: Arc<Mutex<Captured>>,
    budget: Arc<OutputBudget>,
}

impl Capture {
    /// A sink keeping what `budget` allows from the start (plus the tail).
    pub(crate) fn new(budget: &Arc<OutputBudget>) -> Self {
        Capture { inner: Arc::new(Mutex::new(Captured::default())), budget: budget.clone() }
    }

    /// Takes what was captured so far.
    pub(crate) fn take(&self) -> Captured {
        std::mem::take(&mut *self.inner.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn push(&self, buf: &[u8]) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        // Once a stream dropped bytes its head stays as it is (contiguous);
        // the rest only feeds the tail.
        let keep = if g.dropped == 0 { self.budget.take(buf.len()) } else { self.budget.drop_bytes(buf.len()) };
        g.head.extend_from_slice(&buf[..keep]);
        let rest = &buf[keep..];
        g.dropped += rest.len();
        let rest = &rest[rest.len().saturating_sub(TAIL_BYTES)..];
        g.tail.extend(rest.iter().copied());
        let over = g.tail.len().saturating_sub(TAIL_BYTES);
        g.tail.drain(..over);
    }
}

impl IsTerminal for Capture {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for Capture {
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }

    /// A synchronous stream: each write is captured (or counted as dropped)
    /// at once, with no worker task or buffer in between, so a flood of
    /// output costs the host little.
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(CaptureStream(self.clone()))
    }
}

/// The WASI p2 output stream of a [`Capture`]: always ready, never full.
struct CaptureStream(Capture);

/// Bytes a guest may hand over per write.
const WRITE_PERMIT: usize = 1 << 20;

impl OutputStream for CaptureStream {
    fn write(&mut self, bytes: bytes::Bytes) -> StreamResult<()> {
        self.0.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(WRITE_PERMIT)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for CaptureStream {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for Capture {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.push(buf);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// A WASI context that grants nothing but writing to `stdout` and `stderr`.
pub(crate) fn inert_ctx(stdout: &Capture, stderr: &Capture) -> WasiCtx {
    let mut b = WasiCtxBuilder::new();
    b.stdout(stdout.clone())
        .stderr(stderr.clone())
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .allow_blocking_current_thread(false);
    b.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_start_and_the_end() {
        let budget = OutputBudget::new(8);
        let c = Capture::new(&budget);
        c.push(b"0123456789");
        c.push(&vec![b'x'; 5000]);
        c.push(b"the end");
        let got = c.take();
        assert_eq!(got.head_text(), "01234567");
        assert_eq!(got.dropped, 2 + 5000 + 7);
        assert_eq!(budget.dropped(), 2 + 5000 + 7);
        assert_eq!(got.tail.len(), TAIL_BYTES);
        assert!(got.end_text().ends_with("xxthe end"));
        let small = Capture::new(&OutputBudget::new(100));
        small.push(b"all of it");
        assert_eq!(small.take().end_text(), "all of it");
    }

    #[test]
    fn both_streams_and_the_log_share_one_budget() {
        let budget = OutputBudget::new(10);
        let (out, err) = (Capture::new(&budget), Capture::new(&budget));
        out.push(b"123456");
        err.push(b"abcdef");
        assert_eq!(budget.take(5), 0, "the log finds nothing left");
        assert_eq!(out.take().head_text(), "123456");
        assert_eq!(err.take().head_text(), "abcd");
        assert_eq!(budget.dropped(), 2 + 5);
    }
}
