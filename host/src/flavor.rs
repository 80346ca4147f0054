//! A loaded flavor and the calls into it: a fresh store per call, with
//! memory, CPU and wall-clock limits; guest errors come back as values,
//! traps and limit hits as typed [`CallError`]s.

use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::ResourceTable;
use wasmtime::{Store, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bindings::latest::{self, alerter::flavor as wit};
use crate::engine::{one_line, RuntimeInner};
use crate::error::Error;
use crate::http::Net;
use crate::wasi::{inert_ctx, Capture};

pub use wit::types::{
    Capabilities, FlavorError, FlavorInfo, Level, Message, RateLimit, Rejection, RepliesPage, Reply, Sent, SettingSpec,
};

/// Why a call into a flavor did not return a value.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The flavor returned an error value.
    #[error("{}", describe_flavor_error(.0))]
    Flavor(FlavorError),
    /// The flavor trapped (a bug in it); the text has its panic message when
    /// it printed one.
    #[error("trapped: {0}")]
    Trap(String),
    /// It ran wasm code longer than the CPU budget.
    #[error("used more than its {0:?} CPU budget and was stopped")]
    Cpu(Duration),
    /// It asked for more memory than allowed.
    #[error("needed more than its {0} MiB memory limit and was stopped")]
    Memory(usize),
    /// The whole call took longer than the deadline.
    #[error("did not finish within {0:?} and was stopped")]
    Timeout(Duration),
}

impl CallError {
    /// The retry-after, when the service rate-limited the call.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            CallError::Flavor(FlavorError::RateLimited(r)) => Some(Duration::from_millis(r.retry_after_ms)),
            _ => None,
        }
    }
}

/// One line for a flavor error.
pub fn describe_flavor_error(e: &FlavorError) -> String {
    match e {
        FlavorError::InvalidSettings(m) => format!("invalid settings: {m}"),
        FlavorError::Rejected(r) => format!("rejected by the service ({}): {}", r.code, r.message),
        FlavorError::RateLimited(r) => format!("rate limited (retry after {} ms): {}", r.retry_after_ms, r.message),
        FlavorError::Unsupported(m) => format!("unsupported: {m}"),
        FlavorError::Internal(m) => m.clone(),
    }
}

/// The data of one store: one call.
pub struct CallState {
    wasi: WasiCtx,
    table: ResourceTable,
    limiter: MemoryLimiter,
    net: Option<Arc<Net>>,
    cpu_ticks_left: u64,
    label: String,
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl wit::types::Host for CallState {}

impl wit::http::Host for CallState {
    async fn fetch(&mut self, req: wit::http::Request) -> wasmtime::Result<Result<wit::http::Response, wit::http::HttpError>> {
        Ok(match &self.net {
            Some(net) => net.fetch(req).await,
            None => Err(wit::http::HttpError::Denied("no network while describing a flavor".into())),
        })
    }
}

impl wit::log::Host for CallState {
    async fn write(&mut self, level: wit::log::LogLevel, message: String) -> wasmtime::Result<()> {
        use wit::log::LogLevel as L;
        let message = match &self.net {
            Some(net) => net.secrets().redact(&message),
            None => message,
        };
        let message: String = message.chars().take(4096).collect();
        let label = &self.label;
        match level {
            L::Trace => tracing::trace!(target: "alerter::flavor", "{label}: {message}"),
            L::Debug => tracing::debug!(target: "alerter::flavor", "{label}: {message}"),
            L::Info => tracing::info!(target: "alerter::flavor", "{label}: {message}"),
            L::Warn => tracing::warn!(target: "alerter::flavor", "{label}: {message}"),
            L::Error => tracing::error!(target: "alerter::flavor", "{label}: {message}"),
        }
        Ok(())
    }
}

/// Caps linear memory; remembers that it refused so the error says so.
struct MemoryLimiter {
    max: usize,
    refused: bool,
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

/// A flavor ready to call: compiled, linked, described.
#[derive(Clone)]
pub struct Flavor {
    rt: Arc<RuntimeInner>,
    pre: latest::AlerterFlavorPre<CallState>,
    info: FlavorInfo,
    sha256: String,
}

impl Flavor {
    pub(crate) async fn describe(
        rt: Arc<RuntimeInner>,
        pre: latest::AlerterFlavorPre<CallState>,
        sha256: String,
        source: &str,
    ) -> Result<Flavor, Error> {
        let placeholder = FlavorInfo {
            name: source.to_string(),
            version: "?".into(),
            description: String::new(),
            settings: Vec::new(),
            hosts: Vec::new(),
            capabilities: Capabilities { post: false, read_replies: false, threads: false },
        };
        let mut flavor = Flavor { rt, pre, info: placeholder, sha256 };
        let info = flavor
            .call(None, |bindings, store| Box::pin(async move { bindings.alerter_flavor_flavor().call_info(store).await }))
            .await
            .map_err(|e| Error::input(format!("{source}: `info` failed: {e}")))?;
        if info.name.trim().is_empty() {
            return Err(Error::input(format!("{source}: `info` returned an empty name")));
        }
        flavor.info = info;
        Ok(flavor)
    }

    /// What the flavor says about itself.
    pub fn info(&self) -> &FlavorInfo {
        &self.info
    }

    /// sha256 of the component.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// `flavor "<name>" <version>`, the prefix of every error about it.
    pub fn label(&self) -> String {
        format!("flavor \"{}\" {}", self.info.name, self.info.version)
    }

    /// What the flavor can do with these settings.
    pub async fn capabilities_for(&self, net: &Arc<Net>, settings: &[(String, String)]) -> Result<Capabilities, CallError> {
        let settings = settings.to_vec();
        self.call(Some(net.clone()), move |b, store| {
            Box::pin(async move { b.alerter_flavor_flavor().call_capabilities_for(store, &settings).await })
        })
        .await
    }

    /// Posts a message.
    pub async fn send(&self, net: &Arc<Net>, settings: &[(String, String)], message: &Message) -> Result<Sent, CallError> {
        let settings = settings.to_vec();
        let message = message.clone();
        self.call(Some(net.clone()), move |b, store| {
            Box::pin(async move { b.alerter_flavor_flavor().call_send(store, &settings, &message).await })
        })
        .await?
        .map_err(CallError::Flavor)
    }

    /// Lists replies to `reference` after `cursor`.
    pub async fn replies(
        &self,
        net: &Arc<Net>,
        settings: &[(String, String)],
        reference: &str,
        cursor: Option<&str>,
    ) -> Result<RepliesPage, CallError> {
        let settings = settings.to_vec();
        let reference = reference.to_string();
        let cursor = cursor.map(str::to_string);
        self.call(Some(net.clone()), move |b, store| {
            Box::pin(async move { b.alerter_flavor_flavor().call_replies(store, &settings, &reference, cursor.as_deref()).await })
        })
        .await?
        .map_err(CallError::Flavor)
    }

    /// Runs `f` in a fresh store under the limits.
    async fn call<R, F>(&self, net: Option<Arc<Net>>, f: F) -> Result<R, CallError>
    where
        R: Send + 'static,
        F: for<'a> FnOnce(
                &'a latest::AlerterFlavor,
                &'a mut Store<CallState>,
            ) -> std::pin::Pin<Box<dyn std::future::Future<Output = wasmtime::Result<R>> + Send + 'a>>
            + Send,
    {
        let limits = &self.rt.limits;
        let output = Capture::new(limits.max_output_bytes);
        let state = CallState {
            wasi: inert_ctx(&output),
            table: ResourceTable::new(),
            limiter: MemoryLimiter { max: limits.memory_bytes, refused: false },
            net,
            cpu_ticks_left: limits.cpu_ticks(),
            label: self.label(),
        };
        let mut store = Store::new(&self.rt.engine, state);
        store.limiter(|s| &mut s.limiter);
        // Each tick while wasm runs costs one unit of the CPU budget; the
        // yield lets the wall-clock timeout below fire even in a busy loop.
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|mut ctx| {
            let s = ctx.data_mut();
            if s.cpu_ticks_left == 0 {
                return Err(wasmtime::format_err!("cpu budget exhausted"));
            }
            s.cpu_ticks_left -= 1;
            Ok(UpdateDeadline::Yield(1))
        });

        let run = async {
            let bindings = self.pre.instantiate_async(&mut store).await?;
            f(&bindings, &mut store).await
        };
        let outcome = tokio::time::timeout(limits.call_timeout, run).await;
        let captured = output.take();
        let printed = String::from_utf8_lossy(&captured.bytes).into_owned();
        let printed = match &store.data().net {
            Some(net) => net.secrets().redact(&printed),
            None => printed,
        };
        if !printed.trim().is_empty() {
            let more = if captured.dropped > 0 { format!(" ({} more bytes dropped)", captured.dropped) } else { String::new() };
            tracing::info!(target: "alerter::flavor", "{} printed{more}:\n{}", self.label(), printed.trim_end());
        }
        match outcome {
            Err(_) => Err(CallError::Timeout(limits.call_timeout)),
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => {
                let s = store.data();
                if s.limiter.refused {
                    Err(CallError::Memory(limits.memory_bytes >> 20))
                } else if s.cpu_ticks_left == 0 {
                    Err(CallError::Cpu(limits.cpu))
                } else {
                    // Rust prints "thread '..' panicked at FILE:LINE:COL:" then the message.
                    let mut lines = printed.lines().skip_while(|l| !l.contains("panicked"));
                    let panic_line = lines.next().map(|at| {
                        let msg = lines.next().unwrap_or("").trim();
                        format!(" ({} {msg})", at.trim().trim_end_matches(':'))
                    });
                    let text = match e.downcast_ref::<wasmtime::Trap>() {
                        Some(trap) => trap.to_string(),
                        None => one_line(&e),
                    };
                    Err(CallError::Trap(format!("{text}{}", panic_line.unwrap_or_default())))
                }
            }
        }
    }
}
