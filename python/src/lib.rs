//! `alerter._native`: the `alerter` library for CPython. The Python package
//! (`python/python/alerter/`) wraps these functions in its typed API; this
//! module only converts values, releases the GIL around every call into the
//! library, and runs `ask` on a thread of its own so that Ctrl-C and asyncio
//! cancellation can end the wait.
//!
//! State is the CLI's: the state directory is `home`, else `$ALERTER_HOME`,
//! else the default (`~/.config/alerter` on Linux), read at every call, so
//! the registry, secrets and compile cache are shared with the `alerter`
//! command. One [`alerter::Host`] (engine, compile cache) is kept per state
//! directory and process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use alerter::{
    Alerter, AskOptions, Asked, Error, ErrorClass, FlavorSource, Host, Level, Limits, Message, NewAlerter, Outcome,
};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

create_exception!(
    alerter,
    AlerterError,
    PyException,
    "Base class of every error of the alerter package; `str(e)` is one line."
);
create_exception!(
    alerter,
    ConfigurationError,
    AlerterError,
    "Bad input or configuration (the CLI's exit code 2): an unknown alerter or flavor, a missing setting or secret, \
     an alerter that cannot read replies (for ask)."
);
create_exception!(
    alerter,
    DeliveryError,
    AlerterError,
    "The flavor or the service failed (the CLI's exit code 3): the service rejected the message, the network failed, \
     egress was denied, the flavor trapped or hit a limit."
);

/// The library error as the Python exception of its class: its one line,
/// and what fixes it, worded for Python (the CLI words its own).
fn py_err(e: Error) -> PyErr {
    let text = match fix(&e) {
        Some(fix) => format!("{e}; {fix}"),
        None => e.to_string(),
    };
    match e.class() {
        ErrorClass::Input => ConfigurationError::new_err(text),
        ErrorClass::Failure => DeliveryError::new_err(text),
    }
}

/// What to call or run to fix an error, when that is clear.
fn fix(e: &Error) -> Option<String> {
    Some(match e {
        Error::NoHomeDirectory => "set ALERTER_HOME or pass home=DIR".into(),
        Error::UnknownAlerter { name, .. } => {
            format!("see alerter.alerters(), or create it with alerter.register(\"{name}\", FLAVOR, settings={{...}})")
        }
        Error::NoActiveAlerter => {
            "pass alerter=NAME, or create one with alerter.register(NAME, FLAVOR, settings={...})".into()
        }
        Error::UnknownFlavor { .. } => {
            "see alerter.flavors(), or register one with alerter.register_flavor(PATH)".into()
        }
        Error::MissingSetting { setting, alerter_exists: true, .. } => {
            format!(
                "pass settings={{\"{setting}\": VALUE}}, or set it with `alerter update NAME --set {setting}=VALUE`"
            )
        }
        Error::MissingSetting { setting, .. } => format!("pass settings={{\"{setting}\": VALUE}}"),
        Error::SecretNotSet { reference, env_var } => {
            format!("call alerter.set_secret(\"{}\", {}=VALUE) or export {env_var}", reference.name, reference.key)
        }
        Error::CallFailed { alerter, denied, .. } if !denied.is_empty() => {
            let name = alerter.as_deref().unwrap_or("NAME");
            let mut fixes: Vec<String> = denied
                .iter()
                .map(|d| format!("grant {} with `alerter update {name} --allow-host {}`", d.origin(), d.origin()))
                .collect();
            fixes.dedup();
            fixes.join("; ")
        }
        Error::CannotReadReplies { .. } => "use an alerter whose flavor can read replies".into(),
        Error::FlavorExists { path, .. } => {
            format!("pass replace=True to alerter.register_flavor(\"{}\", ...) to swap in this build", path.display())
        }
        Error::ReservedFlavorName { .. } => "pass name=OTHER to alerter.register_flavor".into(),
        Error::UntrustedFlavor { .. } => {
            "if you trust it to report who replied, register it again with alerter.register_flavor(PATH, NAME, replace=True, trusted=True)".into()
        }
        _ => return None,
    })
}

fn bad_input(text: impl Into<String>) -> PyErr {
    ConfigurationError::new_err(text.into())
}

/// The async runtime and the hosts of this process. A forked child gets new
/// ones: the parent's worker threads do not exist in it.
struct Process {
    pid: u32,
    runtime: Arc<tokio::runtime::Runtime>,
    hosts: HashMap<PathBuf, Arc<Host>>,
    alerters: HashMap<AlerterKey, (Stamp, Arc<Alerter>)>,
}

/// An alerter as asked for: state directory, name (None: the active one),
/// setting overrides.
type AlerterKey = (PathBuf, Option<String>, Vec<(String, String)>);

/// What a resolved alerter depends on, cheap to read: the registry and
/// the secret store (modification time and size), the files of the flavors
/// registered by path, and the `ALERTER_SECRET_*` environment. A resolved
/// alerter is reused while its stamp is unchanged, so a warm `post` does not
/// re-read the registry and re-load the flavor; any change made by the CLI
/// or from Python is seen at the next call.
#[derive(PartialEq, Eq)]
struct Stamp(Vec<(String, Option<(std::time::SystemTime, u64)>)>);

impl Stamp {
    fn of(home: &Path) -> Stamp {
        let stat = |p: &Path| std::fs::metadata(p).ok().and_then(|m| Some((m.modified().ok()?, m.len())));
        // The state directory's file names (host/src/state.rs).
        let registry = home.join("registry.toml");
        let mut parts = vec![
            (registry.display().to_string(), stat(&registry)),
            ("secrets".to_string(), stat(&home.join("secrets.toml"))),
        ];
        if let Some(paths) = flavor_paths(&registry) {
            parts.extend(paths.into_iter().map(|p| {
                let s = stat(&p);
                (p.display().to_string(), s)
            }));
        }
        let mut env: Vec<(String, String)> =
            std::env::vars().filter(|(k, _)| k.starts_with("ALERTER_SECRET_")).collect();
        env.sort();
        parts.extend(env.into_iter().map(|(k, v)| (format!("{k}={v}"), None)));
        Stamp(parts)
    }
}

/// The files of the flavors registered by path, from the registry.
fn flavor_paths(registry: &Path) -> Option<Vec<PathBuf>> {
    let text = std::fs::read_to_string(registry).ok()?;
    let value: toml::Value = text.parse().ok()?;
    let flavors = value.get("flavors")?.as_table()?;
    Some(flavors.values().filter_map(|f| f.get("path")?.as_str().map(PathBuf::from)).collect())
}

static PROCESS: Mutex<Option<Process>> = Mutex::new(None);
static LOGGING: OnceLock<()> = OnceLock::new();

fn init_logging() {
    LOGGING.get_or_init(|| {
        use tracing_subscriber::EnvFilter;
        let filter = std::env::var("ALERTER_LOG")
            .ok()
            .and_then(|v| EnvFilter::try_new(v).ok())
            .unwrap_or_else(|| EnvFilter::new("warn,hyper=warn,reqwest=warn,cranelift=warn,wasmtime=warn"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_target(false)
            .with_ansi(false)
            .without_time()
            .try_init();
    });
}

/// The runtime and the host for `home` (else the default state directory).
fn context(home: Option<&Path>) -> Result<(Arc<tokio::runtime::Runtime>, Arc<Host>), Error> {
    let path = match home {
        Some(h) => h.to_path_buf(),
        None => Host::default_home()?,
    };
    let mut guard = PROCESS.lock().unwrap_or_else(|e| e.into_inner());
    let pid = std::process::id();
    if guard.as_ref().is_some_and(|p| p.pid != pid) {
        // Inherited over fork: its threads are gone, so it cannot even be
        // dropped cleanly. Leave it.
        if let Some(old) = guard.take() {
            std::mem::forget(old);
        }
    }
    if guard.is_none() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("alerter-io")
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))?;
        *guard = Some(Process { pid, runtime: Arc::new(runtime), hosts: HashMap::new(), alerters: HashMap::new() });
    }
    let process = guard.as_mut().ok_or_else(|| Error::Internal("no runtime".into()))?;
    let host = match process.hosts.get(&path) {
        Some(h) => h.clone(),
        None => {
            let h = Arc::new(Host::open(&path, Limits::default())?);
            process.hosts.insert(path, h.clone());
            h
        }
    };
    Ok((process.runtime.clone(), host))
}

/// The alerter `name` (else the active one) with `overrides`, resolved
/// again only when its [`Stamp`] changed.
fn resolved(
    rt: &tokio::runtime::Runtime,
    host: &Host,
    name: Option<&str>,
    overrides: &[(String, String)],
) -> Result<Arc<Alerter>, Error> {
    let key: AlerterKey = (host.home().to_path_buf(), name.map(str::to_string), overrides.to_vec());
    let stamp = Stamp::of(host.home());
    {
        let guard = PROCESS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((s, a)) = guard.as_ref().and_then(|p| p.alerters.get(&key)) {
            if *s == stamp {
                return Ok(a.clone());
            }
        }
    }
    let alerter = Arc::new(rt.block_on(host.alerter(name, overrides))?);
    let mut guard = PROCESS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = guard.as_mut() {
        p.alerters.insert(key, (stamp, alerter.clone()));
    }
    Ok(alerter)
}

fn level(name: &str) -> PyResult<Level> {
    match name.to_ascii_lowercase().as_str() {
        "info" => Ok(Level::Info),
        "success" => Ok(Level::Success),
        "warning" | "warn" => Ok(Level::Warning),
        "failure" | "error" | "critical" => Ok(Level::Failure),
        _ => Err(bad_input(format!("level must be one of info, success, warning, failure (got \"{name}\")"))),
    }
}

/// What the Python layer passes for a message: `(body, title, level,
/// metadata, link, raw, thread)`.
#[derive(FromPyObject)]
struct MessageParts(
    String,
    Option<String>,
    String,
    Vec<(String, String)>,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl MessageParts {
    fn message(self) -> PyResult<Message> {
        let MessageParts(body, title, level_name, metadata, link, raw, thread) = self;
        let mut m = Message::text(body);
        m.title = title.filter(|t| !t.is_empty());
        m.level = level(&level_name)?;
        m.metadata = metadata;
        m.link = link.filter(|l| !l.is_empty());
        m.raw = raw;
        m.thread = thread.filter(|t| !t.is_empty());
        Ok(m)
    }
}

/// `(reference, link, alerter, flavor)` of a posted message.
type SentTuple = (String, Option<String>, String, String);

/// Files to attach: `(path, name, media type)`.
type Files = Vec<(PathBuf, String, String)>;

/// Reads `files` into the message. The host checks the caps and, when the
/// alerter cannot attach files, posts the message with a note naming them.
fn attach(message: &mut Message, files: Files) -> Result<(), Error> {
    for (path, name, media_type) in files {
        let data = std::fs::read(&path).map_err(|e| Error::CannotRead { path: path.clone(), reason: e.to_string() })?;
        message.attachments.push(alerter::Attachment { name, media_type, data });
    }
    Ok(())
}

/// Posts a message; returns `(reference, link, alerter, flavor)`.
#[pyfunction]
#[pyo3(signature = (message, alerter=None, settings=Vec::new(), home=None, attachments=Vec::new()))]
fn post(
    py: Python<'_>,
    message: MessageParts,
    alerter: Option<String>,
    settings: Vec<(String, String)>,
    home: Option<PathBuf>,
    attachments: Files,
) -> PyResult<SentTuple> {
    init_logging();
    let message = message.message()?;
    let mut message = message;
    py.detach(|| {
        let (rt, host) = context(home.as_deref())?;
        let a = resolved(&rt, &host, alerter.as_deref(), &settings)?;
        if !attachments.is_empty() {
            attach(&mut message, attachments)?;
        }
        let sent = rt.block_on(a.post(&message))?;
        Ok::<_, Error>((sent.reference, sent.link, a.name().to_string(), a.flavor().info().name.clone()))
    })
    .map_err(py_err)
}

/// What an ask thread sends back: the ask, the alerter's name, its flavor's.
type AskResult = Result<(Asked, String, String), Error>;

/// An ask running on a thread of its own: [`PendingAsk::wait`] for it,
/// [`PendingAsk::cancel`] it. Dropping it cancels the ask.
#[pyclass(module = "alerter._native", frozen)]
struct PendingAsk {
    result: Mutex<mpsc::Receiver<AskResult>>,
    cancel: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
}

/// The slice of a wait between two checks for signals (Ctrl-C).
const SIGNAL_CHECK: Duration = Duration::from_millis(100);
/// How long a cancelled ask may take to post its follow-up and end.
const CANCEL_GRACE: Duration = Duration::from_secs(35);

#[pymethods]
impl PendingAsk {
    /// Waits up to `timeout` seconds (forever with None) for the outcome;
    /// None if it is not there yet. The GIL is released while waiting; on
    /// the main thread, signals are checked every 100 ms, and a
    /// KeyboardInterrupt cancels the ask (it ends, posting its follow-up,
    /// unless a second Ctrl-C comes first) before it is raised.
    #[pyo3(signature = (timeout=None))]
    fn wait<'py>(&self, py: Python<'py>, timeout: Option<f64>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let deadline = match timeout {
            Some(t) if t.is_finite() && t >= 0.0 => Some(Instant::now() + Duration::from_secs_f64(t)),
            Some(t) if t.is_finite() => return Err(bad_input(format!("timeout must be >= 0 (got {t})"))),
            _ => None,
        };
        loop {
            let slice = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()).min(SIGNAL_CHECK),
                None => SIGNAL_CHECK,
            };
            let got = py.detach(|| self.result.lock().unwrap_or_else(|e| e.into_inner()).recv_timeout(slice));
            match got {
                Ok(result) => return outcome_dict(py, result).map(Some),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(PyRuntimeError::new_err("this ask has already ended and its outcome was taken"))
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            if let Err(interrupt) = py.check_signals() {
                // Let the ask end (it posts its follow-up) unless a second
                // Ctrl-C comes first.
                self.cancel();
                let grace = Instant::now() + CANCEL_GRACE;
                while Instant::now() < grace {
                    let done =
                        py.detach(|| self.result.lock().unwrap_or_else(|e| e.into_inner()).recv_timeout(SIGNAL_CHECK));
                    if !matches!(done, Err(mpsc::RecvTimeoutError::Timeout)) || py.check_signals().is_err() {
                        break;
                    }
                }
                return Err(interrupt);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(None);
            }
        }
    }

    /// Ends the wait: the outcome becomes "cancelled" (and the question's
    /// thread gets the follow-up). Does nothing once the ask has ended.
    fn cancel(&self) {
        if let Some(tx) = self.cancel.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = tx.send(());
        }
    }
}

fn outcome_dict<'py>(py: Python<'py>, result: Result<(Asked, String, String), Error>) -> PyResult<Bound<'py, PyDict>> {
    let (asked, alerter, flavor) = result.map_err(py_err)?;
    let d = PyDict::new(py);
    d.set_item("reference", &asked.question.reference)?;
    d.set_item("link", &asked.question.link)?;
    d.set_item("alerter", alerter)?;
    d.set_item("flavor", flavor)?;
    d.set_item("polls", asked.polls)?;
    d.set_item("summary", asked.outcome.summary())?;
    let decision = match &asked.outcome {
        Outcome::Approved(x) | Outcome::Declined(x) => {
            d.set_item("by_id", &x.by_id)?;
            d.set_item("by_name", &x.by_name)?;
            d.set_item("text", &x.text)?;
            d.set_item("at_ms", x.at_ms)?;
            d.set_item("in_thread", x.in_thread)?;
            if matches!(asked.outcome, Outcome::Approved(_)) {
                "approved"
            } else {
                "declined"
            }
        }
        Outcome::TimedOut { waited_s } => {
            d.set_item("waited_s", waited_s)?;
            "timeout"
        }
        Outcome::Failed { error } => {
            d.set_item("error", error)?;
            "failed"
        }
        Outcome::Cancelled => "cancelled",
    };
    d.set_item("decision", decision)?;
    Ok(d)
}

/// Starts an ask on a thread of its own and returns at once.
#[pyfunction]
#[pyo3(signature = (message, timeout, approve=None, disapprove=None, approvers=Vec::new(), case_sensitive=false,
                    follow_up=true, alerter=None, settings=Vec::new(), home=None))]
#[allow(clippy::too_many_arguments)]
fn ask_start(
    message: MessageParts,
    timeout: f64,
    approve: Option<Vec<String>>,
    disapprove: Option<Vec<String>>,
    approvers: Vec<String>,
    case_sensitive: bool,
    follow_up: bool,
    alerter: Option<String>,
    settings: Vec<(String, String)>,
    home: Option<PathBuf>,
) -> PyResult<PendingAsk> {
    init_logging();
    let message = message.message()?;
    if !timeout.is_finite() || timeout <= 0.0 {
        return Err(bad_input(format!("timeout must be a positive number of seconds (got {timeout})")));
    }
    let mut opts = AskOptions {
        timeout: Duration::from_secs_f64(timeout),
        case_sensitive,
        approvers,
        follow_up,
        ..AskOptions::default()
    };
    for (list, given, what) in
        [(&mut opts.approve, approve, "approve"), (&mut opts.disapprove, disapprove, "disapprove")]
    {
        if let Some(words) = given {
            if words.iter().all(|w| w.trim().is_empty()) {
                return Err(bad_input(format!("{what} needs at least one non-empty word")));
            }
            *list = words;
        }
    }
    let (rt, host) = context(home.as_deref()).map_err(py_err)?;
    let (result_tx, result_rx) = mpsc::channel();
    let (cancel_tx, cancel_rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::Builder::new()
        .name("alerter-ask".into())
        .spawn(move || {
            let result = rt.block_on(async {
                let a = host.alerter(alerter.as_deref(), &settings).await?;
                let cancelled = async {
                    let _ = cancel_rx.await;
                };
                let asked = alerter::ask(&a, &message, &opts, &(), cancelled).await?;
                Ok((asked, a.name().to_string(), a.flavor().info().name.clone()))
            });
            let _ = result_tx.send(result);
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the ask thread: {e}")))?;
    Ok(PendingAsk { result: Mutex::new(result_rx), cancel: Mutex::new(Some(cancel_tx)) })
}

/// Registers an alerter; returns `(flavor, flavor_version, became_active, warnings)`.
#[pyfunction]
#[pyo3(signature = (name, flavor, settings=Vec::new(), allow_hosts=Vec::new(), trust_declared_hosts=false, home=None))]
#[allow(clippy::field_reassign_with_default)]
fn register(
    py: Python<'_>,
    name: String,
    flavor: String,
    settings: Vec<(String, String)>,
    allow_hosts: Vec<String>,
    trust_declared_hosts: bool,
    home: Option<PathBuf>,
) -> PyResult<(String, String, bool, Vec<String>)> {
    init_logging();
    py.detach(|| {
        let (rt, host) = context(home.as_deref())?;
        // Field by field: the library may add fields (with defaults) later.
        let mut new = NewAlerter::default();
        new.name = name;
        new.flavor = flavor;
        new.settings = settings;
        new.allow_hosts = allow_hosts;
        new.trust_declared_hosts = trust_declared_hosts;
        let saved = rt.block_on(host.register_alerter(new))?;
        let warnings = saved.warnings.iter().map(warning_text).collect();
        Ok((saved.flavor, saved.flavor_version, saved.became_active, warnings))
    })
    .map_err(py_err)
}

fn warning_text(w: &alerter::Warning) -> String {
    match w {
        alerter::Warning::SecretNotSet { reference, env_var } => {
            format!("secret {reference} is not set yet (set it in the secret store or in ${env_var})")
        }
        alerter::Warning::HostsNotConsented { origins } => {
            let listed: Vec<String> = origins.iter().map(ToString::to_string).collect();
            format!(
                "the flavor was registered from a file: the hosts it declares ({}) are refused until you consent \
                 (trust_declared_hosts=True, or allow_hosts=[...] for each)",
                listed.join(", ")
            )
        }
        alerter::Warning::NeedsGrant { origin, setting, .. } => match setting {
            Some(s) => format!("setting `{s}` points at {origin}, which is refused until granted (allow_hosts)"),
            None => format!("{origin} is refused until granted (allow_hosts)"),
        },
        #[allow(unreachable_patterns)]
        other => format!("{other:?}"),
    }
}

/// Registers a flavor component by path; returns `(name, version)`.
#[pyfunction]
#[pyo3(signature = (path, name=None, replace=false, trusted=false, home=None))]
#[allow(clippy::field_reassign_with_default)]
fn register_flavor(
    py: Python<'_>,
    path: PathBuf,
    name: Option<String>,
    replace: bool,
    trusted: bool,
    home: Option<PathBuf>,
) -> PyResult<(String, String)> {
    init_logging();
    py.detach(|| {
        let (rt, host) = context(home.as_deref())?;
        // Field by field: the library may add fields (with defaults) later.
        let mut how = alerter::FlavorRegistration::default();
        how.name = name;
        how.replace = replace;
        how.trusted = trusted;
        let r = rt.block_on(host.register_flavor_with(&path, &how))?;
        Ok((r.name, r.info.version))
    })
    .map_err(py_err)
}

/// Removes an alerter.
#[pyfunction]
#[pyo3(signature = (name, home=None))]
fn remove(py: Python<'_>, name: String, home: Option<PathBuf>) -> PyResult<()> {
    py.detach(|| context(home.as_deref())?.1.remove_alerter(&name)).map_err(py_err)
}

/// Makes an alerter the active one.
#[pyfunction]
#[pyo3(signature = (name, home=None))]
fn use_alerter(py: Python<'_>, name: String, home: Option<PathBuf>) -> PyResult<()> {
    py.detach(|| context(home.as_deref())?.1.use_alerter(&name)).map_err(py_err)
}

/// Stores secret values under `name`; returns the references (`{{name.key}}`).
#[pyfunction]
#[pyo3(signature = (name, pairs, home=None))]
fn set_secret(
    py: Python<'_>,
    name: String,
    pairs: Vec<(String, String)>,
    home: Option<PathBuf>,
) -> PyResult<Vec<String>> {
    py.detach(|| {
        let refs = context(home.as_deref())?.1.set_secrets(&name, pairs)?;
        Ok(refs.iter().map(ToString::to_string).collect())
    })
    .map_err(py_err)
}

/// The alerters: `(name, flavor, active)`.
#[pyfunction]
#[pyo3(signature = (home=None))]
fn alerters(py: Python<'_>, home: Option<PathBuf>) -> PyResult<Vec<(String, String, bool)>> {
    py.detach(|| {
        let list = context(home.as_deref())?.1.alerters()?;
        Ok(list.into_iter().map(|a| (a.name, a.flavor, a.active)).collect())
    })
    .map_err(py_err)
}

/// The flavors, built in and registered, as dicts (a flavor whose file no
/// longer loads has `error`).
#[pyfunction]
#[pyo3(signature = (home=None))]
fn flavors<'py>(py: Python<'py>, home: Option<PathBuf>) -> PyResult<Bound<'py, PyList>> {
    init_logging();
    let list = py
        .detach(|| {
            let (rt, host) = context(home.as_deref())?;
            rt.block_on(host.flavors())
        })
        .map_err(py_err)?;
    let out = PyList::empty(py);
    for (name, loaded) in list {
        let d = PyDict::new(py);
        d.set_item("name", &name)?;
        match loaded {
            Ok((flavor, source)) => {
                let info = flavor.info();
                d.set_item("version", &info.version)?;
                d.set_item("description", &info.description)?;
                match source {
                    FlavorSource::BuiltIn => d.set_item("path", py.None())?,
                    FlavorSource::Path(p) => d.set_item("path", p)?,
                }
                d.set_item("can_post", info.capabilities.post)?;
                d.set_item("can_read_replies", info.capabilities.read_replies)?;
                d.set_item("can_thread", info.capabilities.threads)?;
                let settings = PyList::empty(py);
                for s in &info.settings {
                    settings.append((&s.name, &s.description, s.required, &s.default))?;
                }
                d.set_item("settings", settings)?;
                d.set_item("error", py.None())?;
            }
            Err(e) => d.set_item("error", e.to_string())?,
        }
        out.append(d)?;
    }
    Ok(out)
}

/// The state directory calls use: `home`, else `$ALERTER_HOME`, else the default.
#[pyfunction]
fn default_home() -> PyResult<PathBuf> {
    Host::default_home().map_err(py_err)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("AlerterError", py.get_type::<AlerterError>())?;
    m.add("ConfigurationError", py.get_type::<ConfigurationError>())?;
    m.add("DeliveryError", py.get_type::<DeliveryError>())?;
    m.add("CONTRACT_VERSION", alerter::CONTRACT_VERSION)?;
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<PendingAsk>()?;
    m.add_function(wrap_pyfunction!(post, m)?)?;
    m.add_function(wrap_pyfunction!(ask_start, m)?)?;
    m.add_function(wrap_pyfunction!(register, m)?)?;
    m.add_function(wrap_pyfunction!(register_flavor, m)?)?;
    m.add_function(wrap_pyfunction!(remove, m)?)?;
    m.add_function(wrap_pyfunction!(use_alerter, m)?)?;
    m.add_function(wrap_pyfunction!(set_secret, m)?)?;
    m.add_function(wrap_pyfunction!(alerters, m)?)?;
    m.add_function(wrap_pyfunction!(flavors, m)?)?;
    m.add_function(wrap_pyfunction!(default_home, m)?)?;
    Ok(())
}
