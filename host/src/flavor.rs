//! A loaded flavor and the calls into it: a fresh store per call, with
//! memory, CPU and wall-clock limits; guest errors come back as values,
//! traps and limit hits as typed [`CallError`]s. A trap carries the guest's
//! own last words (a Rust panic message, the end of a Python traceback).

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::{Store, UpdateDeadline};

use crate::bindings::latest::{self, alerter::flavor as wit};
use crate::bindings::{v0_1, Contract};
use crate::engine::RuntimeInner;
use crate::error::{one_line, Error};
use crate::net::Net;
use crate::secrets::Redactor;
use crate::store::CallState;
use crate::store::LimitHit;
use crate::wasi::{Capture, Captured, OutputBudget};

pub use wit::types::{
    Attachment, Capabilities, FlavorError, FlavorInfo, HeaderSlot, Level, Message, RateLimit, Rejection, RepliesPage,
    Reply, ReplyKind, SecretSlot, SecretSpec, Sent, SettingSpec,
};

/// Characters of a guest's own message kept in a trap error.
const MAX_GUEST_MESSAGE_CHARS: usize = 400;

/// Why a call into a flavor did not return a value.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// The flavor returned an error value.
    #[error("{}", describe_flavor_error(.0))]
    Flavor(FlavorError),
    /// The flavor trapped (a bug in it).
    #[error("trapped: {message}")]
    Trap {
        /// The guest's own message when it printed one (a panic message, the
        /// last lines of a traceback), else the trap itself; one line.
        message: String,
        /// What wasmtime says about the trap.
        detail: String,
    },
    /// It ran wasm code longer than the CPU budget.
    #[error("used more than its {0:?} CPU budget and was stopped")]
    Cpu(Duration),
    /// It asked for more memory than allowed (MiB).
    #[error("needed more than its {0} MiB memory limit and was stopped")]
    Memory(usize),
    /// The whole call took longer than the deadline.
    #[error("did not finish within {0:.0?} and was stopped")]
    Timeout(Duration),
    /// It created more instances, memories, tables or table elements than
    /// one call may; the text says which limit.
    #[error("hit a limit and was stopped: {0}")]
    Limit(String),
    /// The host failed while serving the call (a bug in the host; it was
    /// caught, and the host keeps serving).
    #[error("the host failed while serving the call: {0}")]
    Host(String),
}

impl CallError {
    /// The retry-after, when the service rate-limited the call.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            CallError::Flavor(FlavorError::RateLimited(r)) => Some(Duration::from_millis(r.retry_after_ms)),
            _ => None,
        }
    }

    /// The same error with every text in it through `redactor`: secrets
    /// redacted, control characters removed, one line.
    pub fn redacted(self, redactor: &Redactor) -> CallError {
        let r = |s: String| redactor.clean(&s, true);
        match self {
            CallError::Flavor(e) => CallError::Flavor(match e {
                FlavorError::InvalidSettings(m) => FlavorError::InvalidSettings(r(m)),
                FlavorError::Rejected(x) => {
                    FlavorError::Rejected(Rejection { code: r(x.code), message: r(x.message), status: x.status })
                }
                FlavorError::RateLimited(x) => {
                    FlavorError::RateLimited(RateLimit { retry_after_ms: x.retry_after_ms, message: r(x.message) })
                }
                FlavorError::Unsupported(m) => FlavorError::Unsupported(r(m)),
                FlavorError::Internal(m) => FlavorError::Internal(r(m)),
            }),
            CallError::Trap { message, detail } => CallError::Trap { message: r(message), detail: r(detail) },
            CallError::Limit(m) => CallError::Limit(r(m)),
            CallError::Host(m) => CallError::Host(r(m)),
            other => other,
        }
    }
}

/// One line for a flavor error.
fn describe_flavor_error(e: &FlavorError) -> String {
    match e {
        FlavorError::InvalidSettings(m) => format!("invalid settings: {m}"),
        FlavorError::Rejected(r) => format!("rejected by the service ({}): {}", r.code, r.message),
        FlavorError::RateLimited(r) => format!("rate limited (retry after {} ms): {}", r.retry_after_ms, r.message),
        FlavorError::Unsupported(m) => format!("unsupported: {m}"),
        FlavorError::Internal(m) => m.clone(),
    }
}

impl Message {
    /// A plain message with just a body, level info.
    pub fn text(body: impl Into<String>) -> Message {
        Message {
            title: None,
            body: body.into(),
            level: Level::Info,
            metadata: Vec::new(),
            link: None,
            raw: None,
            thread: None,
            attachments: Vec::new(),
        }
    }
}

/// A component linked for the contract it was built for, ready to
/// instantiate.
#[derive(Clone)]
pub(crate) enum FlavorPre {
    /// `alerter:flavor@0.1.x`.
    V0_1(v0_1::AlerterFlavorPre<CallState>),
    /// `alerter:flavor@0.2.x`.
    V0_2(latest::AlerterFlavorPre<CallState>),
}

/// One instance of a flavor, whichever contract it was built for.
pub(crate) enum Bindings {
    /// `alerter:flavor@0.1.x`.
    V0_1(v0_1::AlerterFlavor),
    /// `alerter:flavor@0.2.x`.
    V0_2(latest::AlerterFlavor),
}

/// What a call does in its instance; the arguments are borrowed, never
/// copied (a message's body and attachments go straight into the guest).
enum Op<'m> {
    Info,
    Capabilities(&'m [(String, String)]),
    Send(&'m [(String, String)], &'m Message),
    Replies(&'m [(String, String)], &'m str, Option<&'m str>),
    Update(&'m [(String, String)], &'m str, &'m Message),
}

/// What a call returned.
enum Done {
    Info(FlavorInfo),
    Capabilities(Capabilities),
    Sent(Result<Sent, FlavorError>),
    Replies(Result<RepliesPage, FlavorError>),
    Updated(Result<(), FlavorError>),
}

impl Op<'_> {
    /// Calls the export in `b`.
    async fn run(self, b: &Bindings, store: &mut Store<CallState>) -> wasmtime::Result<Done> {
        // (The bindings take settings as `&Vec`; settings are a few short pairs.)
        let settings = |s: &[(String, String)]| s.to_vec();
        if let Op::Send(_, m) = &self {
            // The body cap of this call's requests grows by the attachments.
            store.data_mut().attachment_bytes = m.attachments.iter().map(|a| a.data.len()).sum();
        }
        Ok(match (self, b) {
            (Op::Info, Bindings::V0_2(b)) => Done::Info(b.alerter_flavor_flavor().call_info(store).await?),
            (Op::Info, Bindings::V0_1(b)) => Done::Info(b.alerter_flavor_flavor().call_info(store).await?.into()),
            (Op::Capabilities(s), Bindings::V0_2(b)) => {
                Done::Capabilities(b.alerter_flavor_flavor().call_capabilities_for(store, &settings(s)).await?)
            }
            (Op::Capabilities(s), Bindings::V0_1(b)) => {
                Done::Capabilities(b.alerter_flavor_flavor().call_capabilities_for(store, &settings(s)).await?.into())
            }
            (Op::Send(s, m), Bindings::V0_2(b)) => {
                Done::Sent(b.alerter_flavor_flavor().call_send(store, &settings(s), m).await?)
            }
            (Op::Send(s, m), Bindings::V0_1(b)) => {
                let m = v0_1::message(m);
                let sent = b.alerter_flavor_flavor().call_send(store, &settings(s), &m).await?;
                Done::Sent(sent.map(Into::into).map_err(Into::into))
            }
            (Op::Replies(s, r, c), Bindings::V0_2(b)) => {
                Done::Replies(b.alerter_flavor_flavor().call_replies(store, &settings(s), r, c).await?)
            }
            (Op::Replies(s, r, c), Bindings::V0_1(b)) => {
                let page = b.alerter_flavor_flavor().call_replies(store, &settings(s), r, c).await?;
                Done::Replies(page.map(Into::into).map_err(Into::into))
            }
            (Op::Update(s, r, m), Bindings::V0_2(b)) => {
                Done::Updated(b.alerter_flavor_flavor().call_update(store, &settings(s), r, m).await?)
            }
            (Op::Update(..), Bindings::V0_1(_)) => Done::Updated(Err(FlavorError::Unsupported("built for 0.1".into()))),
        })
    }
}

/// A future whose panic is caught and returned (`Err`), so a bug in the
/// host while serving a call ends that call, not the process.
pub(crate) struct CatchUnwind<F: std::future::Future>(std::pin::Pin<Box<F>>);

impl<F: std::future::Future> std::future::Future for CatchUnwind<F> {
    type Output = std::thread::Result<F::Output>;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Ok(std::task::Poll::Ready(v)) => std::task::Poll::Ready(Ok(v)),
            Err(panic) => std::task::Poll::Ready(Err(panic)),
        }
    }
}

/// Catches a panic of `f` (see [`CatchUnwind`]).
pub(crate) fn catch_unwind<F: std::future::Future>(f: F) -> CatchUnwind<F> {
    CatchUnwind(Box::pin(f))
}

/// A flavor ready to call: compiled, linked, described.
#[derive(Clone)]
pub struct Flavor {
    rt: Arc<RuntimeInner>,
    pre: FlavorPre,
    /// Shared by every alerter of this component in the process.
    info: Arc<FlavorInfo>,
    sha256: String,
}

impl Flavor {
    /// A flavor whose `info` is known (from the compile cache, or loaded
    /// earlier in this process).
    pub(crate) fn ready(rt: Arc<RuntimeInner>, pre: FlavorPre, info: Arc<FlavorInfo>, sha256: String) -> Flavor {
        Flavor { rt, pre, info, sha256 }
    }

    /// Calls `info` and keeps the answer; `what` names the component in errors.
    pub(crate) async fn describe(
        rt: Arc<RuntimeInner>,
        pre: FlavorPre,
        sha256: String,
        what: &str,
    ) -> Result<Flavor, Error> {
        let placeholder = FlavorInfo {
            name: what.to_string(),
            version: String::new(),
            description: String::new(),
            settings: Vec::new(),
            hosts: Vec::new(),
            capabilities: Capabilities {
                post: false,
                read_replies: false,
                threads: false,
                attachments: false,
                reactions: false,
                update: false,
            },
        };
        let mut flavor = Flavor { rt, pre, info: Arc::new(placeholder), sha256 };
        let invalid = |reason: String| Error::InvalidComponent { what: what.to_string(), reason };
        let info = match flavor.call(None, None, Op::Info).await {
            Ok(Done::Info(info)) => info,
            Ok(_) => unreachable!("info answers info"),
            Err(e) => return Err(invalid(format!("`info` failed: {e}"))),
        };
        crate::validate::validate_info(&info, flavor.contract(), what)?;
        flavor.info = Arc::new(info);
        Ok(flavor)
    }

    /// What the flavor says about itself.
    pub fn info(&self) -> &FlavorInfo {
        &self.info
    }

    /// [`Flavor::info`], shared.
    pub(crate) fn shared_info(&self) -> Arc<FlavorInfo> {
        self.info.clone()
    }

    /// The HTTP clients of the runtime that loaded it.
    pub(crate) fn clients(&self) -> Arc<crate::net::Clients> {
        self.rt.clients.clone()
    }

    /// sha256 of the component.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The contract the component was built for. A flavor built for 0.1
    /// declares secret settings without a slot: the host gives them no value.
    pub fn contract(&self) -> Contract {
        match self.pre {
            FlavorPre::V0_1(_) => Contract::V0_1,
            FlavorPre::V0_2(_) => Contract::V0_2,
        }
    }

    /// `flavor "<name>" <version>`, the prefix of every error about it
    /// (while `info` is being called: what names the component).
    pub fn label(&self) -> String {
        if self.info.version.is_empty() {
            return self.info.name.clone();
        }
        format!("flavor \"{}\" {}", self.info.name, self.info.version)
    }

    /// What the flavor can do with these settings.
    pub async fn capabilities_for(
        &self,
        net: &Arc<Net>,
        settings: &[(String, String)],
    ) -> Result<Capabilities, CallError> {
        match self.call(Some(net.clone()), None, Op::Capabilities(settings)).await? {
            Done::Capabilities(c) => Ok(c),
            _ => unreachable!("capabilities-for answers capabilities"),
        }
    }

    /// Posts a message (within the call timeout).
    pub async fn send(
        &self,
        net: &Arc<Net>,
        settings: &[(String, String)],
        message: &Message,
    ) -> Result<Sent, CallError> {
        self.send_within(net, settings, message, None).await
    }

    /// Posts a message, within `deadline` too (a post with retries has one
    /// deadline for all its attempts).
    pub async fn send_within(
        &self,
        net: &Arc<Net>,
        settings: &[(String, String)],
        message: &Message,
        deadline: Option<Instant>,
    ) -> Result<Sent, CallError> {
        match self.call(Some(net.clone()), deadline, Op::Send(settings, message)).await? {
            Done::Sent(sent) => sent.map_err(CallError::Flavor),
            _ => unreachable!("send answers sent"),
        }
    }

    /// Lists replies to `reference` after `cursor`.
    pub async fn replies(
        &self,
        net: &Arc<Net>,
        settings: &[(String, String)],
        reference: &str,
        cursor: Option<&str>,
    ) -> Result<RepliesPage, CallError> {
        match self.call(Some(net.clone()), None, Op::Replies(settings, reference, cursor)).await? {
            Done::Replies(page) => page.map_err(CallError::Flavor),
            _ => unreachable!("replies answers a page"),
        }
    }

    /// Replaces the content of the posted message `reference`. A flavor
    /// built for 0.1 cannot: `unsupported`.
    pub async fn update(
        &self,
        net: &Arc<Net>,
        settings: &[(String, String)],
        reference: &str,
        message: &Message,
    ) -> Result<(), CallError> {
        if self.contract() == Contract::V0_1 {
            return Err(CallError::Flavor(FlavorError::Unsupported(
                "this flavor was built for alerter:flavor@0.1, which cannot update messages".into(),
            )));
        }
        match self.call(Some(net.clone()), None, Op::Update(settings, reference, message)).await? {
            Done::Updated(done) => done.map_err(CallError::Flavor),
            _ => unreachable!("update answers updated"),
        }
    }

    /// Runs `f` in a fresh store under the limits (the alerter's, or the
    /// runtime's while describing), within `deadline` and the call timeout,
    /// on a task of its own: a panic in the host while serving the call is
    /// caught and becomes [`CallError::Host`].
    async fn call(&self, net: Option<Arc<Net>>, deadline: Option<Instant>, op: Op<'_>) -> Result<Done, CallError> {
        match catch_unwind(self.call_here(net, deadline, op)).await {
            Ok(outcome) => outcome,
            Err(_) => {
                tracing::error!(
                    "{}: the host failed while serving the call (a bug); the call was stopped",
                    self.label()
                );
                Err(CallError::Host("a bug in alerter stopped the call; the host keeps serving".into()))
            }
        }
    }

    async fn call_here(&self, net: Option<Arc<Net>>, deadline: Option<Instant>, op: Op<'_>) -> Result<Done, CallError> {
        let limits = net.as_ref().map_or(&self.rt.limits, |n| n.limits()).clone();
        let started = Instant::now();
        // A pooled instance slot: waits while every slot is busy, so the
        // pool is never exhausted. Released after the store (declared
        // after it) is dropped.
        let Ok(_slot) = self.rt.slots.acquire().await else {
            return Err(CallError::Host("the runtime is shutting down".into()));
        };
        let own = started + limits.call_timeout;
        let deadline = deadline.map_or(own, |d| d.min(own));
        let output = OutputBudget::new(limits.max_output_bytes);
        let (stdout, stderr) = (Capture::new(&output), Capture::new(&output));
        let state = CallState::new(&limits, net, self.label(), (&stdout, &stderr, &output), deadline);
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
            let bindings = match &self.pre {
                FlavorPre::V0_1(pre) => Bindings::V0_1(pre.instantiate_async(&mut store).await?),
                FlavorPre::V0_2(pre) => Bindings::V0_2(pre.instantiate_async(&mut store).await?),
            };
            op.run(&bindings, &mut store).await
        };
        let outcome = tokio::time::timeout_at(deadline.into(), run).await;
        let s = store.data();
        tracing::debug!(
            target: "alerter::limits",
            "{}: the call used {} bytes of linear memory and {} table elements in {} ms",
            self.label(),
            s.limiter.memory,
            s.limiter.table_elements,
            started.elapsed().as_millis()
        );
        let (stdout, stderr) = (stdout.take(), stderr.take());
        self.log_output("stdout", &stdout, s);
        self.log_output("stderr", &stderr, s);
        if output.dropped() > 0 {
            tracing::info!(
                target: "alerter::flavor",
                "{}: {} bytes of output (stdout, stderr and log lines) dropped: over the budget of {} bytes per call",
                self.label(),
                output.dropped(),
                limits.max_output_bytes
            );
        }
        match outcome {
            Err(_) => Err(CallError::Timeout(deadline.saturating_duration_since(started))),
            Ok(Ok(r)) => Ok(r),
            Ok(Err(_)) if s.limiter.hit == Some(LimitHit::Memory) => Err(CallError::Memory(limits.memory_bytes >> 20)),
            Ok(Err(_)) if s.limiter.hit == Some(LimitHit::TableElements) => {
                Err(CallError::Limit(format!("more than {} table elements in one call", limits.max_table_elements)))
            }
            Ok(Err(_)) if s.cpu_ticks_left == 0 => Err(CallError::Cpu(limits.cpu)),
            Ok(Err(e)) if count_limit(&e).is_some() => {
                let (what, max) = match count_limit(&e) {
                    Some("instance") => ("instances", limits.max_instances),
                    Some("memory") => ("memories", limits.max_memories),
                    _ => ("tables", limits.max_tables),
                };
                Err(CallError::Limit(format!("more than {max} {what} in one call")))
            }
            Ok(Err(e)) => {
                let detail = match e.downcast_ref::<wasmtime::Trap>() {
                    Some(trap) => trap.to_string(),
                    None => one_line(&e),
                };
                let detail = s.clean(&detail, true);
                tracing::info!(target: "alerter::flavor", "{} trapped: {detail}", self.label());
                let message = guest_message(&s.clean(&stderr.end_text(), false)).unwrap_or_else(|| detail.clone());
                Err(CallError::Trap { message, detail })
            }
        }
    }

    /// Writes what the guest printed on one stream to the log (info
    /// level), secrets redacted and control characters removed.
    fn log_output(&self, stream: &str, captured: &Captured, s: &CallState) {
        let printed = s.clean(&captured.head_text(), false);
        if printed.trim().is_empty() {
            return;
        }
        let more = match captured.dropped {
            0 => String::new(),
            n => format!(" ({n} more bytes dropped)"),
        };
        tracing::info!(target: "alerter::flavor", "{} printed on {stream}{more}:\n{}", self.label(), printed.trim_end());
    }
}

/// `instance`, `memory` or `table` when wasmtime refused to create one
/// more than the limiter allows.
fn count_limit(e: &wasmtime::Error) -> Option<&'static str> {
    let text = format!("{e:#}");
    let rest = text.split("resource limit exceeded: ").nth(1)?;
    ["instance", "memory", "table"].into_iter().find(|w| rest.starts_with(&format!("{w} count")))
}

/// The guest's own last words on stderr, on one line: a Rust panic as
/// `panicked at FILE:LINE:COL: MESSAGE`; otherwise the last lines that say
/// what went wrong (the end of a Python traceback, a JavaScript exception
/// and its first frame). `None` when it printed nothing useful.
pub(crate) fn guest_message(stderr: &str) -> Option<String> {
    let lines: Vec<&str> = stderr.lines().map(str::trim_end).filter(|l| !l.trim().is_empty() && !is_noise(l)).collect();
    if lines.is_empty() {
        return None;
    }
    let indented = |l: &str| l.starts_with(char::is_whitespace);
    let picked: Vec<&str> = if let Some(i) = lines.iter().rposition(|l| l.contains("panicked at")) {
        // Rust: "thread '<unnamed>' panicked at src/lib.rs:31:22:" then the message.
        let at = lines[i].trim();
        let at = at.get(at.find("panicked at").unwrap_or(0)..).unwrap_or(at).trim_end_matches(':');
        let message = lines[i + 1..].iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
        return Some(cap(&format!("{at}: {message}")));
    } else if let Some(i) = lines.iter().rposition(|l| !indented(l) && looks_like_error(l)) {
        // Python ends with the exception after its frames; JavaScript and Go
        // start with it, frames below.
        let start = (0..i).rev().take_while(|j| indented(lines[*j])).last().map_or(i, |j| j.max(i.saturating_sub(2)));
        let mut picked = lines[start..=i].to_vec();
        if start == i && lines.get(i + 1).is_some_and(|l| indented(l)) {
            picked.push(lines[i + 1]);
        }
        picked
    } else {
        lines[lines.len().saturating_sub(3)..].to_vec()
    };
    Some(cap(&picked.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" | ")))
}

/// Lines that never explain anything.
fn is_noise(line: &str) -> bool {
    let l = line.trim();
    l.starts_with("note: run with `RUST_BACKTRACE=1`") || l.starts_with("Traceback (most recent call last)")
}

/// A line that announces an error: `ValueError: ...`, `Error: ...`,
/// `panic: ...`, `Uncaught TypeError ...`.
fn looks_like_error(line: &str) -> bool {
    let head = line.split([':', ' ']).next().unwrap_or("");
    let head = head.rsplit('.').next().unwrap_or(head);
    head.ends_with("Error")
        || head.ends_with("Exception")
        || head.eq_ignore_ascii_case("panic")
        || head == "Uncaught"
        || line.starts_with("fatal error")
}

fn cap(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= MAX_GUEST_MESSAGE_CHARS {
        return text.to_string();
    }
    let kept: String = text.chars().take(MAX_GUEST_MESSAGE_CHARS - 1).collect();
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    use super::guest_message;

    #[test]
    fn rust_panics_give_their_message_and_place() {
        let printed = "\nthread '<unnamed>' panicked at src/lib.rs:31:22:\nunruly flavor asked to trap\n\
                       note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        assert_eq!(
            guest_message(printed).as_deref(),
            Some("panicked at src/lib.rs:31:22: unruly flavor asked to trap")
        );
    }

    #[test]
    fn python_tracebacks_give_their_last_frame_and_the_exception() {
        let printed =
            "starting\nTraceback (most recent call last):\n  File \"app.py\", line 3, in <module>\n    main()\n  \
                       File \"flavor.py\", line 12, in send\n    raise ValueError(\"the service said no\")\n\
                       ValueError: the service said no\n";
        assert_eq!(
            guest_message(printed).as_deref(),
            Some("File \"flavor.py\", line 12, in send | raise ValueError(\"the service said no\") | ValueError: the service said no")
        );
    }

    #[test]
    fn javascript_exceptions_give_the_error_and_its_first_frame() {
        let printed = "Error: no channel given\n    at send (flavor.js:10:11)\n    at main (flavor.js:40:3)\n";
        assert_eq!(guest_message(printed).as_deref(), Some("Error: no channel given | at send (flavor.js:10:11)"));
    }

    #[test]
    fn other_output_gives_its_last_lines_capped() {
        assert_eq!(guest_message("a\nb\nc\nd\n").as_deref(), Some("b | c | d"));
        assert_eq!(guest_message("  \n\n"), None);
        let long = "x".repeat(2000);
        assert_eq!(guest_message(&long).map(|m| m.chars().count()), Some(400));
    }
}
