//! Inert WASI: linked so components from other toolchains load, but with no
//! preopened directories, no environment, no arguments, no sockets and no
//! name lookup. stdout/stderr go into a capped buffer that the host writes
//! to its log after the call.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder};

/// Captured guest output, kept up to a cap; the rest is counted and dropped.
#[derive(Debug, Default)]
pub struct Captured {
    /// Bytes kept.
    pub bytes: Vec<u8>,
    /// Bytes dropped past the cap.
    pub dropped: usize,
}

/// A stdout/stderr sink shared by the streams of one call.
#[derive(Clone)]
pub struct Capture {
    inner: Arc<Mutex<Captured>>,
    cap: usize,
}

impl Capture {
    /// A sink keeping at most `cap` bytes.
    pub fn new(cap: usize) -> Self {
        Capture { inner: Arc::new(Mutex::new(Captured::default())), cap }
    }

    /// Takes what was captured so far.
    pub fn take(&self) -> Captured {
        std::mem::take(&mut *self.inner.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn push(&self, buf: &[u8]) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let room = self.cap.saturating_sub(g.bytes.len());
        let keep = room.min(buf.len());
        g.bytes.extend_from_slice(&buf[..keep]);
        g.dropped += buf.len() - keep;
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

/// A WASI context that grants nothing but writing to `output`.
pub fn inert_ctx(output: &Capture) -> WasiCtx {
    let mut b = WasiCtxBuilder::new();
    b.stdout(output.clone())
        .stderr(output.clone())
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .allow_blocking_current_thread(false);
    b.build()
}
